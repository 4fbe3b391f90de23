/**
 * One finished trial of a sweep, as a line of `runs/<sweep>/trials.jsonl`: what the samplers, the pruners,
 * the tables, the picture and `best.nn` read. Plain JSON, so `pandas.read_json(path, lines=True)` reads it.
 */
import type { SweepConfiguration } from "../../compiler/ir/sweep.js";

export type TrialState = "complete" | "pruned" | "failed";

export interface TrialRecord {
  /** 1-based, in the order trials were sampled; the run folder is `trial-<trial>`. */
  readonly trial: number;
  readonly config: SweepConfiguration;
  readonly state: TrialState;
  /** The objective at the trial's best epoch; null when it failed before any epoch finished. */
  readonly objective: number | null;
  /** 1-based epoch of `objective`; null with it. */
  readonly bestEpoch: number | null;
  /** The objective after each epoch, in order (what the pruners compare). */
  readonly epochs: readonly number[];
  /** The model's parameter count under this configuration. */
  readonly params: number;
  /** Wall-clock seconds the trial's process ran (all of its attempts, when resumed). */
  readonly seconds: number;
  /** ISO 8601 times of the first start and of the end. */
  readonly started: string;
  readonly finished: string;
  /** The trial's run folder, relative to the sweep folder: `trial-3`. */
  readonly run: string;
  /** A failed trial's one-line reason. */
  readonly error?: string;
}
