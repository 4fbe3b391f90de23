/** Convolutions over steps (1D) and images (2D), channels last: conv1d, conv2d and their variants. */
import type { SchemaObject } from "ajv";
import type { Shape } from "../../ir/index.js";
import { deconvLength, type Padding } from "../../ir/shapes.js";
import {
  argsSchema,
  channelsLastConfig,
  dataFormat,
  weightObjects,
  expectSpatial,
  product,
  schemas,
  slideWindow,
  tuple,
} from "./entry-parts.js";
import type { Args, ShapeContext } from "./types.js";
import { defineLayer } from "./types.js";

type Rank = 1 | 2;

interface ConvArgs extends Args {
  filters: number;
  kernel_size: number | number[];
  strides: number | number[];
  padding: Padding;
  dilation_rate: number | number[];
  depth_multiplier: number;
  use_bias: boolean;
}

/** The arguments every convolution shares, in Keras's order, plus the kind's own; `omit` drops shared ones. */
function convSchema(
  rank: Rank,
  own: Record<string, SchemaObject>,
  required: readonly string[],
  omit: readonly string[] = [],
): SchemaObject {
  const shared: Record<string, SchemaObject> = {
    filters: schemas.positiveInt,
    kernel_size: schemas.intOrTuple(rank),
    strides: { ...schemas.intOrTuple(rank), default: 1 },
    padding: { ...schemas.padding, default: "valid" },
    ...dataFormat,
    dilation_rate: { ...schemas.intOrTuple(rank), default: 1 },
    activation: { ...schemas.activation, default: "linear" },
    use_bias: { ...schemas.bool, default: true },
    kernel_initializer: { ...schemas.initializer, default: "glorot_uniform" },
    bias_initializer: { ...schemas.initializer, default: "zeros" },
    ...weightObjects("kernel", "bias"),
    activity_regularizer: schemas.regularizer,
  };
  for (const name of omit) delete shared[name];
  return argsSchema({ ...shared, ...own }, required);
}

/**
 * The shape rule of every convolution but the transposed one: the window slides over the spatial axes and
 * the channel axis becomes `channelsOut(inputChannels)`.
 */
function convolve(rank: Rank, channelsOut: (args: ConvArgs, channels: number) => number) {
  return ([input]: readonly Shape[], args: ConvArgs, ctx: ShapeContext): Shape | null => {
    if (!expectSpatial(ctx, input!, rank, true)) return null;
    const strides = tuple(args.strides, rank);
    const dilation = tuple(args.dilation_rate ?? 1, rank);
    if (!stridesOrDilation(ctx, strides, dilation)) return null;
    const window = { size: tuple(args.kernel_size, rank), strides, dilation, padding: args.padding };
    const space = slideWindow(ctx, input!.slice(0, -1), window, "kernel_size");
    return space && [...space, channelsOut(args, input!.at(-1) as number)];
  };
}

/**
 * Keras refuses strides and dilation_rate both above 1, and tfjs-core's convolutions too, but only when the
 * model runs: NN3007 at `dilation_rate` here instead.
 */
function stridesOrDilation(ctx: ShapeContext, strides: readonly number[], dilation: readonly number[]): boolean {
  if (!strides.some((s) => s > 1) || !dilation.some((d) => d > 1)) return true;
  const detail = "strides and dilation_rate cannot both be greater than 1";
  ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "dilation_rate" });
  return false;
}

/**
 * MACs of a convolution whose every output position takes `perPosition` products: the output's spatial
 * sizes multiplied, times that.
 */
function convMacs(perPosition: (args: ConvArgs, channels: number) => number) {
  return ([input]: readonly Shape[], args: ConvArgs, [output]: readonly Shape[]) =>
    product(...(output!.slice(0, -1) as number[])) * perPosition(args, input!.at(-1) as number);
}

/** A full convolution's products per output position: `k1 * ... * channels * filters`. */
const fullKernel = (rank: Rank) => (args: ConvArgs, channels: number) =>
  product(...tuple(args.kernel_size, rank), channels, args.filters);

