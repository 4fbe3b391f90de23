/**
 * `nnc predict`'s reading of one `.npy` features file, fast: the file's values become the features array
 * as they are (float32, zero copy) or in one typed-array conversion, instead of one DataView read per element
 * (`readNpy`'s general path, which cost predict as much time as the forward pass of an MLP). The table, its
 * checks and its messages are those of `readNpy(file, null)`; an array it does not cover (64-bit integers, a
 * big-endian machine) is read by `readNpy`.
 */
import { dataLimits, type DataLimits } from "./data/files.js";
import { sizeOf, type Table } from "./data/index.js";
import { checkFeatures, checkFinite, readNpy, readNpyWhole } from "./data/npy.js";

/** The rows of features of the `.npy` file `file`, as `readNpy(file, null)` reads them. */
export function readNpyFeatures(file: string, limits: DataLimits = dataLimits): Table {
  const { source, bytes, layout } = readNpyWhole(file, limits);
  const ArrayOf = layout.array;
  if (!ArrayOf) return readNpy(file, null, limits);
  checkFeatures(layout.shape, source);
  const count = sizeOf(layout.shape);
  const start = bytes.byteOffset + layout.dataOffset;
  // A typed array starts at a multiple of its element's size; npy's headers pad the data to 16 or 64 bytes,
  // so this copy is for a file written otherwise.
  const aligned = start % layout.itemBytes === 0;
  const values = aligned
    ? new ArrayOf(bytes.buffer, start, count)
    : new ArrayOf(new Uint8Array(bytes.subarray(layout.dataOffset)).buffer, 0, count);
  const features = values instanceof Float32Array ? values : converted(values, count);
  if (layout.floating) {
    const view = new DataView(bytes.buffer, start, bytes.length - layout.dataOffset);
    checkFinite(features, 0, view, layout, source, "x");
  }
  const rows = layout.shape[0]!;
  return {
    source,
    featureNames: [],
    exampleShape: layout.shape.slice(1),
    features,
    labelName: "",
    labels: [],
    lines: Array.from({ length: rows }, (_, i) => i + 1),
  };
}

/** `values` as float32s: each rounded as `Number(value)` stored into a Float32Array rounds it. */
function converted(values: ArrayLike<number>, count: number): Float32Array {
  const out = new Float32Array(count);
  out.set(values);
  return out;
}
