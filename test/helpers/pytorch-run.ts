/**
 * A PyTorch target run folder written without PyTorch, as the emitted script saves one (weights.safetensors,
 * run.json, history.json), for the iris spec it writes beside it: the tests of `nnc import-weights` tamper with it.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { torchStateDict } from "../../src/compiler/emit/pytorch/module.js";
import type { StateDictMap } from "../../src/compiler/emit/pytorch/types.js";
import { checkFile } from "../../src/compiler/index.js";
import { writeSafetensors } from "../../src/io/safetensors.js";
import { buildModel } from "../../src/runtime/build.js";
import { tfjsToTorch } from "../../src/runtime/pytorch/bridge.js";
import { repo } from "./cli.js";

/** Sets every weight of `model` to seeded values (the 4th of a layer, a moving variance, positive). */
export function randomize(model: tf.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layer.setWeights(weights.map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -1, 1, "float32", seed + i)));
  }
}

const features = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

/** run.json as the script writes it for the iris spec (2 processes, 2 epochs; no checksums unless a test adds them). */
export const irisRunJson = {
  format: "nnc-pytorch-run",
  version: 1,
  model: "Iris",
  spec: "../iris.nn",
  torch: "1.13.1",
  world_size: 2,
  epochs: 2,
  completed_epochs: 2,
  final: { loss: 0.9, accuracy: 0.6 },
  data: {
    labels: { column: "species", classes: ["setosa", "versicolor", "virginica"] },
    preprocessing: { source: "csv", label: "species", features, normalization: null },
  },
};

/** history.json of that run. */
export const irisHistory = [
  { epoch: 1, loss: 1.1, accuracy: 0.4, lr: 0.001 },
  { epoch: 2, loss: 0.9, accuracy: 0.6, lr: 0.001 },
];

/** Writes iris.csv and iris.nn (a 4 -> 8 -> 3 classifier) into `dir`; returns the spec's path. */
export function writeIrisSpec(dir: string): string {
  writeFileSync(join(dir, "iris.csv"), readFileSync(join(repo, "examples", "data", "iris.csv")));
  const spec = join(dir, "iris.nn");
  writeFileSync(
    spec,
    "model Iris {\n  input measurements: [4]\n  dense(8, activation: relu)\n  dense(3, activation: softmax)\n}\n\n" +
      'train Iris {\n  data: csv("iris.csv", label: "species")\n  loss: categorical_crossentropy\n' +
      "  optimizer: adam()\n  metrics: [accuracy]\n  batch_size: 16\n  epochs: 2\n}\n",
  );
  return spec;
}

/**
 * The spec's model with seeded weights, and the PyTorch run folder `dir/name` holding them as the script saves
 * them; the caller disposes of the model.
 */
export async function writePytorchRun(
  dir: string,
  spec: string,
  name: string,
): Promise<{ run: string; model: tf.LayersModel; map: StateDictMap }> {
  const ir = checkFile(spec).program!.models[0]!;
  const map = torchStateDict(ir) as StateDictMap;
  const model = buildModel(ir);
  randomize(model, 21);
  const run = join(dir, name);
  mkdirSync(run);
  const tensors = new Map([...tfjsToTorch(map, model)].map(([key, t]) => [key, { dtype: "F32" as const, ...t }]));
  await writeSafetensors(join(run, "weights.safetensors"), tensors, { model: "Iris", format: "nnc-pytorch" });
  writeFileSync(join(run, "run.json"), JSON.stringify(irisRunJson));
  writeFileSync(join(run, "history.json"), JSON.stringify(irisHistory));
  return { run, model, map };
}
