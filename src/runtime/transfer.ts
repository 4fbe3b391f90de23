/**
 * Weights from a trained run into a new model, matched by layer name: the layers a model call copies
 * (`Base(weights: "runs/Base")`, whose layers here are `Base/conv2d`, ...: `IrModel.loads`), and every layer of
 * the same name for `init: from_run("runs/X")`. Loading is synchronous (the files are read with node's fs and
 * decoded by tfjs), so a `buildM()` that must return its model at once can load them too.
 */
import { existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { displayPath } from "../compiler/diagnostics/render.js";
import type { IrCall } from "../compiler/ir/index.js";
import { NncUserError } from "./errors.js";
import { openSavedFolder } from "./saved-files.js";
import { readSavedModel } from "./saved-run.js";

/** A run's weights by name (`dense/kernel`); `dispose` when done. */
interface RunTensors {
  readonly shownAs: string;
  readonly tensors: tf.NamedTensorMap;
  dispose(): void;
}

function readRunTensors(dir: string): RunTensors {
  const shownAs = displayPath(dir);
  if (!existsSync(dir)) {
    throw new NncUserError("NN4035", { path: shownAs, reason: "no such folder (train that model first)" });
  }
  const { weightSpecs, weightData } = readSavedModel(openSavedFolder(dir));
  const tensors = tf.io.decodeWeights(weightData, weightSpecs);
  return { shownAs, tensors, dispose: () => tf.dispose(Object.values(tensors)) };
}

/**
 * Sets the weights of layers of `model` to those of layers of the run in `dir`: `layers` maps a layer here to
 * the name of its layer in the run. Throws NN4035 when the run is missing, lacks a weight or holds one of
 * another shape or dtype (naming the layer and both).
 */
export function loadRunWeights(model: tf.LayersModel, dir: string, layers: Readonly<Record<string, string>>): void {
  const run = readRunTensors(dir);
  try {
    for (const [here, there] of Object.entries(layers)) setLayerWeights(model.getLayer(here), there, run, true);
  } finally {
    run.dispose();
  }
}

/**
 * `init: from_run(dir)`: every layer of `model` whose name the run has takes its weights; the others keep their
 * initial ones. Returns how many layers with weights there are and how many were loaded.
 */
export function initFromRun(model: tf.LayersModel, dir: string): { loaded: number; layers: number } {
  const run = readRunTensors(dir);
  try {
    const withWeights = model.layers.filter((layer) => layer.weights.length > 0);
    const loaded = withWeights.filter((layer) => setLayerWeights(layer, layer.name, run, false)).length;
    return { loaded, layers: withWeights.length };
  } finally {
    run.dispose();
  }
}

/**
 * Sets `layer`'s weights to those of layer `there` in the run; false, without a change, when the run has none
 * of them and they are not `required`.
 */
function setLayerWeights(layer: tf.layers.Layer, there: string, run: RunTensors, required: boolean): boolean {
  const values = layer.weights.map((weight) => {
    const name = `${there}${weight.originalName.slice(layer.name.length)}`;
    return { weight, name, value: run.tensors[name] };
  });
  const found = values.filter((v) => v.value !== undefined);
  if (found.length === 0 && !required) return false;
  for (const { weight, name, value } of values) {
    const reason = !value
      ? `it has no weight '${name}' for layer '${layer.name}'`
      : !sameShape(value.shape, weight.shape)
        ? `its weight '${name}' is [${value.shape.join(", ")}], but layer '${layer.name}' here needs [${weight.shape.join(", ")}]`
        : value.dtype !== weight.dtype
          ? `its weight '${name}' is ${value.dtype}, but layer '${layer.name}' here holds ${weight.dtype}`
          : undefined;
    if (reason) throw new NncUserError("NN4035", { path: run.shownAs, reason });
  }
  layer.setWeights(values.map((v) => v.value!));
  return true;
}

function sameShape(a: readonly number[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** `init: from_run(path)` on a new run (a resumed one restores its checkpoint instead), said on `stream`. */
export function applyInit(model: tf.LayersModel, init: IrCall, stream: NodeJS.WritableStream): void {
  const dir = String(init.args["path"]);
  const { loaded, layers } = initFromRun(model, dir);
  stream.write(`init: ${loaded} of ${layers} layers with weights loaded from ${displayPath(dir)}\n`);
}
