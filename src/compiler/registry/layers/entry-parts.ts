/**
 * Schema pieces and helpers shared by the registry entries, so each entry stays one screen.
 */
import type { SchemaObject } from "ajv";
import { formatNnShape, type Dim, type JsonValue, type Shape, type TfjsLayer } from "../../ir/index.js";
import { convOutputLength, type Padding } from "../../ir/shapes.js";
import { familyOfArgument, objectNames, tfjsObjectOf, type Family } from "./objects.js";
import type { Args, InputFix, ShapeContext } from "./types.js";

/** nnc activation name -> tfjs identifier. */
export const activations: Readonly<Record<string, string>> = {
  linear: "linear",
  relu: "relu",
  relu6: "relu6",
  elu: "elu",
  selu: "selu",
  sigmoid: "sigmoid",
  hard_sigmoid: "hardSigmoid",
  tanh: "tanh",
  softmax: "softmax",
  softplus: "softplus",
  softsign: "softsign",
  swish: "swish",
  mish: "mish",
  gelu: "gelu",
};

/**
 * A family argument: a bare name (`he_normal`) or a call checked against the member's own schema
 * (`he_normal(seed: 1)`, `l2(1e-4)`, `bidirectional(lstm(8))`). `family` tells `checkArguments` to check the
 * call; the value is then a `{ call, args }` object (see objects.ts).
 */
export function familySchema(family: Family): SchemaObject {
  const names = family === "layer" ? [] : objectNames(family);
  const what =
    family === "layer"
      ? "a layer call such as lstm(64)"
      : `${family === "initializer" ? "an" : "a"} ${family}: ${names.join(", ")}`;
  return {
    family,
    description: what,
    anyOf: [
      ...(names.length ? [{ enum: names }] : []),
      {
        type: "object",
        properties: { call: { type: "string" }, args: { type: "object" } },
        required: ["call", "args"],
      },
    ],
  };
}

export const schemas = {
  positiveInt: { type: "integer", minimum: 1 },
  nonNegativeInt: { type: "integer", minimum: 0 },
  rate: { type: "number", minimum: 0, exclusiveMaximum: 1 },
  bool: { type: "boolean" },
  name: {
    type: "string",
    pattern: "^[A-Za-z_][A-Za-z0-9_./-]*$",
    description: "a name of letters, digits, _, ., / and -, starting with a letter or _",
  },
  activation: { enum: Object.keys(activations) },
  padding: { enum: ["valid", "same"] },
  regularizer: familySchema("regularizer"),
  constraint: familySchema("constraint"),
  initializer: familySchema("initializer"),
  axis: { type: "integer" },
  /** A size given once for every axis, or per axis: `3` or `[3, 3]`. */
  intOrTuple(rank: number): SchemaObject {
    const item = { type: "integer", minimum: 1 };
    return {
      description: `a positive integer or a list of ${rank} of them`,
      oneOf: [item, { type: "array", items: item, minItems: rank, maxItems: rank }],
    };
  },
} as const;

/** An object schema for the arguments: every property listed, nothing else allowed. */
export function argsSchema(properties: Record<string, SchemaObject>, required: readonly string[] = []): SchemaObject {
  return {
    type: "object",
    properties: { name: schemas.name, trainable: { type: "boolean", default: true }, ...properties },
    required: [...required],
    additionalProperties: false,
  };
}

/** Each argument name's camelCase, made once: a check of a large model makes a tfjs config of ~100 layers. */
const camelCases = new Map<string, string>();

export function camelCase(name: string): string {
  let camel = camelCases.get(name);
  if (camel === undefined) {
    camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    camelCases.set(name, camel);
  }
  return camel;
}

/**
 * The default tfjs config: every argument under its camelCase name; activations and initializers are
 * translated to tfjs's identifiers. `time_distributed` and friends pass nested layers through untouched.
 */
export function toTfjsConfig(args: Args): TfjsLayer["config"] {
  const config: Record<string, JsonValue | TfjsLayer> = {};
  for (const key of Object.keys(args)) {
    config[camelCase(key)] = translateValue(key, args[key] as JsonValue);
  }
  return config;
}

