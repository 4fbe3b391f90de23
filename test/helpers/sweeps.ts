/**
 * Sweeps for the tests of `nnc sweep`: a tiny iris spec with a sweep block, in a scratch folder with its data,
 * and the trials.jsonl a sweep wrote.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TrialRecord } from "../../src/runtime/sweep/trial-record.js";
import { repo } from "./cli.js";
import { scratchFolder } from "./runs.js";

/** An iris model with `units` and a reshape to `[side, side]` (only side 2 fits its 4 values), and `sweep`. */
export function irisSpec(sweep: string, epochs = 3): string {
  return `model Iris(units = 16, side = 2) {
  input measurements: [4]
  dense(units, activation: relu)
  dense(4)
  reshape([side, side])
  flatten()
  dense(3, activation: softmax)
}

train Iris {
  data: csv("iris.csv", label: "species")
  loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.01)
  batch_size: 16
  epochs: ${epochs}
  validation_split: 0.2
}

sweep Iris {
${sweep}
  objective: minimize(val_loss)
}
`;
}

/** A scratch folder holding iris.csv and `spec` as sweep.nn; returns the folder. */
export function sweepFolder(spec: string): string {
  const { dir, file } = scratchFolder("nnc-sweep-");
  file("iris.csv", readFileSync(join(repo, "examples", "data", "iris.csv")));
  file("sweep.nn", spec);
  return dir;
}

/** trials.jsonl of the sweep folder `dir`, by trial. */
export function trials(dir: string): TrialRecord[] {
  const lines = readFileSync(join(dir, "trials.jsonl"), "utf8").trim().split("\n");
  return lines.map((line) => JSON.parse(line) as TrialRecord).sort((a, b) => a.trial - b.trial);
}
