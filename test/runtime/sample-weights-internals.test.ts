/**
 * Weighted steps run tfjs 4.22's protected train function (sample-weights.ts): with every weight 1 a step is
 * exactly `trainOnBatch`'s (the same loss and the same weights after it, for a Sequential and a functional
 * model), and a tfjs without those internals is an internal error that names them.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/runtime/index.js";
import { trainInternals, trainStep } from "../../src/runtime/sample-weights.js";

beforeAll(async () => {
  await initBackend("cpu");
});

/** A small classifier with fixed initial weights, as a Sequential or a functional model. */
function build(sequential: boolean): tf.LayersModel {
  const layers = () => [
    tf.layers.dense({ units: 3, activation: "relu", kernelInitializer: tf.initializers.randomUniform({ seed: 1 }) }),
    tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.randomUniform({ seed: 2 }) }),
  ];
  let model: tf.LayersModel;
  if (sequential) {
    const [a, b] = layers();
    model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [4] }), a!, b!] });
  } else {
    const input = tf.input({ shape: [4] });
    const [a, b] = layers();
    model = tf.model({ inputs: input, outputs: b!.apply(a!.apply(input)) as tf.SymbolicTensor });
  }
  model.compile({ optimizer: tf.train.adam(0.1), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe("weighted steps and tfjs's internals", () => {
  it.each([true, false])("all-ones weights step exactly as trainOnBatch (sequential: %s)", async (sequential) => {
    const x = tf.tensor2d([0.1, 0.5, -0.3, 0.9, 1, -1, 0.2, 0.4, -0.5, 0.3, 0.8, -0.2], [3, 4]);
    const y = tf.tensor2d([1, 0, 0, 1, 1, 0], [3, 2]);
    const [plain, weighted] = [build(sequential), build(sequential)];
    expect(weightsOf(weighted)).toEqual(weightsOf(plain));
    for (let step = 0; step < 3; step++) {
      const expected = await plain.trainOnBatch(x, y);
      const got = await trainStep(weighted, x, y, [new Float32Array([1, 1, 1])]);
      expect(got).toEqual(expected);
    }
    expect(weightsOf(weighted)).toEqual(weightsOf(plain));
    tf.dispose([x, y]);
  });

  it("fails with an internal error naming what is missing when tfjs lacks them", () => {
    const model = build(false);
    Object.defineProperty(model, "makeTrainFunction", { value: undefined });
    expect(() => trainInternals(model)).toThrow(
      /^internal error: weighted training needs tfjs 4\.22's LayersModel internals, .* lacks makeTrainFunction;/,
    );
    expect(() => trainInternals(build(true))).not.toThrow();
  });
});
