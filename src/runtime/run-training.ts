/**
 * `train` block -> trained model: open the run folder (run-folder.ts: marker, lock, room), build the model,
 * compile it with the block's optimizer, loss and metrics, open the data, and run the training loop
 * (`fit-loop.ts`) with the block's callbacks, progress reporting and, with a run folder, a checkpoint after
 * every epoch and the saved run at the end. The figures come back under Keras's names (`accuracy`,
 * `val_loss`) whatever tfjs calls them internally.
 *
 * `nnc train` calls `trainModel`; a module emitted by `nnc compile` calls `runTraining` with its own
 * `buildM`. Both run this code, so they cannot drift apart: with the same seed they train the same weights.
 */
import { randomInt } from "node:crypto";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { freshRunFolder } from "../io/output-path.js";
import type { IrModel, IrTrain } from "../compiler/ir/index.js";
import { runFolders } from "../compiler/registry/run-files.js";
import { initBackend } from "./backend.js";
import { FineTuning, makeOptimizer, runEpochs, withFineTuning } from "./fine-tune.js";
import { applyInit } from "./transfer.js";
import { buildModel } from "./build.js";
import { restoredEpoch, trainingCallbacks, writesFiles, writtenFiles } from "./callbacks.js";
import {
  checkCheckpointPoint,
  checkpointDirectory,
  readCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type TrainingParts,
} from "./checkpoint.js";
import { openTrainingData, type TrainingBatches } from "./data/batches.js";
import { kerasFigures } from "./figures.js";
import { trainLoop, type LoopPoint } from "./fit-loop.js";
import { NncUserError } from "./errors.js";
import { compileForTraining, type EpochFigures } from "./metrics.js";
import { progressCallback } from "./progress.js";
import { seededRandom, withRandom } from "./random.js";
import { runPictures } from "./run-pictures.js";
import { openRunFolder, type RunFolder } from "./run-folder.js";
import { saveInto, type EpochRecord, type Run } from "./save.js";
import { classWeightTable, labelSource } from "./sample-weights.js";
import { checkTest, evaluateTest } from "./test-set.js";

/** A train block as `runTraining` takes it: the IR without its source location. */
export type TrainSettings = Omit<IrTrain, "location">;

export interface TrainOptions {
  /** Overrides the block's `epochs`. */
  readonly epochs?: number;
  /**
   * The `--set` arguments the spec was read with (`units=64`, as `NAME=VALUE` without spaces), kept in each
   * checkpoint: resuming with others (or without them) is NN4011, since the checkpoint is of another model.
   */
  readonly overrides?: readonly string[];
  /** Where progress goes: bars on a terminal, one line per epoch otherwise. Default: stdout. */
  readonly output?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /**
   * The run folder (created, or one nnc marked, see run-folder.ts), locked while training: `model_checkpoint`
   * and `csv_logger` write there, a checkpoint to resume from is kept in `<runDir>/resume/` after every epoch,
   * and the trained run is saved there at the end (`saveRun`'s files). Without it no checkpoint is written, the
   * run is not saved, and the callbacks write to `runs/<model>`.
   */
  readonly runDir?: string;
  /** Continue from the checkpoint in `runDir` (`nnc train --resume`); the folder must be a run folder. */
  readonly resume?: boolean;
  /** Use a `runDir` that holds other files and no marker (`nnc train --overwrite`); nnc deletes none of them. */
  readonly overwrite?: boolean;
  /** `runDir` is the empty folder `freshRunFolder` claimed for this run: removed again if the run writes nothing. */
  readonly freshRunDir?: boolean;
  /** When aborted (Ctrl-C), training stops after the current step and saves a checkpoint. */
  readonly signal?: AbortSignal;
  /**
   * Called after each epoch (1-based) with its figures under Keras's names; returning true ends training there,
   * as `early_stopping` does (a finished run). `nnc sweep`'s trials report and prune through it.
   */
  readonly onEpochEnd?: (epoch: number, figures: Readonly<Record<string, number>>) => boolean;
  /** Data files larger than this many bytes are streamed rather than read whole. Default: 256 MiB. */
  readonly streamAbove?: number;
  /** Records per chunk when a streamed file is first read through. Default: 4096. */
  readonly chunkRows?: number;
}

export interface TrainedRun extends Run {
  /**
   * The history as tfjs's `History` class (what `model.fit` returns), under Keras's names as history.json has
   * them (`accuracy`, `kind_loss`; tfjs says `acc`, `dense_2_loss`), with `epoch` counted from 0.
   */
  readonly tfjsHistory: tf.History;
  /** Files callbacks wrote into the run folder during training (the save keeps them). */
  readonly written: readonly string[];
  /** The epoch whose weights `restore_best_weights` kept, and the figure it watched; null when none was restored. */
  readonly restored: { readonly epoch: number; readonly figure: string } | null;
  /** The epochs of the whole run (main and fine-tuning), as progress counts them. */
  readonly epochs: number;
  /** Where training stopped when `signal` interrupted it (a checkpoint is saved there); null when it ended. */
  readonly interrupted: LoopPoint | null;
  /** How the data was read: streamed or whole, and the most rows held in memory at once. */
  readonly data: { readonly streamed: boolean; readonly peakRows: number };
}

