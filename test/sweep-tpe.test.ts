/**
 * The TPE sampler: random until `startup` trials finished, failed trials ignored, draws within the space,
 * reproducible, concentrated where the good trials are, the direction honoured; and the statistical
 * test: on a known synthetic objective it beats random search over a fixed set of seeds.
 */
import { describe, expect, it } from "vitest";
import type { IrSweepParam, SweepConfiguration, SweepDistribution } from "../src/compiler/ir/sweep.js";
import type { Direction } from "../src/runtime/sweep/pruners.js";
import { trialRng } from "../src/runtime/sweep/rng.js";
import { randomConfiguration } from "../src/runtime/sweep/samplers.js";
import { goodTrials, logNormalMass, parzenEstimator, tpeConfiguration } from "../src/runtime/sweep/tpe.js";
import type { TrialRecord, TrialState } from "../src/runtime/sweep/trial-record.js";

const param = (name: string, distribution: SweepDistribution): IrSweepParam => ({
  name,
  distribution,
  location: { file: "sweep.nn", span: { start: 0, end: 0 } },
});

/** Four parameters of the four kinds, as a sweep over an MLP would have. */
const space: IrSweepParam[] = [
  param("depth", { kind: "int_range", low: 1, high: 8, step: 1, log: false }),
  param("optimizer.learning_rate", { kind: "log_uniform", low: 1e-5, high: 1e-1 }),
  param("rate", { kind: "uniform", low: 0, high: 0.8 }),
  param("activation", { kind: "choice", values: ["sigmoid", "tanh", "relu", "gelu"] }),
];

/** Smooth, with its optimum (0) inside the space: depth 5, learning rate 10^-2.5, rate 0.3, relu. */
function objective(config: SweepConfiguration): number {
  const activation = { sigmoid: 0.6, tanh: 0.3, relu: 0, gelu: 0.1 }[config["activation"] as string]!;
  return (
    (Math.log10(config["optimizer.learning_rate"] as number) + 2.5) ** 2 +
    (((config["depth"] as number) - 5) / 3) ** 2 +
    (((config["rate"] as number) - 0.3) / 0.4) ** 2 +
    activation
  );
}

function record(trial: number, config: SweepConfiguration, objective: number | null, state: TrialState = "complete") {
  const epochs = objective === null ? [] : [objective];
  return {
    trial,
    config,
    state,
    objective,
    bestEpoch: objective === null ? null : 1,
    epochs,
    params: 0,
    seconds: 0,
    started: "2026-01-01T00:00:00.000Z",
    finished: "2026-01-01T00:00:00.000Z",
    run: `trial-${trial}`,
  } satisfies TrialRecord;
}

/** A sequential sweep (parallel 1): each trial sampled from all those before it. Its best objective. */
function sweep(seed: number, sampler: "tpe" | "random", trials = 30, direction: Direction = "minimize") {
  const history: TrialRecord[] = [];
  const sign = direction === "minimize" ? 1 : -1;
  for (let trial = 1; trial <= trials; trial++) {
    const rng = trialRng(seed, trial);
    const config =
      sampler === "tpe"
        ? tpeConfiguration(space, history, rng, direction, { startup: 10 })
        : randomConfiguration(space, rng);
    history.push(record(trial, config, sign * objective(config)));
  }
  return { best: Math.min(...history.map((r) => sign * r.objective!)), history };
}

