/**
 * `nnc predict`: a saved run's outputs for new rows. The rows are read with the training data's readers,
 * feature columns (by name, so their order in the file does not matter) and scaling statistics
 * (`preprocessing.json`); a label column, if the file has one, is ignored. A model trained on idx() or npy()
 * arrays predicts for an IDX images file or a .npy array (one per input); one trained on an images() folder, for
 * image files and folders, with a `file` column; one trained on text(...), for a file of texts, with a `line`
 * column. A classifier's outputs become the
 * predicted class name (`labels.json`) and one probability per class; a regression's are raw, or in the
 * targets' units when training scaled them (`normalize_target:`); several outputs' columns are prefixed with
 * each output's name (`kind_predicted`, `price`).
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { IrModel } from "../compiler/ir/index.js";
import { classColumns, valueColumns } from "../compiler/registry/prediction-columns.js";
import { readCsvTable } from "./data/csv.js";
import { applyNormalization, featureCount, type Table, type TableSpec } from "./data/index.js";
import { checkEmbeddingIds, embeddingIds } from "./data/embedding-ids.js";
import { readIdx } from "./data/idx.js";
import { missingHint } from "./data/values.js";
import { readJsonTable } from "./data/json.js";
import { readNpy } from "./data/npy.js";
import { featureTensor } from "./data/tensors.js";
import { NncUserError } from "./errors.js";
import { outputClasses } from "./save.js";
import type { SavedRun } from "./saved-run.js";
import { append } from "../compiler/base/arrays.js";
import { tensorModel } from "./tensor-output.js";
import { predictImages } from "./predict-images.js";
import { predictText } from "./predict-text.js";
import { readNpyFeatures } from "./predict-input.js";

/** A table of predictions: `predicted`, `p_<class>`... for a classifier; the label column for a regression. */
export interface Predictions {
  readonly columns: readonly string[];
  /** One row per input row, in the input's order. */
  readonly rows: readonly (readonly (string | number)[])[];
}

/**
 * Predicts with `run` for each row of `file` (.csv, .json or .jsonl; IDX or .npy for array data; for a model
 * trained on one .npy file per input, those files in the order training named them). With `tensor`, the
 * values of the tensor the spec's model names so (`--output`), raw, instead of its outputs.
 */
export function predictRun(
  run: SavedRun,
  file: string | readonly string[],
  tensor?: { spec: IrModel; name: string },
): Predictions {
  const files = typeof file === "string" ? [file] : file;
  // A run trained on an image folder predicts for image files and folders, a row per image (predict-images.ts).
  const images = predictImages(run, files, (table) => predictTable(run, table, tensor));
  // A run trained on text(...) predicts a chunk of texts at a time, with a `line` column (predict-text.ts).
  const texts = images ?? predictText(run, files, (table) => predictTable(run, table, tensor));
  return texts ?? predictTable(run, readInput(run, files), tensor);
}

function predictTable(run: SavedRun, table: Table, tensor?: { spec: IrModel; name: string }): Predictions {
  const { model } = run;
  if (table.lines.length === 0)
    throw new NncUserError("NN4007", { detail: `${table.source} has no rows to predict for` });
  const predictor = tensor ? tensorModel(model, tensor.spec, tensor.name) : model;
  checkEmbeddingIds(table, embeddingIds(model));
  const values = forward(predictor, model, table, run.preprocessing?.pad ?? 0);
  if (tensor) return regression(values[0]!, tensor.name);
  const reconstructed = values.length === 1 ? reconstruction(run, values[0]!) : null;
  if (reconstructed) return reconstructed;
  const names = outputNames(run);
  const parts = values.map((v, k) => {
    const name = names[k] ?? `output_${k}`;
    const classes = run.preprocessing?.target ? null : outputClasses(run.labels, names.length > 1 ? name : "");
    // A sequence of class probabilities (an output [T, C]) has no one predicted class: its outputs stay raw.
    const perClass = model.outputs[k]!.shape.length === 2;
    if (classes && perClass) return classified(v, classes.classes, names.length > 1 ? `${name}_` : "");
    const scaling = run.preprocessing?.targetScaling?.[k];
    return regression(v, name, scaling ? [scaling.scale] : undefined, scaling ? [scaling.shift] : undefined);
  });
  return parts.length === 1 ? parts[0]! : sideBySide(parts);
}

