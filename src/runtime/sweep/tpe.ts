/**
 * The Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio and Kégl, "Algorithms for
 * Hyper-Parameter Optimization", NeurIPS 2011), with the choices of Optuna's TPESampler in its default,
 * independent form (optuna/samplers/_tpe/sampler.py and parzen_estimator.py): each parameter on its own,
 * finished trials split into a few good ones and the rest, a Parzen estimator l(x) of the good trials'
 * values and g(x) of the others', and of 24 candidates drawn from l(x) the one where l(x)/g(x) is highest.
 * Pure arithmetic, no tfjs: `nnc sweep`'s own process samples every configuration.
 */
import type { IrSweepParam, SweepConfiguration, SweepDistribution } from "../../compiler/ir/sweep.js";
import type { Direction } from "./pruners.js";
import type { SweepRng } from "./rng.js";
import { hasObjective, rankTrials } from "./report-format.js";
import { numericScale, randomConfiguration, type NumericScale } from "./samplers.js";
import type { TrialRecord } from "./trial-record.js";
import { maxOf } from "../../compiler/base/arrays.js";

export interface TpeOptions {
  /** Finished trials (complete or pruned) before which configurations are random (`tpe(startup: 10)`). */
  readonly startup: number;
  /**
   * This trial's earlier draws that the check refused (a shape error, a budget). They join the bad trials,
   * as Optuna ranks infeasible trials below every feasible one, so g(x) grows where the checks fail and the
   * next draw moves away: without them, a space whose promising region the budget rejects is drawn there
   * again and again. Only the trial's own draws count, not other trials': those are not in a resumed
   * sweep's memory, and trial N must draw the same configuration whether or not the sweep was resumed.
   */
  readonly rejected?: readonly SweepConfiguration[];
}

/** Candidates drawn from l(x) per parameter (Optuna's n_ei_candidates). */
const CANDIDATES = 24;
/** The weight of the prior kernel beside each trial's weight of 1 (Optuna's prior_weight). */
const PRIOR_WEIGHT = 1;

/**
 * The configuration of the next trial from the trials that finished before it (`history`, in any order;
 * failed trials, without an objective, are left out). Until `options.startup` trials finished it is
 * `randomConfiguration` (with `parallel` trials at once, trial N sees N - parallel finished ones, so the
 * first startup + parallel - 1 trials are random). Then the finished trials are ranked as the tables rank
 * them (`rankTrials`: complete ones by objective, then pruned ones by epochs reached and objective, as Optuna
 * ranks them), and the best `goodTrials(n)` are the good ones. Values are those of random search (4 significant digits, on the steps).
 */
export function tpeConfiguration(
  params: readonly IrSweepParam[],
  history: readonly TrialRecord[],
  rng: SweepRng,
  direction: Direction,
  options: TpeOptions,
): SweepConfiguration {
  const ranked = rankTrials(
    history.filter((record) => record.state !== "failed" && hasObjective(record)),
    direction,
  );
  if (ranked.length < options.startup) return randomConfiguration(params, rng);
  const good = goodTrials(ranked.length);
  // Oldest first, as the kernels' weights (older trials weigh less past 25) expect.
  const below = ranked.slice(0, good).sort((a, b) => a.trial - b.trial);
  const above: Observed[] = ranked.slice(good).sort((a, b) => a.trial - b.trial);
  for (const config of options.rejected ?? []) above.push({ config });
  const configuration: { [name: string]: number | string } = {};
  for (const param of params) {
    const [l, g] = [below, above].map((trials) => parzenEstimator(param, trials));
    configuration[param.name] = bestCandidate(l!, g!, rng);
  }
  return configuration;
}

/**
 * How many of n finished trials are the good ones: ceil(0.15 n), at most 25 (Optuna's cap). Between
 * Optuna's ceil(0.1 n) and a quarter of the trials: with the trial counts a sweep affords (10 to 50) that
 * is 2 to 8 trials, enough that l(x) is not one trial's spike and few enough that it follows the best ones.
 * Measured with the synthetic objective of test/sweep-tpe.test.ts over 200 seeds (20, 30 and 50 trials,
 * startup 10), it beat random search in 147, 166 and 180 of the seeds, against 143, 151 and 170 for
 * Optuna's ceil(0.1 n), 134, 153 and 167 for ceil(0.25 n) and 128, 148 and 136 for hyperopt's
 * ceil(0.25 sqrt(n)), with the lowest mean best objective each time; on a rougher objective with its
 * optimum near a corner (30 trials), 174 against 173, 159 and 155, again with the lowest mean.
 */
