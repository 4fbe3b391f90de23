/**
 * nnc's runtime layers for what tfjs 4.22 builds or trains wrong (src/runtime/layers/conv.ts, normalization.ts),
 * each against a computation that does not share its code: causal and dilated convolutions against tfjs-core's
 * own dilated convolutions on a left-padded input, batch normalization without `center` or `scale` against
 * tfjs's batchNormalization math written out. Each also trains (its gradients reach every weight) and saves
 * and loads with tf.loadLayersModel to the same predictions. And tfjs's own dropout with Keras's noise_shape.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import "../src/runtime/index.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { reloaded } from "./helpers/reload.js";
import { buildSpec, values } from "./helpers/attention-models.js";

beforeAll(useCpuBackend);

/** Builds `model M { input x: SHAPE; y = x -> CALL }` with nnc and returns the model and its one layer. */
function one(shape: string, call: string) {
  const { ir, model } = buildSpec(`input x: ${shape}`, `y = x -> ${call}`);
  expect(ir.layers[0]!.tfjs.namespace).toBe("nnc");
  return { model, layer: model.getLayer(ir.layers[0]!.name) };
}

const close = (actual: tf.Tensor, expected: tf.Tensor) => {
  expect(actual.shape).toEqual(expected.shape);
  values(actual).forEach((v, i) => expect(v).toBeCloseTo(values(expected)[i]!, 4));
};

/** Saves to memory and loads with tf.loadLayersModel; the loaded model must predict the same. */
async function roundTrip(model: tf.LayersModel, x: tf.Tensor): Promise<void> {
  const loaded = await reloaded(model);
  expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
  expect(values(loaded.predict(x) as tf.Tensor)).toEqual(values(model.predict(x) as tf.Tensor));
}

/** One step of fit on random targets must change every trainable weight of `layer`. */
async function trainsEveryWeight(model: tf.LayersModel, layer: tf.layers.Layer, x: tf.Tensor): Promise<void> {
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
  const before = layer.trainableWeights.map((w) => values(w.read()));
  expect(before.length).toBeGreaterThan(0);
  const y = tf.randomNormal(
    (model.outputs[0]!.shape as number[]).map((d) => d ?? x.shape[0]!),
    0,
    1,
    "float32",
    3,
  );
  const history = await model.fit(x, y, { epochs: 1, batchSize: x.shape[0]!, verbose: 0 });
  expect(Number.isFinite(history.history["loss"]![0] as number)).toBe(true);
  layer.trainableWeights.forEach((w, i) => expect(values(w.read()), w.name).not.toEqual(before[i]));
}

