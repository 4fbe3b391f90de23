/**
 * The generator's own knowledge of each layer kind, written from Keras's and tfjs's documentation and not from
 * nnc's registry: how to draw arguments for an input of a given (rough) shape, roughly what shape comes out
 * (only to steer the generator towards models that build; the oracle is tfjs), and how a person writing
 * TensorFlow.js by hand would spell the layer: `tf.layers[factory](config)`.
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";

/**
 * An argument value as written in `.nn`: numbers, booleans, bare symbols (`same`), lists, a block parameter, a
 * nested layer call (`bidirectional(lstm(4))`).
 */
export type Value = number | boolean | string | readonly Value[] | { readonly param: string } | Nested;

/** A layer call written as an argument: `lstm(4, return_sequences: true)`. */
export interface Nested {
  readonly nested: string;
  readonly args: Args;
  /** How many leading positional arguments are written by position. */
  readonly positional: number;
}

export type Args = Readonly<Record<string, Value>>;

/** A rough shape without the batch: a fixed size or `null` (symbolic, unknown, or not worked out). */
export type Sketch = readonly (number | null)[];

export type Gen = fc.GeneratorValue;

export interface Drawn {
  readonly args: Args;
  /** A value outside Keras's documented range was drawn on purpose. */
  readonly invalid?: boolean;
}

export interface KindSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Keras's positional order. */
  readonly positional: readonly string[];
  /** Two or more input tensors. */
  readonly merge?: boolean;
  /** A Keras layer tfjs 4.22 does not have: nnc must refuse it with NN3010. */
  readonly unavailable?: boolean;
  /** Input ranks the kind is meant for (the generator still tries others now and then). */
  readonly ranks: readonly number[];
  readonly factory: string;
  draw(g: Gen, input: Sketch): Drawn;
  /** The rough output shape (first output). */
  out(input: Sketch, args: Args): Sketch;
  /**
   * The tfjs config from the written arguments (and the input shapes without the batch), when more than
   * camelCase keys (see `tfjsConfig`).
   */
  readonly config?: (args: Args, inputs: readonly (readonly (number | null)[])[]) => Record<string, unknown>;
}

const int = (g: Gen, min: number, max: number) => g(fc.integer, { min, max });
/** Rolls and choices are unbiased: fast-check's bias towards small integers would make 2% rolls common. */
const roll = (g: Gen, max: number) => g((n: number) => fc.noBias(fc.integer({ min: 0, max: n })), max);
const pick = <T>(g: Gen, ...items: T[]): T => items[roll(g, items.length - 1)]!;
const chance = (g: Gen, percent: number) => roll(g, 99) < percent;
const bool = (g: Gen) => chance(g, 50);

/** Adds `key: value` with the given chance. */
function maybe(g: Gen, percent: number, args: Record<string, Value>, key: string, value: () => Value): void {
  if (chance(g, percent)) args[key] = value();
}

const activationNames = ["linear", "relu", "relu6", "elu", "selu", "sigmoid", "hard_sigmoid", "tanh", "softmax",
  "softplus", "softsign", "swish", "mish", "gelu"];
const tfjsActivations: Record<string, string> = { hard_sigmoid: "hardSigmoid" };

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** camelCase keys, tfjs's spelling of activations and initializers. */
export function tfjsConfig(args: Args): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    let v: unknown = value;
    if (typeof value === "string" && key.endsWith("activation")) v = tfjsActivations[value] ?? value;
    if (typeof value === "string" && key.endsWith("initializer")) v = camel(value);
    if (typeof value === "object" && value !== null && "nested" in value) v = tfjsLayer(value);
    config[camel(key)] = v;
  }
  return config;
}

/** The tfjs layer for a nested call, as a person would write it: `tf.layers.lstm({units: 4})`. */
function tfjsLayer(call: Nested): tf.layers.Layer {
  const spec = specByName.get(call.nested)!;
  const factory = (tf.layers as unknown as Record<string, (config: unknown) => tf.layers.Layer>)[spec.factory]!;
  return factory((spec.config ?? tfjsConfig)(call.args, []));
}

