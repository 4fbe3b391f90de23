/**
 * planSweep's bound on rejected draws: a random search whose every draw is rejected gives up after 50 draws a
 * trial in a row, and never after more than 1,000 (each draw checks the whole spec), keeping the configured
 * spec's text only for the first rejection of each problem.
 */
import { describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { planSweep, rejectedDrawsAtMost, SpaceMostlyInvalid } from "../src/runtime/sweep/runner-plan.js";
import { scratchFolder } from "./helpers/runs.js";

/** A sweep whose every configuration breaks the budget; `trials` random trials. */
function rejectingSweep(trials: number) {
  const { file } = scratchFolder("nnc-sweep-plan-");
  file("d.csv", "a,b,y\n1,2,3\n");
  const spec = file(
    "plan.nn",
    `model Net(units = 4) {
  input x: [2]
  dense(units)
}

train Net {
  data: csv("d.csv", label: "y")
  loss: mse
  optimizer: adam
  batch_size: 4
  epochs: 1
}

sweep Net {
  space: { units: int_range(8, 64) }
  sampler: random(trials: ${trials})
  objective: minimize(loss)
  assert params < 13
}
`,
  );
  const checked = checkFile(spec);
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { spec, sweep: checked.program!.sweeps![0]! };
}

/** The SpaceMostlyInvalid planSweep throws. */
function givenUp(trials: number): SpaceMostlyInvalid {
  const { spec, sweep } = rejectingSweep(trials);
  try {
    planSweep(spec, sweep, { model: sweep.model });
  } catch (error) {
    if (error instanceof SpaceMostlyInvalid) return error;
    throw error;
  }
  throw new Error("planSweep did not give up");
}

describe("planSweep", () => {
  it("gives up after 50 rejected draws a trial, one rejection placed with the spec's text", () => {
    const error = givenUp(2);
    expect(error.drawn).toBe(100);
    expect(error.rejected.filter((r) => r.sources !== undefined)).toHaveLength(1);
  });

  it("gives up after 1,000 rejected draws however many trials are asked for", () => {
    expect(givenUp(21).drawn).toBe(rejectedDrawsAtMost);
  });
});
