/**
 * The objects a layer argument can be besides plain values: regularizers (`kernel_regularizer: l2(1e-4)`),
 * initializers (`kernel_initializer: he_normal(seed: 1)`) and constraints (`kernel_constraint: max_norm(3)`).
 * Each is called like a layer: Keras's name and arguments in snake_case, checked against its own schema, so
 * an error points at the nested argument. A checked call is the JSON value `{ call, args }` in the layer's
 * arguments and becomes `tf.<namespace>.<factory>(config)` in the tfjs config (see `tfjsObjectOf`).
 */
import type { SchemaObject } from "ajv";
import type { JsonValue, TfjsLayer, TfjsNamespace } from "../../ir/index.js";

/** A checked nested call in a layer's arguments: `l2(1e-4)` is `{ call: "l2", args: { l2: 0.0001 } }`. */
export type NestedCall = {
  readonly call: string;
  readonly args: { readonly [name: string]: JsonValue };
};

export type Family = "regularizer" | "initializer" | "constraint" | "layer";

export interface ObjectKind {
  readonly name: string;
  readonly doc: string;
  readonly positional: readonly string[];
  readonly schema: SchemaObject;
  readonly namespace: Exclude<TfjsNamespace, "layers">;
  /** `tf[namespace][factory]`; also the tfjs identifier a bare initializer name is given as. */
  readonly factory: string;
}

const num = (fallback?: number): SchemaObject =>
  fallback === undefined ? { type: "number" } : { type: "number", default: fallback };
const seed: SchemaObject = { type: "integer", minimum: 0 };
const axis: SchemaObject = { type: "integer", default: 0 };
const stddev: SchemaObject = { type: "number", exclusiveMinimum: 0, default: 0.05 };

function object(
  namespace: ObjectKind["namespace"],
  name: string,
  factory: string,
  doc: string,
  properties: Record<string, SchemaObject> = {},
  positional: readonly string[] = Object.keys(properties),
): ObjectKind {
  const schema = { type: "object", properties, additionalProperties: false };
  return { name, doc, positional, schema, namespace, factory };
}

/** Keras's `l1(0.01)`, `l2(0.01)`, `l1_l2(l1=0.01, l2=0.01)`: a penalty added to the loss. */
const regularizers: readonly ObjectKind[] = [
  object("regularizers", "l1", "l1", "Adds l1 * sum(|w|) to the loss.", { l1: num(0.01) }),
  object("regularizers", "l2", "l2", "Adds l2 * sum(w²) to the loss.", { l2: num(0.01) }),
  object("regularizers", "l1_l2", "l1l2", "Adds both penalties to the loss.", { l1: num(0.01), l2: num(0.01) }),
];

const varianceScaled = (name: string, factory: string, doc: string) =>
  object("initializers", name, factory, doc, { seed });

/** Keras's initializers with their arguments and defaults; tfjs spells lecun as `leCun`. */
const initializers: readonly ObjectKind[] = [
  object("initializers", "zeros", "zeros", "All zeros."),
  object("initializers", "ones", "ones", "All ones."),
  object("initializers", "constant", "constant", "Every value the same.", { value: num(0) }),
  object("initializers", "random_uniform", "randomUniform", "Uniform in [minval, maxval).", {
    minval: num(-0.05),
    maxval: num(0.05),
    seed,
  }),
  object("initializers", "random_normal", "randomNormal", "Normal with the given mean and stddev.", {
    mean: num(0),
    stddev,
    seed,
  }),
  object("initializers", "truncated_normal", "truncatedNormal", "Normal, redrawn beyond two stddevs.", {
    mean: num(0),
    stddev,
    seed,
  }),
  varianceScaled("glorot_uniform", "glorotUniform", "Glorot (Xavier) uniform."),
  varianceScaled("glorot_normal", "glorotNormal", "Glorot (Xavier) normal."),
  varianceScaled("he_uniform", "heUniform", "He uniform, for ReLU layers."),
  varianceScaled("he_normal", "heNormal", "He normal, for ReLU layers."),
  varianceScaled("lecun_uniform", "leCunUniform", "LeCun uniform."),
  varianceScaled("lecun_normal", "leCunNormal", "LeCun normal, for SELU layers."),
  object("initializers", "orthogonal", "orthogonal", "A random orthogonal matrix.", { gain: num(1), seed }),
  object("initializers", "identity", "identity", "The identity matrix times gain (2D weights only).", {
    gain: num(1),
  }),
  object("initializers", "variance_scaling", "varianceScaling", "Scaled to the weights' fan-in or fan-out.", {
    scale: { type: "number", exclusiveMinimum: 0, default: 1 },
    mode: { enum: ["fan_in", "fan_out", "fan_avg"], default: "fan_in" },
    distribution: { enum: ["normal", "uniform", "truncated_normal"], default: "normal" },
    seed,
  }),
];

/** Keras's weight constraints, applied after each update. */
const constraints: readonly ObjectKind[] = [
  object("constraints", "max_norm", "maxNorm", "Caps the norm of each weight vector.", {
    max_value: num(2),
    axis,
  }),
  object("constraints", "non_neg", "nonNeg", "Keeps every weight >= 0."),
  object("constraints", "unit_norm", "unitNorm", "Scales each weight vector to norm 1.", { axis }),
  object("constraints", "min_max_norm", "minMaxNorm", "Keeps the norm of each weight vector in a range.", {
    min_value: num(0),
    max_value: num(1),
    rate: num(1),
    axis,
  }),
];

const members: Readonly<Record<Exclude<Family, "layer">, readonly ObjectKind[]>> = {
  regularizer: regularizers,
  initializer: initializers,
  constraint: constraints,
};

/** The regularizer, initializer or constraint called `name`. */
export function lookupObject(family: Exclude<Family, "layer">, name: string): ObjectKind | undefined {
  return members[family].find((kind) => kind.name === name);
}

export function objectNames(family: Exclude<Family, "layer">): string[] {
  return members[family].map((kind) => kind.name);
}

const objectFamilies = ["regularizer", "initializer", "constraint"] as const;

/** Which family an argument's name says it holds: `kernel_regularizer` holds a regularizer. */
export function familyOfArgument(name: string): Exclude<Family, "layer"> | undefined {
  return objectFamilies.find((family) => name.endsWith(family));
}

export function isNestedCall(value: JsonValue | undefined): value is NestedCall {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { call?: unknown }).call === "string" &&
    typeof (value as { args?: unknown }).args === "object"
  );
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The tfjs value of a family argument: a bare initializer name is tfjs's identifier (`"heNormal"`); a call is
 * `{ namespace, factory, config }` with tfjs's camelCase keys and values (`fan_in` -> `fanIn`).
 */
export function tfjsObjectOf(family: Exclude<Family, "layer">, value: JsonValue): JsonValue | TfjsLayer {
  if (typeof value === "string") return lookupObject(family, value)?.factory ?? value;
  if (!isNestedCall(value)) return value;
  const kind = lookupObject(family, value.call)!;
  const config: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value.args))
    config[camel(key)] = typeof item === "string" ? camel(item) : item;
  return { namespace: kind.namespace, factory: kind.factory, config };
}