export function goodTrials(n: number): number {
  return Math.min(Math.ceil(0.15 * n), 25);
}

/** A distribution over one parameter's values: a mixture of a kernel per trial and a prior. */
export interface ParzenEstimator {
  sample(rng: SweepRng): number | string;
  logDensity(value: number | string): number;
}

/** Of CANDIDATES draws from l, the one with the highest l(x)/g(x) (the first of equals). */
function bestCandidate(l: ParzenEstimator, g: ParzenEstimator, rng: SweepRng): number | string {
  let best: { value: number | string; score: number } | null = null;
  for (let i = 0; i < CANDIDATES; i++) {
    const value = l.sample(rng);
    const score = l.logDensity(value) - g.logDensity(value);
    if (best === null || score > best.score) best = { value, score };
  }
  return best!.value;
}

/**
 * The Parzen estimator of one parameter's values in `trials` (l(x) of the good ones, g(x) of the others).
 * Its log densities match Optuna's _ParzenEstimator with the TPESampler's defaults (test/sweep-tpe.test.ts).
 */
/** A configuration tried (a finished trial) or refused (a rejected draw): what a Parzen estimator is fitted to. */
type Observed = Pick<TrialRecord, "config">;

export function parzenEstimator(param: IrSweepParam, trials: readonly Observed[]): ParzenEstimator {
  const distribution = param.distribution;
  const values = trials.map((record) => record.config[param.name]);
  if (distribution.kind === "choice") {
    // Values of another space (a resumed sweep whose space was edited) are left out.
    const indices = values.flatMap((value) => {
      const index = typeof value === "string" ? distribution.values.indexOf(value) : -1;
      return index < 0 ? [] : [index];
    });
    return categoricalEstimator(distribution.values, indices);
  }
  const inside = values.filter(
    (value): value is number => typeof value === "number" && value >= distribution.low && value <= distribution.high,
  );
  return numericEstimator(numericScale(distribution), inside);
}

/**
 * The mixture's weights: a trial's kernel weighs 1, except that past 25 trials the older ones weigh less,
 * on a ramp from 1/n (Optuna's default_weights: recent trials were sampled from better estimators), and
 * the prior weighs PRIOR_WEIGHT. Normalised to sum 1.
 */
function mixtureWeights(n: number): number[] {
  const ramp = Math.max(0, n - 25);
  const weights = Array.from({ length: n }, (_, i) =>
    i >= ramp ? 1 : ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1),
  );
  weights.push(PRIOR_WEIGHT);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => weight / total);
}

/**
 * A choice's estimator (Optuna's categorical Parzen estimator): each trial's kernel puts 1 on its value
 * and PRIOR_WEIGHT / (n + 1) on every value, normalised; the prior kernel is uniform. So a value no trial
 * took keeps some probability, and l(x)/g(x) stays finite. Draws come from the mixture's probabilities
 * directly (the same distribution as drawing a kernel, then a value).
 */
function categoricalEstimator(choices: readonly string[], observed: readonly number[]): ParzenEstimator {
  const n = observed.length;
  const weights = mixtureWeights(n);
  const smoothing = PRIOR_WEIGHT / (n + 1);
  const probabilities = choices.map(() => weights[n]! / choices.length);
  const rowTotal = 1 + smoothing * choices.length;
  observed.forEach((index, k) => {
    choices.forEach((_, c) => (probabilities[c]! += (weights[k]! * (smoothing + (c === index ? 1 : 0))) / rowTotal));
  });
  return {
    sample: (rng) => choices[pick(probabilities, rng.uniform())]!,
    logDensity: (value) => Math.log(probabilities[choices.indexOf(value as string)]!),
  };
}

/**
 * A numeric parameter's estimator (Optuna's numerical Parzen estimator) on the parameter's scale (its
 * logarithm for log distributions): a Gaussian kernel at each trial's value, truncated to the scale's
 * bounds, whose bandwidth is the larger distance to its neighbours among the values and the bounds (the
 * lowest and highest values: to their inner neighbour only, Optuna's consider_endpoints=False), clipped to
 * [range / min(100, n + 2), range] (hyperopt's "magic clip", so a cluster of trials does not collapse into
 * spikes); and a prior kernel at the middle with the whole range as bandwidth. An int_range's value weighs
 * the kernels' mass on its interval of the scale, a continuous value their density at its point.
 */