/** Draws a nested call of `spec` for an input of this rough shape. */
function nestedCall(g: Gen, spec: KindSpec, input: Sketch): { value: Nested; invalid: boolean } {
  const drawn = spec.draw(g, input);
  let prefix = 0;
  while (prefix < spec.positional.length && spec.positional[prefix]! in drawn.args) prefix++;
  return { value: { nested: spec.name, args: drawn.args, positional: int(g, 0, prefix) }, invalid: drawn.invalid ?? false };
}

const nestedOut = (v: Value | undefined, input: Sketch): Sketch => {
  const call = v as Nested;
  return specByName.get(call.nested)!.out(input, call.args);
};

/** Kinds a wrapper may hold: one input, one output, not themselves wrappers. */
const wrappable = (k: KindSpec) =>
  !k.merge && !k.unavailable && !["embedding", "bidirectional", "time_distributed"].includes(k.name);

const sizeOr = (g: Gen, rank: number, min: number, max: number): Value =>
  rank === 1 || chance(g, 60) ? int(g, min, max) : Array.from({ length: rank }, () => int(g, min, max));
const tupleOf = (v: Value | undefined, rank: number, dflt: number): number[] =>
  v === undefined ? Array(rank).fill(dflt) : typeof v === "number" ? Array(rank).fill(v) : (v as number[]);

function slide(d: number | null, k: number, s: number, dil: number, padding: Value | undefined): number | null {
  if (d === null) return null;
  const eff = k + (k - 1) * (dil - 1);
  return padding === "same" ? Math.ceil(d / s) : Math.ceil((d - eff + 1) / s);
}

/** Draws common convolution arguments; `invalid` now and then. */
function convArgs(g: Gen, rank: 1 | 2, own: { filters: boolean; dilation: boolean }): Drawn {
  const args: Record<string, Value> = {};
  let invalid = false;
  if (own.filters) args["filters"] = int(g, 1, 4);
  args["kernel_size"] = sizeOr(g, rank, 1, 4);
  maybe(g, 35, args, "strides", () => sizeOr(g, rank, 1, 3));
  maybe(g, 40, args, "padding", () => pick(g, "valid", "same"));
  if (own.dilation) maybe(g, 20, args, "dilation_rate", () => sizeOr(g, rank, 1, 2));
  maybe(g, 20, args, "activation", () => pick(g, ...activationNames));
  maybe(g, 15, args, "use_bias", () => bool(g));
  if (chance(g, 4)) {
    invalid = true;
    const bad = pick(g, "strides0", "kernel3", "padding");
    if (bad === "strides0") args["strides"] = 0;
    else if (bad === "kernel3") args["kernel_size"] = Array(rank + 1).fill(2);
    else args["padding"] = "full";
  }
  return { args, invalid };
}

function convOut(rank: 1 | 2, channels: (input: Sketch, args: Args) => number | null) {
  return (input: Sketch, args: Args): Sketch => {
    const k = tupleOf(args["kernel_size"], rank, 1);
    const s = tupleOf(args["strides"], rank, 1);
    const d = tupleOf(args["dilation_rate"], rank, 1);
    const space = input.slice(0, rank).map((x, i) => slide(x, k[i]!, s[i]!, d[i]!, args["padding"]));
    return [...space, channels(input, args)];
  };
}

const filtersOut = (_: Sketch, args: Args) => (typeof args["filters"] === "number" ? args["filters"] : null);
const same = (input: Sketch) => input;

function pooling(mode: "max" | "average", rank: 1 | 2): KindSpec {
  const factory = `${mode}Pooling${rank}d`;
  return {
    name: `${mode}_pooling${rank}d`,
    aliases: [`${mode === "max" ? "max" : "avg"}pool${rank}d`],
    positional: ["pool_size", "strides", "padding"],
    ranks: [rank + 1],
    factory,
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 70, args, "pool_size", () => sizeOr(g, rank, 1, 3));
      maybe(g, 30, args, "strides", () => sizeOr(g, rank, 1, 3));
      maybe(g, 40, args, "padding", () => pick(g, "valid", "same"));
      return { args };
    },
    out(input, args) {
      const k = tupleOf(args["pool_size"], rank, 2);
      const s = args["strides"] === undefined ? k : tupleOf(args["strides"], rank, 1);
      return [...input.slice(0, rank).map((x, i) => slide(x, k[i]!, s[i]!, 1, args["padding"])), input.at(-1) ?? null];
    },
    // tfjs types these as number | number[]; a pair for 2D is what its docs show.
    config: (args) => {
      const c = tfjsConfig(args);
      for (const key of ["poolSize", "strides"]) if (rank === 2 && typeof c[key] === "number") c[key] = [c[key], c[key]];
      return c;
    },
  };
}

