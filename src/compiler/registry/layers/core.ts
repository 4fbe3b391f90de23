/** Core layers: dense, flatten, reshape, permute, repeat_vector, and the activation layers. */
import { formatNnShape, type Shape } from "../../ir/index.js";
import { elementCount, inferredSize, sameElementCount } from "../../ir/shapes.js";
import {
  argsSchema,
  channelsLastConfig,
  dataFormat,
  weightObjects,
  expectRank,
  fixedSize,
  product,
  sameShape,
  schemas,
  shapeAxis,
  toTfjsConfig,
} from "./entry-parts.js";
import { defineLayer } from "./types.js";

/**
 * `dense(units)`: input `[..., features]` -> `[..., units]`.
 * Params: `features * units` weights + `units` biases when `use_bias`.
 * MACs: the input's sizes multiplied, times `units` (`features * units` per position).
 */
export const dense = defineLayer<{ units: number; use_bias: boolean }>({
  name: "dense",
  doc: "Fully connected layer: output = activation(input · kernel + bias).",
  traits: ["fully-connected", "bias", "keeps-mask"],
  positional: ["units"],
  schema: argsSchema(
    {
      units: schemas.positiveInt,
      activation: { ...schemas.activation, default: "linear" },
      use_bias: { ...schemas.bool, default: true },
      kernel_initializer: { ...schemas.initializer, default: "glorot_uniform" },
      bias_initializer: { ...schemas.initializer, default: "zeros" },
      ...weightObjects("kernel", "bias"),
      activity_regularizer: schemas.regularizer,
    },
    ["units"],
  ),
  factory: "dense",
  outputShape([input], args, ctx) {
    if (!expectRank(ctx, input!, { min: 1 }, "an input with at least one axis")) return null;
    if (fixedSize(ctx, input!, -1, "the last axis (the features)") === null) return null;
    return [...input!.slice(0, -1), args.units];
  },
  params([input], args) {
    const features = input!.at(-1) as number;
    return { trainable: features * args.units + (args.use_bias ? args.units : 0), nonTrainable: 0 };
  },
  macs: ([input], args) => product(...(input as number[])) * args.units,
});

/** `flatten()`: `[d1, d2, ...]` -> `[d1 * d2 * ...]`; every size must be known. */
export const flatten = defineLayer({
  name: "flatten",
  doc: "Flattens every axis but the batch into one.",
  traits: ["flattens"],
  positional: [],
  schema: argsSchema(dataFormat),
  factory: "flatten",
  config: channelsLastConfig,
  outputShape([input], _args, ctx) {
    // tfjs's Flatten requires at least two axes besides the batch.
    if (
      !expectRank(
        ctx,
        input!,
        { min: 2 },
        "an input with at least two axes",
        "the input is flat already: remove flatten()",
      )
    ) {
      return null;
    }
    const count = elementCount(input!);
    if (count === null) {
      return ctx.error(
        "NN3006",
        { callee: ctx.callee, shape: formatNnShape(input!) },
        { hint: globalPoolingHint(input!) },
      );
    }
    return [count] satisfies Shape;
  },
});

/** Global pooling reduces an axis of any length, symbolic or unknown, where flatten() cannot. */
function globalPoolingHint(input: Shape): string {
  const rank = input.length === 3 ? "2d" : "1d";
  return `use global_average_pooling${rank}() or global_max_pooling${rank}(), which accept any length along the axis`;
}

/**
 * `reshape(target_shape)`: any input -> `target_shape`, with at most one `-1` standing for the size that keeps
 * the number of elements. tfjs infers that size only when the model runs (while building, the unknown batch
 * size stops it), so a `-1` that would be a number stays unknown here too and a later flatten() or dense()
 * must not count on it; one that is a symbolic form is kept (`[seq, 64]` into `[-1, 8]` is `[8 * seq, 8]`),
 * as no layer counts on a symbolic size either. A symbolic size in `target_shape` is built as tfjs's `-1`.
 * The element count is checked whenever the input has no unknown size.
 */
export const reshape = defineLayer<{ target_shape: (number | string)[] }>({
  name: "reshape",
  doc: "Gives the input a new shape with the same number of elements.",
  traits: [],
  positional: ["target_shape"],
  schema: argsSchema(
    {
      target_shape: {
        description: "a list of positive integers or symbolic sizes, one of which may be -1",
        type: "array",
        minItems: 1,
        items: { oneOf: [schemas.positiveInt, { const: -1 }, { type: "string" }] },
      },
    },
    ["target_shape"],
  ),
  factory: "reshape",
  // tfjs takes numbers only: a symbolic size (`seq`) is the one size it infers, -1.
  config: (args) => ({
    ...toTfjsConfig(args),
    targetShape: args.target_shape.map((d) => (typeof d === "number" ? d : -1)),
  }),
  outputShape([input], args, ctx) {
    const target = args.target_shape;
    const inferred = target.filter((d) => typeof d === "string" || d === -1).length;
    if (inferred > 1) {
      const detail = "tfjs infers one size at most: only one entry of target_shape can be -1 or symbolic";
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "target_shape" });
    }
    const withUnknown = target.map((d) => (d === -1 ? null : d));
    if (input!.includes(null)) return withUnknown;
    const same = sameElementCount(input!, withUnknown, target.includes(-1));
    if (same === false) {
      const to = `[${target.join(", ")}]`;
      return ctx.error("NN3004", { from: formatNnShape(input!), to }, { property: "target_shape" });
    }
    if (same === null) {
      const detail = `cannot prove that ${formatNnShape(input!)} and [${target.join(", ")}] hold the same number of elements`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "target_shape" });
    }
    const inferredDim = inferredSize(input!, withUnknown);
    return withUnknown.map((d) => d ?? inferredDim);
  },
});

