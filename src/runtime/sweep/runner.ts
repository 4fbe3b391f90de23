/**
 * The scheduler of `nnc sweep`: runs the trials of a sweep as processes (trial-process.ts), `parallel` at a
 * time, records each finished one in the sweep folder (sweep-folder.ts), and on a resume first finishes what
 * a stopped sweep left: trials whose run ended meanwhile are recorded from their run folder, trials stopped
 * mid-run continue with `nnc train --resume`.
 *
 * Trial N starts only once trials 1..N-parallel have all finished, and what it is given (its configuration,
 * for tpe, and its pruning thresholds) is computed from those trials' records only. At most parallel - 1
 * other trials are running then (N-parallel+1..N-1), so the rule costs little waiting, and it makes a seeded
 * sweep reproducible with parallel > 1: which trials happen to finish first never changes what trial N
 * samples or when it is pruned. (Taking "every trial finished so far" instead would make both depend on the
 * processes' timing.)
 */
import { existsSync, promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import type { IrSweep } from "../../compiler/ir/sweep.js";
import { markerFile, resumeLatest, runFolders, savedRunFiles } from "../../compiler/registry/run-files.js";
import { pruneThresholds } from "./pruners.js";
import { bestOf } from "./report-format.js";
import type { StartedTrial, SweepFolder } from "./sweep-folder.js";
import { prunedAt, type TrialMessage, type TrialSettings } from "./trial-mode.js";
import { startTrial, type TrialExit, type TrialProcess } from "./trial-process.js";
import type { TrialRecord } from "./trial-record.js";
import { maxOf } from "../../compiler/base/arrays.js";

/** A trial about to start: its number, configuration, and the parameter count and epochs its check found. */
export type PlannedTrial = Pick<StartedTrial, "trial" | "config" | "params" | "epochs">;

/** What happens, for the live table. */
export type RunnerEvent =
  | { readonly kind: "started"; readonly trial: StartedTrial; readonly resumed: boolean }
  | { readonly kind: "epoch"; readonly trial: number; readonly epoch: number; readonly objective: number }
  | { readonly kind: "finished"; readonly record: TrialRecord }
  | { readonly kind: "stopped"; readonly trial: number };

export interface RunnerOptions {
  readonly sweep: IrSweep;
  readonly folder: SweepFolder;
  /** Trials planned in all; `plan` may end the sweep sooner by returning null. */
  readonly total: number;
  /** Trials at once. */
  readonly parallel: number;
  /** Trial `trial`'s configuration, from the records of trials 1..trial-parallel (`finished`). */
  readonly plan: (trial: number, finished: readonly TrialRecord[]) => PlannedTrial | null;
  /** How to run a trial's `nnc train`: the spec, its `--set` arguments for `config`, the options passed through. */
  readonly command: (trial: PlannedTrial) => { file: string; overrides: string[]; extra: string[] };
  readonly onEvent: (event: RunnerEvent) => void;
  /** Aborted: start no more trials, ask the running ones to stop and save, and return once they have. */
  readonly signal: AbortSignal;
}

interface Running {
  readonly trial: StartedTrial;
  readonly process: TrialProcess;
  readonly settings: TrialSettings;
  pruned: boolean;
}

/** Runs the sweep's trials until all planned ones finished or `signal` stops it. */
export async function runTrials(options: RunnerOptions): Promise<void> {
  const { folder, parallel, signal } = options;
  const recorded = (trial: number) => folder.records.some((r) => r.trial === trial);
  const finishedUpTo = (last: number) =>
    folder.records.filter((r) => r.trial <= last).sort((a, b) => a.trial - b.trial);
  const ready = (trial: number) => {
    for (let t = 1; t <= trial - parallel; t++) if (!recorded(t)) return false;
    return true;
  };
  const running = new Map<number, Running>();
  const settingsFor = ({ trial, epochs }: PlannedTrial): TrialSettings => ({
    metric: options.sweep.objective.metric,
    direction: options.sweep.objective.direction,
    thresholds: pruneThresholds(
      options.sweep.pruner,
      options.sweep.objective.direction,
      finishedUpTo(trial - parallel),
      epochs,
    ),
  });
  const launch = async (trial: StartedTrial, resume: boolean) => {
    const settings = settingsFor(trial);
    const out = path.join(folder.dir, trial.run);
    const command = options.command(trial);
    const taken = await notNncsTrialFolder(out);
    if (taken !== null) return record(trial, settings, trial.seconds, taken);
    // A trial stopped before its first checkpoint starts again in the folder nnc made for it (its marker).
    const again = !resume && existsSync(out) ? ["--overwrite"] : [];
    const entry: Running = {
      trial,
      settings,
      pruned: false,
      process: startTrial({ ...command, extra: [...command.extra, ...again], out, resume, settings }, (message) =>
        onMessage(trial.trial, message),
      ),
    };
    running.set(trial.trial, entry);
    await folder.started({ ...trial, pid: entry.process.pid });
    options.onEvent({ kind: "started", trial, resumed: resume });
  };
  const onMessage = (trial: number, message: TrialMessage) => {
    const entry = running.get(trial);
    if (message.kind === "pruned" && entry) entry.pruned = true;
    if (message.kind === "epoch") {
      const objective = message.figures[options.sweep.objective.metric] ?? NaN;
      options.onEvent({ kind: "epoch", trial, epoch: message.epoch, objective });
    }
  };
  const ended = async (entry: Running, exit: TrialExit) => {
    running.delete(entry.trial.trial);
    const seconds = entry.trial.seconds + exit.seconds;
    // Stopped by the user: by nnc train's own Ctrl-C exit, or by the signal itself when the trial was still
    // loading (before its handler was installed). Either way it is resumable, not failed.
    if (signal.aborted && (exit.code === 130 || exit.signal === "SIGINT")) {
      await folder.stopped(entry.trial.trial, seconds);
      options.onEvent({ kind: "stopped", trial: entry.trial.trial });
      return;
    }
    const failure = exit.code === 0 ? null : (exit.lastError ?? `its process ended with ${exit.signal ?? exit.code}`);
    await record(entry.trial, entry.settings, seconds, failure);
  };
  const record = async (trial: StartedTrial, settings: TrialSettings, seconds: number, failure: string | null) => {
    const result = trialRecord(options.sweep, trial, settings, path.join(folder.dir, trial.run), seconds, failure);
    await folder.finish(result);
    options.onEvent({ kind: "finished", record: result });
  };

  // What a stopped sweep left: trials started and not recorded, in order.
  for (const trial of folder.state.trials.filter((t) => !recorded(t.trial))) {
    if (signal.aborted) break;
    await processGone(trial.pid);
    const out = path.join(folder.dir, trial.run);
    if (existsSync(path.join(out, savedRunFiles.history))) {
      await record(trial, settingsFor(trial), trial.seconds, null);
    } else {
      await launch({ ...trial, pid: null }, existsSync(path.join(out, runFolders.resume, resumeLatest)));
    }
  }
  let next =
    maxOf(
      folder.state.trials.map((t) => t.trial),
      0,
    ) + 1;
  for (;;) {
    while (!signal.aborted && running.size < parallel && next <= options.total && ready(next)) {
      const planned = options.plan(next, finishedUpTo(next - parallel));
      if (planned === null) break;
      await launch(
        { ...planned, run: `trial-${next}`, started: new Date().toISOString(), pid: null, seconds: 0 },
        false,
      );
      next++;
    }
    if (running.size === 0) break;
    const stops = () => {
      for (const entry of running.values()) entry.process.stop();
    };
    signal.addEventListener("abort", stops);
    if (signal.aborted) stops();
    const [entry, exit] = await Promise.race(
      [...running.values()].map((entry) => entry.process.exited.then((exit) => [entry, exit] as const)),
    );
    signal.removeEventListener("abort", stops);
    await ended(entry, exit);
  }
}

/**
 * A finished trial's record, from its run folder's history.json (written when the run ended: also when the
 * sweep was gone by then). Pruned when its figures crossed a threshold; failed when its process failed or its
 * history lacks the objective.
 */
function trialRecord(
  sweep: IrSweep,
  trial: StartedTrial,
  settings: TrialSettings,
  out: string,
  seconds: number,
  failure: string | null,
): TrialRecord {
  const history = readHistory(path.join(out, savedRunFiles.history));
  const epochs = history.map((h) => h[sweep.objective.metric] ?? NaN);
  const missing =
    failure === null && (history.length === 0 || epochs.every(Number.isNaN))
      ? `its history has no ${sweep.objective.metric}`
      : null;
  const error = failure ?? missing;
  const objective = bestOf(sweep.objective.direction, epochs);
  const state = error !== null ? "failed" : prunedAt(settings, epochs) !== null ? "pruned" : "complete";
  return {
    trial: trial.trial,
    config: trial.config,
    state,
    objective,
    bestEpoch: objective === null ? null : epochs.indexOf(objective) + 1,
    epochs,
    params: trial.params,
    seconds: Math.round(seconds * 10) / 10,
    started: trial.started,
    finished: new Date().toISOString(),
    run: trial.run,
    ...(error === null ? {} : { error }),
  };
}

/**
 * Why a trial's folder must not be trained into, or null when it may: it is missing, or a real folder with the
 * marker of the run nnc made there. A link (even to a folder), a file, or a folder without nnc's marker is
 * something a user put there: --overwrite would write nnc's files into it.
 */
async function notNncsTrialFolder(out: string): Promise<string | null> {
  const stat = await fs.lstat(out).catch(() => null);
  if (stat === null) return null;
  const shown = path.basename(out);
  if (stat.isSymbolicLink()) return `${shown} is a symbolic link, not the folder nnc made for this trial`;
  if (!stat.isDirectory()) return `${shown} is a file, not the folder nnc made for this trial`;
  const marker = await fs.lstat(path.join(out, markerFile)).catch(() => null);
  if (marker?.isFile()) return null;
  return `${shown} holds files nnc did not write (no ${markerFile}); nnc trains no trial into it`;
}

function readHistory(file: string): Record<string, number>[] {
  try {
    const history = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return Array.isArray(history) ? (history as Record<string, number>[]) : [];
  } catch {
    return [];
  }
}

/**
 * Waits until process `pid` (a trial a killed sweep left running, which saves its checkpoint after its step and
 * ends) is gone, for a minute at most: a pid the system gave to another process since is not waited for
 * forever (the trial's folder lock, which names its process, then tells whether it is still held).
 */
async function processGone(pid: number | null): Promise<void> {
  if (pid === null) return;
  for (const started = performance.now(); performance.now() - started < 60_000;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