/**
 * `predictor`'s outputs for every row of `table`, each read with one dataSync. Rows of fixed size go through
 * in chunks of `batchRows`, each its own tensor (the input is never whole on the heap) run through the model
 * as one batch (`execute`: predict would copy its batches out of the input and concatenate them again);
 * sequences, whose values are not in the rows, go through `predict` whole. (`step`: the rows of a chunk.)
 */
export function forward(
  predictor: tf.LayersModel,
  model: tf.LayersModel,
  table: Table,
  pad: number,
  step = batchRows(predictor, table.lines.length),
): Matrix[] {
  const rows = table.lines.length;
  if (table.sequences || rows === 0) {
    const x = featureTensor(table, model, [...table.lines.keys()], pad);
    const outputs = tf.tidy(() => {
      const y = predictor.predict(x, { batchSize: batchRows(predictor, rows) }) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(y) ? y : [y]).map((t) => t.reshape([t.shape[0]!, -1]));
    });
    tf.dispose(x);
    const values = outputs.map((t): Matrix => ({ data: t.dataSync(), rows: t.shape[0]!, width: t.shape[1]! }));
    tf.dispose(outputs);
    return values;
  }
  const width = featureCount(table);
  // `execute` finds outputs by the output of their layer, which a layer used twice (a shared layer) does not
  // have; and it skips predict's widening of inputs of one axis (featureTensor has checked the shapes).
  const direct = predictor.layers.every((layer) => layer.inboundNodes.length <= 1);
  const data: tf.TypedArray[] = [];
  const widths: number[] = [];
  for (let from = 0; from < rows; from += step) {
    const to = Math.min(rows, from + step);
    const part =
      from === 0 && to === rows
        ? table
        : { ...table, features: table.features.subarray(from * width, to * width), lines: table.lines.slice(from, to) };
    const x = featureTensor(part, model, [...part.lines.keys()], pad);
    const xs = Array.isArray(x) ? x : [x];
    const outputs = tf.tidy(() => {
      const y =
        direct && xs.every((t) => t.rank >= 2)
          ? predictor.execute(
              x,
              predictor.outputs.map((o) => o.name),
            )
          : predictor.predict(x, { batchSize: to - from });
      return (Array.isArray(y) ? y : [y]).map((t) => t.reshape([t.shape[0]!, -1]));
    });
    outputs.forEach((t, k) => {
      const values = t.dataSync();
      if (from === 0) {
        widths[k] = t.shape[1]!;
        data[k] =
          to === rows ? values : new (values.constructor as new (n: number) => tf.TypedArray)(rows * widths[k]!);
      }
      if (to !== rows || from !== 0) data[k]!.set(values, from * widths[k]!);
    });
    tf.dispose(outputs);
    tf.dispose(x);
  }
  return data.map((values, k) => ({ data: values, rows, width: widths[k]! }));
}

/** The most values a layer's output for one batch of predictions may hold: 128 MB of float32s. */
const batchValues = 2 ** 25;

/**
 * How many of `rows` rows a forward pass takes at once: as many as keep each layer's output for the batch
 * within `batchValues` (an MLP's 8,192 rows in one pass, ~2x faster than 256 at a time; a convnet's ~900), or
 * 256 when a layer's output has an axis of unknown length (a sequence's) or a layer reads a sequence (an
 * input `[rows, steps, features]`, as a recurrent layer does: it steps through it, and the work of a step
 * stays in the cache for 256 rows; 2,048 at once took 1.7x as long for lstm(64) over 80 steps).
 */
function batchRows(model: tf.LayersModel, rows: number): number {
  let widest = 1;
  for (const layer of model.layers) {
    const inputs = layer.inboundNodes.flatMap((node) => node.inputTensors.map((tensor) => tensor.shape));
    if (inputs.some((shape) => shape.length === 3)) return Math.min(rows, 256);
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as tf.Shape[];
    for (const shape of shapes) {
      let size = 1;
      for (const d of shape.slice(1)) size *= d ?? NaN;
      if (Number.isNaN(size)) return 256;
      widest = Math.max(widest, size);
    }
  }
  return Math.max(1, Math.min(rows, Math.floor(batchValues / widest)));
}