describe("tpeConfiguration", () => {
  const history = sweep(5, "tpe", 20).history;

  it("is random search until `startup` trials finished (failed ones do not count)", () => {
    const failed = [1, 2, 3].map((trial) => record(trial, {}, null, "failed"));
    const finished = history.slice(0, 9);
    expect(tpeConfiguration(space, [...finished, ...failed], trialRng(1, 12), "minimize", { startup: 10 })).toEqual(
      randomConfiguration(space, trialRng(1, 12)),
    );
    expect(tpeConfiguration(space, history.slice(0, 10), trialRng(1, 12), "minimize", { startup: 10 })).not.toEqual(
      randomConfiguration(space, trialRng(1, 12)),
    );
  });

  it("ignores failed trials and values from outside the space", () => {
    const noise = [
      record(21, { depth: 100, "optimizer.learning_rate": 5, rate: -1, activation: "swish" }, 0.001),
      record(22, history[0]!.config, null, "failed"),
    ];
    const draw = (extra: TrialRecord[]) =>
      tpeConfiguration(space, [...history, ...extra], trialRng(2, 23), "minimize", { startup: 10 });
    expect(draw(noise.slice(1))).toEqual(draw([]));
    // The out-of-space record still counts as a trial (n moves), but none of its values is a kernel.
    const config = draw(noise.slice(0, 1));
    expect(config["depth"]).toBeLessThanOrEqual(8);
    expect(config["activation"]).not.toBe("swish");
  });

  it("does not depend on the order of the history, ties between objectives included", () => {
    // 10 trials, 2 good: the best, and of trials 2 and 3 (tied) the earlier one.
    const tied = history.slice(0, 10).map((r, i) => record(r.trial, r.config, i === 0 ? 0.1 : i < 3 ? 0.5 : 1));
    const draw = (trials: TrialRecord[]) =>
      tpeConfiguration(space, trials, trialRng(8, 30), "minimize", { startup: 10 });
    expect(draw([...tied].reverse())).toEqual(draw(tied));
    expect(draw([tied[0]!, tied[2]!, tied[1]!, ...tied.slice(3)])).toEqual(draw(tied));
  });

  it("draws within the space, on the steps, with 4 significant digits, reproducibly", () => {
    for (let trial = 21; trial <= 60; trial++) {
      const config = tpeConfiguration(space, history, trialRng(3, trial), "minimize", { startup: 10 });
      expect(tpeConfiguration(space, history, trialRng(3, trial), "minimize", { startup: 10 })).toEqual(config);
      const depth = config["depth"] as number;
      expect(Number.isInteger(depth) && depth >= 1 && depth <= 8).toBe(true);
      const rate = config["optimizer.learning_rate"] as number;
      expect(rate >= 1e-5 && rate <= 1e-1 && Number(rate.toPrecision(4)) === rate).toBe(true);
      expect(["sigmoid", "tanh", "relu", "gelu"]).toContain(config["activation"]);
    }
  });

  it("draws near the good trials' values", () => {
    // 20 trials: the best ceil(0.15 * 20) = 3 are all relu, depth 6, learning rate about 1e-3, rate 0.2.
    const trials = Array.from({ length: 20 }, (_, i) => {
      const good = i % 7 === 3;
      const config = good
        ? { depth: 6, "optimizer.learning_rate": 1e-3 * (1 + i / 50), rate: 0.2, activation: "relu" }
        : randomConfiguration(space, trialRng(9, i + 1));
      return record(i + 1, config, good ? 0.01 * i : 1 + i);
    });
    const draws = Array.from({ length: 40 }, (_, i) =>
      tpeConfiguration(space, trials, trialRng(4, 100 + i), "minimize", { startup: 10 }),
    );
    const share = (test: (config: SweepConfiguration) => boolean) => draws.filter(test).length / draws.length;
    expect(share((config) => config["activation"] === "relu")).toBeGreaterThan(0.8);
    expect(share((config) => config["depth"] === 6)).toBeGreaterThan(0.6);
    const learningRate = (config: SweepConfiguration) => config["optimizer.learning_rate"] as number;
    // Random search would give 1/4, 1/8, 1/2 and 1/2; measured when written: 1, 1, 1 and 0.925.
    expect(share((config) => learningRate(config) > 1e-4 && learningRate(config) < 1e-2)).toBeGreaterThan(0.8);
    expect(share((config) => (config["rate"] as number) < 0.4)).toBeGreaterThan(0.75);
  });

  it("moves away from its own draws that the check rejected", () => {
    // The good trials sit at depth 6; the budget refused depth 6 and 7 (as `assert params < ...` refuses the
    // deepest models), so a redraw should seldom propose them again.
    const trials = Array.from({ length: 20 }, (_, i) => {
      const good = i % 7 === 3;
      const config = good
        ? { depth: 6, "optimizer.learning_rate": 1e-3, rate: 0.2, activation: "relu" }
        : randomConfiguration(space, trialRng(9, i + 1));
      return record(i + 1, config, good ? 0.01 * i : 1 + i);
    });
    const refused = Array.from({ length: 12 }, (_, i) => ({ ...trials[3]!.config, depth: 6 + (i % 2) }));
    const deep = (rejected: SweepConfiguration[]) =>
      Array.from({ length: 40 }, (_, i) =>
        tpeConfiguration(space, trials, trialRng(4, 100 + i), "minimize", { startup: 10, rejected }),
      ).filter((config) => (config["depth"] as number) >= 6).length;
    // Measured when written: 40 of 40 draws at depth 6 or 7 without the rejected draws, 0 with them.
    expect(deep([])).toBeGreaterThan(25);
    expect(deep(refused)).toBeLessThan(10);
  });

  it("maximizing the negated objective samples exactly what minimizing samples", () => {
    const minimized = sweep(6, "tpe", 25, "minimize").history.map((r) => r.config);
    const maximized = sweep(6, "tpe", 25, "maximize").history.map((r) => r.config);
    expect(maximized).toEqual(minimized);
  });

  it("ranks pruned trials after complete ones, as Optuna does", () => {
    // 10 trials: the 2 good ones are the complete trials, though a pruned trial has a better objective.
    const best = { depth: 2, "optimizer.learning_rate": 1e-4, rate: 0.7, activation: "tanh" };
    const pruned = { depth: 8, "optimizer.learning_rate": 0.05, rate: 0.05, activation: "gelu" };
    const trials = Array.from({ length: 10 }, (_, i) =>
      i < 2 ? record(i + 1, best, 1) : record(i + 1, pruned, i === 2 ? 0.1 : 2, i === 2 ? "pruned" : "complete"),
    );
    const draws = Array.from({ length: 20 }, (_, i) =>
      tpeConfiguration(space, trials, trialRng(7, i + 11), "minimize", { startup: 10 }),
    );
    expect(draws.filter((config) => config["activation"] === "tanh").length).toBeGreaterThan(15);
  });
});

