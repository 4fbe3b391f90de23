/**
 * NumPy `.npy` arrays: `npy(x: "x.npy", y: "y.npy")`, features `x` of shape `[rows, ...]` and targets `y`
 * of shape `[rows]` or `[rows, 1]` (class labels or values). Format versions 1-3, C order, little-endian
 * (or byte) float32/float64/int8-64/uint8-64 and bool.
 */
import { displayPath } from "../../compiler/render.js";
import { NncUserError, readDataFile } from "../errors.js";
import type { Table } from "./index.js";

interface NpyArray {
  readonly shape: number[];
  readonly values: ArrayLike<number | bigint>;
}

/** Reads features and targets of the same length, or the features alone (`yFile` null: rows to predict on). */
export function readNpy(xFile: string, yFile: string | null): Table {
  const x = readNpyFile(xFile);
  const source = displayPath(xFile);
  const rows = x.shape[0] ?? 0;
  checkFeatures(x.shape, source);
  return {
    source,
    featureNames: [],
    exampleShape: x.shape.slice(1),
    features: Float32Array.from(x.values, Number),
    labelName: yFile === null ? "" : "y",
    labels: yFile === null ? [] : readTargets(yFile, rows, source),
    lines: Array.from({ length: rows }, (_, i) => i + 1),
  };
}

/** NN4006 unless `shape` is that of features: rows, then at least one axis per example. */
export function checkFeatures(shape: readonly number[], source: string): void {
  if (shape.length < 2) {
    throw new NncUserError("NN4006", { where: source, reason: `expected features of shape [rows, ...], found [${shape.join(", ")}]` });
  }
}

/** The targets of `rows` examples from `file`, as label strings. */
export function readTargets(file: string, rows: number, source: string): string[] {
  const y = readNpyFile(file);
  const yRows = y.shape[0];
  if (yRows !== rows || y.shape.length > 2 || (y.shape.length === 2 && y.shape[1] !== 1)) {
    throw new NncUserError("NN4006", {
      where: displayPath(file),
      reason: `expected targets of shape [${rows}] or [${rows}, 1] for the ${rows} rows of ${source}, found [${y.shape.join(", ")}]`,
    });
  }
  return Array.from(y.values, (v) => String(v));
}

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

function readNpyFile(file: string): NpyArray {
  const source = displayPath(file);
  const bytes = readDataFile(file, source);
  const layout = npyLayout(bytes, bytes.length, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, bytes.length - layout.dataOffset);
  const count = layout.shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: count }, (_, i) => layout.get(view, i * layout.itemBytes));
  return { shape: layout.shape, values };
}

/** Where an array's values are in its file and how to read one; all a reader of some records needs. */
export interface ArrayLayout {
  readonly shape: number[];
  /** Bytes before the first value. */
  readonly dataOffset: number;
  readonly itemBytes: number;
  readonly get: (view: DataView, offset: number) => number | bigint;
}

/**
 * The layout a `.npy` header gives (`head`: the file's first bytes, the whole header at least), checked
 * against the file's size; NN4006 when the header cannot be read or the data is cut short.
 */
export function npyLayout(head: Buffer, fileSize: number, source: string): ArrayLayout {
  const bad = (reason: string) => new NncUserError("NN4006", { where: source, reason });
  if (head.length < 10 || head.toString("latin1", 0, 6) !== "\x93NUMPY") throw bad("not a .npy file: it does not start with \\x93NUMPY");
  const major = head[6]!;
  const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = head.toString("latin1", start, start + headerLength);
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shapeText) throw bad(`the header cannot be read: ${header.trim()}`);
  if (order[1] === "True") throw bad("Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
  const type = types[descr[2]!];
  if (!type || descr[1] === ">") throw bad(`dtype '${descr[1]}${descr[2]}' is not supported; use float32, float64, an integer type or bool`);
  const shape = shapeText[1]!.split(",").map((d) => d.trim()).filter((d) => d !== "").map(Number);
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
  return { shape, dataOffset: offset, itemBytes: size, get };
}
