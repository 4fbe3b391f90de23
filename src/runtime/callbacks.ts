/**
 * The `callbacks` and `lr_schedule` of a train block as tfjs callbacks. tfjs's EarlyStopping cannot restore
 * the best weights (it throws "not implemented") nor be resumed from a checkpoint, so early stopping is
 * Keras's, written here. Every run also logs its learning rate (`lr`) and stops on a loss that is NaN or
 * infinite (Keras's TerminateOnNaN, on by default here). A callback with state that a resumed run needs
 * (a best figure, a wait count, the best weights) is `Resumable`.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrCall, IrTrain } from "../compiler/ir/index.js";
import { callbacks as callbackKinds, higherIsBetter } from "../compiler/registry/train-options.js";
import {
  CsvLogger,
  ModelCheckpoint,
  TerminateOnNaN,
  type CheckpointAbout,
  type FileCallback,
} from "./file-callbacks.js";
import { tfjsFigureName, type FigureNames } from "./figures.js";
import type { RunFolder } from "./run-folder.js";
import { LearningRateScheduler, ReduceOnPlateau, logValue } from "./schedule-callbacks.js";
import { append } from "../compiler/base/arrays.js";

/** What a callback keeps in a checkpoint: plain values, and tensors (saved as binary). */
export interface CallbackState {
  readonly values: Readonly<Record<string, unknown>>;
  readonly tensors?: readonly tf.Tensor[];
}

/** A callback whose state a checkpoint saves, and a resumed run puts back after `onTrainBegin`. */
export interface Resumable {
  /**
   * What a checkpoint records it as (state.json's `callbacks[i].kind`): its class's name, written out, since the
   * bundles' class names are minified.
   */
  readonly kind: string;
  saveState(): CallbackState;
  loadState(state: CallbackState): void;
}

export function isResumable(callback: tf.Callback): callback is tf.Callback & Resumable {
  return typeof (callback as Partial<Resumable>).saveState === "function";
}

/** What the callbacks need from a train block. */
export type CallbackSettings = Pick<IrTrain, "callbacks" | "lrSchedule" | "batchSize">;

export interface CallbackOptions {
  /**
   * Where `model_checkpoint` and `csv_logger` write: the run folder, open (`openRunFolder`). Needed when the
   * block has one of them (`runTraining` opens `runs/<model>` for them when it is given no run folder).
   */
  readonly folder?: RunFolder;
  /** Saved beside each `model_checkpoint` checkpoint, so that `nnc predict --model <run>/checkpoint` works. */
  readonly about?: CheckpointAbout;
  /** The run's figures (`compileForTraining`'s names): what a `monitor` names, and what csv_logger writes. */
  readonly names: FigureNames;
}

/**
 * The train block's `callbacks` and `lr_schedule` as tfjs callbacks for the training loop. The schedule starts
 * from `optimizer`'s learning rate and counts batches of `batchSize` over the `trainingRows` that fit trains
 * on (`openTrainingData` says how many).
 */
export function trainingCallbacks(
  settings: CallbackSettings,
  optimizer: tf.Optimizer,
  trainingRows: number,
  options: CallbackOptions,
): tf.Callback[] {
  const steps = Math.ceil(trainingRows / settings.batchSize);
  // First the rate, so that every later callback (and fit's History) sees this epoch's `lr`.
  const callbacks: tf.Callback[] = [
    new LearningRateScheduler(settings.lrSchedule, optimizer, steps),
    new TerminateOnNaN(),
  ];
  for (const call of settings.callbacks) append(callbacks, fromCall(call, options));
  if (settings.lrSchedule?.name === "reduce_on_plateau") {
    const a = settings.lrSchedule.args;
    const keras = String(a["monitor"]);
    const settingsOf = {
      monitor: tfjsFigureName(keras, options.names),
      mode: higherIsBetter(keras) ? ("max" as const) : ("min" as const),
      factor: Number(a["factor"]),
      patience: Number(a["patience"]),
      minDelta: Number(a["min_delta"]),
      cooldown: Number(a["cooldown"]),
      minLr: Number(a["min_lr"]),
    };
    callbacks.push(new ReduceOnPlateau(settingsOf, optimizer));
  }
  return callbacks;
}

/** True when one of `calls` writes files into the run folder (`model_checkpoint`, `csv_logger`). */
export function writesFiles(calls: readonly IrCall[]): boolean {
  return calls.some((call) => callbackKinds[call.name]?.writes !== undefined);
}

/** The files that file-writing callbacks among `callbacks` wrote (absolute paths). */
export function writtenFiles(callbacks: readonly tf.Callback[]): string[] {
  return callbacks.flatMap((c) => [...((c as unknown as Partial<FileCallback>).written ?? [])]);
}

