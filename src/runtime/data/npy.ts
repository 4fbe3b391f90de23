/**
 * NumPy `.npy` arrays: `npy(x: "x.npy", y: "y.npy")`, features `x` of shape `[rows, ...]` (or one such file
 * per model input, `x: inputs(a: "a.npy", b: "b.npy")`) and targets `y` of shape `[rows]` or `[rows, 1]`
 * (class labels or values), or `[rows, ...]` with more values per example (a sequence's steps). Format versions 1-3, C order, little-endian
 * (or byte) float32/float64/int8-64/uint8-64 and bool. Float values must be finite as 32-bit floats: NaN
 * or an infinity in the features would train a model whose weights are all NaN.
 */
import { endianness } from "node:os";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { dataLimits, readWholeDataFile, type DataLimits } from "./files.js";
import { sizeOf, type Table } from "./index.js";
import { sampleWeightOf } from "./sample-weight.js";
import { firstNonFinite, nonFiniteError } from "./values.js";

/** An array file read whole: its layout and a view of its values. */
interface NpyArray {
  readonly source: string;
  readonly layout: ArrayLayout;
  readonly view: DataView;
}

/** The features of an `npy` source: one file, or one per model input (keyed by the input's name). */
export type NpyFeatures = string | Readonly<Record<string, string>>;

/**
 * Reads features and targets of the same number of rows, or the features alone (`yFile` null: rows to
 * predict on). With one file per input, a row holds each input's example in turn (`Table.inputs`).
 */
export function readNpy(x: NpyFeatures, yFile: NpyFeatures | null, limits: DataLimits = dataLimits): Table {
  const parts = (typeof x === "string" ? [["x", x] as const] : Object.entries(x)).map(([name, file]) => ({
    name,
    array: readNpyFile(file, limits),
  }));
  for (const { array } of parts) checkFeatures(array.layout.shape, array.source);
  const rows = sameRows(parts.map(({ array }) => ({ source: array.source, shape: array.layout.shape })));
  const values = parts.map(({ name, array }) => {
    const { layout, view, source } = array;
    const read = float32Values(layout, view);
    if (layout.floating) checkFinite(read, 0, view, layout, source, name);
    return read;
  });
  const shapes = parts.map(({ array }) => array.layout.shape.slice(1));
  const source = parts.map(({ array }) => array.source).join(", ");
  const targets = npyTargets(yFile, rows, source, limits);
  return {
    source,
    featureNames: [],
    ...(typeof x === "string"
      ? { exampleShape: shapes[0]!, features: values[0]! }
      : {
          inputs: parts.map(({ name, array }, k) => ({ name, source: array.source, shape: shapes[k]! })),
          features: interleaved(values, shapes.map(sizeOf), rows),
        }),
    ...targets,
    lines: Array.from({ length: rows }, (_, i) => i + 1),
  };
}

/**
 * The targets of an npy source: none (`y` null), one file (`y: "y.npy"`), or one per model output
 * (`y: { kind: "kind.npy", price: "price.npy" }`, `Table.outputs`), each of `rows` examples.
 */
export function npyTargets(
  y: NpyFeatures | null,
  rows: number,
  source: string,
  limits: DataLimits = dataLimits,
): Pick<Table, "labelName" | "labels" | "targets" | "outputs"> {
  if (y === null) return { labelName: "", labels: [] };
  if (typeof y === "string") return { labelName: "y", ...readTargets(y, rows, source, limits) };
  const outputs = Object.entries(y).map(([output, file]) => ({
    output,
    labelName: displayPath(file),
    ...readTargets(file, rows, source, limits),
  }));
  return { labelName: "", labels: [], outputs };
}

/**
 * The number of rows of features files that must agree: NN4006 naming two files that differ. `shape` is each
 * file's, rows first.
 */
export function sameRows(files: readonly { readonly source: string; readonly shape: readonly number[] }[]): number {
  const [first, ...rest] = files;
  const rows = first!.shape[0]!;
  const other = rest.find((file) => file.shape[0] !== rows);
  if (other) {
    throw new NncUserError("NN4006", {
      where: other.source,
      reason: `${other.shape[0]} rows, but ${first!.source} has ${rows}: every file of x holds one example per row of y`,
    });
  }
  return rows;
}

/**
 * The values of an array (`view`: its data, as `layout` says) as float32, each rounded as storing
 * `Number(value)` into a Float32Array rounds it. Where a typed array reads the file's bytes as they are
 * (`layout.array`), float32 values are a view of them (a copy when they do not start at a multiple of 4
 * bytes: NumPy pads its header to 16 or 64) and others one typed-array conversion; 64-bit integers, or any
 * type on a big-endian machine, are converted value by value.
 */
