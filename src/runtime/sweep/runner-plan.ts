/**
 * The configurations of a sweep's trials, each checked before it trains (compiler/sweep's checkConfiguration:
 * the spec with the configuration's values set, and the budgets). A grid's are all checked before any trial
 * starts; `random(trials: N)` draws and checks all N up front, drawing a rejected trial's configuration again
 * from its stream; `tpe` draws each trial's when it starts, from the trials finished before it (see
 * runner.ts), drawing again while rejected. Draws are bounded: after 50 times the trials planned rejected in a
 * row, at most 1,000 (each draw is a check of the whole spec), the space is mostly invalid and the sweep stops
 * with NN4080 (`SpaceMostlyInvalid`).
 */
import { checkConfiguration, type ConfigurationCheck, type Rejected } from "../../compiler/sweep/index.js";
import type { IrSweep, SweepConfiguration } from "../../compiler/ir/sweep.js";
import { trialRng, type SweepRng } from "./rng.js";
import { gridConfigurations, randomConfiguration } from "./samplers.js";
import { tpeConfiguration } from "./tpe.js";
import type { TrialRecord } from "./trial-record.js";
import type { PlannedTrial } from "./runner.js";

/** Rejected draws in a row, per trial planned, after which a sampled sweep gives up... */
export const rejectedDrawsPerTrial = 50;
/** ...and at most this many, whatever the trials: 10,000 trials must not mean 500,000 checks before giving up. */
export const rejectedDrawsAtMost = 1000;

/** The rejected draws in a row after which a sweep of `trials` trials gives up. */
export function rejectedDrawsLimit(trials: number): number {
  return Math.min(rejectedDrawsPerTrial * trials, rejectedDrawsAtMost);
}

/** The space rejected every configuration of a grid, or too many draws in a row. */
export class SpaceMostlyInvalid extends Error {
  constructor(
    /** Configurations rejected: the grid's size, or the draws rejected in a row. */
    readonly drawn: number,
    readonly rejected: readonly Rejected[],
  ) {
    super(`rejected ${drawn} configurations`);
  }
}

export interface SweepPlan {
  /** Trials planned in all. */
  readonly total: number;
  /** Trial `trial`'s configuration, from the records of trials 1..trial-parallel; throws SpaceMostlyInvalid. */
  plan(trial: number, finished: readonly TrialRecord[]): PlannedTrial | null;
  /** Configurations rejected so far, each once. */
  readonly rejected: readonly Rejected[];
  /**
   * Set when a tpe draw gave up (too many rejected draws in a row): `plan` then returns null, so the sweep
   * starts no more trials and reports this once the running ones end.
   */
  readonly exhausted?: SpaceMostlyInvalid | undefined;
}

/**
 * The plan of `sweep` in `file`; for a grid and random search every trial's configuration is made and checked
 * now (throws SpaceMostlyInvalid when none or too few pass).
 */
export function planSweep(
  file: string,
  sweep: IrSweep,
  options: Parameters<typeof checkConfiguration>[3],
  /** Told a grid's size before its configurations are checked (that may take minutes). */
  onGrid: (configurations: number) => void = () => {},
): SweepPlan {
  const checked = new Map<string, Omit<PlannedTrial, "trial" | "config"> | null>();
  const rejected: Rejected[] = [];
  let inARow = 0;
  // A rejection's `sources` (the whole configured spec) only place its group (groupRejections): kept for the
  // first rejection of each problem, so thousands of rejected draws do not keep thousands of copies of the spec.
  const placed = new Set<string>();
  const firstOfItsGroup = (check: ConfigurationCheck): Pick<Rejected, "sources"> => {
    const first = check.diagnostics.find((d) => d.severity === "error") ?? check.diagnostics[0];
    const key = first && `${first.code} ${first.file} ${first.span.start}-${first.span.end}`;
    if (key === undefined || placed.has(key)) return {};
    placed.add(key);
    return { sources: check.sources };
  };
  /** The configuration's parameter count and epochs when it passes its check, null when rejected. */
  const accept = (config: SweepConfiguration): Omit<PlannedTrial, "trial" | "config"> | null => {
    const key = JSON.stringify(config);
    let result = checked.get(key);
    if (result === undefined) {
      const check = checkConfiguration(file, sweep, config, options);
      result = check.rejected || check.epochs === null ? null : { params: check.params ?? 0, epochs: check.epochs };
      checked.set(key, result);
      if (result === null) rejected.push({ config, diagnostics: check.diagnostics, ...firstOfItsGroup(check) });
    }
    return result;
  };
  /** Draws until a configuration passes; `next` is given this trial's draws rejected so far. */
  const draw = (
    trial: number,
    next: (rng: SweepRng, refused: readonly SweepConfiguration[]) => SweepConfiguration,
    total: number,
  ): PlannedTrial => {
    const rng = trialRng(sweep.seed, trial);
    const refused: SweepConfiguration[] = [];
    for (;;) {
      const config = next(rng, refused);
      const accepted = accept(config);
      if (accepted !== null) {
        inARow = 0;
        return { trial, config, ...accepted };
      }
      refused.push(config);
      if (++inARow >= rejectedDrawsLimit(total)) throw new SpaceMostlyInvalid(inARow, rejected);
    }
  };
  const { sampler } = sweep;
  switch (sampler.kind) {
    case "grid": {
      const all = gridConfigurations(sweep.params);
      onGrid(all.length);
      const planned = all.flatMap((config) => {
        const accepted = accept(config);
        return accepted === null ? [] : [{ config, ...accepted }];
      });
      if (planned.length === 0) throw new SpaceMostlyInvalid(all.length, rejected);
      return {
        total: planned.length,
        plan: (trial) => (planned[trial - 1] ? { trial, ...planned[trial - 1]! } : null),
        rejected,
      };
    }
    case "random": {
      const planned = Array.from({ length: sampler.trials }, (_, i) =>
        draw(i + 1, (rng) => randomConfiguration(sweep.params, rng), sampler.trials),
      );
      return { total: planned.length, plan: (trial) => planned[trial - 1] ?? null, rejected };
    }
    case "tpe": {
      const { direction } = sweep.objective;
      const tpe: { -readonly [K in keyof SweepPlan]: SweepPlan[K] } = {
        total: sampler.trials,
        rejected,
        plan: (trial, finished) => {
          if (tpe.exhausted) return null;
          try {
            return draw(
              trial,
              (rng, refused) =>
                tpeConfiguration(sweep.params, finished, rng, direction, {
                  startup: sampler.startup,
                  rejected: refused,
                }),
              sampler.trials,
            );
          } catch (error) {
            if (!(error instanceof SpaceMostlyInvalid)) throw error;
            tpe.exhausted = error;
            return null;
          }
        },
      };
      return tpe;
    }
  }
}
