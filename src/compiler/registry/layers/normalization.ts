/** Normalization (batch_normalization, layer_normalization) and regularization (dropout, noise) layers. */
import { formatNnShape, type JsonValue, type Shape, type TfjsLayer } from "../../ir/index.js";
import {
  argsSchema,
  channelsLastConfig,
  dataFormat,
  expectRank,
  fixedSize,
  product,
  sameShape,
  schemas,
  shapeAxis,
  toTfjsConfig,
} from "./entry-parts.js";
import { defineLayer, type Args, type ShapeContext } from "./types.js";

const normalizationSchema = {
  epsilon: { type: "number", exclusiveMinimum: 0, default: 1e-3 },
  center: { ...schemas.bool, default: true },
  scale: { ...schemas.bool, default: true },
  beta_initializer: { ...schemas.initializer, default: "zeros" },
  gamma_initializer: { ...schemas.initializer, default: "ones" },
  beta_regularizer: schemas.regularizer,
  gamma_regularizer: schemas.regularizer,
};

/** The sizes of the normalized axes (Keras numbering), each fixed since weights are built from them. */
function normalizedSizes(ctx: ShapeContext, input: Shape, axes: readonly number[], weighted = true): number[] | null {
  const indices: number[] = [];
  for (const axis of axes) {
    const index = shapeAxis(ctx, axis, input.length);
    if (index === null) return null;
    if (indices.includes(index)) {
      return ctx.error("NN3007", { callee: ctx.callee, detail: `axis ${axis} is given twice` }, { property: "axis" });
    }
    indices.push(index);
  }
  const sizes: number[] = [];
  // Without weights along them (layer_normalization without center and scale), the sizes may stay unknown.
  if (!weighted) return sizes;
  for (const index of indices) {
    const size = fixedSize(ctx, input, index, `axis ${index + 1} (the normalized axis)`);
    if (size === null) return null;
    sizes.push(size);
  }
  return sizes;
}

/**
 * tfjs-core's batchNorm (behind both normalization layers) stops at rank 4 with the batch: a larger input
 * builds but fails when the model runs. Reports NN3001 and returns false for one.
 */
function withinBatchNormRank(ctx: ShapeContext, input: Shape): boolean {
  if (input.length <= 3) return true;
  const expected = "an input with at most 3 axes besides the batch (tfjs's limit)";
  ctx.error("NN3001", { callee: ctx.callee, expected, shape: formatNnShape(input) });
  return false;
}

interface BatchNormArgs {
  axis: number;
  center: boolean;
  scale: boolean;
  [key: string]: number | boolean | string;
}

/**
 * `batch_normalization()`: any shape, unchanged; normalizes along `axis` (default the last, the channels).
 * Params: `size` gamma + `size` beta (trainable; without `scale`/`center`), and `size` moving mean + `size`
 * moving variance (non-trainable), where `size` is the length of `axis`. The layer is nnc's
 * (src/runtime/layers/normalization.ts), as Keras's: frozen (`trainable: false`, or in a model called with
 * `trainable: false`) it runs in inference mode while training, which tfjs 4.22's does not; and tfjs's reads
 * gamma and beta when training without `center` or `scale`, and normalizes along the last axis's positions
 * whatever the axis (its batchNorm kernels broadcast only along the last axis).
 */
export const batchNormalization = defineLayer<BatchNormArgs>({
  name: "batch_normalization",
  aliases: ["batchnorm", "batch_norm"],
  doc: "Normalizes with the batch's mean and variance while training, and moving averages of them after and when frozen.",
  traits: ["cancels-bias", "keeps-mask", "fixes-input-rank"],
  positional: [],
  schema: argsSchema({
    axis: { ...schemas.axis, default: -1 },
    momentum: { type: "number", minimum: 0, maximum: 1, default: 0.99 },
    ...normalizationSchema,
    moving_mean_initializer: { ...schemas.initializer, default: "zeros" },
    moving_variance_initializer: { ...schemas.initializer, default: "ones" },
    // tfjs's layer normalization has no constraints.
    beta_constraint: schemas.constraint,
    gamma_constraint: schemas.constraint,
  }),
  namespace: "nnc",
  factory: "batchNormalization",
  outputShape([input], args, ctx) {
    if (!withinBatchNormRank(ctx, input!)) return null;
    return normalizedSizes(ctx, input!, [args.axis]) && input!;
  },
  params([input], args) {
    const size = input!.at(args.axis < 0 ? args.axis : args.axis - 1) as number;
    return { trainable: (Number(args.center) + Number(args.scale)) * size, nonTrainable: 2 * size };
  },
});

