/**
 * The keys of a `sweep` declaration, one entry each, and what they may call: the distributions of `space:`,
 * the samplers and the pruners. Like train-keys.ts, one table that the checker (check/sweep.ts), the language
 * server's completion, the TextMate grammar and the docs read; nothing else names the keys.
 *
 * Samplers, pruners and the numeric distributions are callables with Keras-style argument schemas, so their
 * arguments are checked (and completed, and precompiled) as an optimizer's are.
 */
import type { Callable } from "./callable.js";
import { objectSchema } from "./train-options.js";
import type { IrSweep } from "../ir/sweep.js";

/** How a key's value is read; each kind is one case in check/sweep.ts. */
export type SweepValue =
  /** A map from an override name to a distribution call of `distributions`. */
  | { readonly kind: "space" }
  /** `minimize(METRIC)` or `maximize(METRIC)`: a figure of the train block's history. */
  | { readonly kind: "objective" }
  /** A call (or bare name) of `table`, its arguments checked by their schemas. */
  | { readonly kind: "call"; readonly what: string; readonly table: Readonly<Record<string, Callable>> }
  /** A whole number from `minimum` up. */
  | { readonly kind: "integer"; readonly minimum: 0 | 1 };

/** The `IrSweep` fields that keys fill. */
export type SweepField = "params" | "objective" | "sampler" | "pruner" | "seed" | "parallel";

export interface SweepKey {
  readonly name: string;
  readonly field: SweepField;
  readonly required: boolean;
  readonly value: SweepValue;
  /** The field's value when the key is not written (required keys have none). */
  readonly default?: IrSweep[SweepField];
  /** The key's line in the docs and the language server's completion (Markdown). */
  readonly doc: string;
}

const positiveInteger = { type: "integer", minimum: 1 } as const;
const number = { type: "number" } as const;

/** What `space:` may give a parameter. `choice` is read by the checker itself: its values are source text. */
export const distributions: Readonly<Record<string, Callable & { readonly doc: string }>> = {
  choice: {
    name: "choice",
    positional: ["values"],
    schema: objectSchema({ values: { type: "array", minItems: 1 } }, ["values"]),
    doc: "one of the values listed, any `.nn` values: `choice([32, 64, 128])`, `choice([adam, sgd(learning_rate: 0.1)])`",
  },
  int_range: {
    name: "int_range",
    positional: ["low", "high"],
    schema: objectSchema(
      { low: number, high: number, step: { ...positiveInteger, default: 1 }, log: { type: "boolean", default: false } },
      ["low", "high"],
    ),
    doc: "a whole number from `low` to `high` (both included) by `step`; `log: true` draws its logarithm uniformly",
  },
  uniform: {
    name: "uniform",
    positional: ["low", "high"],
    schema: objectSchema({ low: number, high: number }, ["low", "high"]),
    doc: "a number between `low` and `high`, uniformly (not with `sampler: grid`)",
  },
  log_uniform: {
    name: "log_uniform",
    positional: ["low", "high"],
    schema: objectSchema({ low: number, high: number }, ["low", "high"]),
    doc: "a number between `low` > 0 and `high` whose logarithm is uniform, for learning rates (not with `sampler: grid`)",
  },
};

/** What `objective:` calls, with the figure it optimises: `minimize(val_loss)`. */
export const directions = ["minimize", "maximize"] as const;

/** How configurations are chosen. */
export const samplers: Readonly<Record<string, Callable>> = {
  grid: { name: "grid", positional: [], schema: objectSchema({}) },
  random: { name: "random", positional: ["trials"], schema: objectSchema({ trials: positiveInteger }, ["trials"]) },
  tpe: {
    name: "tpe",
    positional: ["trials"],
    schema: objectSchema({ trials: positiveInteger, startup: { type: "integer", minimum: 0, default: 10 } }, [
      "trials",
    ]),
  },
};

/** How weak trials are stopped early. */
export const pruners: Readonly<Record<string, Callable>> = {
  none: { name: "none", positional: [], schema: objectSchema({}) },
  median: {
    name: "median",
    positional: [],
    schema: objectSchema({
      warmup: { type: "integer", minimum: 0, default: 1 },
      min_trials: { ...positiveInteger, default: 3 },
    }),
  },
  asha: {
    name: "asha",
    positional: [],
    schema: objectSchema({
      min_epochs: { ...positiveInteger, default: 1 },
      reduction: { type: "integer", minimum: 2, default: 3 },
    }),
  },
};

/** Every key, in the order the checker reads them (the sampler's kind decides what `space:` may hold). */
export const sweepKeys: readonly SweepKey[] = [
  {
    name: "sampler",
    field: "sampler",
    required: false,
    value: { kind: "call", what: "sampler", table: samplers },
    default: { kind: "grid" },
    doc:
      "how configurations are chosen: `grid` (default: every combination, in order), `random(trials: N)`, or " +
      "`tpe(trials: N, startup: 10)` (tree-structured Parzen estimator; the first `startup` trials are random)",
  },
  {
    name: "space",
    field: "params",
    required: true,
    value: { kind: "space" },
    doc:
      "what varies: a map from a name `--set` takes (`units`, `optimizer.learning_rate`, quoted when it has a dot) " +
      "to `choice([...])`, `int_range(low, high, step: 1, log: false)`, `uniform(low, high)` or `log_uniform(low, high)`",
  },
  {
    name: "objective",
    field: "objective",
    required: true,
    value: { kind: "objective" },
    doc:
      "`minimize(FIGURE)` or `maximize(FIGURE)`: a figure of the training history (`val_loss`, `val_accuracy`; " +
      "`val_` figures need `validation_split` or `validation`), taken at the trial's best epoch",
  },
  {
    name: "pruner",
    field: "pruner",
    required: false,
    value: { kind: "call", what: "pruner", table: pruners },
    default: { kind: "none" },
    doc:
      "stops weak trials early: `none` (default), `median(warmup: 1, min_trials: 3)` or " +
      "`asha(min_epochs: 1, reduction: 3)`",
  },
  {
    name: "seed",
    field: "seed",
    required: false,
    value: { kind: "integer", minimum: 0 },
    default: 0,
    doc:
      "a non-negative integer (default `0`): the draws of `random` and `tpe`, and each trial's training seed when " +
      "the train block sets none",
  },
  {
    name: "parallel",
    field: "parallel",
    required: false,
    value: { kind: "integer", minimum: 1 },
    default: 1,
    doc: "trials trained at once, each its own process (default `1`)",
  },
];
