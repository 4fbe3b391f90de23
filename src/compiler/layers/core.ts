/** Core layers: dense, flatten, reshape, dropout, activation and friends. */
import { formatNnShape, type Shape } from "../ir.js";
import { elementCount } from "../shapes.js";
import { argsSchema, expectRank, schemas } from "./common.js";
import { defineLayer } from "./types.js";

/**
 * `dense(units)`: input `[..., features]` -> `[..., units]`.
 * Params: `features * units` weights + `units` biases when `use_bias`.
 */
export const dense = defineLayer<{ units: number; use_bias: boolean }>({
  name: "dense",
  doc: "Fully connected layer: output = activation(input · kernel + bias).",
  positional: ["units"],
  schema: argsSchema(
    {
      units: schemas.positiveInt,
      activation: { ...schemas.activation, default: "linear" },
      use_bias: { ...schemas.bool, default: true },
      kernel_initializer: { ...schemas.initializer, default: "glorot_uniform" },
      bias_initializer: { ...schemas.initializer, default: "zeros" },
    },
    ["units"],
  ),
  factory: "dense",
  outputShape([input], args, ctx) {
    if (!expectRank(ctx, input!, { min: 1 }, "an input with at least one axis")) return null;
    return [...input!.slice(0, -1), args.units];
  },
  params([input], args) {
    const features = input!.at(-1);
    if (typeof features !== "number") return { trainable: 0, nonTrainable: 0 };
    return { trainable: features * args.units + (args.use_bias ? args.units : 0), nonTrainable: 0 };
  },
});

/** `flatten()`: `[d1, d2, ...]` -> `[d1 * d2 * ...]`; every size must be known. */
export const flatten = defineLayer({
  name: "flatten",
  doc: "Flattens every axis but the batch into one.",
  positional: [],
  schema: argsSchema({}),
  factory: "flatten",
  outputShape([input], _args, ctx) {
    const count = elementCount(input!);
    if (count === null) {
      return ctx.error(
        "NN3006",
        { callee: ctx.callee, shape: formatNnShape(input!) },
        { hint: "use global_average_pooling1d() or global_max_pooling1d() over an axis of unknown size" },
      );
    }
    return [count] satisfies Shape;
  },
});