/**
 * `permute(dims)`: reorders the axes; `dims` is a permutation of `1..rank` (axis 0 is the batch):
 * `permute([2, 1])` turns `[a, b]` into `[b, a]`. No params.
 */
export const permute = defineLayer<{ dims: number[] }>({
  name: "permute",
  doc: "Reorders the axes of the input (the batch stays first).",
  traits: [],
  positional: ["dims"],
  schema: argsSchema({ dims: { type: "array", items: schemas.positiveInt, minItems: 1 } }, ["dims"]),
  factory: "permute",
  outputShape([input], args, ctx) {
    const rank = args.dims.length;
    if (!expectRank(ctx, input!, rank, `a ${rank}D input, one axis for each entry of dims`)) return null;
    if ([...args.dims].sort((a, b) => a - b).some((d, i) => d !== i + 1)) {
      const detail = `dims must hold each of 1..${rank} once, got [${args.dims.join(", ")}]`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "dims" });
    }
    return args.dims.map((d) => input![d - 1]!);
  },
});

/** `repeat_vector(n)`: `[features]` -> `[n, features]`. No params. */
export const repeatVector = defineLayer<{ n: number }>({
  name: "repeat_vector",
  doc: "Repeats a vector n times, e.g. to feed an encoder's state to every step of a decoder.",
  traits: [],
  positional: ["n"],
  schema: argsSchema({ n: schemas.positiveInt }, ["n"]),
  factory: "repeatVector",
  outputShape([input], args, ctx) {
    if (
      !expectRank(ctx, input!, 1, "a 1D input [features]", "flatten() or global pooling makes a vector", {
        insertBefore: "flatten()",
      })
    )
      return null;
    return [args.n, input![0]!];
  },
});

/** `activation(activation)`: applies an activation function; any shape, unchanged. No params. */
export const activation = defineLayer({
  name: "activation",
  doc: "Applies an activation function elementwise.",
  traits: ["activation", "keeps-mask"],
  positional: ["activation"],
  schema: argsSchema({ activation: schemas.activation }, ["activation"]),
  factory: "activation",
  outputShape: sameShape,
});

/** `relu(max_value)`: `max(x, 0)`, capped at `max_value` when given; any shape, unchanged. No params. */
export const relu = defineLayer({
  name: "relu",
  aliases: ["re_lu"],
  doc: "Rectified linear unit, optionally capped: min(max(x, 0), max_value).",
  traits: ["activation", "keeps-mask"],
  positional: ["max_value"],
  schema: argsSchema({ max_value: { type: "number", minimum: 0 } }),
  factory: "reLU",
  outputShape: sameShape,
});

/** `leaky_re_lu(alpha)`: `x` for `x >= 0`, `alpha * x` below; any shape, unchanged. No params. */
export const leakyReLU = defineLayer({
  name: "leaky_re_lu",
  aliases: ["leaky_relu"],
  doc: "Leaky rectified linear unit: alpha * x for negative x.",
  // Not keeps-mask, unlike relu: tfjs's LeakyReLU and ELU leave supportsMasking off.
  traits: ["activation"],
  positional: ["alpha"],
  schema: argsSchema({ alpha: { type: "number", minimum: 0, default: 0.3 } }),
  factory: "leakyReLU",
  outputShape: sameShape,
});

/** `elu(alpha)`: exponential linear unit; any shape, unchanged. No params. tfjs supports only `alpha: 1`. */
export const elu = defineLayer<{ alpha: number }>({
  name: "elu",
  doc: "Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) below.",
  traits: ["activation"],
  positional: ["alpha"],
  schema: argsSchema({ alpha: { type: "number", default: 1 } }),
  factory: "elu",
  outputShape([input], args, ctx) {
    if (args.alpha !== 1) {
      const detail = `tfjs supports only alpha 1, got ${args.alpha}`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "alpha" });
    }
    return input!;
  },
});

/**
 * `softmax(axis)`: normalises along `axis`; any shape, unchanged. No params. tfjs-core computes a softmax
 * only along the last axis (and fails when the model runs otherwise), so `axis` must name the last one.
 */
export const softmax = defineLayer<{ axis: number }>({
  name: "softmax",
  doc: "Softmax along one axis: the values along it become probabilities.",
  traits: ["activation", "reads-mask"],
  positional: ["axis"],
  schema: argsSchema({ axis: { ...schemas.axis, default: -1 } }),
  factory: "softmax",
  outputShape([input], args, ctx) {
    const index = shapeAxis(ctx, args.axis, input!.length);
    if (index === null) return null;
    if (index !== input!.length - 1) {
      const detail = `tfjs computes a softmax only along the last axis, not along axis ${args.axis}`;
      return ctx.error(
        "NN3007",
        { callee: ctx.callee, detail },
        { property: "axis", hint: "permute() the axis to the end first" },
      );
    }
    return input!;
  },
});