/** One output's values: `rows` rows of `width` numbers, row after row. */
export interface Matrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly width: number;
}

/**
 * The rows of `m` as arrays of numbers, each value `value * scale[c] + shift[c]` when scales are given (one
 * for every column, or one for all).
 */
function rowsOf(m: Matrix, scale?: readonly number[], shift?: readonly number[]): number[][] {
  const rows: number[][] = new Array<number[]>(m.rows);
  for (let r = 0, at = 0; r < m.rows; r++) {
    const row = new Array<number>(m.width);
    for (let c = 0; c < m.width; c++, at++) {
      row[c] = scale
        ? m.data[at]! * scale[scale.length === 1 ? 0 : c]! + shift![shift!.length === 1 ? 0 : c]!
        : m.data[at]!;
    }
    rows[r] = row;
  }
  return rows;
}

/**
 * The output of a model trained to reproduce its table's features (`target: input`), in the data's units (the
 * features' `normalize:` undone) under the feature columns' names; null for any other output.
 */
function reconstruction(run: SavedRun, values: Matrix): Predictions | null {
  const preprocessing = run.preprocessing;
  if (!preprocessing?.target || preprocessing.featuresPerInput || preprocessing.sequence) return null;
  const { features, normalization } = preprocessing;
  if (features.length === 0 || values.rows === 0 || values.width !== features.length) return null;
  return { columns: features, rows: rowsOf(values, normalization?.scale, normalization?.shift) };
}

/**
 * The names predictions are given: each output's (its label column, by output, as training read it), or for a
 * model of one output the training label's.
 */
function outputNames(run: SavedRun): string[] {
  const saved = run.preprocessing?.labels;
  if (saved) return Object.keys(saved);
  if (run.labels && "outputs" in run.labels) return Object.keys(run.labels.outputs);
  const single = run.labels && !("outputs" in run.labels) ? run.labels.column : undefined;
  const label = run.preprocessing?.label || single || run.preprocessing?.target || "output";
  return run.model.outputs.length === 1 ? [label] : run.model.outputs.map((_, k) => `output_${k}`);
}

/** Several outputs' predictions as one table, their columns one after another. */
function sideBySide(parts: readonly Predictions[]): Predictions {
  const rows = new Array<(string | number)[]>(parts[0]!.rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row: (string | number)[] = [];
    for (const part of parts) append(row, part.rows[i]!);
    rows[i] = row;
  }
  return { columns: parts.flatMap((p) => p.columns), rows };
}

/**
 * Reads `files` as training read its data: rows of named features (per input, too), or for idx() and npy()
 * an array file (one per input, in the order training named them).
 */
function readInput(run: SavedRun, files: readonly string[]): Table {
  const preprocessing = run.preprocessing;
  if (!preprocessing) {
    throw new NncUserError("NN4010", {
      path: `${run.shownAs}/preprocessing.json`,
      reason: "no such file; it says which columns are features and how training scaled them: train the model again",
    });
  }
  const inputs = preprocessing.source === "npy" ? (preprocessing.inputs ?? null) : null;
  const wanted = inputs ? inputs.length : 1;
  if (files.length !== wanted) {
    const what = inputs ? `${wanted} .npy files, one per input (${inputs.join(", ")}), in that order` : "one file";
    throw new NncUserError("NN4005", { path: files.join(" "), reason: `nnc predict reads ${what} for this run` });
  }
  const absolute = files.map((file) => path.resolve(file));
  const file = files[0]!;
  const extension = path.extname(file).toLowerCase();
  if (preprocessing.source === "idx") return readIdx(absolute[0]!, null, preprocessing.scale !== false);
  // One features file is read straight into the features array (predict-input.ts).
  if (preprocessing.source === "npy" && !inputs) return readNpyFeatures(absolute[0]!);
  if (preprocessing.source === "npy")
    return readNpy(inputs ? Object.fromEntries(inputs.map((name, i) => [name, absolute[i]!])) : absolute[0]!, null);
  const spec: TableSpec = {
    labels: [],
    perOutput: false,
    features: preprocessing.featuresPerInput ?? [
      ...preprocessing.features,
      ...(preprocessing.sequence ? [preprocessing.sequence] : []),
    ],
    missing: "error",
  };
  let table: Table;
  try {
    if (extension === ".csv") table = readCsvTable(absolute[0]!, spec);
    else if ([".json", ".jsonl", ".ndjson"].includes(extension)) table = readJsonTable(absolute[0]!, spec);
    else throw new NncUserError("NN4005", { path: file, reason: "nnc predict reads .csv, .json or .jsonl files" });
  } catch (error) {
    // Predict answers every row it is given, so `missing: drop` (the readers' advice) does not apply here.
    if (error instanceof NncUserError && error.hint === missingHint)
      throw error.withHint("predict needs every value; fill it in or remove the row");
    throw error;
  }
  return preprocessing.normalization ? applyNormalization(table, preprocessing.normalization) : table;
}

