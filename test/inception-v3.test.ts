/**
 * examples/inception_v3.nn is keras.applications.InceptionV3 (include_top, 1000 classes): Keras's published
 * parameter counts through the compiler API, and nnc's runtime builds it (batch normalization with `scale:
 * false` is nnc's own layer) and trains one step, on the wasm backend (nnc's own choice without tfjs-node). The
 * step runs at 75x75, Keras's smallest input for the architecture: 5 s here, where 299x299 would take about 16
 * times as long (and 75x75 on the cpu backend over a minute). The parameters do not depend on the input's size
 * (global pooling comes before the classifier), and the counts are checked at both.
 */
import { expect, it } from "vitest";
import { summarize } from "../src/compiler/emit/summary.js";
import { exampleAt, trainsOneStep } from "./helpers/keras-applications.js";

/** The checked model, at `size`x`size` (299 as written). */
const inception = (size = 299) => exampleAt("inception_v3", 299, size, true);

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

it(
  "builds with nnc's runtime and trains one step on 2 random 75x75 images",
  () => trainsOneStep(inception(75), 75, 23_851_784, 0),
  120_000,
);
