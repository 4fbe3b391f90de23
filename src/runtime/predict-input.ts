/**
 * `nnc predict`'s reading of one `.npy` features file: the whole file read once, its values the features array
 * as they are (float32, zero copy) or in one typed-array conversion (`float32Values`, which `readNpy` uses
 * too), beside the line numbers a prediction's rows are reported by. The table, its checks and its messages
 * are those of `readNpy(file, null)`.
 */
import { dataLimits, type DataLimits } from "./data/files.js";
import type { Table } from "./data/index.js";
import { checkFeatures, checkFinite, float32Values, readNpyWhole } from "./data/npy.js";

/** The rows of features of the `.npy` file `file`, as `readNpy(file, null)` reads them. */
export function readNpyFeatures(file: string, limits: DataLimits = dataLimits): Table {
  const { source, bytes, layout } = readNpyWhole(file, limits);
  checkFeatures(layout.shape, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, bytes.length - layout.dataOffset);
  const features = float32Values(layout, view);
  if (layout.floating) checkFinite(features, 0, view, layout, source, "x");
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
