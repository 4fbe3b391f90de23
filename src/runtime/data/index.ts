/**
 * Data sources: each turns an `IrCall` from the `train` block (`csv(path, label: ...)`) into a `Table` of
 * numeric features and raw labels. Turning a table into tensors for a model is `tensors.ts`'s job.
 */
import type { IrCall } from "../../compiler/ir.js";
import { readCsv } from "./csv.js";
import { readIdx } from "./idx.js";
import { readJsonLines } from "./json.js";
import { readNpy } from "./npy.js";
import { NncUserError } from "../errors.js";
import { didYouMean } from "../../compiler/suggest.js";

/** Examples read from a data source, fully validated: no half-read data ever reaches training. */
export interface Table {
  /** The source as shown in messages: a path relative to the working directory when it is below it. */
  readonly source: string;
  /** Column names of a table of features; empty for images. */
  readonly featureNames: readonly string[];
  /** The shape of one example when it is not a row of named features (an image: `[28, 28]`). */
  readonly exampleShape?: readonly number[];
  /** `rows x featureCount(table)` values, row after row. */
  readonly features: Float32Array;
  readonly labelName: string;
  /** One raw label per row, as written: a class name, a class number, or a regression target. */
  readonly labels: readonly string[];
  /** The 1-based line each row was read from, for messages about a row. */
  readonly lines: readonly number[];
}

/** Reads the data a `train` block names. Throws `NncUserError` on a missing or malformed source. */
export function loadTable(source: IrCall): Table {
  switch (source.name) {
    case "csv":
      return prepared(readCsv(String(source.args["path"]), String(source.args["label"])), source);
    case "json":
      return prepared(
        readJsonLines(String(source.args["path"]), String(source.args["label"]), source.args["features"] as string[] | undefined),
        source,
      );
    case "npy":
      return readNpy(String(source.args["x"]), String(source.args["y"]));
    case "idx":
      return readIdx(String(source.args["images"]), String(source.args["labels"]), source.args["scale"] !== false);
    default:
      // The checker accepts only the sources listed in train-options.ts, so this is a bug, not a user error.
      throw new Error(`loadTable: no reader for data source '${source.name}'`);
  }
}

/** How many examples a data source holds (reads and checks it whole). */
export function countRows(source: IrCall): number {
  return loadTable(source).labels.length;
}

/** The number of values in one example. */
export function featureCount(table: Table): number {
  return table.exampleShape ? table.exampleShape.reduce((a, b) => a * b, 1) : table.featureNames.length;
}

/** A table of named features narrowed to `features:` (in that order) and scaled as `normalize:` says. */
function prepared(table: Table, source: IrCall): Table {
  const wanted = source.args["features"] as string[] | undefined;
  const mode = source.args["normalize"] as "standard" | "minmax" | undefined;
  let result = table;
  if (wanted && wanted.join() !== table.featureNames.join()) {
    const columns = wanted.map((name) => {
      const index = table.featureNames.indexOf(name);
      if (index < 0) {
        const reason = `no feature column '${name}'; the columns are ${[...table.featureNames, table.labelName].join(", ")}`;
        throw new NncUserError("NN4006", { where: table.source, reason }, didYouMean(name, table.featureNames));
      }
      return index;
    });
    const width = table.featureNames.length;
    const rows = table.labels.length;
    const features = new Float32Array(rows * columns.length);
    for (let r = 0; r < rows; r++) columns.forEach((c, i) => (features[r * columns.length + i] = table.features[r * width + c]!));
    result = { ...table, featureNames: wanted, features };
  }
  return mode ? normalized(result, mode) : result;
}

/**
 * Each feature column scaled over all rows: `standard` to mean 0 and standard deviation 1, `minmax` to
 * [0, 1]. A constant column becomes 0.
 */
function normalized(table: Table, mode: "standard" | "minmax"): Table {
  const width = table.featureNames.length;
  const rows = table.labels.length;
  const features = new Float32Array(table.features);
  for (let c = 0; c < width; c++) {
    const column = Array.from({ length: rows }, (_, r) => table.features[r * width + c]!);
    let shift: number;
    let span: number;
    if (mode === "standard") {
      shift = column.reduce((a, b) => a + b, 0) / rows;
      span = Math.sqrt(column.reduce((a, b) => a + (b - shift) ** 2, 0) / rows);
    } else {
      shift = Math.min(...column);
      span = Math.max(...column) - shift;
    }
    for (let r = 0; r < rows; r++) features[r * width + c] = span === 0 ? 0 : (column[r]! - shift) / span;
  }
  return { ...table, features };
}
