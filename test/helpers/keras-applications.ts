/**
 * The examples that are keras.applications models (examples/inception_v3.nn, examples/resnet50.nn): each checked
 * at a smaller input, and one training step of it with nnc's runtime on the wasm backend.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import type { IrModel } from "../../src/compiler/ir/index.js";
import { buildModel, initBackend } from "../../src/runtime/index.js";

/**
 * The example `name` (examples/NAME.nn, its input written as `[written, written, 3]`), checked with its input at
 * `size`x`size`: no errors, and no warnings either unless `warnings` allows them.
 */
export function exampleAt(name: string, written: number, size: number, warnings = false): IrModel {
  const spec = readFileSync(join(import.meta.dirname, "..", "..", "examples", `${name}.nn`), "utf8");
  const text = spec.replace(`input image: [${written}, ${written}, 3]`, `input image: [${size}, ${size}, 3]`);
  expect(text.includes(`[${size}, ${size}, 3]`)).toBe(true);
  const result = checkSource(text, `${name}.nn`);
  expect(warnings ? result.diagnostics.filter((d) => d.severity === "error") : result.diagnostics).toEqual([]);
  return result.program!.models[0]!;
}

/**
 * Builds `ir` (its input `size`x`size`) with nnc's runtime on wasm, with `params` parameters, and trains one step
 * with SGD on 2 random images: the loss is finite, and the first batch normalization's beta (its trainable weight
 * `betaIndex`: 1 after gamma, 0 with `scale: false`) and moving mean move.
 */
export async function trainsOneStep(ir: IrModel, size: number, params: number, betaIndex: number): Promise<void> {
  await initBackend("wasm");
  const model = buildModel(ir);
  expect(model.countParams()).toBe(params);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "categoricalCrossentropy" });
  const norm = model.getLayer(ir.layers.find((l) => l.kind === "batch_normalization")!.name);
  const [beta, movingMean] = [norm.trainableWeights[betaIndex]!, norm.nonTrainableWeights[0]!];
  const before = [beta, movingMean].map((w) => Array.from(w.read().dataSync()));
  const images = tf.randomUniform([2, size, size, 3], 0, 1, "float32", 1);
  const labels = tf.oneHot(tf.tensor1d([3, 997], "int32"), 1000);
  const history = await model.fit(images, labels, { epochs: 1, batchSize: 2, verbose: 0 });
  expect(Number.isFinite(history.history["loss"]![0] as number)).toBe(true);
  [beta, movingMean].forEach((w, i) => expect(Array.from(w.read().dataSync())).not.toEqual(before[i]));
  tf.dispose([images, labels]);
  model.dispose();
}
