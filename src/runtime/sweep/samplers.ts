/**
 * The configurations of a grid and of random search. Pure arithmetic, no tfjs: `nnc sweep`'s own process
 * makes and checks every configuration before any trial's process starts.
 */
import type { IrSweepParam, SweepConfiguration, SweepDistribution } from "../../compiler/ir/sweep.js";
import type { SweepRng } from "./rng.js";

/**
 * Every combination of the parameters' values, in order: the first parameter varies slowest, as nested
 * loops written in the order of `space:` would. A choice keeps its written order; an int_range lists
 * low, low + step, ... up to high. The checker refuses uniform and log_uniform in a grid (they have no
 * finite list of values), so meeting one here is a bug.
 */
export function gridConfigurations(params: readonly IrSweepParam[]): SweepConfiguration[] {
  let configurations: SweepConfiguration[] = [{}];
  for (const param of params) {
    const values = gridValues(param.distribution);
    configurations = configurations.flatMap((partial) => values.map((value) => ({ ...partial, [param.name]: value })));
  }
  return configurations;
}

/** The values a grid takes from one parameter. */
function gridValues(distribution: SweepDistribution): readonly (number | string)[] {
  switch (distribution.kind) {
    case "choice":
      return distribution.values;
    case "int_range":
      return Array.from({ length: intRangeCount(distribution) }, (_, k) => distribution.low + k * distribution.step);
    case "uniform":
    case "log_uniform":
      throw new Error(`internal: a grid cannot list ${distribution.kind}; the sweep check refuses it`);
  }
}

/**
 * One configuration drawn at random, each parameter independently: a choice uniformly among its values; an
 * int_range uniformly among low, low + step, ... <= high, or with `log: true` with its logarithm uniform (each
 * value takes the share of [low - 0.5, high + 0.5] on the log scale nearest to it, as Optuna's log
 * IntDistribution does); uniform between low and high; log_uniform with its logarithm uniform. Continuous
 * values are rounded to 4 significant digits (kept within the bounds), so trial tables, `--set` arguments
 * and `best.nn` read `0.0031` rather than `0.003112846251`; that resolution is far finer than any difference
 * a trial's objective could tell apart.
 */
export function randomConfiguration(params: readonly IrSweepParam[], rng: SweepRng): SweepConfiguration {
  const configuration: { [name: string]: number | string } = {};
  for (const param of params) configuration[param.name] = randomValue(param.distribution, rng);
  return configuration;
}

function randomValue(distribution: SweepDistribution, rng: SweepRng): number | string {
  switch (distribution.kind) {
    case "choice":
      return distribution.values[rng.int(0, distribution.values.length - 1)]!;
    case "int_range":
      if (!distribution.log) return distribution.low + rng.int(0, intRangeCount(distribution) - 1) * distribution.step;
      return nearestIntRangeValue(distribution, Math.exp(uniformBetween(rng, ...intRangeLogBounds(distribution))));
    case "uniform":
      return roundedWithin(uniformBetween(rng, distribution.low, distribution.high), distribution);
    case "log_uniform":
      return roundedWithin(
        Math.exp(uniformBetween(rng, Math.log(distribution.low), Math.log(distribution.high))),
        distribution,
      );
  }
}

type IntRange = Extract<SweepDistribution, { kind: "int_range" }>;

/** How many values an int_range takes: low, low + step, ... <= high. */
export function intRangeCount(range: IntRange): number {
  return Math.floor((range.high - range.low) / range.step) + 1;
}

/**
 * The interval on the log scale whose points round to a log int_range's values: half a unit beyond each end,
 * so low and high get their share of draws (Optuna widens a log IntDistribution the same way).
 */
export function intRangeLogBounds(range: IntRange): [number, number] {
  return [Math.log(range.low - 0.5), Math.log(range.high + 0.5)];
}

/** The int_range's value nearest to `x` (a point of [low - step/2, high + step/2] or of the log bounds). */
export function nearestIntRangeValue(range: IntRange, x: number): number {
  const k = Math.min(intRangeCount(range) - 1, Math.max(0, Math.round((x - range.low) / range.step)));
  return range.low + k * range.step;
}

/** `value` to 4 significant digits, kept within [low, high] (rounding could step past a bound). */
export function roundedWithin(value: number, bounds: { readonly low: number; readonly high: number }): number {
  return Math.min(bounds.high, Math.max(bounds.low, Number(value.toPrecision(4))));
}

function uniformBetween(rng: SweepRng, low: number, high: number): number {
  return low + rng.uniform() * (high - low);
}