/** Keras's layer normalization arguments tfjs 4.22's LayerNormalization lacks: accepted, refused when used. */
const notInTfjsLayerNorm = {
  rms_scaling: { ...schemas.bool, default: false },
  beta_constraint: schemas.constraint,
  gamma_constraint: schemas.constraint,
};

/**
 * `layer_normalization()`: any shape, unchanged; normalizes each example over `axis` (default the last).
 * Params: gamma and beta, each of the normalized axes' sizes multiplied (without `scale`/`center`).
 * Keras's `rms_scaling` and constraints are refused (NN3007): tfjs 4.22's layer has neither.
 */
type LayerNormArgs = { axis: number | number[]; center: boolean; scale: boolean; [key: string]: JsonValue };

export const layerNormalization = defineLayer<LayerNormArgs>({
  name: "layer_normalization",
  aliases: ["layernorm", "layer_norm"],
  doc: "Normalizes each example over its last axis (or the given axes).",
  traits: ["keeps-mask", "fixes-input-rank"],
  positional: [],
  schema: argsSchema({
    axis: {
      description: "an axis or a list of axes",
      oneOf: [schemas.axis, { type: "array", items: schemas.axis, minItems: 1 }],
      default: -1,
    },
    ...normalizationSchema,
    ...notInTfjsLayerNorm,
  }),
  factory: "layerNormalization",
  config: ({ rms_scaling: _rms, beta_constraint: _beta, gamma_constraint: _gamma, ...args }) => toTfjsConfig(args),
  outputShape([input], args, ctx) {
    const unsupported = Object.keys(notInTfjsLayerNorm).find((key) => args[key] !== undefined && args[key] !== false);
    if (unsupported) {
      const detail = `tfjs 4.22's layer normalization has no ${unsupported}`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: unsupported });
    }
    if (!withinBatchNormRank(ctx, input!)) return null;
    const axes = typeof args.axis === "number" ? [args.axis] : args.axis;
    return normalizedSizes(ctx, input!, axes, args.center || args.scale) && input!;
  },
  params([input], args) {
    if (!args.center && !args.scale) return { trainable: 0, nonTrainable: 0 };
    const axes = typeof args.axis === "number" ? [args.axis] : args.axis;
    const size = product(...axes.map((a) => input!.at(a < 0 ? a : a - 1) as number));
    return { trainable: (Number(args.center) + Number(args.scale)) * size, nonTrainable: 0 };
  },
});

/**
 * The tfjs config of a dropout layer: its arguments without `seed`. tfjs 4.22 seeds every draw of a seeded
 * dropout with the same seed, so the layer would zero the same values at every step (Keras draws a new mask
 * each step from the seeded sequence); unseeded, tfjs draws from `Math.random`, which nnc seeds for the run,
 * so a run with `seed:` stays reproducible. `data_format` goes too: channels-last is tfjs's default.
 */
function dropoutConfig(args: Args): TfjsLayer["config"] {
  const { seed: _drawnFromTheRun, ...rest } = args;
  return channelsLastConfig(rest);
}

/**
 * `dropout(rate)`: any shape, unchanged; while training, zeroes a `rate` fraction of the values. No params.
 * `noise_shape` is Keras's: the mask's shape with the batch first (`[?, 1, 1, channels]` drops whole channels of
 * an image); each entry is 1 (one draw along the axis), the input's size or `?` (a draw per position), so tfjs
 * gets it as written.
 */
export const dropout = defineLayer<{ rate: number; noise_shape?: (number | null)[] }>({
  name: "dropout",
  doc: "Randomly zeroes a fraction of the values while training.",
  traits: ["training-only", "keeps-mask"],
  positional: ["rate", "noise_shape", "seed"],
  schema: argsSchema(
    {
      rate: schemas.rate,
      noise_shape: {
        type: "array",
        items: { oneOf: [schemas.positiveInt, { type: "null" }] },
        description: "a list of positive integers or ?, the batch first: [?, 1, 1, 64]",
      },
      seed: schemas.nonNegativeInt,
    },
    ["rate"],
  ),
  factory: "dropout",
  config: dropoutConfig,
  outputShape([input], args, ctx) {
    return !args.noise_shape || noiseShapeFits(ctx, input!, args.noise_shape) ? input! : null;
  },
});

