/**
 * Applying the learning rate during `fit`. tfjs 4.22 has no schedules, and its optimizers keep the rate in
 * two ways (see tfjs-core's dist/optimizers): `sgd` and `momentum` cache `-rate` in a kept scalar tensor that
 * only `setLearningRate` renews, while rmsprop, adam, adamax, adagrad and adadelta read the plain
 * `learningRate` field at every step. `setRate` does what each one needs.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrCall } from "../compiler/ir/index.js";
import type { CallbackState, Resumable } from "./callbacks.js";
import { isStepSchedule, scheduledRate } from "./schedules.js";

type RateHolder = { learningRate: number; setLearningRate?: (rate: number) => void };

/** The rate `optimizer` applies at its next step. */
export function currentRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as RateHolder).learningRate;
}

/** Makes `optimizer` apply `rate` from its next step on, whichever way it stores its rate. */
export function setRate(optimizer: tf.Optimizer, rate: number): void {
  const holder = optimizer as unknown as RateHolder;
  if (holder.setLearningRate) holder.setLearningRate(rate);
  else holder.learningRate = rate;
}

/** A figure from fit's logs: a number, or (before tfjs resolves it) a scalar tensor. */
export async function logValue(logs: tf.Logs | undefined, key: string): Promise<number | undefined> {
  const value = logs?.[key] as number | tf.Scalar | undefined;
  if (value === undefined) return undefined;
  return typeof value === "number" ? value : (await value.data())[0];
}

/**
 * Sets the rate before every batch from a step schedule (the global step is `epoch * stepsPerEpoch +
 * batch`, as Keras counts `optimizer.iterations`), and logs the rate of the epoch's last step as `lr`.
 */
export class LearningRateScheduler extends tf.Callback {
  private readonly initial: number;
  private epoch = 0;

  constructor(
    private readonly schedule: IrCall | null,
    private readonly optimizer: tf.Optimizer,
    private readonly stepsPerEpoch: number,
  ) {
    super();
    this.initial = currentRate(optimizer);
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchBegin(batch: number): Promise<void> {
    if (!this.schedule || !isStepSchedule(this.schedule)) return;
    setRate(this.optimizer, scheduledRate(this.schedule, this.initial, this.epoch * this.stepsPerEpoch + batch));
  }

  override async onEpochEnd(_epoch: number, logs?: tf.Logs): Promise<void> {
    if (logs) logs["lr"] = currentRate(this.optimizer);
  }
}

export interface PlateauSettings {
  /** The tfjs log key of the watched figure. */
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
}

/**
 * Keras's ReduceLROnPlateau: when the monitored figure has not improved by `min_delta` for `patience`
 * epochs, multiply the rate by `factor` (not below `min_lr`), then wait `cooldown` epochs before counting again.
 */
export class ReduceOnPlateau extends tf.Callback implements Resumable {
  readonly kind = "ReduceOnPlateau";
  private best = Infinity;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(
    private readonly settings: PlateauSettings,
    private readonly optimizer: tf.Optimizer,
  ) {
    super();
  }

  override async onEpochEnd(_epoch: number, logs?: tf.Logs): Promise<void> {
    const value = await logValue(logs, this.settings.monitor);
    if (value === undefined) return;
    const score = this.settings.mode === "max" ? -value : value;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (score < this.best - this.settings.minDelta) {
      this.best = score;
      this.wait = 0;
    } else if (this.cooldownLeft === 0 && ++this.wait >= this.settings.patience) {
      const rate = currentRate(this.optimizer);
      if (rate > Math.fround(this.settings.minLr)) {
        setRate(this.optimizer, Math.max(rate * this.settings.factor, this.settings.minLr));
        this.cooldownLeft = this.settings.cooldown;
        this.wait = 0;
      }
    }
  }

  saveState(): CallbackState {
    return { values: { best: this.best, wait: this.wait, cooldownLeft: this.cooldownLeft } };
  }

  loadState(state: CallbackState): void {
    this.best = Number(state.values["best"]);
    this.wait = Number(state.values["wait"]);
    this.cooldownLeft = Number(state.values["cooldownLeft"]);
  }
}
