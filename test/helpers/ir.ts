/**
 * Hand-built IR for runtime tests that train without a spec: a dense layer, a one-input model, and a train
 * block whose settings a test overrides where it cares (adam, categorical crossentropy, accuracy, the blobs
 * data set of test/fixtures/data).
 */
import { join } from "node:path";
import type { IrLayer, IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { repo } from "./cli.js";

/** Where every hand-built node says it comes from. */
export const at = { file: "m.nn", span: { start: 0, end: 1 } };

/** A stream that swallows training's progress output. */
export const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

/** Two features (`x`, `y`) and a two-class `side` label. */
export const blobsCsv = join(repo, "test", "fixtures", "data", "blobs.csv");

/** `dense(units, activation)` named `name`, applied to `input` (which has `inputUnits` features). */
export function denseLayer(
  name: string,
  units: number,
  activation: string,
  input: string,
  inputUnits: number,
): IrLayer {
  return {
    name,
    kind: "dense",
    tfjs: { factory: "dense", config: { units, activation, name } },
    inputs: [{ node: input, index: 0 }],
    outputShapes: [[units]],
    params: { trainable: (inputUnits + 1) * units, nonTrainable: 0 },
    location: at,
  };
}

/** A model with one float32 input `input` of `features`, the layers in order, the last one the output. */
export function sequentialModel(name: string, input: string, features: number, layers: readonly IrLayer[]): IrModel {
  return {
    name,
    inputs: [{ name: input, shape: [features], dtype: "float32", location: at }],
    layers: [...layers],
    outputs: [{ node: layers.at(-1)!.name, index: 0 }],
    location: at,
  };
}

/** A train block for `model` on the blobs, with `changes` on top of its defaults. */
export function trainBlock(model: string, changes: Partial<IrTrain> = {}): IrTrain {
  return {
    model,
    data: { name: "csv", args: { path: blobsCsv, label: "side" } },
    loss: "categorical_crossentropy",
    optimizer: adam(0.1),
    metrics: ["accuracy"],
    epochs: 4,
    batchSize: 8,
    validationSplit: 0.25,
    shuffle: true,
    seed: 3,
    lrSchedule: null,
    callbacks: [],
    location: at,
    ...changes,
  };
}

/** `adam(learning_rate)` with Keras's other defaults, as the checker fills them in. */
export function adam(learningRate: number): IrTrain["optimizer"] {
  return {
    name: "adam",
    args: {
      learning_rate: learningRate,
      beta_1: 0.9,
      beta_2: 0.999,
      epsilon: 1e-7,
    },
  };
}