describe("parzenEstimator", () => {
  // Log densities from Optuna 5.0.0's estimator with the TPESampler's defaults, computed with
  //   _ParzenEstimator({"x": observed}, {"x": distribution}, _ParzenEstimatorParameters(prior_weight=1.0,
  //     consider_magic_clip=True, consider_endpoints=False, weights=default_weights,
  //     multivariate=False)).log_pdf({"x": points})
  // (a choice's observed values and points are indices there). Ours differ by at most 5.1e-7, the error of
  // the erfc approximation; 2e-6 leaves room and still tells a wrong bandwidth or weight apart.
  const cases: {
    name: string;
    distribution: SweepDistribution;
    observed: unknown[];
    points: unknown[];
    expected: number[];
  }[] = [
    {
      name: "uniform, 4 trials",
      distribution: { kind: "uniform", low: 0, high: 0.8 },
      observed: [0.1, 0.35, 0.36, 0.7],
      points: [0, 0.2, 0.5, 0.8],
      expected: [0.040103879, 0.348149954, 0.271597349, -0.195635397],
    },
    {
      name: "log_uniform",
      distribution: { kind: "log_uniform", low: 1e-5, high: 1e-1 },
      observed: [1e-3, 2e-3, 5e-2],
      points: [1e-5, 1e-3, 1e-2],
      expected: [-3.256732579, -1.933063667, -2.023530309],
    },
    {
      name: "int_range with a step",
      distribution: { kind: "int_range", low: 2, high: 20, step: 3, log: false },
      observed: [5, 14],
      points: [2, 5, 8, 20],
      expected: [-2.012116158, -1.887684801, -1.826584459, -2.201838612],
    },
    {
      name: "int_range, log",
      distribution: { kind: "int_range", low: 1, high: 64, step: 1, log: true },
      observed: [4, 8, 32],
      points: [1, 4, 5, 64],
      expected: [-2.123420053, -2.725795564, -2.908186792, -5.951648267],
    },
    {
      name: "one trial",
      distribution: { kind: "uniform", low: 0, high: 1 },
      observed: [0.9],
      points: [0.1, 0.9],
      expected: [-0.141474798, 0.054177612],
    },
    {
      name: "two trials: the ends' bandwidths from their inner neighbour only",
      distribution: { kind: "uniform", low: 0, high: 1 },
      observed: [0.1, 0.2],
      points: [0, 0.15, 0.6, 1],
      expected: [0.435889995, 0.579115408, -0.441271392, -1.165546785],
    },
    {
      name: "no trial: the prior alone",
      distribution: { kind: "uniform", low: 0, high: 1 },
      observed: [],
      points: [0.1, 0.5],
      expected: [-0.0390222, 0.0409778],
    },
    {
      name: "30 trials: past 25 the older ones weigh less",
      distribution: { kind: "uniform", low: 0, high: 1 },
      observed: Array.from({ length: 30 }, (_, i) => Math.round((((i + 1) * 0.37) % 1) * 100) / 100),
      points: [0.05, 0.5, 0.95],
      expected: [-0.059462641, -0.074359714, 0.105102487],
    },
    {
      name: "choice",
      distribution: { kind: "choice", values: ["a", "b", "c", "d"] },
      observed: ["c", "c", "a"],
      points: ["a", "b", "c", "d"],
      expected: [-1.268511325, -1.85629799, -0.900786545, -1.85629799],
    },
  ];

  it.each(cases)("matches Optuna's log densities: $name", ({ distribution, observed, points, expected }) => {
    const trials = observed.map((value, i) => record(i + 1, { x: value as number | string }, 0));
    const estimator = parzenEstimator(param("x", distribution), trials);
    const differences = points.map((point, i) =>
      Math.abs(estimator.logDensity(point as number | string) - expected[i]!),
    );
    expect(Math.max(...differences)).toBeLessThan(2e-6);
  });
});

