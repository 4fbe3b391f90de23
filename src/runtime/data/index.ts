/**
 * Data sources: each turns an `IrCall` from the `train` block (`csv(path, label: ...)`) into a `Table` of
 * numeric features and raw labels. Turning a table into tensors for a model is `tensors.ts`'s job.
 */
import type { IrCall } from "../../compiler/ir.js";
import { readCsv } from "./csv.js";

/** Examples read from a data source, fully validated: no half-read data ever reaches training. */
export interface Table {
  /** The source as shown in messages: a path relative to the working directory when it is below it. */
  readonly source: string;
  readonly featureNames: readonly string[];
  /** `rows x featureNames.length` values, row after row. */
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
    default:
      // The checker accepts only the sources listed in train-options.ts, so this is a bug, not a user error.
      throw new Error(`loadTable: no reader for data source '${source.name}'`);
  }
}

/** How many examples a data source holds (reads and checks it whole). */
export function countRows(source: IrCall): number {
  return loadTable(source).labels.length;
}