/** Trains the spec's `model` as `train` says; see `runTraining`. The disk's room is checked before building it. */
export function trainModel(model: IrModel, train: IrTrain, options: TrainOptions = {}): Promise<TrainedRun> {
  const parameters = model.layers.reduce((sum, layer) => sum + layer.params.trainable + layer.params.nonTrainable, 0);
  // Resumed, the checkpoint restores every weight: the runs the model's layers load from are not needed.
  const built = options.resume ? { ...model, loads: [] } : model;
  return trainInFolder(() => buildModel(built), train, options, parameters);
}

/**
 * Builds a model with `build` and trains it as `train` says. While it runs, `Math.random` is a seeded
 * generator (seeded by `seed`, or by a random seed that a checkpoint records): the initial weights, the row
 * order, dropout and the per-epoch shuffles are reproducible, and a resumed run continues the same sequence.
 * Throws `NncUserError` when the run folder is unusable (before building the model) or the data is missing,
 * malformed or does not fit the model, before any step.
 */
export function runTraining(
  build: () => tf.LayersModel,
  train: TrainSettings,
  options: TrainOptions = {},
): Promise<TrainedRun> {
  return trainInFolder(build, train, options, null);
}

/** `runTraining` inside its run folder, held from before the model is built until the run is saved. */
async function trainInFolder(
  build: () => tf.LayersModel,
  train: TrainSettings,
  options: TrainOptions,
  parameters: number | null,
): Promise<TrainedRun> {
  if (options.resume && !options.runDir) throw new Error("runTraining: resume needs a runDir");
  const where =
    options.runDir ?? (writesFiles(train.callbacks) ? freshRunFolder(path.join("runs", train.model)) : undefined);
  const folder =
    where === undefined
      ? null
      : await openRunFolder(where, {
          overwrite: options.overwrite === true,
          resume: options.resume === true,
          fresh: options.runDir === undefined || options.freshRunDir === true,
        });
  try {
    if (parameters !== null) await folder?.checkRoom(parameters);
    await initBackend();
    const run = await trainBuilt(build, train, { ...options, folder }, parameters === null ? folder : null);
    if (options.runDir !== undefined && folder && run.interrupted === null) await saveInto(folder, run, run.written);
    return run;
  } finally {
    await folder?.close();
  }
}

/** Builds the model (then checks `roomFor`'s room, when given) and trains it. */
async function trainBuilt(
  build: () => tf.LayersModel,
  train: TrainSettings,
  options: TrainOptions & { readonly folder: RunFolder | null },
  roomFor: RunFolder | null,
): Promise<TrainedRun> {
  const checkpoint = options.resume ? await readCheckpoint(options.folder!.dir) : null;
  if (checkpoint) checkSameOverrides(checkpoint, options.overrides ?? []);
  const seed = checkpoint?.state.seed ?? train.seed ?? randomInt(2 ** 32);
  const random = seededRandom(seed);
  return withRandom(random, async () => {
    const model = build();
    try {
      await roomFor?.checkRoom(model.countParams());
      if (train.init && !checkpoint) applyInit(model, train.init, options.output ?? process.stdout);
    } catch (error) {
      model.dispose();
      throw error;
    }
    const optimizer = makeOptimizer(train.optimizer);
    const figures = compileForTraining(model, train, optimizer);
    let data: TrainingBatches;
    try {
      data = await openTrainingData(model, train, options);
    } catch (error) {
      model.dispose();
      throw error;
    }
    try {
      return await fitWithData(model, optimizer, data, train, { ...options, seed, random, checkpoint, figures });
    } finally {
      data.close();
    }
  });
}

/** NN4011 when a resume's `--set` arguments are not those the run was started with. */
function checkSameOverrides(checkpoint: Checkpoint, overrides: readonly string[]): void {
  const started = checkpoint.state.overrides ?? [];
  if (started.join("\n") === overrides.join("\n")) return;
  const flags = (list: readonly string[]) => (list.length === 0 ? "no --set" : list.map((o) => `--set ${o}`).join(" "));
  throw new NncUserError("NN4011", {
    detail: `${checkpoint.run.shownAs} was started with ${flags(started)}, and this resume gives ${flags(overrides)}: resume with the --set it was started with (--epochs N trains it to N epochs)`,
  });
}

interface FitOptions extends TrainOptions {
  readonly seed: number;
  readonly random: ReturnType<typeof seededRandom>;
  readonly checkpoint: Checkpoint | null;
  readonly folder: RunFolder | null;
  readonly figures: EpochFigures;
}

