/**
 * A checked sweep and made-up trial records for the tests of the sweep's tables, picture and best.nn: a small
 * classifier over iris's four measurements whose sweep varies a choice, an int_range, a uniform and a
 * log_uniform parameter.
 */
import type { IrSweep } from "../../src/compiler/ir/sweep.js";
import { checkSource } from "../../src/compiler/index.js";
import type { TrialRecord, TrialState } from "../../src/runtime/sweep/trial-record.js";

/** The spec; its data path is relative, `data/iris.csv` beside it. */
export const sweepSpec = `model Net(units = 16, depth = 1, rate = 0.1) {
  input x: [4]
  repeat depth {
    dense(units, activation: relu)
  }
  dropout(rate)
  dense(3, activation: softmax)
}

train Net {
  data: csv("data/iris.csv", label: "species")
  loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.01)
  epochs: 4
  batch_size: 16
  validation_split: 0.2
}

// The search.
sweep Net {
  space: {
    units: choice([8, 16, 32]),
    depth: int_range(1, 3),
    rate: uniform(0.0, 0.5),
    "optimizer.learning_rate": log_uniform(1e-4, 1e-2),
  }
  objective: minimize(val_loss)
  sampler: random(trials: 20)
  seed: 1
}
`;

/** The spec's sweep, as the checker makes it (data is not read: only the sweep's IR is used). */
export function sweepOf(text: string = sweepSpec, file = "/project/net.nn"): IrSweep {
  const checked = checkSource(text, file);
  const sweep = checked.program?.sweeps?.[0];
  if (!sweep) throw new Error(`no sweep: ${checked.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  return sweep;
}

/** A finished trial; `epochs` are its objective after each epoch (the best one is its objective). */
export function record(
  trial: number,
  config: TrialRecord["config"],
  state: TrialState,
  epochs: readonly number[],
  extra: Partial<TrialRecord> = {},
): TrialRecord {
  const best = epochs.length ? Math.min(...epochs) : null;
  return {
    trial,
    config,
    state,
    objective: best,
    bestEpoch: best === null ? null : epochs.indexOf(best) + 1,
    epochs,
    params: 100 + trial,
    seconds: 10 + trial,
    started: `2026-12-06T10:${String(trial).padStart(2, "0")}:00.000Z`,
    finished: `2026-12-06T11:${String(trial).padStart(2, "0")}:00.000Z`,
    run: `trial-${trial}`,
    ...extra,
  };
}

/** `count` trials of made-up, deterministic figures: some pruned, trial 6 failed. */
export function madeUpRecords(count = 20): TrialRecord[] {
  let seed = 7;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: count }, (_, i) => {
    const trial = i + 1;
    const units = ["8", "16", "32"][Math.floor(next() * 3)]!;
    const depth = 1 + Math.floor(next() * 3);
    const rate = next() * 0.5;
    const rate2 = 10 ** (-4 + 2 * next());
    const base = 0.3 + Math.abs(Math.log10(rate2) + 2.7) * 0.15 + rate * 0.2 + next() * 0.05;
    const state: TrialState = trial === 6 ? "failed" : trial > 5 && next() < 0.35 ? "pruned" : "complete";
    const length = state === "complete" ? 4 : state === "pruned" ? 1 + Math.floor(next() * 2) : 0;
    const epochs = Array.from({ length }, (_, e) => base + 0.4 / (e + 1));
    const config = { units, depth, rate, "optimizer.learning_rate": rate2 };
    return record(trial, config, state, epochs, state === "failed" ? { error: "NN4009 the loss became NaN" } : {});
  });
}
