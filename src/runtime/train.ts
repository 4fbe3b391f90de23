/**
 * `train` block -> trained model: load and check the data, build the model from the IR, compile it with the
 * block's optimizer, loss and metrics, and fit it with progress reporting. The figures come back under
 * Keras's names (`accuracy`, `val_loss`) whatever tfjs calls them internally.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrModel, IrTrain } from "../compiler/ir.js";
import { losses, metrics, optimizers } from "../compiler/train-options.js";
import { initBackend } from "./backend.js";
import { buildModel } from "./build.js";
import { trainingCallbacks } from "./callbacks.js";
import { loadTable } from "./data/index.js";
import { toDataset } from "./data/tensors.js";
import { NncUserError } from "./errors.js";
import { progressCallback, type Figures } from "./progress.js";
import { permutation, seededRandom, withRandom } from "./random.js";
import type { EpochRecord, Run } from "./save.js";
import { scheduleCallback } from "./schedules.js";

export interface TrainOptions {
  /** Overrides the block's `epochs`. */
  readonly epochs?: number;
  /** Where progress goes: bars on a terminal, one line per epoch otherwise. Default: stdout. */
  readonly output?: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

export interface TrainedRun extends Run {
  /** tfjs's own History, with tfjs's keys. */
  readonly tfjsHistory: tf.History;
}

/**
 * Trains `model` as `train` says. With a `seed`, the row order, the initial weights, dropout and the
 * per-epoch shuffles are all reproducible. Throws `NncUserError` when the data is missing, malformed or
 * does not fit the model, before any training step.
 */
export async function trainModel(model: IrModel, train: IrTrain, options: TrainOptions = {}): Promise<TrainedRun> {
  await initBackend();
  const table = loadTable(train.data);
  const rows = table.labels.length;
  const random = train.seed === null ? null : seededRandom(train.seed);
  // fit() holds out the *last* rows for validation, before its own shuffle: rows sorted by class would give
  // a validation set of one class. Shuffling once here makes the held-out rows a fair sample.
  const order = train.shuffle ? permutation(rows, random ?? Math.random) : [...table.labels.keys()];
  const trainingRows = Math.floor(rows * (1 - train.validationSplit));
  if (trainingRows === 0 || (train.validationSplit > 0 && trainingRows === rows)) {
    throw new NncUserError("NN4007", {
      detail: `${table.source} has ${rows} rows: too few to hold out validation_split ${train.validationSplit} of them`,
    });
  }
  const loss = losses[train.loss]!;
  const dataset = toDataset(table, model, loss.targets, order);
  const names = figureNames(train);
  const figures = (logs: tf.Logs | undefined): Figures => {
    const renamed: Record<string, number> = {};
    for (const [keras, tfjs] of names) {
      const value = logs?.[tfjs];
      if (value !== undefined) renamed[keras] = value;
    }
    return renamed;
  };
  const toTfjs = new Map(names);
  const epochs = options.epochs ?? train.epochs;
  const steps = Math.ceil(trainingRows / train.batchSize);
  try {
    return await withRandom(random, async () => {
      const tfModel = buildModel(model);
      const optimizerCall = optimizers[train.optimizer.name]!.tfjs(train.optimizer.args);
      const optimizer = (tf.train as unknown as Record<string, (...args: unknown[]) => tf.Optimizer>)[
        optimizerCall.factory
      ]!(...optimizerCall.args);
      tfModel.compile({ optimizer, loss: loss.tfjs, metrics: train.metrics.map((m) => metrics[m]!) });
      // fit() takes either callback objects or plain hooks, never a mix: plain hooks are wrapped here.
      const callbacks: (tf.Callback | tf.CustomCallback)[] = [
        new tf.CustomCallback(progressCallback({ epochs, steps, stream: options.output ?? process.stdout, figures })),
        ...trainingCallbacks(train.callbacks, (keras) => toTfjs.get(keras) ?? keras),
      ];
      if (train.lrSchedule) {
        const initial = Number(train.optimizer.args["learning_rate"]);
        callbacks.push(new tf.CustomCallback(scheduleCallback(train.lrSchedule, optimizer, initial, steps)));
      }
      const history = await tfModel.fit(dataset.x, dataset.y, {
        epochs,
        batchSize: train.batchSize,
        validationSplit: train.validationSplit,
        shuffle: train.shuffle,
        verbose: 0,
        // tfjs types fit's callbacks as its internal BaseCallback, which both classes extend.
        callbacks: callbacks as tf.ModelFitArgs["callbacks"],
      });
      const records = history.epoch.map((epoch) => {
        const logs: tf.Logs = {};
        for (const [key, values] of Object.entries(history.history)) logs[key] = Number(values[epoch]);
        return { epoch: epoch + 1, ...figures(logs) } as EpochRecord;
      });
      const labels = dataset.classes ? { column: table.labelName, classes: dataset.classes } : null;
      return { model: tfModel, history: records, labels, tfjsHistory: history };
    });
  } finally {
    tf.dispose([dataset.x, dataset.y]);
  }
}

/**
 * `[Keras name, tfjs log key]` for every figure, in the order Keras prints them: loss, metrics, then the
 * same with `val_`. tfjs logs the metric `accuracy` as `acc` and other metrics under their tfjs identifier
 * (`mse`, `categoricalAccuracy`); Keras logs each under the name it was given.
 */
function figureNames(train: IrTrain): [string, string][] {
  const pairs: [string, string][] = [["loss", "loss"]];
  for (const name of train.metrics) {
    const id = metrics[name]!;
    pairs.push([name, id === "accuracy" ? "acc" : id]);
  }
  return [...pairs, ...pairs.map(([keras, tfjs]): [string, string] => [`val_${keras}`, `val_${tfjs}`])];
}
