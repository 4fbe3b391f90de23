/**
 * nnc's runtime convolutions and batch normalization on the wasm backend (nnc's own choice without tfjs-node,
 * with its own convolution gradients): the same weights predict what they predict on the cpu backend, and a
 * model of every one of them trains a step there.
 */
import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";
import { initBackend } from "../src/runtime/index.js";
import { buildSpec, values } from "./helpers/attention-models.js";

const inputs = "input signal: [12, 2]\ninput image: [9, 9, 2]";
const body = [
  "s = signal -> conv1d(3, 2, padding: causal, dilation_rate: 4) -> batch_normalization(axis: 1)",
  "s = s -> global_average_pooling1d()",
  "i = image -> conv2d(4, 3, dilation_rate: 2, padding: same, use_bias: false) -> batch_normalization(scale: false)",
  "i = i -> depthwise_conv2d(3, dilation_rate: 2) -> separable_conv2d(3, 2, dilation_rate: [1, 2])",
  "i = i -> conv2d_transpose(2, 3, dilation_rate: 2) -> batch_normalization(center: false) -> global_max_pooling2d()",
  "y = concatenate(s, i) -> dense(2)",
].join("\n");

it("predicts on wasm what it predicts on cpu, and trains a step there", async () => {
  const data = [tf.randomNormal([2, 12, 2], 0, 1, "float32", 1), tf.randomNormal([2, 9, 9, 2], 0, 1, "float32", 2)];
  await initBackend("cpu");
  const { ir, model } = buildSpec(inputs, body);
  expect(ir.layers.filter((l) => l.tfjs.namespace === "nnc")).toHaveLength(8);
  const weights = model.getWeights().map((w) => ({ shape: w.shape, values: values(w) }));
  const cpu = values(model.predict(data) as tf.Tensor);
  const copies = data.map((t) => ({ shape: t.shape, values: values(t) }));

  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  const onWasm = buildSpec(inputs, body).model;
  onWasm.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
  const x = copies.map((t) => tf.tensor(t.values, t.shape));
  values(onWasm.predict(x) as tf.Tensor).forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 4));

  onWasm.compile({ optimizer: tf.train.sgd(0.05), loss: "meanSquaredError" });
  const before = onWasm.trainableWeights.map((w) => values(w.read()));
  const history = await onWasm.fit(x, tf.ones([2, 2]), { epochs: 1, batchSize: 2, verbose: 0 });
  expect(Number.isFinite(history.history["loss"]![0] as number)).toBe(true);
  const unchanged = onWasm.trainableWeights.filter(
    (w, i) => JSON.stringify(values(w.read())) === JSON.stringify(before[i]),
  );
  expect(unchanged.map((w) => w.name)).toEqual([]);
}, 60_000);
