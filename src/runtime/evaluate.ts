/**
 * `nnc evaluate`: a saved run's loss and metrics on labelled data, as Keras's `model.evaluate` reports them
 * (`{ loss, accuracy }`). The data is read by the train block's own readers with its options; features are
 * picked and scaled as training did (`preprocessing.json`), and class labels are encoded with the training
 * classes (`labels.json`), so the figures mean what `val_loss` and `val_accuracy` meant during training.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { IrCall, IrTrain } from "../compiler/ir.js";
import { losses, metrics } from "../compiler/train-options.js";
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

/** The sources `evaluate` can read from a path alone, by extension. */
const sourceByExtension: Readonly<Record<string, string>> = { ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json" };

/**
 * The data to evaluate on: by default the train block's `validation` source, or its `data`; with `file`, the
 * train block's source read from `file` instead (a csv() or json() source; the extension picks which).
 */
export function evaluationSource(train: IrTrain, file?: string): IrCall {
  const source = train.validation ?? train.data;
  if (file === undefined) return source;
  const name = sourceByExtension[path.extname(file).toLowerCase()];
  if (!name || (train.data.name !== "csv" && train.data.name !== "json")) {
    const reads = `${train.data.name}(${Object.keys(train.data.args).join(", ")})`;
    throw new NncUserError("NN4005", {
      path: file,
      reason: `--data takes a .csv, .json or .jsonl file of rows like the training data's; train ${train.model} reads ${reads}`,
    });
  }
  return { name, args: { ...train.data.args, path: path.resolve(file) } };
}

/** Evaluates `run` on `source` with the train block's loss, metrics and batch size. */
export async function evaluateRun(run: SavedRun, train: IrTrain, source: IrCall): Promise<Evaluation> {
  const table = readLabelled(run, source);
  const model = run.model;
  // evaluate() needs a compiled model; the optimizer is never stepped.
  model.compile({ optimizer: "sgd", loss: losses[train.loss]!.tfjs, metrics: train.metrics.map((m) => metrics[m]!) });
  const dataset = toDataset(table, model, losses[train.loss]!.targets, [...table.labels.keys()], run.labels?.classes);
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