/** Kernel `k1 * ... * channels * filters` plus `filters` biases. */
function convParams(rank: Rank) {
  return ([input]: readonly Shape[], args: ConvArgs) => ({
    trainable:
      product(...tuple(args.kernel_size, rank), input!.at(-1) as number, args.filters) +
      (args.use_bias ? args.filters : 0),
    nonTrainable: 0,
  });
}

const filters = (args: ConvArgs) => args.filters;

/**
 * nnc's runtime layer (src/runtime/layers/conv.ts) where tfjs 4.22's would be wrong: `dilation_rate` above 1
 * (tfjs-core has no gradient for it, and tfjs's depthwise and transposed convolutions ignore it), and conv1d's
 * `padding: causal` (tfjs throws when the layer runs). Its weights are tfjs's, so the summary and counts do not change.
 */
function runtimeFor(factory: string) {
  return (args: ConvArgs) =>
    args.padding === "causal" || tuple(args.dilation_rate, 2).some((d) => d > 1)
      ? { namespace: "nnc" as const, factory }
      : undefined;
}

/** Depthwise and separable convolutions have no `kernel`: their weights are `depthwise` (and `pointwise`). */
const kernelArgs = ["kernel_initializer", "kernel_regularizer", "kernel_constraint"];

/**
 * `conv1d(filters, kernel_size)`: `[steps, channels]` -> `[new_steps, filters]`; with `padding: causal` the
 * input is left-padded by `dilation_rate * (kernel_size - 1)` zeros and convolved `valid`, so `new_steps` is
 * `ceil(steps / strides)` and a step sees none after it (Keras's rule; shapes.ts's `causal` length).
 * Params: `kernel_size * channels * filters + filters` (bias). MACs: `new_steps * kernel_size * channels * filters`.
 */
export const conv1d = defineLayer<ConvArgs>({
  name: "conv1d",
  doc: "1D convolution over steps, e.g. a signal or a sequence of embeddings.",
  traits: ["bias"],
  positional: ["filters", "kernel_size"],
  schema: convSchema(1, { padding: { enum: ["valid", "same", "causal"], default: "valid" } }, [
    "filters",
    "kernel_size",
  ]),
  factory: "conv1d",
  runtimeFor: runtimeFor("conv1d"),
  config: channelsLastConfig,
  outputShape: convolve(1, filters),
  params: convParams(1),
  macs: convMacs(fullKernel(1)),
});

/**
 * `conv2d(filters, kernel_size)`: `[height, width, channels]` -> `[new_height, new_width, filters]`.
 * Params: `kh * kw * channels * filters + filters` (bias).
 * MACs: `new_height * new_width * kh * kw * channels * filters`.
 */
export const conv2d = defineLayer<ConvArgs>({
  name: "conv2d",
  aliases: ["conv"],
  doc: "2D convolution over images.",
  traits: ["bias"],
  positional: ["filters", "kernel_size"],
  schema: convSchema(2, {}, ["filters", "kernel_size"]),
  factory: "conv2d",
  runtimeFor: runtimeFor("conv2d"),
  config: channelsLastConfig,
  outputShape: convolve(2, filters),
  params: convParams(2),
  macs: convMacs(fullKernel(2)),
});

/**
 * `depthwise_conv2d(kernel_size)`: `[height, width, channels]` -> `[new_height, new_width,
 * channels * depth_multiplier]`; each channel is convolved on its own.
 * Params: `kh * kw * channels * depth_multiplier` + `channels * depth_multiplier` (bias).
 * MACs: `new_height * new_width * kh * kw * channels * depth_multiplier`.
 */
export const depthwiseConv2d = defineLayer<ConvArgs>({
  name: "depthwise_conv2d",
  doc: "Depthwise 2D convolution: one kernel per input channel (times depth_multiplier).",
  traits: ["bias"],
  positional: ["kernel_size"],
  schema: convSchema(
    2,
    {
      depth_multiplier: { ...schemas.positiveInt, default: 1 },
      depthwise_initializer: { ...schemas.initializer, default: "glorot_uniform" },
      ...weightObjects("depthwise"),
    },
    ["kernel_size"],
    ["filters", ...kernelArgs],
  ),
  factory: "depthwiseConv2d",
  runtimeFor: runtimeFor("depthwiseConv2d"),
  config: channelsLastConfig,
  outputShape: convolve(2, (args, channels) => channels * args.depth_multiplier),
  macs: convMacs((args, channels) => product(...tuple(args.kernel_size, 2), channels, args.depth_multiplier)),
  params([input], args) {
    const outChannels = (input!.at(-1) as number) * args.depth_multiplier;
    return {
      trainable: product(...tuple(args.kernel_size, 2), outChannels) + (args.use_bias ? outChannels : 0),
      nonTrainable: 0,
    };
  },
});

