/**
 * Pruning thresholds from hand-made finished trials: the median pruner's warmup, min_trials and median of
 * complete trials (as Optuna's MedianPruner), ASHA's rungs and their k-th best values (as Optuna's
 * SuccessiveHalvingPruner), both directions, and the stop decision a trial's process makes from them.
 */
import { describe, expect, it } from "vitest";
import type { TrialRecord, TrialState } from "../src/runtime/sweep/trial-record.js";
import { isPruned, pruneThresholds } from "../src/runtime/sweep/pruners.js";
import { bestOf } from "../src/runtime/sweep/report-format.js";

let trials = 0;
function trial(epochs: number[], state: TrialState = "complete"): TrialRecord {
  trials += 1;
  const finite = epochs.filter(Number.isFinite);
  const objective = finite.length === 0 ? null : Math.min(...finite);
  return {
    trial: trials,
    config: {},
    state,
    objective,
    bestEpoch: objective === null ? null : epochs.indexOf(objective) + 1,
    epochs,
    params: 100,
    seconds: 1,
    started: "2026-01-01T00:00:00.000Z",
    finished: "2026-01-01T00:00:01.000Z",
    run: `trial-${trials}`,
  };
}

const median = (warmupEpochs: number, minTrials: number) => ({ kind: "median", warmupEpochs, minTrials }) as const;
const asha = (minEpochs: number, reduction: number) => ({ kind: "asha", minEpochs, reduction }) as const;

describe("pruneThresholds: none", () => {
  it("never stops a trial", () => {
    expect(pruneThresholds({ kind: "none" }, "minimize", [trial([1, 0.5])], 3)).toEqual([null, null, null]);
  });
});

describe("pruneThresholds: median", () => {
  const finished = [
    trial([1.0, 0.8, 0.6, 0.5]),
    trial([0.9, 0.7, 0.5, 0.4]),
    trial([1.2, 1.0, 0.9]), // complete after 3 epochs (early stopping)
    trial([0.6, 0.3], "pruned"),
    trial([0.1], "failed"),
  ];

  it("is the median of the complete trials' values at each epoch, pruned and failed ones left out", () => {
    expect(pruneThresholds(median(0, 1), "minimize", finished, 4)).toEqual([1.0, 0.8, 0.6, 0.45]);
  });

  it("starts after the warmup epochs", () => {
    expect(pruneThresholds(median(2, 1), "minimize", finished, 4)).toEqual([null, null, 0.6, 0.45]);
  });

  it("waits for min_trials complete trials at that epoch", () => {
    expect(pruneThresholds(median(0, 3), "minimize", finished, 4)).toEqual([1.0, 0.8, 0.6, null]);
    expect(pruneThresholds(median(0, 4), "minimize", finished, 4)).toEqual([null, null, null, null]);
    expect(pruneThresholds(median(1, 3), "minimize", [], 2)).toEqual([null, null]);
  });

  it("is the same median when maximizing; the comparison turns around", () => {
    const accuracies = [trial([0.5, 0.7]), trial([0.6, 0.8]), trial([0.4, 0.9])];
    const thresholds = pruneThresholds(median(0, 1), "maximize", accuracies, 2);
    expect(thresholds).toEqual([0.5, 0.8]);
    expect(isPruned(thresholds, 1, 0.45, "maximize")).toBe(true);
    expect(isPruned(thresholds, 1, 0.5, "maximize")).toBe(false);
    expect(isPruned(thresholds, 2, 0.85, "maximize")).toBe(false);
  });

  it("leaves out values that are not numbers (NaN written to JSON reads back as null)", () => {
    const diverged = trial(JSON.parse("[null, 2]") as number[]);
    expect(pruneThresholds(median(0, 1), "minimize", [trial([1, 0.5]), diverged], 2)).toEqual([1, 1.25]);
  });
});

