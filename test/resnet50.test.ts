/**
 * examples/resnet50.nn is keras.applications.ResNet50 (include_top, 1000 classes): Keras's published parameter
 * counts through the compiler API, and nnc's runtime builds it and trains one step, on the wasm backend (nnc's
 * own choice without tfjs-node). The step runs at 32x32, Keras's smallest input for the architecture, where
 * 224x224 would take about 50 times as long. The parameters do not depend on the input's size (global pooling
 * comes before the classifier), and the counts are checked at both. examples.test.ts compares every layer's
 * shapes and counts with the model tfjs builds at 224x224.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import { buildModel, initBackend } from "../src/runtime/index.js";

const spec = readFileSync(join(import.meta.dirname, "..", "examples", "resnet50.nn"), "utf8");

/** The checked model, at `size`x`size` (224 as written). */
function resnet(size = 224) {
  const text = spec.replace("input image: [224, 224, 3]", `input image: [${size}, ${size}, 3]`);
  expect(text.includes(`[${size}, ${size}, 3]`)).toBe(true);
  const result = checkSource(text, "resnet50.nn");
  expect(result.diagnostics).toEqual([]);
  return result.program!.models[0]!;
}

it("has Keras's figures: 25,636,712 parameters, 25,583,592 trainable, 53,120 not", () => {
  for (const size of [224, 32]) {
    const summary = summarize(resnet(size));
    expect([summary.totalParams, summary.trainableParams, summary.nonTrainableParams]).toEqual([
      25_636_712, 25_583_592, 53_120,
    ]);
  }
  const model = resnet();
  // conv1, three convolutions in each of the 16 bottlenecks, and the four projections.
  expect(model.layers.filter((l) => l.kind === "conv2d")).toHaveLength(53);
  expect(model.layers.filter((l) => l.kind === "batch_normalization")).toHaveLength(53);
  expect(model.layers.filter((l) => l.kind === "add")).toHaveLength(16);
  expect(model.layers.at(-1)!.outputShapes).toEqual([[1000]]);
  expect(model.layers.at(-2)!.outputShapes).toEqual([[2048]]);
  expect(model.layers.at(-3)!.outputShapes).toEqual([[7, 7, 2048]]);
});

it("builds with nnc's runtime and trains one step on 2 random 32x32 images", async () => {
  await initBackend("wasm");
  const ir = resnet(32);
  const model = buildModel(ir);
  expect(model.countParams()).toBe(25_636_712);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "categoricalCrossentropy" });
  const norm = model.getLayer(ir.layers.find((l) => l.kind === "batch_normalization")!.name);
  const [beta, movingMean] = [norm.trainableWeights[1]!, norm.nonTrainableWeights[0]!];
  const before = [beta, movingMean].map((w) => Array.from(w.read().dataSync()));
  const images = tf.randomUniform([2, 32, 32, 3], 0, 1, "float32", 1);
  const labels = tf.oneHot(tf.tensor1d([3, 997], "int32"), 1000);
  const history = await model.fit(images, labels, { epochs: 1, batchSize: 2, verbose: 0 });
  expect(Number.isFinite(history.history["loss"]![0] as number)).toBe(true);
  [beta, movingMean].forEach((w, i) => expect(Array.from(w.read().dataSync())).not.toEqual(before[i]));
  model.dispose();
}, 120_000);
