/**
 * `nnc predict --output NAME`: any tensor the spec's model names (`code = ... -> dense(32)`, an input) instead of
 * the model's outputs, e.g. an autoencoder's code as an embedding. The checker lists the names a model's body
 * gives (`IrModel.tensors`, name -> the layer output it holds); the saved run's tfjs model keeps the IR's layer
 * names, so the tensor is that layer's output there, and a model from the run's inputs to it predicts it.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrModel, TensorRef } from "../compiler/ir/index.js";
import { didYouMean } from "../compiler/diagnostics/suggest.js";
import { NncUserError } from "./errors.js";

/**
 * The model that predicts the tensor `name` of `spec` (the spec's model of `run`) from `run`'s inputs. An
 * unknown name is NN4040, listing the names the model has.
 */
export function tensorModel(run: tf.LayersModel, spec: IrModel, name: string): tf.LayersModel {
  const tensors = spec.tensors ?? {};
  const ref = Object.hasOwn(tensors, name) ? tensors[name] : undefined;
  if (ref === undefined) {
    const names = Object.keys(tensors);
    throw new NncUserError(
      "NN4040",
      { name, model: spec.name, names: names.length > 0 ? names.join(", ") : "none" },
      didYouMean(name, names),
    );
  }
  const layer = ref.node.split(":")[0]!;
  if (!run.layers.some((l) => l.name === layer)) {
    // The spec changed since training (a layer renamed, added or removed) without changing the model's shapes.
    throw new NncUserError("NN4011", {
      detail: `the saved model has no layer '${layer}', which computes '${name}' in model '${spec.name}' of the spec: train it again`,
    });
  }
  return tf.model({ inputs: run.inputs, outputs: symbolicTensor(run, ref), name: `${spec.name}_${name}` });
}

/**
 * The tensor `ref` names in `model`: output `index` of layer `node`, or of its k-th use for the k-th reuse of a
 * shared layer (the IR's `owner:k`).
 */
function symbolicTensor(model: tf.LayersModel, ref: TensorRef): tf.SymbolicTensor {
  const [layer, use] = ref.node.split(":");
  const output = model.getLayer(layer!).getOutputAt(use === undefined ? 0 : Number(use));
  return Array.isArray(output) ? output[ref.index]! : output;
}
