/**
 * The configurations of a grid and of random search. Pure arithmetic, no tfjs: `nnc sweep`'s own process
 * makes and checks every configuration before any trial's process starts.
 */
import {
  valueCount,
  type IrSweepParam,
  type SweepConfiguration,
  type SweepDistribution,
} from "../../compiler/ir/sweep.js";
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
      return Array.from({ length: valueCount(distribution) }, (_, k) => distribution.low + k * distribution.step);
    case "uniform":
    case "log_uniform":
      throw new Error(`internal: a grid cannot list ${distribution.kind}; the sweep check refuses it`);
  }
}

/**
 * One configuration drawn at random, each parameter independently: a choice uniformly among its values; an
 * int_range uniformly among low, low + step, ... <= high, or with `log: true` with its logarithm uniform (each
 * value takes its share of the log scale, see NumericScale); uniform between low and high; log_uniform with
 * its logarithm uniform. Continuous values are rounded to 4 significant digits (kept within the bounds), so
 * trial tables, `--set` arguments and `best.nn` read `0.0031` rather than `0.003112846251`; that resolution
 * is far finer than any difference a trial's objective could tell apart.
 */
export function randomConfiguration(params: readonly IrSweepParam[], rng: SweepRng): SweepConfiguration {
  const configuration: { [name: string]: number | string } = {};
  for (const param of params) configuration[param.name] = randomValue(param.distribution, rng);
  return configuration;
}

function randomValue(distribution: SweepDistribution, rng: SweepRng): number | string {
  if (distribution.kind === "choice") return distribution.values[rng.int(0, distribution.values.length - 1)]!;
  const scale = numericScale(distribution);
  return scale.valueAt(scale.low + rng.uniform() * (scale.high - scale.low));
}

/**
 * A numeric distribution seen on the scale its random draws are uniform on: the value itself, or its
 * logarithm for log_uniform and a log int_range. An int_range's value stands for the interval of the scale
 * whose points round to it: [v - step/2, v + step/2] within [low - step/2, last + step/2], where last is its
 * highest value (so each value is equally likely), or with `log`, within [low - 0.5, last + 0.5] on the log
 * scale (the ends widened by half a unit, as Optuna widens a log IntDistribution, so low and last get their
 * share). Random search draws a point of the scale; the TPE sampler puts its Gaussian kernels on it.
 */
export interface NumericScale {
  /** The scale's bounds. */
  readonly low: number;
  readonly high: number;
  /** The point of the scale where a configuration's value sits (its logarithm on a log scale). */
  at(value: number): number;
  /** The configuration's value at a point of the scale: rounded to 4 significant digits, or an int_range's. */
  valueAt(x: number): number;
  /** The interval of the scale whose points give an int_range's value; null for a continuous distribution. */
  interval(value: number): readonly [number, number] | null;
}

/** The scale of a numeric distribution (see NumericScale). */
export function numericScale(distribution: Exclude<SweepDistribution, { kind: "choice" }>): NumericScale {
  switch (distribution.kind) {
    case "uniform":
      return {
        low: distribution.low,
        high: distribution.high,
        at: (value) => value,
        valueAt: (x) => roundedWithin(x, distribution),
        interval: () => null,
      };
    case "log_uniform":
      return {
        low: Math.log(distribution.low),
        high: Math.log(distribution.high),
        at: Math.log,
        valueAt: (x) => roundedWithin(Math.exp(x), distribution),
        interval: () => null,
      };
    case "int_range":
      return intRangeScale(distribution);
  }
}

type IntRange = Extract<SweepDistribution, { kind: "int_range" }>;

function intRangeScale(range: IntRange): NumericScale {
  const count = valueCount(range);
  const last = range.low + (count - 1) * range.step;
  // The scale's ends on the values' own axis; the log scale needs them positive (the check has low >= 1).
  const margin = range.log ? 0.5 : range.step / 2;
  const [first, end] = [range.low - margin, last + margin];
  const at = range.log ? Math.log : (value: number) => value;
  const nearest = (value: number) =>
    range.low + Math.min(count - 1, Math.max(0, Math.round((value - range.low) / range.step))) * range.step;
  return {
    low: at(first),
    high: at(end),
    at,
    valueAt: (x) => nearest(range.log ? Math.exp(x) : x),
    interval: (value) => [at(Math.max(first, value - range.step / 2)), at(Math.min(end, value + range.step / 2))],
  };
}

/** `value` to 4 significant digits, kept within [low, high] (rounding could step past a bound). */
function roundedWithin(value: number, bounds: { readonly low: number; readonly high: number }): number {
  return Math.min(bounds.high, Math.max(bounds.low, Number(value.toPrecision(4))));
}
