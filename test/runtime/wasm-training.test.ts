/**
 * Every layer kind of the catalogue trains under the wasm backend with nnc's kernels: one model per family
 * of kinds, built from a checked spec, takes two SGD steps on wasm and on the cpu backend from the same
 * weights and data: the losses agree and so do the first step's updates of every weight (its gradients). Kinds
 * that draw random numbers while training (dropout, noise) are compared in inference, where they are the
 * identity, and must train to a finite loss. A kind none of the bodies uses (a new one) is trained on its sample
 * from test/helpers/layer-cases.ts, so a kind tfjs builds but cannot differentiate fails here, not in a user's run.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import type { IrModel } from "../../src/compiler/ir/index.js";
import { hasTrait, layerKinds } from "../../src/compiler/registry/layers/index.js";
import { buildModel } from "../../src/runtime/build.js";
import { samples, sequence } from "../helpers/layer-cases.js";
import { prepareBackends, relativeError, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

const tolerance = 1e-3;

/**
 * Model bodies by the kinds they exercise, each after a layer with weights so that the kind's input
 * gradient is computed too; `random: true` where training draws random numbers.
 */
const specs: Record<string, { body: string; random?: boolean; batch?: number }> = {
  dense: {
    body: "input x: [10]\n dense(8) -> elu() -> leaky_re_lu() -> relu() -> prelu() -> softmax() -> activation(tanh) -> repeat_vector(3) -> permute([2, 1]) -> reshape([24]) -> rescaling(0.5) -> dense(2, activation: sigmoid)",
  },
  conv1d: {
    body: "input x: [12, 3]\n dense(3) -> conv1d(4, 3, strides: 2, padding: same) -> conv1d(2, 3) -> flatten -> dense(2)",
  },
  conv2d: {
    body: "input x: [9, 9, 3]\n conv2d(3, 1) -> conv2d(4, 3, strides: 2, padding: same) -> conv2d(2, [2, 3], padding: same) -> conv2d(3, 2, strides: [2, 1]) -> flatten -> dense(2)",
  },
  conv2d_transpose: {
    body: "input x: [5, 5, 3]\n conv2d(3, 1) -> conv2d_transpose(4, 3, strides: 2, padding: same) -> conv2d_transpose(2, 3) -> conv2d_transpose(2, 2, strides: 3) -> flatten -> dense(2)",
  },
  depthwise_conv2d: {
    body: "input x: [9, 9, 3]\n conv2d(3, 1) -> depthwise_conv2d(3, strides: 2, padding: same, depth_multiplier: 2) -> depthwise_conv2d([2, 3]) -> flatten -> dense(2)",
  },
  separable_conv2d: {
    body: "input x: [9, 9, 3]\n conv2d(3, 1) -> separable_conv2d(4, 3, strides: 2, padding: same) -> separable_conv2d(2, 3, depth_multiplier: 2) -> flatten -> dense(2)",
  },
  pooling1d: {
    body: "input x: [12, 3]\n dense(3) -> max_pooling1d(2) -> average_pooling1d(2, strides: 1, padding: same) -> max_pooling1d(3, strides: 2, padding: same) -> global_max_pooling1d -> dense(2)",
  },
  global1d: { body: "input x: [12, 3]\n dense(3) -> global_average_pooling1d -> dense(2)" },
  pooling2d: {
    body: "input x: [9, 9, 3]\n conv2d(3, 1) -> max_pooling2d(3, strides: 2, padding: same) -> average_pooling2d(2) -> conv2d(2, 1) -> global_max_pooling2d -> dense(2)",
  },
  global2d: {
    body: "input x: [9, 9, 3]\n conv2d(3, 1) -> average_pooling2d(2, strides: 1, padding: same) -> global_average_pooling2d -> dense(2)",
  },
  // One image: tfjs's cpu backend computes up_sampling2d's gradient wrongly for every image after the first.
  spatial: {
    body: "input x: [6, 6, 3]\n conv2d(3, 1) -> up_sampling2d(2) -> zero_padding2d(1) -> cropping2d(2) -> conv2d(2, 1) -> flatten -> dense(2)",
    batch: 1,
  },
  bilinear: {
    body: "input x: [6, 6, 3]\n conv2d(3, 1) -> up_sampling2d(2, interpolation: bilinear) -> conv2d(2, 1) -> flatten -> dense(2)",
  },
  normalization: {
    body: "input x: [6, 6, 3]\n conv2d(3, 1) -> batch_normalization() -> layer_normalization() -> conv2d(2, 1) -> flatten -> dense(2)",
  },
  embedding: { body: "input x: [7] int32\n embedding(20, 4) -> flatten -> dense(2)" },
  recurrent: {
    body: "input x: [7] int32\n embedding(20, 4) -> simple_rnn(5, return_sequences: true) -> gru(5, return_sequences: true) -> lstm(5) -> dense(2)",
  },
  wrappers: {
    body: "input x: [7, 3]\n dense(3) -> bidirectional(lstm(4, return_sequences: true)) -> time_distributed(dense(3)) -> bidirectional(gru(3)) -> dense(2)",
  },
  merge: {
    body: "input a: [6]\n input b: [6]\n c = a -> dense(6)\n d = b -> dense(6)\n s = add(c, d) -> dense(4)\n t = multiply(c, d) -> dense(4)\n o = maximum(s, t)\n p = minimum(s, t)\n n = average(o, p)\n r = dot(s, t, axes: 1)\n concatenate(n, r) -> dense(2)",
  },
  random: {
    body: "input x: [6, 6, 3]\n dropout(0.2) -> spatial_dropout2d(0.1) -> gaussian_noise(0.1) -> reshape([36, 3]) -> spatial_dropout1d(0.1) -> flatten -> dense(2)",
    random: true,
  },
};