/**
 * The most probable class and every class's probability. One sigmoid unit for two classes is the
 * probability of the second class (index 1), as binary_crossentropy trained it.
 */
function classified(values: Matrix, classes: readonly string[], prefix = ""): Predictions {
  const binary = values.rows > 0 && values.width === 1;
  const names = binary ? classes.slice(0, 2) : classes;
  const columns = classColumns(prefix, names);
  // Units past the classes (a softmax wider than the labels) were never a target: the answer is a class.
  const count = Math.min(binary ? 2 : values.width, names.length);
  const { data, width } = values;
  const rows = new Array<(string | number)[]>(values.rows);
  for (let r = 0; r < values.rows; r++) {
    const row = new Array<string | number>(count + 1);
    let best = 0;
    for (let i = 0; i < count; i++) {
      const p = binary ? (i === 0 ? 1 - data[r]! : data[r]!) : data[r * width + i]!;
      row[i + 1] = p;
      if (p > (row[best + 1] as number)) best = i;
    }
    row[0] = names[best]!;
    rows[r] = row;
  }
  return { columns, rows };
}

/**
 * Raw outputs, named after the training label: `price`, or `price_0`, `price_1`... for several; in the
 * targets' units with `scale` and `shift` (one for all columns).
 */
function regression(values: Matrix, label: string, scale?: readonly number[], shift?: readonly number[]): Predictions {
  const width = values.rows > 0 ? values.width : 1;
  return { columns: valueColumns(label, width), rows: rowsOf(values, scale, shift) };
}

/** Predictions as CSV: a header, then one line per row; fields with commas, quotes or newlines quoted. */
export function predictionsCsv(predictions: Predictions): string {
  // Built by concatenation, numbers unquoted without a test: the text of a number never needs quotes.
  let text = csvLine(predictions.columns);
  for (const row of predictions.rows) text += csvLine(row);
  return text;
}

function csvLine(row: readonly (string | number)[]): string {
  let line = "";
  for (let i = 0; i < row.length; i++) {
    const value = row[i]!;
    const field = String(value);
    line += i === 0 ? "" : ",";
    line += typeof value === "number" || !/[",\n\r]/.test(field) ? field : `"${field.replaceAll('"', '""')}"`;
  }
  return `${line}\n`;
}

/** Predictions as JSON: an array with one object per row, keyed like the CSV's columns. */
export function predictionsJson(predictions: Predictions): string {
  const { columns, rows } = predictions;
  // Written as JSON.stringify(objects, null, 2) writes them, without an object per row. Objects order keys
  // that are array indices ("7") first and keep one of two equal keys: such columns take the general path.
  const plain = new Set(columns).size === columns.length && !columns.some((name) => /^\d+$/.test(name));
  if (!plain) {
    const objects = rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]])));
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  if (rows.length === 0) return "[]\n";
  const keys = columns.map((name) => `\n    ${JSON.stringify(name)}: `);
  let text = "[";
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let object = "";
    for (let i = 0; i < keys.length; i++) {
      const value = row[i];
      if (value === undefined) continue;
      const json =
        typeof value === "number" ? (Number.isFinite(value) ? String(value) : "null") : JSON.stringify(value);
      object += `${object === "" ? "" : ","}${keys[i]!}${json}`;
    }
    text += `${r === 0 ? "" : ","}\n  ${object === "" ? "{}" : `{${object}\n  }`}`;
  }
  return `${text}\n]\n`;
}
