/**
 * Weights between a tfjs model and the PyTorch module the PyTorch target emits for the same spec, by the
 * module's `StateDictMap` (src/compiler/emit/pytorch/types.ts): each link says which tfjs weight of a layer a
 * state-dict key holds and how its axes are ordered. Export (tfjs -> PyTorch) transposes each weight by the
 * link's `permute`; several links to one tfjs weight (PyTorch's second recurrent bias) get it in the first and
 * zeros in the rest. Import (PyTorch -> tfjs) is the inverse: the inverse permutation, and the sum of the links
 * to one weight.
 *
 * Both directions check everything they are given: every layer of the map in the model, every tfjs weight
 * linked, every state-dict key present, none left over, every shape and dtype as the map says. A state dict
 * that does not fit is NN4035 naming the key and the layer; a tfjs model that does not fit the map (a run of
 * another model) is NN4011.
 */
import * as tf from "@tensorflow/tfjs";
import type { StateDictMap, WeightLink } from "../../compiler/emit/pytorch/types.js";
import type { SafetensorsDtype } from "../../io/safetensors.js";
import { NncUserError } from "../errors.js";

/** One state-dict tensor as the bridge reads and writes it: float32 values in row-major order. */
export interface TorchTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A state-dict tensor given to `torchToTfjs`: a `TorchTensor`, or a safetensors tensor of any dtype. */
export interface GivenTensor {
  readonly dtype?: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number | bigint>;
}

/**
 * Keys of PyTorch's `state_dict()` that hold no weight of tfjs's and that import ignores: BatchNorm's count of
 * batches seen (`bn.num_batches_tracked`), which only its momentum-less mode reads.
 */
const ignoredKeySuffixes = [".num_batches_tracked"];

/**
 * The state dict (`${attribute}.${torch}` -> tensor) of `model`'s weights, by `map`. Throws NN4011 when the model
 * lacks a layer of the map, or a layer's weights do not match its links.
 */
export function tfjsToTorch(map: StateDictMap, model: tf.LayersModel): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  for (const entry of map.layers) {
    const layer = layerOf(map, model, entry.layer);
    const weights = layer.getWeights();
    checkLinks(map, entry.layer, entry.links, weights);
    const exported = new Set<number>();
    for (const link of entry.links) {
      const key = `${entry.attribute}.${link.torch}`;
      if (exported.has(link.tfjs)) {
        out.set(key, { shape: [...link.torchShape], data: new Float32Array(count(link.torchShape)) });
        continue;
      }
      exported.add(link.tfjs);
      const values = weights[link.tfjs]!.dataSync() as Float32Array;
      const permute = link.permute ?? link.tfjsShape.map((_, i) => i);
      out.set(key, {
        shape: [...link.torchShape],
        data: transpose(Float32Array.from(values), link.tfjsShape, permute),
      });
    }
  }
  return out;
}

/**
 * Sets `model`'s weights to the state dict `tensors` (`source`: where they were read, for messages), by `map`.
 * Throws NN4035 for a missing, extra or mis-shaped key, naming it and its layer, and NN4011 when the model does
 * not match the map. Nothing is set unless every key fits.
 */