export function float32Values(layout: ArrayLayout, view: DataView): Float32Array {
  const count = sizeOf(layout.shape);
  const ArrayOf = layout.array;
  if (ArrayOf) {
    const start = view.byteOffset;
    const values =
      start % layout.itemBytes === 0
        ? new ArrayOf(view.buffer, start, count)
        : new ArrayOf(view.buffer.slice(start, start + count * layout.itemBytes), 0, count);
    if (values instanceof Float32Array) return values;
    const converted = new Float32Array(count);
    converted.set(values);
    return converted;
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Number(layout.get(view, i * layout.itemBytes));
  return values;
}

/** Rows of several arrays (`widths[k]` values per row of array k) as one array, each row's parts in turn. */
function interleaved(arrays: readonly Float32Array[], widths: readonly number[], rows: number): Float32Array {
  const width = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * width);
  let offset = 0;
  arrays.forEach((values, k) => {
    const w = widths[k]!;
    for (let r = 0; r < rows; r++) out.set(values.subarray(r * w, (r + 1) * w), r * width + offset);
    offset += w;
  });
  return out;
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

/**
 * The targets of `rows` examples from `file`: label strings for `[rows]` or `[rows, 1]`, numbers for more
 * values per example (`[rows, T]`, `[rows, T, C]`), which tensors.ts fits to the model's output.
 */
export function readTargets(
  file: string,
  rows: number,
  source: string,
  limits: DataLimits = dataLimits,
): Pick<Table, "labels" | "targets"> {
  const y = readNpyFile(file, limits);
  const { shape, get, itemBytes, floating } = y.layout;
  if (shape[0] !== rows || shape.length === 0) {
    const expected = shape.length > 2 ? `[${[rows, ...shape.slice(1)].join(", ")}]` : `[${rows}] or [${rows}, 1]`;
    throw new NncUserError("NN4006", {
      where: y.source,
      reason: `expected targets of shape ${expected} for the ${rows} rows of ${source}, found [${shape.join(", ")}]`,
    });
  }
  const values = float32Values(y.layout, y.view);
  if (floating) checkFinite(values, 0, y.view, y.layout, y.source, "y");
  if (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) {
    return { labels: Array.from({ length: rows }, (_, i) => String(get(y.view, i * itemBytes))) };
  }
  return { labels: [], targets: { source: y.source, shape: shape.slice(1), values } };
}

/**
 * The sample weights of `rows` examples from `file` (`npy(x, y, sample_weight: "w.npy")`): an array of shape
 * `[rows]` or `[rows, 1]` (NN4006 otherwise), each value finite and 0 or more (NN4061 at its record).
 */
export function readSampleWeights(
  file: string,
  rows: number,
  source: string,
  limits: DataLimits = dataLimits,
): Float32Array {
  const w = readNpyFile(file, limits);
  const { shape, get, itemBytes } = w.layout;
  if (shape[0] !== rows || shape.length === 0 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) {
    throw new NncUserError("NN4006", {
      where: w.source,
      reason: `expected sample weights of shape [${rows}] or [${rows}, 1] for the ${rows} rows of ${source}, found [${shape.join(", ")}]`,
    });
  }
  return Float32Array.from({ length: rows }, (_, i) =>
    sampleWeightOf(Number(get(w.view, i * itemBytes)), w.source, `record ${i + 1}`),
  );
}

const floatTypes = new Set(["f4", "f8"]);

/** A typed array over a file's bytes. */
export type ArrayType = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number>;

/**
 * The typed array that holds each dtype as the file does (little-endian), by the header's type code; 64-bit
 * integers have none whose values convert to float32 as `Number` of them does.
 */
const arrayTypes: Readonly<Record<string, ArrayType>> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  u1: Uint8Array,
  b1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
};
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
  const { source, bytes, layout } = readNpyWhole(file, limits);
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, bytes.length - layout.dataOffset);
  return { source, layout, view };
}

/** The whole `.npy` file `file` (within the limit for whole files) and the layout its header gives. */
export function readNpyWhole(file: string, limits: DataLimits): { source: string; bytes: Buffer; layout: ArrayLayout } {
  const source = displayPath(file);
  const bytes = readWholeDataFile(
    file,
    source,
    limits.wholeBytes,
    "train on it: training reads a large .npy file by offset",
  );
  return { source, bytes, layout: npyLayout(bytes, bytes.length, source) };
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
  /** The typed array that reads them as they are on this machine, if any (see `arrayTypes`). */
  readonly array?: ArrayType;
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
  const array = endianness() === "LE" ? arrayTypes[descr[2]!] : undefined;
  return {
    shape,
    dataOffset: offset,
    itemBytes: size,
    get,
    floating: floatTypes.has(descr[2]!),
    ...(array ? { array } : {}),
  };
}