describe("pruneThresholds: asha", () => {
  it("stands at the rungs min_epochs * reduction^k before the last epoch only", () => {
    const long = Array.from({ length: 20 }, (_, i) => trial([...Array(20).keys()].map((e) => 10 - e / 10 - i)));
    const thresholds = pruneThresholds(asha(1, 3), "minimize", long, 20);
    const rungs = thresholds.flatMap((threshold, i) => (threshold === null ? [] : [i + 1]));
    expect(rungs).toEqual([1, 3, 9]);
    expect(pruneThresholds(asha(2, 2), "minimize", long, 8).flatMap((t, i) => (t === null ? [] : [i + 1]))).toEqual([
      2, 4,
    ]);
  });

  it("keeps the best 1/reduction of the trials at a rung with the new one: the k-th best other is the bar", () => {
    // Values at epoch 1 (rung 1): 5 finished trials, complete or pruned; with the new trial 6 reach the rung,
    // and the best floor(6 / 3) = 2 go on: the new trial must be at least as good as the second best other.
    const finished = [
      trial([0.9, 0.5, 0.4]),
      trial([0.3, 0.2, 0.1]),
      trial([0.7], "pruned"),
      trial([0.5, 0.45, 0.44]),
      trial([0.8], "pruned"),
      trial([0.05], "failed"),
    ];
    const thresholds = pruneThresholds(asha(1, 3), "minimize", finished, 4);
    expect(thresholds[0]).toBe(0.5);
    // At rung 3, three trials reached it: floor(4 / 3) = 1 goes on, so the new trial must beat the best.
    expect(thresholds[2]).toBe(0.1);
    expect(thresholds[1]).toBeNull();
    expect(thresholds[3]).toBeNull();
    expect(isPruned(thresholds, 1, 0.5, "minimize")).toBe(false);
    expect(isPruned(thresholds, 1, 0.51, "minimize")).toBe(true);
  });

  it("goes on only when best against the first few trials (at least one goes on), none before any", () => {
    expect(pruneThresholds(asha(1, 3), "minimize", [], 3)).toEqual([null, null, null]);
    expect(pruneThresholds(asha(1, 3), "minimize", [trial([0.4, 0.3, 0.2])], 3)).toEqual([0.4, null, null]);
  });

  it("ranks each trial by its best value up to the rung; when maximizing the k-th highest", () => {
    const finished = [trial([0.6, 0.5, 0.9]), trial([0.2, 0.7]), trial([0.4, 0.65], "pruned"), trial([0.3])];
    // At rung 2, three trials reached it: best-so-far 0.6, 0.7, 0.65; floor(4 / 2) = 2: the second highest.
    const thresholds = pruneThresholds(asha(2, 2), "maximize", finished, 3);
    expect(thresholds).toEqual([null, 0.65, null]);
    expect(isPruned(thresholds, 2, 0.64, "maximize")).toBe(true);
    expect(isPruned(thresholds, 2, 0.65, "maximize")).toBe(false);
  });
});

describe("isPruned", () => {
  it("stops a trial worse than the epoch's threshold, never where there is none", () => {
    const thresholds = [null, 0.5];
    expect(isPruned(thresholds, 1, 100, "minimize")).toBe(false);
    expect(isPruned(thresholds, 2, 0.6, "minimize")).toBe(true);
    expect(isPruned(thresholds, 2, 0.5, "minimize")).toBe(false);
    expect(isPruned(thresholds, 3, 100, "minimize")).toBe(false);
    // No figure yet that is a number (every epoch's loss NaN): pruned where a threshold stands.
    expect(isPruned(thresholds, 2, null, "minimize")).toBe(true);
    expect(isPruned(thresholds, 1, null, "minimize")).toBe(false);
  });

  it("compares the best value so far, as Optuna's MedianPruner does", () => {
    expect(bestOf("minimize", [0.9, 0.4, 0.6])).toBe(0.4);
    expect(bestOf("maximize", [0.9, 0.4, NaN])).toBe(0.9);
    // Not finite is not a figure (a loss of Infinity; JSON writes it as null): left out, as NaN is.
    expect(bestOf("minimize", [Infinity, 0.7, -Infinity])).toBe(0.7);
    expect(bestOf("minimize", [NaN, Infinity])).toBeNull();
  });
});
