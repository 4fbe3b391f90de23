/**
 * Learning-rate schedules (`lr_schedule: exponential_decay(...)`), applied before every batch as Keras
 * applies a `LearningRateSchedule`: the rate is a function of the global step, starting from the
 * optimizer's `learning_rate`.
 */
import type * as tf from "@tensorflow/tfjs";
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

/** A callback that sets the optimizer's rate before each batch. */
export function scheduleCallback(
  schedule: IrCall,
  optimizer: tf.Optimizer,
  initial: number,
  stepsPerEpoch: number,
): tf.CustomCallbackArgs {
  // tfjs's sgd and momentum cache the rate in a tensor and must be told; the others read `learningRate`.
  const target = optimizer as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  let epoch = 0;
  return {
    onEpochBegin: async (e) => {
      epoch = e;
    },
    onBatchBegin: async (batch) => {
      const rate = scheduledRate(schedule, initial, epoch * stepsPerEpoch + batch);
      if (target.setLearningRate) target.setLearningRate(rate);
      else target.learningRate = rate;
    },
  };
}
