/**
 * Data sources: each turns an `IrCall` from the `train` block (`csv(path, label: ...)`) into a `Table` of
 * numeric features and raw labels. Turning a table into tensors for a model is `tensors.ts`'s job.
 */
import type { IrCall } from "../../compiler/ir.js";
import { readCsv } from "./csv.js";
import { readIdx } from "./idx.js";

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
      return readCsv(String(source.args["path"]), String(source.args["label"]));
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
