/**
 * What the generator knows of a layer kind (`KindSpec`), and what its entries share: unbiased random choices,
 * tfjs's spelling of a config, nested layer calls and window arithmetic. The entries are in the kinds-*.ts
 * files; kinds.ts puts them in one table.
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { layers as runtimeLayers } from "../../src/runtime/layers/index.js";

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
  /**
   * nnc's own layer (the registry's `namespace: "nnc"`), always or for these arguments: built from
   * src/runtime/layers' table, not tf.layers.
   */
  readonly runtime?: boolean | ((args: Args) => boolean);
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

export const int = (g: Gen, min: number, max: number) => g(fc.integer, { min, max });

/** Keras's `data_format` on the kinds that take it, now and then: `channels_last`, its default. */
export const channelsLast = (g: Gen, args: Record<string, Value>) =>
  maybe(g, 5, args, "data_format", () => "channels_last");
/** Rolls and choices are unbiased: fast-check's bias towards small integers would make 2% rolls common. */
export const roll = (g: Gen, max: number) => g((n: number) => fc.noBias(fc.integer({ min: 0, max: n })), max);
export const pick = <T>(g: Gen, ...items: T[]): T => items[roll(g, items.length - 1)]!;
export const chance = (g: Gen, percent: number) => roll(g, 99) < percent;
export const bool = (g: Gen) => chance(g, 50);

/** Adds `key: value` with the given chance. */
export function maybe(g: Gen, percent: number, args: Record<string, Value>, key: string, value: () => Value): void {
  if (chance(g, percent)) args[key] = value();
}

export const activationNames = [
  "linear",
  "relu",
  "relu6",
  "elu",
  "selu",
  "sigmoid",
  "hard_sigmoid",
  "tanh",
  "softmax",
  "softplus",
  "softsign",
  "swish",
  "mish",
  "gelu",
];
export const tfjsActivations: Record<string, string> = { hard_sigmoid: "hardSigmoid" };

export const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** camelCase keys, tfjs's spelling of activations and initializers. */
export function tfjsConfig(args: Args): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    let v: unknown = value;
    if (typeof value === "string" && key.endsWith("activation")) v = tfjsActivations[value] ?? value;
    if (typeof value === "string" && key.endsWith("initializer")) v = camel(value);
    if (key === "data_format") v = camel(value as string);
    if (typeof value === "object" && value !== null && "nested" in value) v = tfjsLayer(value);
    config[camel(key)] = v;
  }
  return config;
}

export type Factory = (config: Record<string, unknown>) => tf.layers.Layer;

/** How a person builds the kind: `tf.layers[factory]`, or for nnc's own layers, its runtime's `layers[factory]`. */
export function factoryOf(spec: KindSpec, args: Args): Factory {
  const runtime = typeof spec.runtime === "function" ? spec.runtime(args) : spec.runtime;
  const table = runtime ? runtimeLayers : (tf.layers as unknown as Record<string, Factory>);
  return table[spec.factory]!;
}

/** The tfjs layer for a nested call, as a person would write it: `tf.layers.lstm({units: 4})`. */
function tfjsLayer(call: Nested): tf.layers.Layer {
  const spec = specByName.get(call.nested)!;
  return factoryOf(spec, call.args)((spec.config ?? tfjsConfig)(call.args, []));
}

/** Draws a nested call of `spec` for an input of this rough shape. */
export function nestedCall(g: Gen, spec: KindSpec, input: Sketch): { value: Nested; invalid: boolean } {
  const drawn = spec.draw(g, input);
  let prefix = 0;
  while (prefix < spec.positional.length && spec.positional[prefix]! in drawn.args) prefix++;
  return {
    value: { nested: spec.name, args: drawn.args, positional: int(g, 0, prefix) },
    invalid: drawn.invalid ?? false,
  };
}

export const nestedOut = (v: Value | undefined, input: Sketch): Sketch => {
  const call = v as Nested;
  return specByName.get(call.nested)!.out(input, call.args);
};

/** Kinds a wrapper may hold: one input, one output, not themselves wrappers. */
export const wrappable = (k: KindSpec) =>
  !k.merge && !k.unavailable && !["embedding", "bidirectional", "time_distributed"].includes(k.name);

export const sizeOr = (g: Gen, rank: number, min: number, max: number): Value =>
  rank === 1 || chance(g, 60) ? int(g, min, max) : Array.from({ length: rank }, () => int(g, min, max));
export const tupleOf = (v: Value | undefined, rank: number, dflt: number): number[] =>
  v === undefined ? Array(rank).fill(dflt) : typeof v === "number" ? Array(rank).fill(v) : (v as number[]);

export function slide(d: number | null, k: number, s: number, dil: number, padding: Value | undefined): number | null {
  if (d === null) return null;
  const eff = k + (k - 1) * (dil - 1);
  return padding === "same" || padding === "causal" ? Math.ceil(d / s) : Math.ceil((d - eff + 1) / s);
}

export const same = (input: Sketch) => input;

const specs = new Map<string, KindSpec>();

/** Every kind the generator knows, by nnc name; filled by kinds.ts from its table. */
export const specByName: ReadonlyMap<string, KindSpec> = specs;

/** Called once, by kinds.ts. */
export function register(kinds: readonly KindSpec[]): void {
  for (const kind of kinds) specs.set(kind.name, kind);
}