function globalPooling(mode: "max" | "average", rank: 1 | 2): KindSpec {
  return {
    name: `global_${mode}_pooling${rank}d`,
    positional: [],
    ranks: [rank + 1],
    factory: `global${mode === "max" ? "Max" : "Average"}Pooling${rank}d`,
    draw: () => ({ args: {} }),
    out: (input) => [input.at(-1) ?? null],
  };
}

function merge(name: string, factory: string): KindSpec {
  return { name, positional: [], merge: true, ranks: [1, 2, 3, 4], factory, draw: () => ({ args: {} }), out: same };
}

function rnn(name: string, factory: string): KindSpec {
  return {
    name,
    positional: ["units"],
    ranks: [2],
    factory,
    draw(g) {
      const args: Record<string, Value> = { units: int(g, 1, 4) };
      maybe(g, 50, args, "return_sequences", () => bool(g));
      maybe(g, 15, args, "return_state", () => bool(g));
      maybe(g, 15, args, "go_backwards", () => bool(g));
      maybe(g, 15, args, "use_bias", () => bool(g));
      maybe(g, 10, args, "activation", () => pick(g, "tanh", "relu", "sigmoid"));
      if (chance(g, 3)) return { args: { ...args, units: 0 }, invalid: true };
      return { args };
    },
    out: (input, args) => (args["return_sequences"] === true ? [input[0] ?? null, args["units"] as number] : [args["units"] as number]),
  };
}

const rate = (g: Gen): Drawn => (chance(g, 4) ? { args: { rate: pick(g, 1, 1.5, -0.1) }, invalid: true } : { args: { rate: pick(g, 0, 0.1, 0.5) } });

/** Two sides per axis, in one of the three spellings. */
function sides(g: Gen, max: number): Value {
  const form = pick(g, "one", "axis", "side");
  if (form === "one") return int(g, 0, max);
  if (form === "axis") return [int(g, 0, max), int(g, 0, max)];
  return [[int(g, 0, max), int(g, 0, max)], [int(g, 0, max), int(g, 0, max)]];
}
function sidePairs(v: Value | undefined, dflt: number): number[][] {
  if (v === undefined) return [[dflt, dflt], [dflt, dflt]];
  if (typeof v === "number") return [[v, v], [v, v]];
  const [a, b] = v as Value[];
  return typeof a === "number" ? [[a, a], [b as number, b as number]] : [a as number[], b as number[]];
}

function permutation(g: Gen, n: number): number[] {
  const rest = Array.from({ length: n }, (_, i) => i + 1);
  const out: number[] = [];
  while (rest.length) out.push(rest.splice(int(g, 0, rest.length - 1), 1)[0]!);
  return out;
}

/** A target shape with the input's element count, sometimes with -1, sometimes wrong on purpose. */
function reshapeTarget(g: Gen, input: Sketch): Value {
  const known = input.every((d) => d !== null);
  const raw = known ? input.reduce<number>((a, b) => a * b!, 1) : int(g, 1, 16);
  // The rough shape may hold nonsense (a window larger than the input): any count will do then.
  const count = Number.isInteger(raw) && raw >= 1 ? raw : 6;
  const divisors = Array.from({ length: Math.min(count, 64) }, (_, i) => i + 1).filter((d) => count % d === 0);
  const first = pick(g, ...divisors);
  const target: number[] = chance(g, 50) ? [count] : [first, count / first];
  if (chance(g, 30)) target[int(g, 0, target.length - 1)] = -1;
  if (chance(g, 8)) target[0] = target[0]! + 1;
  if (chance(g, 3)) return [-1, -1];
  return target;
}

