/**
 * examples/resnet50.nn is keras.applications.ResNet50 (include_top, 1000 classes): Keras's published parameter
 * counts through the compiler API, and nnc's runtime builds it and trains one step, on the wasm backend (nnc's
 * own choice without tfjs-node). The step runs at 32x32, Keras's smallest input for the architecture, where
 * 224x224 would take about 50 times as long. The parameters do not depend on the input's size (global pooling
 * comes before the classifier), and the counts are checked at both. examples.test.ts compares every layer's
 * shapes and counts with the model tfjs builds at 224x224.
 */
import { expect, it } from "vitest";
import { summarize } from "../src/compiler/emit/summary.js";
import { exampleAt, trainsOneStep } from "./helpers/keras-applications.js";

/** The checked model, at `size`x`size` (224 as written). */
const resnet = (size = 224) => exampleAt("resnet50", 224, size);

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

it(
  "builds with nnc's runtime and trains one step on 2 random 32x32 images",
  () => trainsOneStep(resnet(32), 32, 25_636_712, 1),
  120_000,
);