describe("conv1d(padding: causal) and dilations", () => {
  const x = tf.randomNormal([2, 10, 3], 0, 1, "float32", 1);

  it("is a left pad of dilation_rate * (kernel_size - 1) and a valid convolution, with one Conv1D's weights", () => {
    for (const [kernel, dilation, strides] of [
      [2, 4, 1],
      [3, 1, 2],
      [3, 2, 1],
    ] as const) {
      const { model, layer } = one(
        "[10, 3]",
        `conv1d(5, ${kernel}, strides: ${strides}, padding: causal, dilation_rate: ${dilation})`,
      );
      const [kernelWeight, bias] = layer.getWeights();
      expect(layer.weights.map((w) => w.originalName.split("/").pop())).toEqual(["kernel", "bias"]);
      const pad = dilation * (kernel - 1);
      const padded = tf.pad(x, [
        [0, 0],
        [pad, 0],
        [0, 0],
      ]) as tf.Tensor3D;
      const expected = tf.add(tf.conv1d(padded, kernelWeight as tf.Tensor3D, strides, "valid", "NWC", dilation), bias!);
      expect(expected.shape[1]).toBe(Math.ceil(10 / strides));
      close(model.predict(x) as tf.Tensor, expected);
    }
  });

  it("trains, and saves and loads", async () => {
    const { model, layer } = one("[10, 3]", "conv1d(4, 2, padding: causal, dilation_rate: 4)");
    await roundTrip(model, x);
    await trainsEveryWeight(model, layer, x);
  });

  it("dilated conv2d, depthwise_conv2d and separable_conv2d equal tfjs-core's dilated ops, and train", async () => {
    const image = tf.randomNormal([2, 9, 9, 2], 0, 1, "float32", 2);
    const ops: [string, (w: tf.Tensor[]) => tf.Tensor][] = [
      [
        "conv2d(3, 3, dilation_rate: [2, 3])",
        ([k, b]) => tf.add(tf.conv2d(image as tf.Tensor4D, k as tf.Tensor4D, 1, "valid", "NHWC", [2, 3]), b!),
      ],
      [
        "depthwise_conv2d(3, dilation_rate: 2, depth_multiplier: 2, padding: same)",
        ([k, b]) => tf.add(tf.depthwiseConv2d(image as tf.Tensor4D, k as tf.Tensor4D, 1, "same", "NHWC", 2), b!),
      ],
      [
        "separable_conv2d(3, 2, dilation_rate: 3)",
        ([d, p, b]) =>
          tf.add(tf.separableConv2d(image as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 1, "valid", 3), b!),
      ],
    ];
    for (const [call, reference] of ops) {
      const { model, layer } = one("[9, 9, 2]", call);
      close(model.predict(image) as tf.Tensor, reference(layer.getWeights()));
      await trainsEveryWeight(model, layer, image);
    }
  });

  it("a dilated conv2d_transpose spreads each input value by the kernel's taps, d apart, and trains", async () => {
    const small = tf.randomNormal([2, 3, 4, 2], 0, 1, "float32", 5);
    const { model, layer } = one("[3, 4, 2]", "conv2d_transpose(3, [2, 3], dilation_rate: [2, 1])");
    const [kernel, bias] = layer.getWeights().map(values);
    // out[b, i + ki * 2, j + kj, f] += x[b, i, j, c] * kernel[ki, kj, f, c], written out as loops.
    const [rows, cols] = [3 + 2 * (2 - 1), 4 + 3 - 1];
    const expected = new Float32Array(2 * rows * cols * 3);
    const x = values(small);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let c = 0; c < 2; c++)
            for (let ki = 0; ki < 2; ki++)
              for (let kj = 0; kj < 3; kj++)
                for (let f = 0; f < 3; f++) {
                  const out = ((b * rows + i + ki * 2) * cols + j + kj) * 3 + f;
                  expected[out]! += x[((b * 3 + i) * 4 + j) * 2 + c]! * kernel![((ki * 3 + kj) * 3 + f) * 2 + c]!;
                }
    const withBias = Array.from(expected, (v, i) => v + bias![i % 3]!);
    close(model.predict(small) as tf.Tensor, tf.tensor(withBias, [2, rows, cols, 3]));
    await trainsEveryWeight(model, layer, small);
    await roundTrip(model, small);
  });

  it("tfjs 4.22's own layers cannot do these (why nnc's exist)", async () => {
    const causal = tf.layers.conv1d({ filters: 2, kernelSize: 2, padding: "causal" });
    expect(() => causal.apply(tf.ones([1, 4, 1]))).toThrow(/CAUSAL/);
    const depthwise = tf.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2 });
    expect((depthwise.apply(tf.ones([1, 9, 9, 1])) as tf.Tensor).shape).toEqual([1, 7, 7, 1]);
    const transpose = tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, dilationRate: 2 });
    expect((transpose.apply(tf.ones([1, 5, 5, 1])) as tf.Tensor).shape).toEqual([1, 7, 7, 1]);
    const input = tf.input({ shape: [8, 1] });
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.conv1d({ filters: 1, kernelSize: 2, dilationRate: 2 }).apply(input) as tf.SymbolicTensor,
    });
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    await expect(model.fit(tf.ones([1, 8, 1]), tf.ones([1, 6, 1]), { verbose: 0 })).rejects.toThrow(/dilation/);
  });
});

