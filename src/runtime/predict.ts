/**
 * `nnc predict`: a saved run's outputs for new rows. The rows are read with the training data's readers,
 * feature columns (by name, so their order in the file does not matter) and scaling statistics
 * (`preprocessing.json`); a label column, if the file has one, is ignored. A model trained on idx() or npy()
 * arrays predicts for an IDX images file or a .npy array. A classifier's outputs become the predicted class
 * name (`labels.json`) and one probability per class; a regression's stay raw.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { IrModel } from "../compiler/ir/index.js";
import { readCsv } from "./data/csv.js";
import { applyNormalization, type Table } from "./data/index.js";
import { readIdx } from "./data/idx.js";
import { readJsonLines } from "./data/json.js";
import { readNpy } from "./data/npy.js";
import { featureTensor } from "./data/tensors.js";
import { NncUserError } from "./errors.js";
import type { SavedRun } from "./saved-run.js";
import { tensorModel } from "./tensor-output.js";

/** A table of predictions: `predicted`, `p_<class>`... for a classifier; the label column for a regression. */
export interface Predictions {
  readonly columns: readonly string[];
  /** One row per input row, in the input's order. */
  readonly rows: readonly (readonly (string | number)[])[];
}

/**
 * Predicts with `run` for each row of `file` (.csv, .json or .jsonl; IDX or .npy for array data). With
 * `tensor`, the values of the tensor the spec's model names so (`--output`), raw, instead of its outputs.
 */
export function predictRun(run: SavedRun, file: string, tensor?: { spec: IrModel; name: string }): Predictions {
  const { model } = run;
  const predictor = tensor ? tensorModel(model, tensor.spec, tensor.name) : model;
  if (model.inputs.length > 1) {
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has ${model.inputs.length} inputs (${model.inputNames.join(", ")}), and nnc predict reads one input file: predicting for a model of several inputs is not supported yet`,
    });
  }
  const table = readInput(run, file);
  const x = featureTensor(table, model, [...table.lines.keys()]);
  const output = tf.tidy(() => {
    const y = predictor.predict(x, { batchSize: 256 }) as tf.Tensor;
    return y.reshape([y.shape[0]!, -1]);
  });
  tf.dispose(x);
  const values = output.arraySync() as number[][];
  output.dispose();
  if (tensor) return regression(values, tensor.name);
  const label = run.preprocessing?.label ?? run.labels?.column ?? "output";
  // A sequence of class probabilities (an output [T, C]) has no one predicted class: its outputs stay raw.
  const perClass = model.outputs[0]!.shape.length === 2;
  return run.labels && perClass ? classified(values, run.labels.classes) : regression(values, label);
}

/** Reads `file` as training read its data: rows of named features, or for idx() and npy() an array file. */
function readInput(run: SavedRun, file: string): Table {
  const preprocessing = run.preprocessing;
  if (!preprocessing) {
    throw new NncUserError("NN4010", {
      path: `${run.shownAs}/preprocessing.json`,
      reason: "no such file; it says which columns are features and how training scaled them: train the model again",
    });
  }
  const absolute = path.resolve(file);
  const extension = path.extname(file).toLowerCase();
  if (preprocessing.source === "idx") return readIdx(absolute, null, preprocessing.scale !== false);
  if (preprocessing.source === "npy") return readNpy(absolute, null);
  let table: Table;
  if (extension === ".csv") table = readCsv(absolute, null, preprocessing.features);
  else if ([".json", ".jsonl", ".ndjson"].includes(extension))
    table = readJsonLines(absolute, null, preprocessing.features);
  else throw new NncUserError("NN4005", { path: file, reason: "nnc predict reads .csv, .json or .jsonl files" });
  return preprocessing.normalization ? applyNormalization(table, preprocessing.normalization) : table;
}

/**
 * The most probable class and every class's probability. One sigmoid unit for two classes is the
 * probability of the second class (index 1), as binary_crossentropy trained it.
 */
function classified(values: readonly number[][], classes: readonly string[]): Predictions {
  const binary = values[0]?.length === 1;
  const names = binary ? classes.slice(0, 2) : classes;
  const columns = ["predicted", ...names.map((name) => `p_${name}`)];
  const rows = values.map((row) => {
    const probabilities = binary ? [1 - row[0]!, row[0]!] : row;
    let best = 0;
    probabilities.forEach((p, i) => (best = p > probabilities[best]! ? i : best));
    return [names[best] ?? String(best), ...probabilities.slice(0, names.length)];
  });
  return { columns, rows };
}

/** Raw outputs, named after the training label: `price`, or `price_0`, `price_1`... for several. */
function regression(values: readonly number[][], label: string): Predictions {
  const width = values[0]?.length ?? 1;
  const columns = width === 1 ? [label] : Array.from({ length: width }, (_, i) => `${label}_${i}`);
  return { columns, rows: values };
}

/** Predictions as CSV: a header, then one line per row; fields with commas, quotes or newlines quoted. */
export function predictionsCsv(predictions: Predictions): string {
  const field = (value: string | number) => {
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [predictions.columns, ...predictions.rows].map((row) => `${row.map(field).join(",")}\n`).join("");
}

/** Predictions as JSON: an array with one object per row, keyed like the CSV's columns. */
export function predictionsJson(predictions: Predictions): string {
  const objects = predictions.rows.map((row) =>
    Object.fromEntries(predictions.columns.map((name, i) => [name, row[i]])),
  );
  return `${JSON.stringify(objects, null, 2)}\n`;
}
