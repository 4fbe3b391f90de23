/**
 * `nnc/runtime` for an emitted module under test (test/train-keys.test.ts bundles the module with this file in
 * the place of `nnc/runtime`): the real runtime, whose `runTraining` first keeps a copy of the settings it is
 * given and then trains with them as usual. Nothing is faked: the training that follows is the real one.
 */
import { runTraining as trainForReal, type TrainOptions, type TrainSettings } from "../../src/runtime/index.js";
import type * as tf from "@tensorflow/tfjs";

export * from "../../src/runtime/index.js";

/** The settings of each `runTraining` call, copied as they arrived, in call order. */
export const receivedSettings: TrainSettings[] = [];

export function runTraining(build: () => tf.LayersModel, train: TrainSettings, options: TrainOptions = {}) {
  receivedSettings.push(structuredClone(train));
  return trainForReal(build, train, options);
}
