/**
 * A checked `sweep` declaration: the search space of a hyperparameter search over one train block, what it
 * optimises, how it samples and prunes, and the budgets every configuration must meet.
 *
 * A parameter's name is an override name, exactly as `nnc train --set NAME=VALUE` takes it (`units`,
 * `optimizer.learning_rate`, `residual.filters`): a configuration is a set of overrides, applied to the spec's
 * text and checked like the file itself (compiler/overrides) before any trial trains.
 */
import type { Location } from "../diagnostics/index.js";
import type { ComparisonOp } from "../syntax/ast.js";

/** Where a parameter's values come from. Bounds are inclusive. */
export type SweepDistribution =
  /** One of the values written, each as `.nn` source text: `"64"`, `"relu"`, `"sgd(learning_rate: 0.1)"`. */
  | { readonly kind: "choice"; readonly values: readonly string[] }
  /** Whole numbers low, low + step, ... <= high; `log` samples their logarithm uniformly (grid: every one). */
  | {
      readonly kind: "int_range";
      readonly low: number;
      readonly high: number;
      readonly step: number;
      readonly log: boolean;
    }
  /** A number between low and high, uniform; a grid does not take it (choice or int_range there). */
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  /** A positive number between low and high whose logarithm is uniform. */
  | { readonly kind: "log_uniform"; readonly low: number; readonly high: number };

/**
 * How many values a distribution takes: a choice's, an int_range's low, low + step, ... <= high; Infinity for
 * a continuous one. The grid's size (check/sweep-space.ts) and its values and a stepped scale (runtime/sweep/samplers.ts).
 */
export function valueCount(distribution: SweepDistribution): number {
  switch (distribution.kind) {
    case "choice":
      return distribution.values.length;
    case "int_range":
      return Math.floor((distribution.high - distribution.low) / distribution.step) + 1;
    default:
      return Infinity;
  }
}

export interface IrSweepParam {
  /** The override name (`optimizer.learning_rate`). */
  readonly name: string;
  readonly distribution: SweepDistribution;
  /** The key in `space:`, for problems with this parameter. */
  readonly location: Location;
}

export type IrSampler =
  /** Every combination of the parameters' values, in order (the first parameter varies slowest). */
  | { readonly kind: "grid" }
  | { readonly kind: "random"; readonly trials: number }
  /** Tree-structured Parzen estimator; the first `startup` trials are random. */
  | { readonly kind: "tpe"; readonly trials: number; readonly startup: number };

export type IrPruner =
  | { readonly kind: "none" }
  /** Stops a trial whose objective at an epoch is worse than the median of earlier trials at that epoch. */
  | { readonly kind: "median"; readonly warmupEpochs: number; readonly minTrials: number }
  /** Successive halving: at epochs min_epochs * reduction^k, only the best 1/reduction go on. */
  | { readonly kind: "asha"; readonly minEpochs: number; readonly reduction: number };

/** `assert params < 1_000_000` in a sweep: a budget on a figure of the model. */
export interface IrBudget {
  readonly subject: "params" | "trainable_params" | "non_trainable_params" | "macs";
  readonly op: ComparisonOp;
  readonly value: number;
  readonly location: Location;
}

export interface IrSweep {
  /** The model whose train block the sweep varies. */
  readonly model: string;
  /** The sweep's folder under `runs/`: `<model>-sweep`. */
  readonly name: string;
  readonly params: readonly IrSweepParam[];
  /** A figure of the train block's history (`val_loss`, `val_accuracy`), read at its best epoch. */
  readonly objective: { readonly metric: string; readonly direction: "minimize" | "maximize" };
  readonly sampler: IrSampler;
  readonly pruner: IrPruner;
  readonly seed: number;
  /** Trials trained at once, each in its own process. */
  readonly parallel: number;
  readonly budgets: readonly IrBudget[];
  readonly location: Location;
}

/** A configuration: each parameter's value, a number for numeric distributions, source text for a choice. */
export type SweepConfiguration = { readonly [name: string]: number | string };
