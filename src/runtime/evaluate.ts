/**
 * `nnc evaluate`: a saved run's loss and metrics on labelled data, as Keras's `model.evaluate` reports them
 * (`{ loss, accuracy }`). The data is read by the train block's own readers with its options; features are
 * picked and scaled as training did (`preprocessing.json`), and class labels are encoded with the training
 * classes (`labels.json`), so the figures mean what `val_loss` and `val_accuracy` meant during training.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { IrCall, IrTrain, JsonValue } from "../compiler/ir.js";
import { dataSources, losses, metrics } from "../compiler/train-options.js";
import { loadTable, type Table } from "./data/index.js";
import { toDataset } from "./data/tensors.js";
import { NncUserError } from "./errors.js";
import { figureNames, type Figures } from "./figures.js";
import type { SavedRun } from "./saved-run.js";

export interface Evaluation {
  /** Loss and metrics under their Keras names, in Keras's order. */
  readonly figures: Figures;
  /** The data evaluated, as shown in messages. */
  readonly source: string;
  readonly rows: number;
}

/** Table sources by a file's extension: `--data` may give JSON Lines for a model trained on CSV. */
const tableSourceByExtension: Readonly<Record<string, string>> = { ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json" };

/**
 * The data to evaluate on: by default the train block's `validation` source, or its `data`; with `files`,
 * the train block's source with its paths replaced: one file of rows for csv() and json() (the extension
 * picks which), `images labels` for idx(), `x y` for npy(). The other options (label, features, scale) stay.
 */
export function evaluationSource(train: IrTrain, files?: readonly string[]): IrCall {
  if (files === undefined || files.length === 0) return train.validation ?? train.data;
  const source = train.data;
  const paths = dataSources[source.name]!.paths;
  const tabular = source.name === "csv" || source.name === "json";
  const name = tabular ? tableSourceByExtension[path.extname(files[0]!).toLowerCase()] : source.name;
  if (files.length !== paths.length || name === undefined) {
    const wanted = tabular ? "one .csv, .json or .jsonl file" : `${paths.length} files (${paths.join(", ")})`;
    throw new NncUserError("NN4005", {
      path: files.join(" "),
      reason: `train ${train.model} reads ${source.name}() data, so --data takes ${wanted}`,
    });
  }
  const args: Record<string, JsonValue> = { ...source.args };
  paths.forEach((key, i) => (args[key] = path.resolve(files[i]!)));
  return { name, args };
}

/** Evaluates `run` on `source` with the train block's loss, metrics and batch size. */
export async function evaluateRun(run: SavedRun, train: IrTrain, source: IrCall): Promise<Evaluation> {
  const encoding = losses[train.loss]!.targets;
  if (encoding !== "value" && !run.labels) {
    // Classes taken from the data instead would silently misnumber the outputs when one is missing there.
    throw new NncUserError("NN4010", {
      path: `${run.shownAs}/labels.json`,
      reason: "no such file; it holds the training classes in the order of the model's outputs, which evaluate needs",
    });
  }
  const table = readLabelled(run, source);
  const model = run.model;
  // evaluate() needs a compiled model; the optimizer is never stepped.
  model.compile({ optimizer: "sgd", loss: losses[train.loss]!.tfjs, metrics: train.metrics.map((m) => metrics[m]!) });
  const dataset = toDataset(table, model, encoding, [...table.labels.keys()], run.labels?.classes);
  try {
    const result = model.evaluate(dataset.x, dataset.y, { batchSize: train.batchSize });
    const values = (Array.isArray(result) ? result : [result]).map((scalar) => scalar.dataSync()[0]!);
    tf.dispose(result);
    const figures: Record<string, number> = {};
    figureNames(train.metrics)
      .slice(0, values.length)
      .forEach(([name], i) => (figures[name] = values[i]!));
    return { figures, source: table.source, rows: table.labels.length };
  } finally {
    tf.dispose([dataset.x, dataset.y]);
  }
}

/** The rows of `source` with the training features, scaled with the training statistics. */
function readLabelled(run: SavedRun, source: IrCall): Table {
  const preprocessing = run.preprocessing;
  if (source.args["normalize"] !== undefined && !preprocessing?.normalization) {
    throw new NncUserError("NN4010", {
      path: `${run.shownAs}/preprocessing.json`,
      reason: "no normalization statistics, which the data's normalize: needs; train the model again to save them",
    });
  }
  const tabular = source.name === "csv" || source.name === "json";
  const args = { ...source.args };
  if (tabular && preprocessing && preprocessing.features.length > 0) args["features"] = [...preprocessing.features];
  return loadTable({ ...source, args }, preprocessing?.normalization ?? undefined);
}
