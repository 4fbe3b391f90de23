/**
 * NumPy `.npy` arrays: `npy(x: "x.npy", y: "y.npy")`, features `x` of shape `[rows, ...]` and targets `y`
 * of shape `[rows]` or `[rows, 1]` (class labels or values). Format versions 1-3, C order, little-endian
 * (or byte) float32/float64/int8-64/uint8-64 and bool. Float values must be finite as 32-bit floats: NaN
 * or an infinity in the features would train a model whose weights are all NaN.
 */
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { dataLimits, readWholeDataFile, type DataLimits } from "./files.js";
import type { Table } from "./index.js";
import { firstNonFinite, nonFiniteError } from "./values.js";

/** An array file read whole: its layout and a view of its values. */
interface NpyArray {
  readonly source: string;
  readonly layout: ArrayLayout;
  readonly view: DataView;
}

/** Reads features and targets of the same length, or the features alone (`yFile` null: rows to predict on). */
export function readNpy(xFile: string, yFile: string | null, limits: DataLimits = dataLimits): Table {
  const x = readNpyFile(xFile, limits);
  const { source, layout } = x;
  const rows = layout.shape[0] ?? 0;
  checkFeatures(layout.shape, source);
  const features = new Float32Array(layout.shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < features.length; i++) features[i] = Number(layout.get(x.view, i * layout.itemBytes));
  if (layout.floating) checkFinite(features, 0, x.view, layout, source, "x");
  return {
    source,
    featureNames: [],
    exampleShape: layout.shape.slice(1),
    features,
    labelName: yFile === null ? "" : "y",
    labels: yFile === null ? [] : readTargets(yFile, rows, source, limits),
    lines: Array.from({ length: rows }, (_, i) => i + 1),
  };
}

/**
 * NN4020 for the first value of `values` that is not finite as a float32: `values` are the array's elements
 * from index `first` on, `view` holds them as the file does (for the message), `name` is the array's name.
 */
export function checkFinite(
  values: Float32Array,
  first: number,
  view: DataView,
  layout: ArrayLayout,
  source: string,
  name: string,
): void {
  const at = firstNonFinite(values);
  if (at < 0) return;
  const index = elementIndex(layout.shape, first + at);
  const original = Number(layout.get(view, at * layout.itemBytes));
  throw nonFiniteError(`${source}: record ${index[0]! + 1}`, `${name}[${index.join(", ")}]`, original);
}

/** The index of element `flat` of an array of `shape`, in C order: `[11, 3]`. */
function elementIndex(shape: readonly number[], flat: number): number[] {
  const index = shape.map(() => 0);
  for (let axis = shape.length - 1, rest = flat; axis >= 0; axis--) {
    index[axis] = rest % shape[axis]!;
    rest = Math.floor(rest / shape[axis]!);
  }
  return index;
}

/** NN4006 unless `shape` is that of features: rows, then at least one axis per example. */
export function checkFeatures(shape: readonly number[], source: string): void {
  if (shape.length < 2) {
    throw new NncUserError("NN4006", {
      where: source,
      reason: `expected features of shape [rows, ...], found [${shape.join(", ")}]`,
    });
  }
}

/** The targets of `rows` examples from `file`, as label strings. */
export function readTargets(file: string, rows: number, source: string, limits: DataLimits = dataLimits): string[] {
  const y = readNpyFile(file, limits);
  const { shape, get, itemBytes, floating } = y.layout;
  if (shape[0] !== rows || shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) {
    throw new NncUserError("NN4006", {
      where: y.source,
      reason: `expected targets of shape [${rows}] or [${rows}, 1] for the ${rows} rows of ${source}, found [${shape.join(", ")}]`,
    });
  }
  const values = Array.from({ length: rows }, (_, i) => get(y.view, i * itemBytes));
  if (floating) checkFinite(Float32Array.from(values, Number), 0, y.view, y.layout, y.source, "y");
  return values.map(String);
}

const floatTypes = new Set(["f4", "f8"]);
const types: Record<string, [number, (view: DataView, offset: number) => number | bigint]> = {
  f4: [4, (v, o) => v.getFloat32(o, true)],
  f8: [8, (v, o) => v.getFloat64(o, true)],
  i1: [1, (v, o) => v.getInt8(o)],
  u1: [1, (v, o) => v.getUint8(o)],
  b1: [1, (v, o) => v.getUint8(o)],
  i2: [2, (v, o) => v.getInt16(o, true)],
  u2: [2, (v, o) => v.getUint16(o, true)],
  i4: [4, (v, o) => v.getInt32(o, true)],
  u4: [4, (v, o) => v.getUint32(o, true)],
  i8: [8, (v, o) => v.getBigInt64(o, true)],
  u8: [8, (v, o) => v.getBigUint64(o, true)],
};

function readNpyFile(file: string, limits: DataLimits): NpyArray {
  const source = displayPath(file);
  const bytes = readWholeDataFile(
    file,
    source,
    limits.wholeBytes,
    "train on it: training reads a large .npy file by offset",
  );
  const layout = npyLayout(bytes, bytes.length, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, bytes.length - layout.dataOffset);
  return { source, layout, view };
}

/** Where an array's values are in its file and how to read one; all a reader of some records needs. */
export interface ArrayLayout {
  readonly shape: number[];
  /** Bytes before the first value. */
  readonly dataOffset: number;
  readonly itemBytes: number;
  readonly get: (view: DataView, offset: number) => number | bigint;
  /** Whether the values are floats, which may be NaN or infinite, and are checked for it. */
  readonly floating: boolean;
}

/**
 * The layout a `.npy` header gives (`head`: the file's first bytes, the whole header at least), checked
 * against the file's size; NN4006 when the header cannot be read or the data is cut short.
 */
export function npyLayout(head: Buffer, fileSize: number, source: string): ArrayLayout {
  const bad = (reason: string) => new NncUserError("NN4006", { where: source, reason });
  if (head.length < 10 || head.toString("latin1", 0, 6) !== "\x93NUMPY")
    throw bad("not a .npy file: it does not start with \\x93NUMPY");
  const major = head[6]!;
  const start = major === 1 ? 10 : 12;
  if (head.length < start) throw bad("the header is cut short");
  const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const header = head.toString("latin1", start, start + headerLength);
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shapeText) throw bad(`the header cannot be read: ${header.trim().slice(0, 120)}`);
  if (order[1] === "True") throw bad("Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
  const type = types[descr[2]!];
  if (!type || descr[1] === ">")
    throw bad(`dtype '${descr[1]}${descr[2]}' is not supported; use float32, float64, an integer type or bool`);
  const shape = shapeText[1]!
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "")
    .map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw bad(`the shape (${shapeText[1]!.slice(0, 80)}) is not a list of whole numbers`);
  const [size, get] = type;
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  if (fileSize - offset !== count * size) {
    const per = shape.length > 1 ? (count / shape[0]!) * size : size;
    throw new NncUserError("NN4006", {
      where: `${source}: record ${Math.floor((fileSize - offset) / per) + 1}`,
      reason: `shape (${shape.join(", ")}) needs ${count * size} bytes of data, the file holds ${fileSize - offset}`,
    });
  }
  return { shape, dataOffset: offset, itemBytes: size, get, floating: floatTypes.has(descr[2]!) };
}
