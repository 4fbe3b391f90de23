/**
 * `train` block -> trained model: build the model, compile it with the block's optimizer, loss and metrics,
 * open the data, and run the training loop (`fit-loop.ts`) with the block's callbacks, progress reporting and,
 * with a run directory, a checkpoint after every epoch. The figures come back under Keras's names
 * (`accuracy`, `val_loss`) whatever tfjs calls them internally.
 *
 * `nnc train` calls `trainModel`; a module emitted by `nnc compile` calls `runTraining` with its own
 * `buildM`. Both run this code, so they cannot drift apart: with the same seed they train the same weights.
 */
import { randomInt } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import type { IrModel, IrTrain } from "../compiler/ir.js";
import { losses, metrics, optimizers } from "../compiler/train-options.js";
import { initBackend } from "./backend.js";
import { buildModel } from "./build.js";
import { trainingCallbacks, writtenFiles } from "./callbacks.js";
import { checkpointDirectory, readCheckpoint, restoreCheckpoint, writeCheckpoint, type Checkpoint, type TrainingParts } from "./checkpoint.js";
import { openTrainingData, type TrainingBatches } from "./data/batches.js";
import { figureNames, kerasFigures } from "./figures.js";
import { trainLoop, type LoopPoint } from "./fit-loop.js";
import { progressCallback } from "./progress.js";
import { seededRandom, withRandom } from "./random.js";
import type { EpochRecord, Run } from "./save.js";

/** A train block as `runTraining` takes it: the IR without its source location. */
export type TrainSettings = Omit<IrTrain, "location">;

export interface TrainOptions {
  /** Overrides the block's `epochs`. */
  readonly epochs?: number;
  /** Where progress goes: bars on a terminal, one line per epoch otherwise. Default: stdout. */
  readonly output?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /**
   * The run directory, where `model_checkpoint` and `csv_logger` write, and where a checkpoint to resume
   * from is kept (`<runDir>/resume/`) after every epoch. Without it no checkpoint is written, and the
   * callbacks write to `runs/<model>`.
   */
  readonly runDir?: string;
  /** Continue from the checkpoint in `runDir` (`nnc train --resume`). */
  readonly resume?: boolean;
  /** When aborted (Ctrl-C), training stops after the current step and saves a checkpoint. */
  readonly signal?: AbortSignal;
  /** Data files larger than this many bytes are streamed rather than read whole. Default: 256 MiB. */
  readonly streamAbove?: number;
  /** Records per chunk when a streamed file is first read through. Default: 4096. */
  readonly chunkRows?: number;
}

export interface TrainedRun extends Run {
  /** tfjs's own History, with tfjs's keys. */
  readonly tfjsHistory: tf.History;
  /** Files callbacks wrote into the run directory during training (for `saveRun` to keep). */
  readonly written: readonly string[];
  /** Where training stopped when `signal` interrupted it (a checkpoint is saved there); null when it ended. */
  readonly interrupted: LoopPoint | null;
  /** How the data was read: streamed or whole, and the most rows held in memory at once. */
  readonly data: { readonly streamed: boolean; readonly peakRows: number };
}

/** Trains the spec's `model` as `train` says; see `runTraining`. */
export function trainModel(model: IrModel, train: IrTrain, options: TrainOptions = {}): Promise<TrainedRun> {
  return runTraining(() => buildModel(model), train, options);
}

/**
 * Builds a model with `build` and trains it as `train` says. While it runs, `Math.random` is a seeded
 * generator (seeded by `seed`, or by a random seed that a checkpoint records): the initial weights, the row
 * order, dropout and the per-epoch shuffles are reproducible, and a resumed run continues the same sequence.
 * Throws `NncUserError` when the data is missing, malformed or does not fit the model, before any step.
 */
export async function runTraining(build: () => tf.LayersModel, train: TrainSettings, options: TrainOptions = {}): Promise<TrainedRun> {
  await initBackend();
  const checkpoint = options.resume ? await readCheckpoint(requireRunDir(options)) : null;
  const seed = checkpoint?.state.seed ?? train.seed ?? randomInt(2 ** 32);
  const random = seededRandom(seed);
  return withRandom(random, async () => {
    const model = build();
    const optimizerCall = optimizers[train.optimizer.name]!.tfjs(train.optimizer.args);
    const optimizer = (tf.train as unknown as Record<string, (...args: unknown[]) => tf.Optimizer>)[optimizerCall.factory]!(
      ...optimizerCall.args,
    );
    model.compile({ optimizer, loss: losses[train.loss]!.tfjs, metrics: train.metrics.map((m) => metrics[m]!) });
    let data: TrainingBatches;
    try {
      data = await openTrainingData(model, train, options);
    } catch (error) {
      model.dispose();
      throw error;
    }
    try {
      return await fitWithData(model, optimizer, data, train, { ...options, seed, random, checkpoint });
    } finally {
      data.close();
    }
  });
}

interface FitOptions extends TrainOptions {
  readonly seed: number;
  readonly random: ReturnType<typeof seededRandom>;
  readonly checkpoint: Checkpoint | null;
}

async function fitWithData(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  data: TrainingBatches,
  train: TrainSettings,
  options: FitOptions,
): Promise<TrainedRun> {
  const names = figureNames(train.metrics);
  const epochs = options.epochs ?? train.epochs;
  const steps = Math.ceil(data.trainingRows / train.batchSize);
  const stream = options.output ?? process.stdout;
  if (options.checkpoint) {
    const { epoch, step } = options.checkpoint.state.point;
    stream.write(`resuming at epoch ${epoch + 1}/${epochs}, step ${step + 1}/${steps}\n`);
  }
  const progress = progressCallback({
    epochs,
    steps,
    stream,
    figures: (logs) => kerasFigures(logs, names),
  });
  const callbacks = trainingCallbacks(train, optimizer, data.trainingRows, {
    ...(options.runDir ? { runDir: options.runDir } : {}),
    about: { labels: data.labels, ...(data.preprocessing ? { preprocessing: data.preprocessing } : {}) },
  });
  const parts: TrainingParts = { model, optimizer, callbacks, seed: options.seed };
  const { checkpoint, runDir } = options;
  const result = await trainLoop(model, data, {
    epochs,
    batchSize: train.batchSize,
    shuffle: train.shuffle,
    callbacks: [new tf.CustomCallback(progress, "never"), ...callbacks],
    random: options.random,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(checkpoint
      ? { resume: { point: checkpoint.state.point, history: checkpoint.state.history, restore: () => restoreCheckpoint(checkpoint, parts) } }
      : {}),
    ...(runDir ? { checkpoint: (point, history) => writeCheckpoint(runDir, parts, point, history) } : {}),
  });
  if (result.interrupted) await progress.onTrainEnd?.();
  const history = result.epochs.map((logs, epoch) => ({ epoch: epoch + 1, ...kerasFigures(logs, [...names, ["lr", "lr"]]) }) as EpochRecord);
  return {
    model,
    history,
    labels: data.labels,
    preprocessing: data.preprocessing,
    tfjsHistory: result.history,
    written: [...writtenFiles(callbacks), ...(runDir ? [checkpointDirectory(runDir)] : [])],
    interrupted: result.interrupted,
    data: { streamed: data.streamed, peakRows: data.peakRows() },
  };
}

function requireRunDir(options: TrainOptions): string {
  if (!options.runDir) throw new Error("runTraining: resume needs a runDir");
  return options.runDir;
}
