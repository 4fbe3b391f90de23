/**
 * Schema pieces and helpers shared by the registry entries, so each entry stays one screen.
 */
import type { SchemaObject } from "ajv";
import { formatNnShape, type JsonValue, type Shape, type TfjsLayer } from "../ir.js";
import type { Args, ShapeContext } from "./types.js";

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

export const initializers = [
  "zeros",
  "ones",
  "glorot_uniform",
  "glorot_normal",
  "he_uniform",
  "he_normal",
  "lecun_uniform",
  "lecun_normal",
  "random_uniform",
  "random_normal",
  "truncated_normal",
  "orthogonal",
  "identity",
] as const;

/** tfjs spells initializer identifiers in camelCase. */
const initializerIds: Readonly<Record<string, string>> = Object.fromEntries(
  initializers.map((name) => [name, camelCase(name)]),
);

export const schemas = {
  positiveInt: { type: "integer", minimum: 1 },
  nonNegativeInt: { type: "integer", minimum: 0 },
  rate: { type: "number", minimum: 0, exclusiveMaximum: 1 },
  bool: { type: "boolean" },
  name: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_./-]*$" },
  activation: { enum: Object.keys(activations) },
  padding: { enum: ["valid", "same"] },
  initializer: { enum: [...initializers] },
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

export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The default tfjs config: every argument under its camelCase name; activations and initializers are
 * translated to tfjs's identifiers. `time_distributed` and friends pass nested layers through untouched.
 */
export function toTfjsConfig(args: Args): TfjsLayer["config"] {
  const config: Record<string, JsonValue | TfjsLayer> = {};
  for (const [key, value] of Object.entries(args)) {
    config[camelCase(key)] = translateValue(key, value);
  }
  return config;
}

function translateValue(key: string, value: JsonValue): JsonValue {
  if (typeof value !== "string") return value;
  if (key.endsWith("activation")) return activations[value] ?? value;
  if (key.endsWith("initializer")) return initializerIds[value] ?? value;
  return value;
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
): boolean {
  const ok = typeof rank === "number" ? shape.length === rank : shape.length >= rank.min;
  if (!ok) ctx.error("NN3001", { callee: ctx.callee, expected: what, shape: formatNnShape(shape) }, { hint });
  return ok;
}

export const noParams = { trainable: 0, nonTrainable: 0 } as const;