/**
 * Keras's `noise_shape` has an entry per axis of the input, the batch first; each is 1, `?` or the input's
 * size. NN3007 at the argument otherwise (tfjs would fail when the model trains); the batch may be `?` or 1,
 * not a number, since the batch size is not known when the model is checked.
 */
function noiseShapeFits(ctx: ShapeContext, input: Shape, noise: readonly (number | null)[]): boolean {
  const [batch, ...axes] = noise;
  let detail: string | undefined;
  let hint: string | undefined;
  if (noise.length !== input.length + 1) {
    detail = `noise_shape has ${noise.length} entries; the input ${formatNnShape(input)} with its batch has ${input.length + 1}`;
    if (noise.length === input.length)
      hint = `Keras's noise_shape starts with the batch: ${formatNnShape([null, ...noise])}`;
  } else if (batch !== null && batch !== 1) detail = "the batch entry of noise_shape must be ? or 1";
  else {
    const axis = axes.findIndex((d, i) => d !== null && d !== 1 && d !== input[i]);
    if (axis >= 0)
      detail = `noise_shape's entry ${axes[axis]} is neither 1 nor the input's size ${input[axis]} on axis ${axis + 1}`;
  }
  if (detail !== undefined) ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "noise_shape", hint });
  return detail === undefined;
}

/** `spatial_dropout1d(rate)`: `[steps, channels]`, unchanged; drops whole channels while training. No params. */
export const spatialDropout1d = defineLayer({
  name: "spatial_dropout1d",
  doc: "Dropout of whole channels of a sequence while training.",
  traits: ["training-only", "keeps-mask"],
  positional: ["rate"],
  schema: argsSchema({ rate: schemas.rate, seed: schemas.nonNegativeInt }, ["rate"]),
  factory: "spatialDropout1d",
  config: dropoutConfig,
  outputShape([input], _args, ctx) {
    return expectRank(ctx, input!, 2, "a 2D input [steps, channels]") ? input! : null;
  },
});

/**
 * `spatial_dropout2d(rate)`: `[height, width, channels]`, unchanged; drops whole channels while training. No
 * params. tfjs 4.22 has no SpatialDropout2D, so this is its `dropout` with the noise shape
 * `[batch, 1, 1, channels]` (`null` is "the input's size"): the same mask per channel, the same scaling by
 * `1 / (1 - rate)`, as Keras's layer.
 */
export const spatialDropout2d = defineLayer<{ rate: number; seed?: number }>({
  name: "spatial_dropout2d",
  doc: "Dropout of whole channels of an image while training.",
  traits: ["training-only", "keeps-mask"],
  positional: ["rate"],
  schema: argsSchema({ rate: schemas.rate, seed: schemas.nonNegativeInt, ...dataFormat }, ["rate"]),
  factory: "dropout",
  config: (args) => ({ ...dropoutConfig(args), noiseShape: [null, 1, 1, null] }),
  outputShape([input], _args, ctx) {
    return expectRank(ctx, input!, 3, "a 3D input [height, width, channels]") ? input! : null;
  },
});

/**
 * `gaussian_noise(stddev, seed)`: any shape, unchanged; adds zero-mean noise while training (a denoising
 * autoencoder's corruption). No params. With `seed` the layer is nnc's (src/runtime/layers/noise.ts): tfjs
 * 4.22's GaussianNoise takes no seed.
 */
export const gaussianNoise = defineLayer<{ stddev: number; seed?: number }>({
  name: "gaussian_noise",
  doc: "Adds zero-mean Gaussian noise with the given standard deviation while training.",
  traits: ["training-only", "keeps-mask"],
  positional: ["stddev", "seed"],
  schema: argsSchema({ stddev: { type: "number", minimum: 0 }, seed: schemas.nonNegativeInt }, ["stddev"]),
  factory: "gaussianNoise",
  runtimeFor: (args) => (args.seed === undefined ? undefined : { namespace: "nnc", factory: "gaussianNoise" }),
  outputShape: sameShape,
});
