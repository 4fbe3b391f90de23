/**
 * Learning-rate schedules (`lr_schedule: exponential_decay(...)`), applied before every batch as Keras
 * applies a `LearningRateSchedule`: the rate is a function of the global step, starting from the
 * optimizer's `learning_rate`.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrCall } from "../compiler/ir.js";

/** The learning rate at `step` (0-based, counted over all epochs). */
export function scheduledRate(schedule: IrCall, initial: number, step: number): number {
  const a = schedule.args;
  const decaySteps = Number(a["decay_steps"]);
  const progress = a["staircase"] ? Math.floor(step / decaySteps) : step / decaySteps;
  switch (schedule.name) {
    case "exponential_decay":
      return initial * Number(a["decay_rate"]) ** progress;
    case "inverse_time_decay":
      return initial / (1 + Number(a["decay_rate"]) * progress);
    case "cosine_decay": {
      const alpha = Number(a["alpha"]);
      const cosine = 0.5 * (1 + Math.cos((Math.PI * Math.min(step, decaySteps)) / decaySteps));
      return initial * ((1 - alpha) * cosine + alpha);
    }
    default:
      throw new Error(`scheduledRate: no runtime for schedule '${schedule.name}'`);
  }
}

/** tfjs's sgd and momentum cache the rate in a tensor and must be told; the others read `learningRate`. */
type RateTarget = { learningRate: number; setLearningRate?: (rate: number) => void };

/**
 * Sets the optimizer's rate before each batch, starting from the rate it was created with. `stepsPerEpoch`
 * turns (epoch, batch) into the global step.
 */
export class LearningRateScheduler extends tf.Callback {
  private readonly target: RateTarget;
  private readonly initial: number;
  private epoch = 0;

  constructor(
    private readonly schedule: IrCall,
    optimizer: tf.Optimizer,
    private readonly stepsPerEpoch: number,
  ) {
    super();
    this.target = optimizer as unknown as RateTarget;
    this.initial = this.target.learningRate;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchBegin(batch: number): Promise<void> {
    const rate = scheduledRate(this.schedule, this.initial, this.epoch * this.stepsPerEpoch + batch);
    if (this.target.setLearningRate) this.target.setLearningRate(rate);
    else this.target.learningRate = rate;
  }
}
