/**
 * Data sources: each turns an `IrCall` from the `train` block (`csv(path, label: ...)`) into a `Table` of
 * numeric features and raw labels. Turning a table into tensors for a model is `tensors.ts`'s job.
 */
import type { IrCall } from "../../compiler/ir/index.js";
import { readCsv } from "./csv.js";
import { dataLimits, type DataLimits } from "./files.js";
import { readIdx } from "./idx.js";
import { readJsonLines } from "./json.js";
import { readNpy } from "./npy.js";

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
  /** The label column; empty for data read without labels (rows to predict on). */
  readonly labelName: string;
  /**
   * One raw label per row, as written: a class name, a class number, or a regression target; none for data
   * read without labels.
   */
  readonly labels: readonly string[];
  /** The 1-based line each row was read from, for messages about a row. */
  readonly lines: readonly number[];
  /** How the features were scaled (`normalize:`), when they were. */
  readonly normalization?: Normalization;
  /**
   * For a model of several inputs, each fed by its own array file (`npy(x: inputs(a: ..., b: ...))`): the
   * inputs in the order written. A row holds each input's example, one after another, in this order.
   */
  readonly inputs?: readonly TableInput[];
  /**
   * Targets of more than one value per example (`y` of shape `[rows, T]` or `[rows, T, C]`): the shape of one
   * example's targets and the values, row after row. `labels` is then empty.
   */
  readonly targets?: ArrayTargets;
}

/** One input's part of a row: the model input it feeds, the file it was read from, the shape of one example. */
export interface TableInput {
  readonly name: string;
  readonly source: string;
  readonly shape: readonly number[];
}

/** Targets read as numbers: `shape` per example, `values` row after row. */
export interface ArrayTargets {
  /** The targets' file as shown in messages. */
  readonly source: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * How a table's feature columns were scaled: `(value - shift[c]) / scale[c]` for column `c` (a constant
 * column, `scale` 0, becomes 0). Fitted on the training data and saved with a run, so validation data,
 * `nnc evaluate` and `nnc predict` scale new rows exactly as training did.
 */
export interface Normalization {
  readonly mode: "standard" | "minmax";
  readonly shift: readonly number[];
  readonly scale: readonly number[];
}

/**
 * Reads the data a `train` block names. Features are scaled as its `normalize:` says, with statistics of
 * this data, or with `normalization` when given (the training data's, for data the model did not train on).
 * Throws `NncUserError` on a missing or malformed source, or one past `limits`.
 */
export function loadTable(source: IrCall, normalization?: Normalization, limits: DataLimits = dataLimits): Table {
  const features = source.args["features"] as string[] | undefined;
  switch (source.name) {
    case "csv":
      return prepared(
        readCsv(String(source.args["path"]), String(source.args["label"]), features, limits),
        source,
        normalization,
      );
    case "json":
      return prepared(
        readJsonLines(String(source.args["path"]), String(source.args["label"]), features, limits),
        source,
        normalization,
      );
    case "npy":
      return readNpy(npyFeatureFiles(source), String(source.args["y"]), limits);
    case "idx":
      return readIdx(
        String(source.args["images"]),
        String(source.args["labels"]),
        source.args["scale"] !== false,
        limits,
      );
    default:
      // The checker accepts only the sources listed in train-options.ts, so this is a bug, not a user error.
      throw new Error(`loadTable: no reader for data source '${source.name}'`);
  }
}

/** The number of values in one example (of every input together). */
export function featureCount(table: Table): number {
  if (table.inputs) return table.inputs.reduce((sum, input) => sum + sizeOf(input.shape), 0);
  return table.exampleShape ? sizeOf(table.exampleShape) : table.featureNames.length;
}

/** The number of elements of an array of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The features files of an `npy` source: one path (`x: "x.npy"`), or one per model input
 * (`x: inputs(a: "a.npy", b: "b.npy")`, checked into `{ a: path, b: path }`).
 */
export function npyFeatureFiles(source: IrCall): string | Readonly<Record<string, string>> {
  const x = source.args["x"];
  return typeof x === "object" && x !== null && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x).map(([name, file]) => [name, String(file)]))
    : String(x);
}

/** A table of named features scaled as `normalize:` says (the readers already picked the `features:`). */
function prepared(table: Table, source: IrCall, normalization: Normalization | undefined): Table {
  const mode = source.args["normalize"] as "standard" | "minmax" | undefined;
  if (!mode) return table;
  return applyNormalization(table, normalization ?? fitNormalization(table, mode));
}

/**
 * The statistics that scale each feature column over all rows: `standard` to mean 0 and (population)
 * standard deviation 1, `minmax` to [0, 1]. Tables are added one after another, so a file read in chunks
 * is fitted without holding it: each chunk's mean and squared deviations are merged into the total's
 * (Chan et al.'s parallel variance), which for one chunk is the plain two-pass formula.
 */
export class NormalizationFit {
  private rows = 0;
  private readonly mean: number[] = [];
  private readonly squares: number[] = [];
  private readonly min: number[] = [];
  private readonly max: number[] = [];

  constructor(
    private readonly mode: "standard" | "minmax",
    private readonly width: number,
  ) {}

  add(table: Table): void {
    const width = this.width;
    const rows = table.features.length / Math.max(width, 1);
    if (rows === 0) return;
    for (let c = 0; c < width; c++) {
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let r = 0; r < rows; r++) {
        const value = table.features[r * width + c]!;
        sum += value;
        if (value < min) min = value;
        if (value > max) max = value;
      }
      const mean = sum / rows;
      let squares = 0;
      for (let r = 0; r < rows; r++) squares += (table.features[r * width + c]! - mean) ** 2;
      if (this.rows === 0) {
        [this.mean[c], this.squares[c], this.min[c], this.max[c]] = [mean, squares, min, max];
        continue;
      }
      const total = this.rows + rows;
      const delta = mean - this.mean[c]!;
      this.squares[c] = this.squares[c]! + squares + (delta * delta * this.rows * rows) / total;
      this.mean[c] = this.mean[c]! + (delta * rows) / total;
      this.min[c] = Math.min(this.min[c]!, min);
      this.max[c] = Math.max(this.max[c]!, max);
    }
    this.rows += rows;
  }

  result(): Normalization {
    const columns = Array.from({ length: this.width }, (_, c) => c);
    if (this.mode === "standard") {
      return {
        mode: this.mode,
        shift: [...this.mean],
        scale: columns.map((c) => Math.sqrt(this.squares[c]! / this.rows)),
      };
    }
    return { mode: this.mode, shift: [...this.min], scale: columns.map((c) => this.max[c]! - this.min[c]!) };
  }
}

function fitNormalization(table: Table, mode: "standard" | "minmax"): Normalization {
  const fit = new NormalizationFit(mode, table.featureNames.length);
  fit.add(table);
  return fit.result();
}

/** `table` with its features scaled by `normalization`, which it keeps (`Table.normalization`). */
export function applyNormalization(table: Table, normalization: Normalization): Table {
  const width = table.featureNames.length;
  const features = new Float32Array(table.features.length);
  table.features.forEach((value, i) => {
    const c = i % width;
    const scale = normalization.scale[c]!;
    features[i] = scale === 0 ? 0 : (value - normalization.shift[c]!) / scale;
  });
  return { ...table, features, normalization };
}