function numericEstimator(scale: NumericScale, observed: readonly number[]): ParzenEstimator {
  const range = scale.high - scale.low;
  const mus = observed.map((value) => scale.at(value));
  const sigmas = bandwidths(mus, scale.low, scale.high).map((sigma) =>
    Math.min(range, Math.max(range / Math.min(100, mus.length + 2), sigma)),
  );
  mus.push((scale.low + scale.high) / 2);
  sigmas.push(range);
  const weights = mixtureWeights(observed.length);
  // Each kernel's mass inside the bounds, which its truncated density is divided by.
  const logInside = mus.map((mu, k) => logNormalMass((scale.low - mu) / sigmas[k]!, (scale.high - mu) / sigmas[k]!));
  return {
    sample: (rng) => {
      const k = pick(weights, rng.uniform());
      return scale.valueAt(truncatedNormal(rng, mus[k]!, sigmas[k]!, scale.low, scale.high));
    },
    logDensity: (value) => {
      const interval = scale.interval(value as number);
      const x = scale.at(value as number);
      return logSumExp(
        mus.map((mu, k) => {
          const sigma = sigmas[k]!;
          const logKernel =
            interval === null
              ? -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - LOG_SQRT_2PI
              : logNormalMass((interval[0] - mu) / sigma, (interval[1] - mu) / sigma);
          return Math.log(weights[k]!) + logKernel - logInside[k]!;
        }),
      );
    },
  };
}

/** Optuna's bandwidths before clipping: the larger gap to a neighbour, the ends to their inner one. */
function bandwidths(mus: readonly number[], low: number, high: number): number[] {
  const order = mus.map((_, i) => i).sort((i, j) => mus[i]! - mus[j]!);
  const sorted = [low, ...order.map((i) => mus[i]!), high];
  const sigmas: number[] = new Array<number>(mus.length);
  order.forEach((index, position) => {
    const s = position + 1;
    const n = mus.length;
    if (n >= 2 && position === 0) sigmas[index] = sorted[2]! - sorted[1]!;
    else if (n >= 2 && position === n - 1) sigmas[index] = sorted[n]! - sorted[n - 1]!;
    else sigmas[index] = Math.max(sorted[s]! - sorted[s - 1]!, sorted[s + 1]! - sorted[s]!);
  });
  return sigmas;
}

/**
 * A normal draw kept within [low, high], by drawing again until one lands inside: kernels are centred
 * inside the bounds with a bandwidth at most the range, so each try lands inside with probability above 1/3
 * and 1000 tries all missing is not a thing that happens; the clamp only bounds the loop.
 */
function truncatedNormal(rng: SweepRng, mu: number, sigma: number, low: number, high: number): number {
  for (let i = 0; i < 1000; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, mu));
}

/** The index i where `u` (in [0, 1)) falls among the cumulative `probabilities`. */
function pick(probabilities: readonly number[], u: number): number {
  let cumulative = 0;
  for (let i = 0; i < probabilities.length; i++) {
    cumulative += probabilities[i]!;
    if (u < cumulative) return i;
  }
  return probabilities.length - 1;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function logSumExp(values: readonly number[]): number {
  const max = maxOf(values);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(values.reduce((sum, value) => sum + Math.exp(value - max), 0));
}

/**
 * log of the standard normal's mass on [a, b], accurate in the tails (as Optuna's _log_gauss_mass): an
 * interval wholly on one side of 0 is taken on the left side, where log Φ does not round to log 1.
 */
export function logNormalMass(a: number, b: number): number {
  if (b <= 0) return logDifference(logNormalCdf(b), logNormalCdf(a));
  if (a > 0) return logDifference(logNormalCdf(-a), logNormalCdf(-b));
  return Math.log1p(-Math.exp(logNormalCdf(a)) - Math.exp(logNormalCdf(-b)));
}

/** log(e^p - e^q) for p >= q. */
function logDifference(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

/** log Φ(z), the standard normal's cumulative distribution. */
function logNormalCdf(z: number): number {
  return Math.log(0.5) + logErfc(-z / Math.SQRT2);
}

const ERFCC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
];

/**
 * log erfc(x) by Numerical Recipes' erfcc (a Chebyshev fit with a relative error below 1.2e-7 for every
 * x), kept in log form so a far tail (erfc(30) is 1e-393) does not underflow to log 0.
 */
function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const fit = ERFCC.reduceRight((sum, c) => c + t * sum, 0);
  const logTail = Math.log(t) - z * z + fit;
  return x >= 0 ? logTail : Math.log(2 - Math.exp(logTail));
}