describe("TPE against random search", () => {
  it("finds a better configuration on a known synthetic objective for most of a fixed set of seeds", () => {
    // 40 seeds, 30 trials each, startup 10, sequential. Both samplers draw from the same per-trial streams,
    // so the first 10 trials are the same and only the sampler differs. Measured when written: TPE better in
    // 34 of 40 seeds (tied in 2, where a startup trial stayed the best), mean best objective 0.214 against
    // random's 0.494; over 200 seeds, better in 166. The bounds leave a wide margin: 28 of 40 and 60 %.
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const results = seeds.map((seed) => ({ tpe: sweep(seed, "tpe").best, random: sweep(seed, "random").best }));
    const wins = results.filter((result) => result.tpe < result.random).length;
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const meanTpe = mean(results.map((result) => result.tpe));
    const meanRandom = mean(results.map((result) => result.random));
    expect(wins).toBeGreaterThanOrEqual(28);
    expect(meanTpe).toBeLessThan(0.6 * meanRandom);
  });
});

describe("goodTrials and logNormalMass", () => {
  it("takes ceil(0.15 n) good trials, at most 25", () => {
    expect([1, 10, 20, 30, 100, 1000].map(goodTrials)).toEqual([1, 2, 3, 5, 15, 25]);
  });

  it("computes a normal's log mass on an interval, in the far tails too", () => {
    expect(Math.exp(logNormalMass(-1, 1))).toBeCloseTo(0.682689492, 6);
    expect(Math.exp(logNormalMass(1, 2))).toBeCloseTo(0.135905122, 6);
    // log Φ(-39) is -765.08 (-z²/2 - log(z) - log(sqrt(2π)) to first order); the mass in [-40, -39] is
    // nearly all of it, and the right tail mirrors the left.
    expect(logNormalMass(-40, -39)).toBeCloseTo(-765.08, 1);
    expect(logNormalMass(39, 40)).toBe(logNormalMass(-40, -39));
  });
});