describe("batch_normalization without center or scale", () => {
  const x = tf.randomNormal([6, 4, 3], 2, 3, "float32", 4);

  for (const call of [
    "batch_normalization(scale: false)",
    "batch_normalization(center: false, momentum: 0.9)",
    "batch_normalization(center: false, scale: false, axis: 1)",
    "batch_normalization(axis: 1, momentum: 0.5)",
  ]) {
    it(`${call}: tfjs's batch statistics and moving averages while training, the moving ones after`, async () => {
      const { model, layer } = one("[4, 3]", call);
      const config = layer.getConfig() as {
        axis: number;
        momentum: number;
        epsilon: number;
        center: boolean;
        scale: boolean;
      };
      const axis = config.axis < 0 ? config.axis + 3 : config.axis;
      const reduced = [0, 1, 2].filter((a) => a !== axis);
      const broadcast = x.shape.map((d, i) => (i === axis ? d : 1));
      const named = (name: string) => layer.weights.find((w) => w.originalName.endsWith(`/${name}`));
      expect(layer.weights.map((w) => w.originalName.split("/").pop())).toEqual(
        [config.scale && "gamma", config.center && "beta", "moving_mean", "moving_variance"].filter(Boolean),
      );
      named("beta")?.write(tf.fill(named("beta")!.shape as number[], 0.5));
      named("gamma")?.write(tf.fill(named("gamma")!.shape as number[], 2));
      const shaped = (w: tf.LayerVariable | undefined) => (w ? tf.reshape(w.read(), broadcast) : undefined);

      // Training: the batch's mean and (biased) variance, then moving -= (moving - batch) * (1 - momentum).
      const { mean, variance } = tf.moments(x, reduced);
      const m0 = values(named("moving_mean")!.read());
      const v0 = values(named("moving_variance")!.read());
      const trained = layer.apply(x, { training: true }) as tf.Tensor;
      const expected = tf.add(
        tf.mul(
          tf.div(
            tf.sub(x, tf.reshape(mean, broadcast)),
            tf.sqrt(tf.add(tf.reshape(variance, broadcast), config.epsilon)),
          ),
          shaped(named("gamma")) ?? 1,
        ),
        shaped(named("beta")) ?? 0,
      );
      close(trained, expected);
      const decay = 1 - config.momentum;
      values(named("moving_mean")!.read()).forEach((v, i) =>
        expect(v).toBeCloseTo(m0[i]! - (m0[i]! - values(mean)[i]!) * decay, 5),
      );
      values(named("moving_variance")!.read()).forEach((v, i) =>
        expect(v).toBeCloseTo(v0[i]! - (v0[i]! - values(variance)[i]!) * decay, 5),
      );

      // Inference: the moving statistics, as tfjs's layer with both weights computes them.
      const movingMean = shaped(named("moving_mean"))!;
      const movingVariance = shaped(named("moving_variance"))!;
      const inferred = tf.add(
        tf.mul(
          tf.div(tf.sub(x, movingMean), tf.sqrt(tf.add(movingVariance, config.epsilon))),
          shaped(named("gamma")) ?? 1,
        ),
        shaped(named("beta")) ?? 0,
      );
      close(model.predict(x) as tf.Tensor, inferred);
      await roundTrip(model, x);
    });
  }

  it("trains a step: gamma (or beta) is learned, the moving averages move", async () => {
    const { model, layer } = one("[4, 3]", "batch_normalization(scale: false)");
    const moving = layer.nonTrainableWeights.map((w) => values(w.read()));
    await trainsEveryWeight(model, layer, x);
    layer.nonTrainableWeights.forEach((w, i) => expect(values(w.read())).not.toEqual(moving[i]));
  });

  it("tfjs 4.22's own layer normalizes along the last axis's positions when the axis is another (why nnc's)", () => {
    const layer = tf.layers.batchNormalization({ axis: 1, movingMeanInitializer: "ones" });
    const ones = tf.ones([2, 4, 3]);
    layer.apply(ones);
    layer.setWeights([tf.ones([4]), tf.zeros([4]), tf.tensor1d([0, 1, 2, 3]), tf.ones([4])]);
    // Keras: position j of axis 1 is 1 - moving_mean[j], for every row and column.
    const expected = tf.tile(
      tf.reshape(tf.div(tf.tensor1d([1, 0, -1, -2]), Math.sqrt(1 + 1e-3)), [1, 4, 1]),
      [2, 1, 3],
    );
    expect(values(layer.apply(ones) as tf.Tensor)).not.toEqual(values(expected));
    const { layer: own } = one("[4, 3]", "batch_normalization(axis: 1)");
    own.setWeights([tf.ones([4]), tf.zeros([4]), tf.tensor1d([0, 1, 2, 3]), tf.ones([4])]);
    close(own.apply(ones) as tf.Tensor, expected);
  });

  it("tfjs 4.22's own layer cannot train without gamma (why nnc's exists)", async () => {
    const input = tf.input({ shape: [3] });
    const hidden = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.batchNormalization({ scale: false }).apply(hidden) as tf.SymbolicTensor,
    });
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    await expect(model.fit(tf.ones([2, 3]), tf.ones([2, 3]), { verbose: 0 })).rejects.toThrow(/read/);
  });
});

describe("dropout(noise_shape: [?, 1, 1, C]) is tfjs's dropout with Keras's mask shape", () => {
  it("drops whole channels, per example", () => {
    const { layer } = buildSpec("input x: [4, 4, 6]", "y = x -> dropout(0.5, noise_shape: [?, 1, 1, 6], seed: 3)")
      .model.layers.slice(-1)
      .map((l) => ({ layer: l }))[0]!;
    const out = layer.apply(tf.ones([3, 4, 4, 6]), { training: true }) as tf.Tensor;
    const data = values(out);
    for (let b = 0; b < 3; b++) {
      const pixel = (p: number) => data.slice((b * 16 + p) * 6, (b * 16 + p + 1) * 6);
      for (let p = 1; p < 16; p++) expect(pixel(p)).toEqual(pixel(0));
      for (const v of pixel(0)) expect([0, 2]).toContain(v);
    }
  });
});