function translateValue(key: string, value: JsonValue): JsonValue | TfjsLayer {
  const family = familyOfArgument(key);
  if (family) return tfjsObjectOf(family, value);
  if (typeof value === "string" && key.endsWith("activation")) return activations[value] ?? value;
  return value;
}

/**
 * The regularizer and constraint arguments tfjs takes for weights named `weights` (`kernel`, `bias`, ...),
 * none by default: `kernel_regularizer`, `kernel_constraint`, ...
 */
export function weightObjects(...weights: readonly string[]): Record<string, SchemaObject> {
  return Object.fromEntries(
    weights.flatMap((w) => [
      [`${w}_regularizer`, schemas.regularizer],
      [`${w}_constraint`, schemas.constraint],
    ]),
  );
}

/** A number, or each element of a tuple argument: `3` -> `[3, 3]` for rank 2. */
export function tuple(value: JsonValue, rank: number): number[] {
  if (typeof value === "number") return Array.from({ length: rank }, () => value);
  return (value as number[]).slice(0, rank);
}

/**
 * Checks the input rank; reports NN3001 and returns false when it is wrong.
 * `what` says what the layer needs, e.g. "a 3D input [height, width, channels]".
 */
export function expectRank(
  ctx: ShapeContext,
  shape: Shape,
  rank: number | { min: number },
  what: string,
  hint?: string,
  fix?: InputFix,
): boolean {
  const ok = typeof rank === "number" ? shape.length === rank : shape.length >= rank.min;
  if (!ok) ctx.error("NN3001", { callee: ctx.callee, expected: what, shape: formatNnShape(shape) }, { hint, fix });
  return ok;
}

export const noParams = { trainable: 0, nonTrainable: 0 } as const;

/** Layers that change values, never shapes: activations, dropout, noise. */
export function sameShape([input]: readonly Shape[]): Shape {
  return input!;
}

/** The product of sizes, for parameter counts: `product(3, 3, 16)`. */
export function product(...sizes: readonly number[]): number {
  return sizes.reduce((a, b) => a * b, 1);
}

/**
 * Checks that one axis has a fixed size (a kernel or a weight vector is built from it); reports NN3006 and
 * returns null when it does not. `axis` counts from the end when negative.
 */
export function fixedSize(ctx: ShapeContext, shape: Shape, axis: number, what: string): number | null {
  const size = shape.at(axis);
  if (typeof size === "number") return size;
  return ctx.error(
    "NN3006",
    { callee: ctx.callee, shape: formatNnShape(shape), what },
    {
      hint: `give the ${what} a fixed number in the input's shape`,
    },
  );
}

/**
 * Keras counts axes with the batch as axis 0 (`axis: -1` is the last one); nnc shapes leave the batch out.
 * Returns the index into the nnc shape, or reports NN3007 at `property` and returns null.
 */
export function shapeAxis(ctx: ShapeContext, axis: number, rank: number, property = "axis"): number | null {
  const index = axis < 0 ? rank + axis : axis - 1;
  if (index >= 0 && index < rank) return index;
  const detail = `axis ${axis} is out of range for an input with ${rank} ax${rank === 1 ? "is" : "es"} besides the batch`;
  const hint =
    axis === 0 ? "axis 0 is the batch; the first axis of the input is 1 (or count from the end: -1)" : undefined;
  return ctx.error("NN3007", { callee: ctx.callee, detail }, { property, hint });
}

const spatialLayouts = ["", "[steps, channels]", "[height, width, channels]"];

/**
 * Checks a channels-last input with `spatialRank` spatial axes and a fixed channel count (kernels are built
 * from it when `fixedChannels`); reports NN3001 with a hint that names the fix.
 */
