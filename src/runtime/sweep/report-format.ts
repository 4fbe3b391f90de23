/**
 * How a sweep's tables and picture write its figures for people, and in which order they rank its trials: one
 * module, so the live table, the ranked table and the picture agree on both. No tfjs: the sweep's parent
 * process, which draws them, never loads it.
 */
import type { IrSweep, SweepConfiguration, SweepDistribution } from "../../compiler/ir/sweep.js";
import type { TrialRecord } from "./trial-record.js";

/**
 * A parameter's value in a cell, rounded (the exact values are in the command under the ranked table, in
 * trials.jsonl and in best.nn), in one notation for all of a column's cells: a whole number as it is (`128`), a
 * choice's source text as written (`relu`, `sgd(learning_rate: 0.1)`), a `uniform` one with the decimals its
 * range needs (`0.280`, `0.002` between 0 and 0.5), a `log_uniform` one with two significant digits, all in
 * short exponent form when its range reaches below 0.01 or to 10,000 (`3.2e-4`, `2.9e-2`, as learning rates are
 * written), and a number of no distribution (a name only a configuration has) with two significant digits.
 */
export function formatValue(value: number | string, distribution?: SweepDistribution): string {
  if (typeof value === "string") return value;
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e6) return String(value);
  if (distribution?.kind === "uniform" && magnitude < 1e6) {
    const range = distribution.high - distribution.low;
    return value.toFixed(range > 0 ? Math.min(12, Math.max(0, 2 - Math.floor(Math.log10(range)))) : 3);
  }
  const exponent =
    distribution?.kind === "log_uniform"
      ? needsExponent(distribution.low) || needsExponent(distribution.high)
      : needsExponent(magnitude);
  return exponent ? shortExponent(value.toExponential(1)) : String(Number(value.toPrecision(2)));
}

/** Whether two significant digits of `magnitude` read better as `3.2e-4` than as `0.00032` (or `12000`). */
function needsExponent(magnitude: number): boolean {
  return magnitude !== 0 && (magnitude < 1e-2 || magnitude >= 1e4);
}

/** An objective: four significant digits (`0.3124`, `12.35`), exponent form past them (`1.235e5`, `2.500e-5`). */
export function formatObjective(value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e4)) return shortExponent(value.toExponential(3));
  return value.toPrecision(4);
}

/** `3.2e-4`, `1.2e5`: JavaScript's exponent without its `+`. */
function shortExponent(text: string): string {
  return text.replace("e+", "e");
}

/** Wall-clock seconds as `8.4s`, `3m 05s`, `2h 07m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${two(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h ${two(Math.floor(whole / 60) % 60)}m`;
}

/** Whether objective `a` is better than `b` in the sweep's direction. */
export function isBetter(direction: IrSweep["objective"]["direction"], a: number, b: number): boolean {
  return direction === "minimize" ? a < b : a > b;
}

/**
 * A trial's objective: the best of its per-epoch values in the sweep's direction, leaving out those that are not
 * finite numbers (a NaN loss; JSON writes them as null anyway, as numpy's nanpercentile leaves out NaN); null when
 * none is. What a trial record keeps, what a running trial's row shows and what the pruners compare.
 */
export function bestOf(direction: IrSweep["objective"]["direction"], values: readonly number[]): number | null {
  let best: number | null = null;
  for (const value of values)
    if (Number.isFinite(value) && (best === null || isBetter(direction, value, best))) best = value;
  return best;
}

/** Whether a trial has an objective to rank it by: a finite number (a failed trial's may be null). */
export function hasObjective(record: TrialRecord): boolean {
  return record.objective !== null && Number.isFinite(record.objective);
}

/**
 * The trials best first, the one order of the tables, the picture, best.nn and the TPE sampler (which ranks the
 * complete and pruned trials with an objective: tpe.ts): complete trials by objective; then the trials stopped
 * early with an objective (pruned, or failed after an epoch), those that trained more epochs first, then by
 * objective; then those without one (failed before an epoch finished, or whose objective was not a number). Ties
 * go by trial number. A trial stopped early ranks below every complete one: its figure comes from fewer epochs
 * and it was stopped for being worse than its peers, so it is not a configuration to pick (Optuna's best trial is
 * also a complete one). Among those, one that trained longer passed more of the pruner's checks: Optuna's TPE
 * ranks pruned trials the same way (by the step they reached, then their value).
 */
export function rankTrials(
  records: readonly TrialRecord[],
  direction: IrSweep["objective"]["direction"],
): TrialRecord[] {
  const group = (r: TrialRecord) => (!hasObjective(r) ? 2 : r.state === "complete" ? 0 : 1);
  return [...records].sort((a, b) => {
    const byGroup = group(a) - group(b);
    if (byGroup !== 0) return byGroup;
    if (group(a) === 1 && a.epochs.length !== b.epochs.length) return b.epochs.length - a.epochs.length;
    if (group(a) < 2 && a.objective !== b.objective) return isBetter(direction, a.objective!, b.objective!) ? -1 : 1;
    return a.trial - b.trial;
  });
}

/** The trial whose configuration the sweep recommends: the best complete one; null when none completed. */
export function bestTrial(sweep: IrSweep, records: readonly TrialRecord[]): TrialRecord | null {
  const first = rankTrials(records, sweep.objective.direction)[0];
  return first?.state === "complete" && hasObjective(first) ? first : null;
}

/** `sweep Net`'s parameters in the order the space lists them, then any other name a configuration has. */
export function parameterNames(sweep: IrSweep, configs: readonly SweepConfiguration[] = []): string[] {
  const names = sweep.params.map((p) => p.name);
  for (const config of configs) for (const name of Object.keys(config)) if (!names.includes(name)) names.push(name);
  return names;
}