async function fitWithData(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  data: TrainingBatches,
  train: TrainSettings,
  options: FitOptions,
): Promise<TrainedRun> {
  const { names } = options.figures;
  // A run stopped before its end resumes to the epochs it was started with (an `--epochs` override) unless
  // given new ones; a finished one (or a checkpoint that does not say) goes on to the block's epochs.
  const planned = options.checkpoint?.state.epochs;
  const unfinished =
    planned !== undefined && options.checkpoint!.state.point.epoch < runEpochs(planned, train.fineTune);
  const mainEpochs = options.epochs ?? (unfinished ? planned : train.epochs);
  const epochs = runEpochs(mainEpochs, train.fineTune);
  const steps = Math.ceil(data.trainingRows / train.batchSize);
  const classWeights = classWeightTable(model, train, data, labelSource(train.data));
  await checkTest(model, train, data, { streamAbove: options.streamAbove, chunkRows: options.chunkRows });
  const stream = options.output ?? process.stdout;
  for (const [which, rows] of Object.entries(data.dropped)) {
    if (rows > 0) stream.write(`dropped ${rows} ${which} rows with a missing value (missing: drop)\n`);
  }
  for (const notice of data.notices) stream.write(`${notice}\n`);
  if (options.checkpoint) {
    checkCheckpointPoint(options.checkpoint, epochs, steps);
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
    ...(options.folder ? { folder: options.folder } : {}),
    names,
    about: { labels: data.labels, ...(data.preprocessing ? { preprocessing: data.preprocessing } : {}) },
  });
  const parts: TrainingParts = {
    model,
    optimizer,
    callbacks,
    seed: options.seed,
    epochs: mainEpochs,
    overrides: options.overrides ?? [],
  };
  const { checkpoint } = options;
  const resumeEpoch = checkpoint ? checkpoint.state.point.epoch : null;
  const fineTuning = train.fineTune
    ? new FineTuning(train.fineTune, train.optimizer, mainEpochs, parts, stream, resumeEpoch)
    : null;
  // Checkpoints to resume from only into a run folder the caller named (not the callbacks' default one).
  const runFolder = options.runDir === undefined ? null : options.folder;
  const result = await trainLoop(model, data, {
    epochs,
    batchSize: train.batchSize,
    shuffle: train.shuffle,
    classWeights,
    figures: options.figures,
    callbacks: [
      new tf.CustomCallback(progress, "never"),
      ...withFineTuning(callbacks, fineTuning),
      ...(options.onEpochEnd ? [epochEndCallback(model, names, options.onEpochEnd)] : []),
    ],
    random: options.random,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(checkpoint
      ? {
          resume: {
            point: checkpoint.state.point,
            history: checkpoint.state.history,
            restore: () => restoreCheckpoint(checkpoint, parts),
          },
        }
      : {}),
    ...(runFolder
      ? {
          checkpoint: async (point, history) => {
            await runFolder.record(runFolders.resume);
            await writeCheckpoint(runFolder.dir, parts, point, history).catch((error: unknown) => {
              throw runFolder.writeError(runFolders.resume, error);
            });
          },
        }
      : {}),
  });
  if (result.interrupted) await progress.onTrainEnd?.();
  const restored = result.interrupted ? null : restoredEpoch(callbacks, result.epochs);
  if (restored) stream.write(`Restoring model weights from the end of the best epoch: ${restored.epoch}.\n`);
  const reading = { streamAbove: options.streamAbove, chunkRows: options.chunkRows };
  const test = result.interrupted ? null : await evaluateTest(model, train, data, options.figures, reading);
  const history = result.epochs.map(
    (logs, epoch) => ({ epoch: epoch + 1, ...kerasFigures(logs, [...names, ["lr", "lr"]]) }) as EpochRecord,
  );
  return {
    model,
    history,
    labels: data.labels,
    preprocessing: data.preprocessing,
    // Drawn now, while the data is open; saved with the run.
    pictures: options.runDir !== undefined && !result.interrupted ? await runPictures(model, data, train) : [],
    tfjsHistory: await asHistory(history),
    epochs,
    restored,
    written: [...writtenFiles(callbacks), ...(runFolder ? [checkpointDirectory(runFolder.dir)] : [])],
    interrupted: result.interrupted,
    data: { streamed: data.streamed, peakRows: data.peakRows() },
    test,
  };
}

/** A callback that hands each epoch's figures to `onEpochEnd` and stops training when it says so. */
function epochEndCallback(
  model: tf.LayersModel,
  names: EpochFigures["names"],
  onEpochEnd: NonNullable<TrainOptions["onEpochEnd"]>,
): tf.CustomCallback {
  return new tf.CustomCallback({
    onEpochEnd: async (epoch, logs) => {
      if (onEpochEnd(epoch + 1, kerasFigures(logs ?? {}, names))) model.stopTraining = true;
    },
  });
}

/** `history` (as history.json holds it) as a tfjs `History`, filled as tfjs's own is, one epoch at a time. */
async function asHistory(history: readonly EpochRecord[]): Promise<tf.History> {
  const kept = new tf.History();
  await kept.onTrainBegin();
  for (const { epoch, ...figures } of history) await kept.onEpochEnd(epoch - 1, figures);
  return kept;
}