/**
 * `separable_conv2d(filters, kernel_size)`: a depthwise convolution, then a 1x1 convolution to `filters`:
 * `[height, width, channels]` -> `[new_height, new_width, filters]`.
 * Params: `kh * kw * channels * depth_multiplier + channels * depth_multiplier * filters + filters` (bias).
 * MACs: `new_height * new_width * channels * depth_multiplier * (kh * kw + filters)`.
 */
export const separableConv2d = defineLayer<ConvArgs>({
  name: "separable_conv2d",
  doc: "Depthwise separable 2D convolution: depthwise, then pointwise.",
  traits: ["bias"],
  positional: ["filters", "kernel_size"],
  schema: convSchema(
    2,
    {
      depth_multiplier: { ...schemas.positiveInt, default: 1 },
      depthwise_initializer: { ...schemas.initializer, default: "glorot_uniform" },
      pointwise_initializer: { ...schemas.initializer, default: "glorot_uniform" },
      ...weightObjects("depthwise", "pointwise"),
    },
    ["filters", "kernel_size"],
    kernelArgs,
  ),
  factory: "separableConv2d",
  runtimeFor: runtimeFor("separableConv2d"),
  config: channelsLastConfig,
  outputShape: convolve(2, filters),
  macs: convMacs(
    (args, channels) => channels * args.depth_multiplier * (product(...tuple(args.kernel_size, 2)) + args.filters),
  ),
  params([input], args) {
    const depthwise = (input!.at(-1) as number) * args.depth_multiplier;
    return {
      trainable:
        product(...tuple(args.kernel_size, 2), depthwise) +
        depthwise * args.filters +
        (args.use_bias ? args.filters : 0),
      nonTrainable: 0,
    };
  },
});

/**
 * `conv2d_transpose(filters, kernel_size)`: `[height, width, channels]` -> `[height * s + max(k - s, 0), ...,
 * filters]` with padding `valid`, `[height * s, width * s, filters]` with `same`; with `dilation_rate: d` the
 * kernel spans `d * (k - 1) + 1` (nnc's runtime layer: tfjs 4.22 drops the argument).
 * Params: `kh * kw * filters * channels + filters` (bias).
 * MACs: `height * width * kh * kw * channels * filters`: each input position spreads one kernel.
 */
export const conv2dTranspose = defineLayer<ConvArgs>({
  name: "conv2d_transpose",
  aliases: ["deconv2d"],
  doc: "Transposed 2D convolution, the usual way to upsample in a decoder.",
  traits: ["bias"],
  positional: ["filters", "kernel_size"],
  schema: convSchema(2, {}, ["filters", "kernel_size"]),
  factory: "conv2dTranspose",
  runtimeFor: runtimeFor("conv2dTranspose"),
  config: channelsLastConfig,
  outputShape([input], args, ctx) {
    if (!expectSpatial(ctx, input!, 2, true)) return null;
    const strides = tuple(args.strides, 2);
    const dilation = tuple(args.dilation_rate, 2);
    if (!stridesOrDilation(ctx, strides, dilation)) return null;
    const kernel = tuple(args.kernel_size, 2).map((k, i) => dilation[i]! * (k - 1) + 1);
    const space = input!.slice(0, 2).map((d, i) => deconvLength(d, strides[i]!, kernel[i]!, args.padding));
    return [...space, args.filters];
  },
  params: convParams(2),
  macs: ([input], args) => product(...(input!.slice(0, -1) as number[])) * fullKernel(2)(args, input!.at(-1) as number),
});