export function torchToTfjs(
  map: StateDictMap,
  tensors: ReadonlyMap<string, GivenTensor>,
  model: tf.LayersModel,
  source = "the state dict",
): void {
  const refuse = (reason: string) => new NncUserError("NN4035", { path: source, reason });
  const known = new Set<string>();
  const updates: { layer: tf.layers.Layer; values: Float32Array[]; shapes: number[][] }[] = [];
  for (const entry of map.layers) {
    const layer = layerOf(map, model, entry.layer);
    const weights = layer.getWeights();
    // getWeights() gives the layer's own variables: they are not disposed here.
    checkLinks(map, entry.layer, entry.links, weights);
    const values = weights.map((w) => new Float32Array(w.size));
    for (const link of entry.links) {
      const key = `${entry.attribute}.${link.torch}`;
      known.add(key);
      const tensor = tensors.get(key);
      const where = `for layer '${entry.layer}' (model ${map.model})`;
      if (tensor === undefined) throw refuse(`it has no tensor '${key}' ${where}`);
      if (tensor.dtype !== undefined && tensor.dtype !== "F32")
        throw refuse(`its tensor '${key}' is ${tensor.dtype}, but layer '${entry.layer}' holds float32 (F32)`);
      if (!sameShape(tensor.shape, link.torchShape)) {
        throw refuse(
          `its tensor '${key}' is [${tensor.shape.join(", ")}], but layer '${entry.layer}' needs ` +
            `[${link.torchShape.join(", ")}]`,
        );
      }
      const permute = link.permute ?? link.tfjsShape.map((_, i) => i);
      const transposed = permute.map((axis) => link.tfjsShape[axis]!);
      const back = transpose(Float32Array.from(tensor.data, Number), transposed, inverse(permute));
      const sum = values[link.tfjs]!;
      for (let i = 0; i < sum.length; i++) sum[i]! += back[i]!;
    }
    updates.push({ layer, values, shapes: weights.map((w) => w.shape) });
  }
  const extra = [...tensors.keys()].filter(
    (key) => !known.has(key) && !ignoredKeySuffixes.some((suffix) => key.endsWith(suffix) && ownedBy(map, key)),
  );
  if (extra.length > 0) {
    const more = extra.length > 1 ? ` (and ${extra.length - 1} more)` : "";
    throw refuse(`it has a tensor '${extra.sort()[0]}'${more} that model ${map.model} has no weight for`);
  }
  for (const { layer, values, shapes } of updates) {
    const made = values.map((v, i) => tf.tensor(v, shapes[i]));
    layer.setWeights(made);
    tf.dispose(made);
  }
}

/** `values` of `shape` with its axes reordered: the result's axis i is the input's axis `permute[i]`. */
export function transpose(values: Float32Array, shape: readonly number[], permute: readonly number[]): Float32Array {
  if (permute.every((axis, i) => axis === i)) return values;
  const strides = stridesOf(shape);
  const outShape = permute.map((axis) => shape[axis]!);
  const steps = permute.map((axis) => strides[axis]!);
  const out = new Float32Array(values.length);
  const index = new Array<number>(outShape.length).fill(0);
  let from = 0;
  for (let to = 0; to < out.length; to++) {
    out[to] = values[from]!;
    // Advance the output index like an odometer, moving `from` by the input's stride of each axis.
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      index[axis]!++;
      from += steps[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      from -= steps[axis]! * outShape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

/** The model's layer named `name`; NN4011 when it has none. */
function layerOf(map: StateDictMap, model: tf.LayersModel, name: string): tf.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (layer === undefined) {
    throw new NncUserError("NN4011", {
      detail: `model ${model.name} has no layer '${name}', which model ${map.model} of the spec has`,
    });
  }
  return layer;
}

/** NN4011 unless `links` cover each of the layer's tfjs weights, with their shapes. */
function checkLinks(
  map: StateDictMap,
  name: string,
  links: readonly WeightLink[],
  weights: readonly tf.Tensor[],
): void {
  const mismatch = (what: string) =>
    new NncUserError("NN4011", { detail: `layer '${name}' ${what} than model ${map.model} of the spec says` });
  for (const link of links) {
    if (count(link.torchShape) !== count(link.tfjsShape))
      throw new Error(`StateDictMap: ${name}.${link.torch} has another size than tfjs weight ${link.tfjs}`);
    const weight = weights[link.tfjs];
    if (weight === undefined) throw mismatch(`has ${weights.length} weights, fewer`);
    if (!sameShape(weight.shape, link.tfjsShape)) {
      throw new NncUserError("NN4011", {
        detail:
          `layer '${name}' has a weight of shape [${weight.shape.join(", ")}] where model ${map.model} of the ` +
          `spec has [${link.tfjsShape.join(", ")}]`,
      });
    }
  }
  const linked = new Set(links.map((link) => link.tfjs));
  if (weights.some((_, i) => !linked.has(i))) throw mismatch(`has ${weights.length} weights, more`);
}

/** Whether `key` lies under an attribute of the map (`bn` of `bn.num_batches_tracked`). */
function ownedBy(map: StateDictMap, key: string): boolean {
  return map.layers.some((entry) => key.startsWith(`${entry.attribute}.`));
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

function inverse(permute: readonly number[]): number[] {
  const out = new Array<number>(permute.length);
  permute.forEach((axis, i) => (out[axis] = i));
  return out;
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