/** Kinds registered so that writing them explains what to do instead: tfjs 4.22 does not have them (NN3010). */
const missingFromTfjs = ["subtract"];
const expected = layerKinds.map((k) => k.name).filter((name) => !missingFromTfjs.includes(name));

/** The kinds the bodies above use, a layer wrapped in another included. */
function kindsUsed(bodies: Readonly<Record<string, { body: string }>>): Set<string> {
  const used = new Set<string>();
  for (const [name, { body }] of Object.entries(bodies)) {
    for (const layer of checked(name, body).layers) {
      used.add(layer.kind);
      const inner = layer.tfjs.config.layer as { factory?: string } | undefined;
      if (inner?.factory) used.add(layerKinds.find((k) => k.factory === inner.factory)?.name ?? inner.factory);
    }
  }
  return used;
}

/** A body for a kind from its sample (layer-cases.ts), with a dense layer after it. */
function sampleBody(kind: string): { body: string; random: boolean } {
  const [expression, shapes = [sequence]] = samples[kind]!;
  const integer = hasTrait(kind, "makes-mask");
  const inputs = shapes.map((shape, i) => `input x${i}: [${shape.join(", ")}]${integer ? " int32" : ""}`);
  return {
    body: `${inputs.join("\n ")}\n y = ${expression}\n y -> dense(2)`,
    random: hasTrait(kind, "training-only"),
  };
}

function checked(name: string, body: string): IrModel {
  const result = checkSource(`model M_${name} {\n ${body}\n}\n`, `${name}.nn`);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models[0]!;
}

/** Deterministic values from a seed: floats in [-1, 1) or ints in [0, 20). */
function data(shape: number[], dtype: string, seed: number): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let state = seed;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = dtype === "int32" ? state % 20 : state / 2 ** 31 - 1;
  }
  return tf.tensor(values, shape, dtype === "int32" ? "int32" : "float32");
}

interface Run {
  readonly losses: number[];
  /** How much the first step changed each weight: the learning rate times its gradient. */
  readonly updates: Float32Array[];
  readonly inference: number;
  readonly tensorsPerStep: number;
}

/** Two SGD steps on the current backend from `weights`, and the loss in inference before them. */
async function train(ir: IrModel, weights: Float32Array[], batch: number): Promise<Run> {
  const model = buildModel(ir);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape, w.dtype)));
  const optimizer = tf.train.sgd(0.1);
  model.compile({ optimizer, loss: "meanSquaredError" });
  const xs = model.inputs.map((input, i) => data([batch, ...(input.shape.slice(1) as number[])], input.dtype, 7 + i));
  const y = data([batch, ...(model.outputs[0]!.shape.slice(1) as number[])], "float32", 3);
  const inferenceLoss = model.evaluate(xs, y) as tf.Scalar;
  const inference = (await inferenceLoss.data())[0]!;
  inferenceLoss.dispose();
  const first = (await model.trainOnBatch(xs, y)) as number;
  const updates = model.getWeights().map((w, i) => weights[i]!.map((before, j) => before - w.dataSync()[j]!));
  const before = tf.memory().numTensors;
  const second = (await model.trainOnBatch(xs, y)) as number;
  const tensorsPerStep = tf.memory().numTensors - before;
  tf.dispose([...xs, y]);
  optimizer.dispose();
  model.dispose();
  return { losses: [first, second], updates, inference, tensorsPerStep };
}

/** The bodies above, and one per kind they do not use, from its sample. */
const covered = kindsUsed(specs);
const trained: Readonly<Record<string, { body: string; random?: boolean; batch?: number }>> = {
  ...specs,
  ...Object.fromEntries(
    expected.filter((kind) => !covered.has(kind)).map((kind) => [`sample_${kind}`, sampleBody(kind)]),
  ),
};

describe("training under wasm", () => {
  it("covers every kind in the catalogue that tfjs has", () => {
    const used = kindsUsed(trained);
    expect(expected.filter((name) => !used.has(name))).toEqual([]);
    for (const name of missingFromTfjs) {
      const result = checkSource(`model M {\n input a: [4, 2]\n ${name}(a, a)\n}\n`, "m.nn");
      expect(result.diagnostics.map((d) => d.code)).toContain("NN3010");
    }
  });

  for (const [name, { body, random, batch = 3 }] of Object.entries(trained)) {
    it(`${name}: two steps on wasm match the cpu backend`, async () => {
      const ir = checked(name, body);
      await useBackend("cpu");
      const initial = buildModel(ir);
      const weights = initial.getWeights().map((w) => Float32Array.from(w.dataSync()));
      initial.dispose();
      const cpu = await train(ir, weights, batch);
      await useBackend("wasm");
      const wasm = await train(ir, weights, batch);
      await useBackend("cpu");
      expect(wasm.tensorsPerStep).toBe(0);
      expect(Math.abs(wasm.inference - cpu.inference)).toBeLessThanOrEqual(tolerance * Math.max(1, cpu.inference));
      for (const [step, loss] of wasm.losses.entries()) {
        expect(Number.isFinite(loss)).toBe(true);
        if (random) continue;
        expect(Math.abs(loss - cpu.losses[step]!)).toBeLessThanOrEqual(tolerance * Math.max(1, cpu.losses[step]!));
      }
      if (random) return;
      // Relative to the largest update in the model: some gradients are zero up to rounding (a bias before a
      // batch normalization), and rounding differs between backends.
      const all = (updates: Float32Array[]) => Float32Array.from(updates.flatMap((u) => Array.from(u)));
      expect(relativeError(all(wasm.updates), all(cpu.updates))).toBeLessThan(tolerance);
    });
  }
});