/** Every kind the generator knows, by nnc name. */
export const kindSpecs: readonly KindSpec[] = [
  {
    name: "dense",
    positional: ["units"],
    ranks: [1, 2, 3],
    factory: "dense",
    draw(g) {
      const args: Record<string, Value> = { units: int(g, 1, 8) };
      maybe(g, 30, args, "activation", () => pick(g, ...activationNames));
      maybe(g, 15, args, "use_bias", () => bool(g));
      maybe(g, 8, args, "kernel_initializer", () => pick(g, "he_normal", "glorot_uniform", "zeros"));
      if (chance(g, 4)) return { args: { ...args, units: pick(g, 0, 2.5) }, invalid: true };
      return { args };
    },
    out: (input, args) => [...input.slice(0, -1), args["units"] as number],
  },
  {
    name: "flatten",
    positional: [],
    ranks: [2, 3, 4],
    factory: "flatten",
    draw: () => ({ args: {} }),
    out: (input) => [input.every((d) => d !== null) ? input.reduce<number>((a, b) => a * b!, 1) : null],
  },
  {
    name: "reshape",
    positional: ["target_shape"],
    ranks: [1, 2, 3],
    factory: "reshape",
    draw(g, input) {
      const target = reshapeTarget(g, input);
      return { args: { target_shape: target }, invalid: (target as number[]).includes(0) };
    },
    out: (_, args) => (args["target_shape"] as number[]).map((d) => (d === -1 ? null : d)),
  },
  {
    name: "permute",
    positional: ["dims"],
    ranks: [2, 3],
    factory: "permute",
    draw: (g, input) => (chance(g, 4) ? { args: { dims: [1, 1] } } : { args: { dims: permutation(g, Math.max(input.length, 1)) } }),
    out: (input, args) => (args["dims"] as number[]).map((d) => input[d - 1] ?? null),
  },
  {
    name: "repeat_vector",
    positional: ["n"],
    ranks: [1],
    factory: "repeatVector",
    draw: (g) => ({ args: { n: int(g, 1, 4) } }),
    out: (input, args) => [args["n"] as number, input[0] ?? null],
  },
  {
    name: "activation",
    positional: ["activation"],
    ranks: [1, 2, 3, 4],
    factory: "activation",
    draw: (g) => (chance(g, 4) ? { args: { activation: "rellu" }, invalid: true } : { args: { activation: pick(g, ...activationNames) } }),
    out: same,
  },
  {
    name: "relu",
    aliases: ["re_lu"],
    positional: ["max_value"],
    ranks: [1, 2, 3, 4],
    factory: "reLU",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 40, args, "max_value", () => pick(g, 1, 6, 0.5));
      return { args };
    },
    out: same,
  },
  {
    name: "leaky_re_lu",
    aliases: ["leaky_relu"],
    positional: ["alpha"],
    ranks: [1, 2, 3, 4],
    factory: "leakyReLU",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 50, args, "alpha", () => pick(g, 0.1, 0.3));
      return { args };
    },
    out: same,
  },
  {
    name: "elu",
    positional: ["alpha"],
    ranks: [1, 2, 3, 4],
    factory: "elu",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 30, args, "alpha", () => pick(g, 1, 0.5));
      return { args };
    },
    out: same,
  },
  {
    name: "softmax",
    positional: ["axis"],
    ranks: [1, 2, 3],
    factory: "softmax",
    draw(g, input) {
      const args: Record<string, Value> = {};
      maybe(g, 30, args, "axis", () => pick(g, -1, input.length, 1, -2));
      return { args };
    },
    out: same,
    // Keras's default axis is -1; tfjs's Softmax layer defaults to axis 1 (docs/differences.md).
    config: (args) => ({ axis: -1, ...tfjsConfig(args) }),
  },
  {
    name: "conv1d",
    positional: ["filters", "kernel_size"],
    ranks: [2],
    factory: "conv1d",
    draw: (g) => convArgs(g, 1, { filters: true, dilation: true }),
    out: convOut(1, filtersOut),
  },
  {
    name: "conv2d",
    aliases: ["conv"],
    positional: ["filters", "kernel_size"],
    ranks: [3],
    factory: "conv2d",
    draw: (g) => convArgs(g, 2, { filters: true, dilation: true }),
    out: convOut(2, filtersOut),
  },
  {
    name: "depthwise_conv2d",
    positional: ["kernel_size"],
    ranks: [3],
    factory: "depthwiseConv2d",
    draw(g) {
      const drawn = convArgs(g, 2, { filters: false, dilation: false });
      const args: Record<string, Value> = { ...drawn.args };
      maybe(g, 30, args, "depth_multiplier", () => int(g, 1, 3));
      return { args, invalid: drawn.invalid };
    },
    out: convOut(2, (input, args) => {
      const c = input.at(-1) ?? null;
      return c === null ? null : c * ((args["depth_multiplier"] as number | undefined) ?? 1);
    }),
  },
  {
    name: "separable_conv2d",
    positional: ["filters", "kernel_size"],
    ranks: [3],
    factory: "separableConv2d",
    draw(g) {
      const drawn = convArgs(g, 2, { filters: true, dilation: true });
      const args: Record<string, Value> = { ...drawn.args };
      maybe(g, 30, args, "depth_multiplier", () => int(g, 1, 3));
      return { args, invalid: drawn.invalid };
    },
    out: convOut(2, filtersOut),
  },
  {
    name: "conv2d_transpose",
    aliases: ["deconv2d"],
    positional: ["filters", "kernel_size"],
    ranks: [3],
    factory: "conv2dTranspose",
    draw: (g) => convArgs(g, 2, { filters: true, dilation: false }),
    out(input, args) {
      const k = tupleOf(args["kernel_size"], 2, 1);
      const s = tupleOf(args["strides"], 2, 1);
      const space = input.slice(0, 2).map((d, i) =>
        d === null ? null : args["padding"] === "same" ? d * s[i]! : d * s[i]! + Math.max(k[i]! - s[i]!, 0),
      );
      return [...space, filtersOut(input, args)];
    },
  },
  pooling("max", 1),
  pooling("max", 2),
  pooling("average", 1),
  pooling("average", 2),
  globalPooling("max", 1),
  globalPooling("max", 2),
  globalPooling("average", 1),
  globalPooling("average", 2),
  {
    name: "batch_normalization",
    aliases: ["batchnorm", "batch_norm"],
    positional: [],
    ranks: [1, 2, 3, 4],
    factory: "batchNormalization",
    draw(g, input) {
      const args: Record<string, Value> = {};
      maybe(g, 20, args, "axis", () => pick(g, -1, 1, input.length));
      maybe(g, 15, args, "momentum", () => pick(g, 0.9, 0.5));
      maybe(g, 5, args, "center", () => bool(g));
      maybe(g, 5, args, "scale", () => bool(g));
      maybe(g, 10, args, "trainable", () => bool(g));
      return { args };
    },
    out: same,
  },
  {
    name: "layer_normalization",
    aliases: ["layernorm", "layer_norm"],
    positional: [],
    ranks: [1, 2, 3, 4],
    factory: "layerNormalization",
    draw(g, input) {
      const args: Record<string, Value> = {};
      maybe(g, 25, args, "axis", () => pick<Value>(g, -1, input.length, [1, -1], [-1]));
      maybe(g, 10, args, "center", () => bool(g));
      maybe(g, 10, args, "scale", () => bool(g));
      return { args };
    },
    out: same,
  },
  { name: "dropout", positional: ["rate"], ranks: [1, 2, 3, 4], factory: "dropout", draw: rate, out: same },
  { name: "spatial_dropout1d", positional: ["rate"], ranks: [2], factory: "spatialDropout1d", draw: rate, out: same },
  {
    name: "gaussian_noise",
    positional: ["stddev"],
    ranks: [1, 2, 3, 4],
    factory: "gaussianNoise",
    draw: (g) => ({ args: { stddev: pick(g, 0, 0.1, 1) } }),
    out: same,
  },
  {
    name: "embedding",
    positional: ["input_dim", "output_dim"],
    ranks: [1, 2],
    factory: "embedding",
    draw(g) {
      const args: Record<string, Value> = { input_dim: int(g, 2, 20), output_dim: int(g, 1, 6) };
      maybe(g, 15, args, "mask_zero", () => bool(g));
      if (chance(g, 3)) return { args: { ...args, output_dim: 0 }, invalid: true };
      return { args };
    },
    out: (input, args) => [...input, args["output_dim"] as number],
  },
  rnn("simple_rnn", "simpleRNN"),
  rnn("lstm", "lstm"),
  rnn("gru", "gru"),
  merge("add", "add"),
  merge("multiply", "multiply"),
  merge("average", "average"),
  merge("maximum", "maximum"),
  merge("minimum", "minimum"),
  {
    name: "concatenate",
    aliases: ["concat"],
    positional: [],
    merge: true,
    ranks: [1, 2, 3, 4],
    factory: "concatenate",
    draw(g, input) {
      const args: Record<string, Value> = {};
      maybe(g, 30, args, "axis", () => pick(g, -1, 1, input.length, -2));
      return { args };
    },
    out: same,
  },
  {
    name: "zero_padding2d",
    positional: ["padding"],
    ranks: [3],
    factory: "zeroPadding2d",
    draw(g): Drawn {
      if (chance(g, 4)) return { args: { padding: -1 }, invalid: true };
      return chance(g, 80) ? { args: { padding: sides(g, 2) } } : { args: {} };
    },
    out(input, args) {
      const p = sidePairs(args["padding"], 1);
      return [...input.slice(0, 2).map((d, i) => (d === null ? null : d + p[i]![0]! + p[i]![1]!)), input[2] ?? null];
    },
  },
  {
    name: "cropping2d",
    positional: ["cropping"],
    ranks: [3],
    factory: "cropping2D",
    draw: (g) => ({ args: { cropping: sides(g, 2) } }),
    out(input, args) {
      const p = sidePairs(args["cropping"], 0);
      return [...input.slice(0, 2).map((d, i) => (d === null ? null : d - p[i]![0]! - p[i]![1]!)), input[2] ?? null];
    },
  },
  {
    name: "up_sampling2d",
    aliases: ["upsample2d"],
    positional: ["size"],
    ranks: [3],
    factory: "upSampling2d",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 70, args, "size", () => sizeOr(g, 2, 1, 3));
      maybe(g, 20, args, "interpolation", () => pick(g, "nearest", "bilinear"));
      return { args };
    },
    out(input, args) {
      const s = tupleOf(args["size"], 2, 2);
      return [...input.slice(0, 2).map((d, i) => (d === null ? null : d * s[i]!)), input[2] ?? null];
    },
    // tfjs's UpSampling2D takes `size` as a pair.
    config: (args) => {
      const c = tfjsConfig(args);
      if (typeof c["size"] === "number") c["size"] = [c["size"], c["size"]];
      return c;
    },
  },
  {
    name: "bidirectional",
    positional: ["layer", "merge_mode"],
    ranks: [2],
    factory: "bidirectional",
    draw(g, input) {
      // Now and then a layer that is not recurrent: Keras's Bidirectional wraps RNNs only.
      const inner = specByName.get(chance(g, 5) ? pick(g, "dense", "conv1d") : pick(g, "simple_rnn", "lstm", "gru"))!;
      const { value, invalid } = nestedCall(g, inner, input);
      const args: Record<string, Value> = { layer: value };
      maybe(g, 50, args, "merge_mode", () => pick(g, "concat", "sum", "mul", "ave"));
      return { args, invalid };
    },
    out(input, args) {
      const o = nestedOut(args["layer"], input);
      const last = o.at(-1) ?? null;
      const concat = args["merge_mode"] === undefined || args["merge_mode"] === "concat";
      return concat ? [...o.slice(0, -1), last === null ? null : 2 * last] : o;
    },
  },
  {
    name: "time_distributed",
    positional: ["layer"],
    ranks: [2, 3, 4],
    factory: "timeDistributed",
    draw(g, input) {
      const rest = input.slice(1);
      const fitting = kindSpecs.filter((k) => wrappable(k) && k.ranks.includes(rest.length));
      // Only kinds meant for the rank the wrapped layer sees: tfjs runs some on other ranks without a word
      // (time_distributed(max_pooling1d()) on [5, 4]), which nnc rightly refuses.
      const inner = fitting.length > 0 ? pick(g, ...fitting) : specByName.get("dense")!;
      const { value, invalid } = nestedCall(g, inner, rest);
      return { args: { layer: value }, invalid };
    },
    out: (input, args) => [input[0] ?? null, ...nestedOut(args["layer"], input.slice(1))],
  },
  {
    name: "dot",
    positional: ["axes"],
    merge: true,
    ranks: [1, 2],
    factory: "dot",
    // tfjs 4.22's Dot does not resolve a negative axis when it builds ("undefined !== 7"): a person writing
    // tfjs counts from the front.
    config(args, [a, b]) {
      const axes = args["axes"];
      const [i, j] = typeof axes === "number" ? [axes, axes] : (axes as number[]);
      const resolve = (axis: number, rank: number | undefined) => (axis < 0 && rank !== undefined ? rank + 1 + axis : axis);
      return tfjsConfig({ ...args, axes: [resolve(i!, a?.length), resolve(j!, b?.length)] });
    },
    draw(g, input) {
      const n = Math.max(input.length, 1);
      // Keras numbering: 1 is the first axis after the batch, -1 the last.
      const axis = () => pick(g, ...Array.from({ length: n }, (_, i) => i + 1), ...Array.from({ length: n }, (_, i) => -i - 1));
      const args: Record<string, Value> = { axes: chance(g, 70) ? axis() : [axis(), axis()] };
      maybe(g, 25, args, "normalize", () => bool(g));
      return { args };
    },
    out(input, args) {
      const axes = args["axes"];
      const [i, j] = (typeof axes === "number" ? [axes, axes] : (axes as number[])).map((a) => (a < 0 ? input.length + a : a - 1));
      const out = [...input.filter((_, k) => k !== i), ...input.filter((_, k) => k !== j)];
      return out.length === 0 ? [1] : out;
    },
  },
  {
    name: "prelu",
    aliases: ["p_re_lu"],
    positional: [],
    ranks: [1, 2, 3, 4],
    factory: "prelu",
    draw(g, input) {
      const args: Record<string, Value> = {};
      const n = Math.max(input.length, 1);
      maybe(g, 20, args, "alpha_initializer", () => pick(g, "zeros", "ones", "glorot_uniform"));
      maybe(g, 30, args, "shared_axes", () => (chance(g, 50) ? int(g, 1, n) : [...new Set([int(g, 1, n), int(g, 1, n)])].sort()));
      return { args };
    },
    out: same,
  },
  {
    name: "rescaling",
    positional: ["scale", "offset"],
    ranks: [1, 2, 3, 4],
    factory: "rescaling",
    draw(g) {
      const args: Record<string, Value> = { scale: pick(g, 0.5, -1, 2, 0.25) };
      maybe(g, 40, args, "offset", () => pick(g, 0, -1, 0.5));
      return { args };
    },
    out: same,
  },
  {
    name: "spatial_dropout2d",
    positional: ["rate"],
    ranks: [3],
    // tfjs 4.22 has no SpatialDropout2D: Keras's layer is dropout with one mask per channel.
    factory: "dropout",
    draw: rate,
    out: same,
    config: (args) => ({ ...tfjsConfig(args), noiseShape: [null, 1, 1, null] }),
  },
  { name: "subtract", positional: [], merge: true, unavailable: true, ranks: [1, 2, 3], factory: "subtract", draw: () => ({ args: {} }), out: same },
  {
    name: "multi_head_attention",
    positional: ["num_heads", "key_dim"],
    unavailable: true,
    ranks: [2],
    factory: "multiHeadAttention",
    draw: (g) => ({ args: { num_heads: int(g, 1, 2), key_dim: int(g, 1, 4) } }),
    out: same,
  },
];

export const specByName: ReadonlyMap<string, KindSpec> = new Map(kindSpecs.map((k) => [k.name, k]));

/** Kinds the random models do not contain, with the reason. */
export const notGenerated: ReadonlyMap<string, string> = new Map();
