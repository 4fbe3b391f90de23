/**
 * IR -> tf.LayersModel. Every layer is built from its registry description, `tf.layers[factory](config)`,
 * the same description the TypeScript emitter prints, so a compiled module and `nnc train` build one model.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrModel, JsonValue, TensorRef, TfjsLayer } from "../compiler/ir/index.js";
import { fasterLayers, layers as nncLayers } from "./layers/index.js";
import { loadRunWeights } from "./transfer.js";

type Factory = (config: Record<string, unknown>) => unknown;

/**
 * Builds the (not yet compiled) model: its inputs, its layers in order, its outputs, with the IR's names, and
 * the weights its layers load from trained runs (`IrModel.loads`).
 */
export function buildModel(model: IrModel): tf.LayersModel {
  const tensors = new Map<string, tf.SymbolicTensor[]>();
  const tensorOf = (ref: TensorRef): tf.SymbolicTensor => {
    const tensor = tensors.get(ref.node)?.[ref.index];
    if (!tensor) throw new Error(`buildModel: ${model.name} uses ${ref.node}[${ref.index}] before it is defined`);
    return tensor;
  };
  const inputs = model.inputs.map((input) => {
    // tfjs knows fixed sizes only; a symbolic or unknown dimension is left open (null).
    const shape = input.shape.map((d) => (typeof d === "number" ? d : null));
    const tensor = tf.input({ shape, dtype: input.dtype, name: input.name });
    tensors.set(input.name, [tensor]);
    return tensor;
  });
  // A shared layer's later uses apply the very layer object of its first use (`shares`), with its weights.
  const made = new Map<string, tf.layers.Layer>();
  for (const layer of model.layers) {
    const args = layer.inputs.map(tensorOf);
    const object = layer.shares ? made.get(layer.shares) : createLayer(layer.tfjs);
    if (!object) throw new Error(`buildModel: ${model.name} shares ${layer.shares} before it is made`);
    made.set(layer.name, object);
    const output = object.apply(args.length === 1 ? args[0]! : args) as tf.SymbolicTensor | tf.SymbolicTensor[];
    tensors.set(layer.name, Array.isArray(output) ? output : [output]);
  }
  const built = tf.model({ inputs, outputs: model.outputs.map(tensorOf), name: model.name });
  try {
    for (const load of model.loads ?? []) loadRunWeights(built, load.run, load.layers);
  } catch (error) {
    // A run that cannot be loaded (NN4035) must not leave the new model's weights behind.
    built.dispose();
    throw error;
  }
  return built;
}

/**
 * `tf.layers[factory](config)`, building nested values first: a wrapped layer (`bidirectional(lstm(64))`) and
 * regularizers, initializers and constraints with arguments (`tf.regularizers.l2({ l2: 1e-4 })`). tfjs gets its
 * own copy of every config: it writes into them (reshape turns -1 into null), and the IR must never change.
 */
export function createLayer(description: TfjsLayer): tf.layers.Layer {
  return createObject(description) as tf.layers.Layer;
}

function createObject(description: TfjsLayer): unknown {
  const namespace =
    description.namespace === "nnc"
      ? (nncLayers as Record<string, Factory | undefined>)
      : (tf as unknown as Record<string, Record<string, Factory | undefined>>)[description.namespace ?? "layers"];
  // tfjs's LSTM runs a whole sequence as one fused operation in nnc's (layers/fused-lstm.ts).
  const faster = (description.namespace ?? "layers") === "layers" ? fasterLayers[description.factory] : undefined;
  const factory = faster ?? namespace?.[description.factory];
  if (typeof factory !== "function") {
    throw new Error(`buildModel: tf.${description.namespace ?? "layers"} has no factory '${description.factory}'`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(description.config)) {
    config[key] = isTfjsLayer(value) ? createObject(value) : structuredClone(value);
  }
  return factory(config);
}

function isTfjsLayer(value: JsonValue | TfjsLayer): value is TfjsLayer {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { factory?: unknown }).factory === "string" &&
    typeof (value as { config?: unknown }).config === "object"
  );
}
