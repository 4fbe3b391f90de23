/**
 * examples/inception_v3.nn is keras.applications.InceptionV3 (include_top, 1000 classes): Keras's published
 * parameter counts through the compiler API, and nnc's runtime builds it (batch normalization with `scale:
 * false` is nnc's own layer) and trains one step, on the wasm backend (nnc's own choice without tfjs-node). The
 * step runs at 75x75, Keras's smallest input for the architecture: 5 s here, where 299x299 would take about 16
 * times as long (and 75x75 on the cpu backend over a minute). The parameters do not depend on the input's size
 * (global pooling comes before the classifier), and the counts are checked at both.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import { buildModel, initBackend } from "../src/runtime/index.js";
const spec = readFileSync(join(import.meta.dirname, "..", "examples", "inception_v3.nn"), "utf8");

/** The checked model, at `size`x`size` (299 as written). */
function inception(size = 299) {
  const text = spec.replace("input image: [299, 299, 3]", `input image: [${size}, ${size}, 3]`);
  expect(text.includes(`[${size}, ${size}, 3]`)).toBe(true);
  const result = checkSource(text, "inception_v3.nn");
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models[0]!;
}

it("has Keras's figures: 23,851,784 parameters, 23,817,352 trainable, 34,432 not", () => {
  for (const size of [299, 75]) {
    const summary = summarize(inception(size));
    expect([summary.totalParams, summary.trainableParams, summary.nonTrainableParams]).toEqual([
      23_851_784, 23_817_352, 34_432,
    ]);
  }
  const model = inception();
  expect(model.layers.filter((l) => l.kind === "conv2d")).toHaveLength(94);
  expect(model.layers.filter((l) => l.kind === "batch_normalization")).toHaveLength(94);
  expect(model.layers.at(-1)!.outputShapes).toEqual([[1000]]);
  expect(model.layers.at(-2)!.outputShapes).toEqual([[2048]]);
});

it("builds with nnc's runtime and trains one step on 2 random 75x75 images", async () => {
  await initBackend("wasm");
  const ir = inception(75);
  const model = buildModel(ir);
  expect(model.countParams()).toBe(23_851_784);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "categoricalCrossentropy" });
  const norm = model.getLayer(ir.layers.find((l) => l.kind === "batch_normalization")!.name);
  const [beta, movingMean] = [norm.trainableWeights[0]!, norm.nonTrainableWeights[0]!];
  const before = [beta, movingMean].map((w) => Array.from(w.read().dataSync()));
  const images = tf.randomUniform([2, 75, 75, 3], 0, 1, "float32", 1);
  const labels = tf.oneHot(tf.tensor1d([3, 997], "int32"), 1000);
  const history = await model.fit(images, labels, { epochs: 1, batchSize: 2, verbose: 0 });
  expect(Number.isFinite(history.history["loss"]![0] as number)).toBe(true);
  [beta, movingMean].forEach((w, i) => expect(Array.from(w.read().dataSync())).not.toEqual(before[i]));
  model.dispose();
}, 120_000);