export function expectSpatial(ctx: ShapeContext, input: Shape, spatialRank: 1 | 2, fixedChannels: boolean): boolean {
  const layout = spatialLayouts[spatialRank]!;
  let hint: string;
  let fix: InputFix | undefined;
  if (input.length === spatialRank) {
    hint = `the input needs a channel axis: ${formatNnShape([...input, 1])}`;
    if (input.every((d) => typeof d === "number")) fix = { insertBefore: `reshape(${formatNnShape([...input, 1])})` };
  } else if (input.length < spatialRank) hint = `reshape the input to ${layout} first`;
  else if (spatialRank === 1 && input.length === 3)
    hint = `use ${ctx.callee.replace("1d", "2d")} for images, or reshape the input to ${layout}`;
  else hint = `reshape the input to ${layout} first`;
  if (!expectRank(ctx, input, spatialRank + 1, `a ${spatialRank + 1}D input ${layout}`, hint, fix)) return false;
  return !fixedChannels || fixedSize(ctx, input, -1, "the channel axis") !== null;
}

/** A sliding window along each spatial axis: convolution kernels and pooling windows. */
export interface Window {
  readonly size: readonly number[];
  readonly strides: readonly number[];
  readonly dilation?: readonly number[];
  readonly padding: Padding;
}

/**
 * The output length along each spatial axis. tfjs silently yields a size of zero or less when the window is
 * larger than the input; nnc reports NN3003 at `property` (the argument that sets the window) and returns null.
 */
export function slideWindow(ctx: ShapeContext, space: Shape, window: Window, property: string): Dim[] | null {
  const lengths = space.map((d, i) =>
    convOutputLength(d, window.size[i]!, window.padding, window.strides[i]!, window.dilation?.[i] ?? 1),
  );
  const axis = lengths.findIndex((d) => typeof d === "number" && d <= 0);
  if (axis < 0) return lengths;
  const dilation = window.dilation?.[axis] ?? 1;
  const effective = window.size[axis]! + (window.size[axis]! - 1) * (dilation - 1);
  const detail =
    `the ${property.replace(/_/g, " ")} ${effective}${dilation > 1 ? " (dilated)" : ""} is larger than ` +
    `the input's size ${space[axis]} along axis ${axis + 1}`;
  return ctx.error(
    "NN3003",
    { callee: ctx.callee, detail },
    { property, hint: `use padding: same, or a smaller ${property}` },
  );
}

/**
 * `initial_state:` names one tensor per state of the cell (`states`), each `[units]`: NN3007 at the argument
 * otherwise. No tensors (the argument not written) always fit.
 */
export function initialStatesFit(given: readonly Shape[], states: number, units: number, ctx: ShapeContext): boolean {
  if (given.length === 0) return true;
  const expected = `${states} state tensor${states === 1 ? "" : "s"} of shape [${units}]`;
  const wrong = given.length !== states ? `${given.length} tensor${given.length === 1 ? "" : "s"}` : undefined;
  const misshapen = given.find((shape) => shape.length !== 1 || (shape[0] !== units && shape[0] !== null));
  if (wrong === undefined && misshapen === undefined) return true;
  const got = wrong ?? `a tensor of shape ${formatNnShape(misshapen!)}`;
  ctx.error(
    "NN3007",
    { callee: ctx.callee, detail: `initial_state takes ${expected}, not ${got}` },
    { property: "initial_state" },
  );
  return false;
}

/**
 * Keras's `data_format`, on the kinds that take it: nnc's tensors are channels-last, so `channels_last` (Keras's
 * default) is accepted and changes nothing, and `channels_first` is NN2005 at its value.
 */
export const dataFormat: Record<string, SchemaObject> = {
  data_format: {
    const: "channels_last",
    description:
      "channels_last: nnc's tensors are channels-last, so permute channels-first data first " +
      "(permute([2, 3, 1]) for an image)",
  },
};

/** The default tfjs config without `data_format`, which tfjs need not be told: channels-last is its default. */
export function channelsLastConfig(args: Args): TfjsLayer["config"] {
  const { data_format: _channelsLast, ...rest } = args;
  return toTfjsConfig(rest);
}
