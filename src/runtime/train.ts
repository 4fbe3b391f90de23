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
import { trainingCallbacks, writtenFiles } from "./callbacks.js";
import { loadTrainingData, type TrainingData } from "./data/training-data.js";
import { figureNames, kerasFigures } from "./figures.js";
import { progressCallback } from "./progress.js";
import { seededRandom, withRandom } from "./random.js";
import type { EpochRecord, Run } from "./save.js";

export interface TrainOptions {
  /** Overrides the block's `epochs`. */
  readonly epochs?: number;
  /** Where progress goes: bars on a terminal, one line per epoch otherwise. Default: stdout. */
  readonly output?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** The run directory, where `model_checkpoint` and `csv_logger` write. Default: `runs/<model>`. */
  readonly runDir?: string;
}

export interface TrainedRun extends Run {
  /** tfjs's own History, with tfjs's keys. */
  readonly tfjsHistory: tf.History;
  /** Files callbacks wrote into the run directory during training (for `saveRun` to keep). */
  readonly written: readonly string[];
}

/**
 * Trains `model` as `train` says. With a `seed`, the initial weights, the row order, dropout and the
 * per-epoch shuffles are all reproducible. Throws `NncUserError` when the data is missing, malformed or
 * does not fit the model, before any training step.
 *
 * A module emitted by `nnc compile` takes the same steps in the same order (build, compile, load the data,
 * fit), so with the same seed it draws the same random numbers and trains the same weights.
 */
export async function trainModel(model: IrModel, train: IrTrain, options: TrainOptions = {}): Promise<TrainedRun> {
  await initBackend();
  const names = figureNames(train.metrics);
  const epochs = options.epochs ?? train.epochs;
  return withRandom(train.seed === null ? null : seededRandom(train.seed), async () => {
    const tfModel = buildModel(model);
    const optimizerCall = optimizers[train.optimizer.name]!.tfjs(train.optimizer.args);
    const optimizer = (tf.train as unknown as Record<string, (...args: unknown[]) => tf.Optimizer>)[
      optimizerCall.factory
    ]!(...optimizerCall.args);
    tfModel.compile({ optimizer, loss: losses[train.loss]!.tfjs, metrics: train.metrics.map((m) => metrics[m]!) });
    let data: TrainingData;
    try {
      data = loadTrainingData(tfModel, train);
    } catch (error) {
      tfModel.dispose();
      throw error;
    }
    try {
      const steps = Math.ceil(data.trainingRows / train.batchSize);
      const progress = progressCallback({
        epochs,
        steps,
        stream: options.output ?? process.stdout,
        figures: (logs) => kerasFigures(logs, names),
      });
      const callbacks = trainingCallbacks(train, optimizer, data.trainingRows, options.runDir ? { runDir: options.runDir } : {});
      const history = await tfModel.fit(data.xs, data.ys, {
        epochs,
        batchSize: train.batchSize,
        validationSplit: train.validationSplit,
        ...(data.validationData ? { validationData: data.validationData } : {}),
        shuffle: train.shuffle,
        verbose: 0,
        // fit() takes either callback objects or plain hooks, never a mix: the progress hooks are wrapped.
        callbacks: [new tf.CustomCallback(progress), ...callbacks],
      });
      const records = history.epoch.map((epoch) => {
        const logs: tf.Logs = {};
        for (const [key, values] of Object.entries(history.history)) logs[key] = Number(values[epoch]);
        return { epoch: epoch + 1, ...kerasFigures(logs, [...names, ["lr", "lr"]]) } as EpochRecord;
      });
      return {
        model: tfModel,
        history: records,
        labels: data.labels,
        preprocessing: data.preprocessing,
        tfjsHistory: history,
        written: writtenFiles(callbacks),
      };
    } finally {
      tf.dispose([data.xs, data.ys, ...(data.validationData ?? [])]);
    }
  });
}
