/**
 * trials.jsonl as a resumed sweep reads it: every record is checked whole (a value the tables or the pruners
 * cannot take, a configuration key the sweep does not vary, a run outside `trial-N`), and a bad line is an
 * error that names it, never a record that crashes the report later.
 */
import { describe, expect, it } from "vitest";
import { readTrials } from "../src/runtime/sweep/trials-file.js";
import { scratchFolder } from "./helpers/runs.js";

const record = {
  trial: 1,
  config: { units: "8", "optimizer.learning_rate": 0.01 },
  state: "complete",
  objective: 0.5,
  bestEpoch: 2,
  epochs: [0.6, 0.5],
  params: 120,
  seconds: 1.5,
  started: "2026-01-01T00:00:00.000Z",
  finished: "2026-01-01T00:00:01.500Z",
  run: "trial-1",
};
const names = ["units", "optimizer.learning_rate"];

/** readTrials of a trials.jsonl holding `lines`. */
function read(...lines: string[]) {
  const { file } = scratchFolder("nnc-trials-");
  return readTrials(file("trials.jsonl", lines.map((l) => `${l}\n`).join("")), names);
}

const line = (changes: Record<string, unknown>) => JSON.stringify({ ...record, ...changes });

describe("readTrials", () => {
  it("reads good records, a NaN epoch (null in JSON) as NaN", async () => {
    const read2 = await read(line({}), line({ trial: 2, run: "trial-2", epochs: [null, 0.4], state: "pruned" }));
    expect(read2.records.map((r) => [r.trial, r.epochs])).toEqual([
      [1, [0.6, 0.5]],
      [2, [NaN, 0.4]],
    ]);
  });

  it.each([
    [
      line({ config: { units: "8" } }).replace('"units":"8"', '"optimizer.learning_rate":1e400'),
      "line 2: its config's 'optimizer.learning_rate' is not a value",
    ],
    [line({ config: { units: { a: 1 } } }), "line 2: its config's 'units' is not a value"],
    [line({ config: { depth: 2 } }), "line 2: its config sets 'depth', which the sweep does not vary"],
    [line({ objective: "0.5" }), "line 2: its objective"],
    [line({ epochs: [0.5, "x"] }), "line 2: its epochs"],
    [line({ state: "running" }), "line 2: its state"],
    [line({ trial: 0, run: "trial-0" }), "line 2: its trial"],
    [line({ run: "../../elsewhere" }), "line 2: its run is not trial-1"],
    [line({}), "line 2: trial 1 is recorded twice"],
    ["[1, 2]", "line 2: not a trial's record"],
    ["{", "line 2: not JSON"],
  ])("refuses a bad line: %s", async (bad, message) => {
    await expect(read(line({}), bad)).rejects.toThrow(message);
  });
});
