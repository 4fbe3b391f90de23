/**
 * Data sources: each turns an `IrCall` from the `train` block (`csv(path, label: ...)`) into a `Table` of
 * numeric features and raw labels. Turning a table into tensors for a model is `tensors.ts`'s job.
 */
import type { IrCall, JsonValue } from "../../compiler/ir/index.js";
import { readCsvTable } from "./csv.js";
import { dataLimits, type DataLimits } from "./files.js";
import { readIdx } from "./idx.js";
import { readJsonTable } from "./json.js";
import { readNpy, readSampleWeights } from "./npy.js";

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
  /** The label column; empty for data read without labels (rows to predict on) or with labels per output. */
  readonly labelName: string;
  /**
   * One raw label per row, as written: a class name, a class number, or a regression target; none for data
   * read without labels.
   */
  readonly labels: readonly string[];
  /** The 1-based line each row was read from, for messages about a row. */
  readonly lines: readonly number[];
  /**
   * Labels per model output (`labels: { kind: "species", price: "price" }`, `npy(y: { kind: "kind.npy" })`),
   * in the order written; `labels` is then empty.
   */
  readonly outputs?: readonly OutputLabels[];
  /**
   * Features that are sequences of any length (a JSON field holding an array), one entry per input they feed;
   * their values are not in `features`, and `featureNames` leaves them out.
   */
  readonly sequences?: readonly SequenceFeature[];
  /** Rows left out for a missing value (`missing: drop`). */
  readonly dropped?: number;
  /** One weight per row, from the column `sample_weight:` names (finite, 0 or more); absent without one. */
  readonly weights?: Float32Array;
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

/**
 * One input's part of a row: the model input it feeds, the file it was read from, the shape of one example
 * (`[]` for a sequence, whose values are in `Table.sequences`).
 */
export interface TableInput {
  readonly name: string;
  readonly source: string;
  readonly shape: readonly number[];
}

/** One model output's targets: raw labels of a column (or a file's), or numbers of several per example. */
export interface OutputLabels {
  readonly output: string;
  /** The column, field or file they were read from, for messages. */
  readonly labelName: string;
  readonly labels: readonly string[];
  readonly targets?: ArrayTargets;
}

/**
 * A feature whose value is a sequence (`"tokens": [12, 7, 99]`, or `[[0.1, 2], [3, 4]]` of `width` values a
 * step): one array per row, `steps x width` values.
 */
export interface SequenceFeature {
  /** The model input it feeds; `""` for a model of one input. */
  readonly input: string;
  readonly field: string;
  readonly width: number;
  readonly rows: readonly Float32Array[];
}

/** Which columns a csv() or json() source reads as what (from its `label:`/`labels:`, `features:`, `missing:`). */
export interface TableSpec {
  /** Label columns, by output (`""` for `label:`); none for rows to predict on, or with `target:`. */
  readonly labels: readonly { readonly output: string; readonly column: string }[];
  /** Whether labels are per output (`labels: {...}`): the table then has `outputs`. */
  readonly perOutput: boolean;
  /** Feature columns: a list, or one per model input; absent: every column that is not a label. */
  readonly features?: readonly string[] | Readonly<Record<string, readonly string[]>>;
  /** A row with a missing or empty value: an error, or left out (and counted). */
  readonly missing: "error" | "drop";
  /** The column of each row's sample weight (`sample_weight:`), read for labelled rows only; never a feature. */
  readonly weight?: string;
}

/** What a csv() or json() call reads; `labelled` false for rows to predict on, or a model trained with `target:`. */
export function tableSpec(source: IrCall, labelled = true): TableSpec {
  const label = source.args["label"];
  const labels = source.args["labels"];
  const columns =
    !labelled || (label === undefined && labels === undefined)
      ? []
      : typeof label === "string"
        ? [{ output: "", column: label }]
        : Object.entries(labels as Record<string, string>).map(([output, column]) => ({ output, column }));
  const features = source.args["features"] as TableSpec["features"] | undefined;
  return {
    labels: columns,
    perOutput: labelled && labels !== undefined,
    ...(features ? { features } : {}),
    missing: source.args["missing"] === "drop" ? "drop" : "error",
    ...(labelled && typeof source.args["sample_weight"] === "string" ? { weight: source.args["sample_weight"] } : {}),
  };
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
export function loadTable(
  source: IrCall,
  normalization?: Normalization | null,
  limits: DataLimits = dataLimits,
  labelled = true,
): Table {
  switch (source.name) {
    case "csv":
      return prepared(
        readCsvTable(String(source.args["path"]), tableSpec(source, labelled), limits),
        source,
        normalization,
      );
    case "json":
      return prepared(
        readJsonTable(String(source.args["path"]), tableSpec(source, labelled), limits),
        source,
        normalization,
      );
    case "npy": {
      const table = readNpy(npyFeatureFiles(source), labelled ? npyTargetFiles(source) : null, limits);
      const weights = source.args["sample_weight"];
      if (!labelled || typeof weights !== "string") return table;
      return { ...table, weights: readSampleWeights(weights, table.lines.length, table.source, limits) };
    }
    case "idx":
      return readIdx(
        String(source.args["images"]),
        labelled ? String(source.args["labels"]) : null,
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
  if (table.inputs) return table.inputs.reduce((sum, input) => sum + (input.shape.length ? sizeOf(input.shape) : 0), 0);
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
  return filesOf(source.args["x"]);
}

/** The targets files of an `npy` source: one path (`y: "y.npy"`), or one per model output (`y: { kind: "kind.npy" }`). */
export function npyTargetFiles(source: IrCall): string | Readonly<Record<string, string>> {
  return filesOf(source.args["y"]);
}

function filesOf(value: JsonValue | undefined): string | Readonly<Record<string, string>> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([name, file]) => [name, String(file)]))
    : String(value);
}

/**
 * A table of named features scaled as `normalize:` says (the readers already picked the `features:`); with
 * `normalization` (the training data's statistics, or null for none), scaled with it whatever this source's
 * own `normalize:` says: the training source decides how every source of the run is scaled.
 */
function prepared(table: Table, source: IrCall, normalization: Normalization | null | undefined): Table {
  if (normalization === null) return table;
  if (normalization) return applyNormalization(table, normalization);
  const mode = source.args["normalize"] as "standard" | "minmax" | undefined;
  return mode ? applyNormalization(table, fitNormalization(table, mode)) : table;
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