function fromCall(call: IrCall, { folder, about = {}, names }: CallbackOptions): tf.Callback[] {
  const keras = String(call.args["monitor"]);
  const monitor = tfjsFigureName(keras, names);
  const mode = higherIsBetter(keras) ? "max" : "min";
  const where = () => folder ?? missingFolder(call.name);
  switch (call.name) {
    case "early_stopping":
      return [
        new EarlyStopping({
          monitor,
          figure: keras,
          mode,
          minDelta: Number(call.args["min_delta"]),
          patience: Number(call.args["patience"]),
          restoreBestWeights: Boolean(call.args["restore_best_weights"]),
        }),
      ];
    case "model_checkpoint":
      return [
        new ModelCheckpoint(
          where(),
          {
            monitor,
            mode,
            saveBestOnly: Boolean(call.args["save_best_only"]),
            every: Number(call.args["every"]),
            names,
          },
          about,
        ),
      ];
    case "csv_logger":
      return [new CsvLogger(where(), String(call.args["path"]), Boolean(call.args["append"]), names)];
    case "terminate_on_nan":
      return []; // always on
    default:
      throw new Error(`trainingCallbacks: no runtime for callback '${call.name}'`);
  }
}

function missingFolder(name: string): never {
  throw new Error(
    `trainingCallbacks: ${name} writes files, and needs options.folder (a run folder from openRunFolder)`,
  );
}

interface EarlyStoppingSettings {
  /** The tfjs log key of the watched figure. */
  readonly monitor: string;
  /** Its Keras name, for messages. */
  readonly figure: string;
  readonly mode: "min" | "max";
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
}

/**
 * The epoch (from 1) whose weights an `early_stopping(restore_best_weights: true)` put back when training ended,
 * and the figure it watched; null when none did. `epochs` are the run's logs, the resumed ones too: the kept
 * epoch is the first whose figure is the best one (a later equal one was no improvement).
 */
export function restoredEpoch(
  callbacks: readonly tf.Callback[],
  epochs: readonly Readonly<Record<string, number>>[],
): { readonly epoch: number; readonly figure: string } | null {
  for (const callback of callbacks) {
    if (!(callback instanceof EarlyStopping) || callback.restoredValue === null) continue;
    const { monitor, figure } = callback.settings;
    const index = epochs.findIndex((logs) => logs[monitor] === callback.restoredValue);
    if (index >= 0) return { epoch: index + 1, figure };
  }
  return null;
}

/**
 * Keras's EarlyStopping: stops when the watched figure has not improved by more than `min_delta` for
 * `patience` epochs. With `restore_best_weights`, it keeps a copy of the weights of the best epoch and puts
 * them back when training ends.
 */
class EarlyStopping extends tf.Callback implements Resumable {
  readonly kind = "EarlyStopping";
  private best = Infinity;
  private wait = 0;
  private weights: tf.Tensor[] | null = null;
  /** The watched figure of the epoch whose weights were put back at the end, once they were. */
  restoredValue: number | null = null;

  constructor(readonly settings: EarlyStoppingSettings) {
    super();
  }

  override async onTrainBegin(): Promise<void> {
    this.best = Infinity;
    this.wait = 0;
    this.restoredValue = null;
    this.keep(null);
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const value = await logValue(logs, this.settings.monitor);
    if (value === undefined) return;
    const score = this.settings.mode === "max" ? -value : value;
    this.wait++;
    if (score < this.best - this.settings.minDelta) {
      this.best = score;
      this.wait = 0;
      if (this.settings.restoreBestWeights)
        this.keep((this.model as tf.LayersModel).getWeights().map((w) => w.clone()));
    } else if (this.wait >= this.settings.patience && epoch > 0) {
      (this.model as tf.LayersModel).stopTraining = true;
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (this.weights) {
      (this.model as tf.LayersModel).setWeights(this.weights);
      this.restoredValue = this.settings.mode === "max" ? -this.best : this.best;
    }
    this.keep(null);
  }

  saveState(): CallbackState {
    return { values: { best: this.best, wait: this.wait }, ...(this.weights ? { tensors: this.weights } : {}) };
  }

  loadState(state: CallbackState): void {
    this.best = Number(state.values["best"]);
    this.wait = Number(state.values["wait"]);
    this.keep(state.tensors ? [...state.tensors] : null);
  }

  private keep(weights: tf.Tensor[] | null): void {
    this.weights?.forEach((w) => w.dispose());
    this.weights = weights;
  }
}
