/**
 * The generator's entries for layers on one tensor: dense, reshaping, activations, normalization, dropout
 * and noise.
 */
import {
  bool,
  chance,
  channelsLast,
  int,
  maybe,
  pick,
  same,
  activationNames,
  tfjsConfig,
  type Drawn,
  type Gen,
  type KindSpec,
  type Sketch,
  type Value,
} from "./kind-spec.js";

const rate = (g: Gen): Drawn =>
  chance(g, 4) ? { args: { rate: pick(g, 1, 1.5, -0.1) }, invalid: true } : { args: { rate: pick(g, 0, 0.1, 0.5) } };

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

/** dense, flatten, reshape, permute, repeat_vector and the activation layers. */
export const basics: readonly KindSpec[] = [
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
    draw(g) {
      const args: Record<string, Value> = {};
      channelsLast(g, args);
      return { args };
    },
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
    draw: (g, input) =>
      chance(g, 4) ? { args: { dims: [1, 1] } } : { args: { dims: permutation(g, Math.max(input.length, 1)) } },
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
    draw: (g) =>
      chance(g, 4)
        ? { args: { activation: "rellu" }, invalid: true }
        : { args: { activation: pick(g, ...activationNames) } },
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
];

/** Normalization, dropout and noise. */
export const regularizers: readonly KindSpec[] = [
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
  {
    name: "dropout",
    positional: ["rate", "noise_shape", "seed"],
    ranks: [1, 2, 3, 4],
    factory: "dropout",
    // Keras's noise_shape has the batch first; 1 shares one draw along an axis, the input's size draws each.
    draw(g, input) {
      const drawn = rate(g);
      const args: Record<string, Value> = { ...drawn.args };
      maybe(g, 15, args, "noise_shape", () => [1, ...input.map((d) => (d === null || d < 1 || bool(g) ? 1 : d))]);
      return { args, invalid: drawn.invalid };
    },
    out: same,
  },
  { name: "spatial_dropout1d", positional: ["rate"], ranks: [2], factory: "spatialDropout1d", draw: rate, out: same },
  {
    name: "gaussian_noise",
    positional: ["stddev", "seed"],
    ranks: [1, 2, 3, 4],
    factory: "gaussianNoise",
    // With a seed the layer is nnc's: tfjs 4.22's GaussianNoise takes none.
    runtime: (args) => args["seed"] !== undefined,
    draw(g) {
      const args: Record<string, Value> = { stddev: pick(g, 0, 0.1, 1) };
      maybe(g, 20, args, "seed", () => pick(g, 0, 7));
      return { args };
    },
    out: same,
  },
];

export const prelu: KindSpec = {
  name: "prelu",
  aliases: ["p_re_lu"],
  positional: [],
  ranks: [1, 2, 3, 4],
  factory: "prelu",
  draw(g, input) {
    const args: Record<string, Value> = {};
    const n = Math.max(input.length, 1);
    maybe(g, 20, args, "alpha_initializer", () => pick(g, "zeros", "ones", "glorot_uniform"));
    maybe(g, 30, args, "shared_axes", () =>
      chance(g, 50) ? int(g, 1, n) : [...new Set([int(g, 1, n), int(g, 1, n)])].sort(),
    );
    return { args };
  },
  out: same,
};

export const rescaling: KindSpec = {
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
};

export const spatialDropout2d: KindSpec = {
  name: "spatial_dropout2d",
  positional: ["rate"],
  ranks: [3],
  // tfjs 4.22 has no SpatialDropout2D: Keras's layer is dropout with one mask per channel.
  factory: "dropout",
  draw: rate,
  out: same,
  config: (args) => ({ ...tfjsConfig(args), noiseShape: [null, 1, 1, null] }),
};
