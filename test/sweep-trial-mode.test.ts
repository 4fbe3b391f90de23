/**
 * prunedAt: the epoch a trial's process stops at for its thresholds, decided one epoch at a time from its best
 * objective so far, as the trial's epoch hook decides it while it trains.
 */
import { describe, expect, it } from "vitest";
import { prunedAt, type TrialSettings } from "../src/runtime/sweep/trial-mode.js";

const settings = (thresholds: (number | null)[], direction: TrialSettings["direction"] = "minimize") => ({
  metric: "val_loss",
  direction,
  thresholds,
});

describe("prunedAt", () => {
  it("stops at the first epoch whose best objective so far is worse than that epoch's threshold", () => {
    expect(prunedAt(settings([null, 0.5, 0.4]), [0.6, 0.55, 0.3])).toBe(2);
    // Epoch 2's 0.7 is worse, but the best so far (0.45) is what is compared.
    expect(prunedAt(settings([null, 0.5, 0.4]), [0.45, 0.7, 0.41])).toBe(3);
    expect(prunedAt(settings([0.5, 0.55], "maximize"), [0.55, 0.58])).toBeNull();
    expect(prunedAt(settings([null, 0.6], "maximize"), [0.55, 0.58])).toBe(2);
  });

  it("stops a trial whose objective is not a number where a threshold stands", () => {
    expect(prunedAt(settings([null, 1]), [NaN, NaN])).toBe(2);
    expect(prunedAt(settings([null, 1]), [0.5, NaN])).toBeNull();
  });

  it("reads a history of 100,000 epochs in one pass", () => {
    const epochs = 100_000;
    const objectives = Array.from({ length: epochs }, (_, i) => 1 / (i + 1));
    const thresholds = objectives.map((o, i) => (i === epochs - 1 ? o / 2 : o));
    expect(prunedAt(settings(thresholds), objectives)).toBe(epochs);
  });
});
