/**
 * A sweep's folder, `runs/<sweep>/`: a run folder of nnc's (run-folder.ts: its marker lists what nnc wrote,
 * and its lock keeps a second `nnc sweep` out while one runs), holding `sweep.json` (the sweep's state,
 * written atomically: what it was started with and every trial started), `trials.jsonl` (trials-file.ts) and
 * one run folder per trial, `trial-N/`, which the trial's own `nnc train` makes and locks.
 *
 * A sweep of the same name is not started over an earlier one: that is refused unless `--resume` (NN4082),
 * since its trials and records would mix with the earlier sweep's. A resume checks that the spec's text and the
 * `--set` overrides are those the sweep started with (NN4081): the finished trials were trained from them,
 * and a ranking across two specs would compare what is not comparable.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { packageVersion } from "../../cli/package-info.js";
import type { SweepConfiguration } from "../../compiler/ir/sweep.js";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { openRunFolder, type RunFolder } from "../run-folder.js";
import type { TrialRecord } from "./trial-record.js";
import { appendTrial, readTrials, rewriteTrials } from "./trials-file.js";

/** The state file and the records file, inside the sweep folder. */
export const sweepFiles = { state: "sweep.json", trials: "trials.jsonl" } as const;

/** A trial that was started (its record is in trials.jsonl once it finished). */
export interface StartedTrial {
  readonly trial: number;
  readonly config: SweepConfiguration;
  /** The model's parameter count under this configuration (from its check). */
  readonly params: number;
  /**
   * The epochs it trains: its configured train block's `epochs:` (a swept `epochs`, or the sweep's `--set`, as
   * checked), which its pruning thresholds and the live table's `epoch 2/9` count.
   */
  readonly epochs: number;
  /** Its run folder, relative to the sweep folder: `trial-3`. */
  readonly run: string;
  /** ISO 8601 time of its first start. */
  readonly started: string;
  /** The process training it, while one does; a resumed sweep waits for it to save and end. */
  readonly pid: number | null;
  /** Seconds its earlier processes ran (a resumed trial adds its own). */
  readonly seconds: number;
}

/** `sweep.json`. */
export interface SweepState {
  readonly nnc: string;
  /** The sweep's name (its folder's default name) and model. */
  readonly sweep: string;
  readonly model: string;
  /** The spec as the user named it, and a hash of its text and of the `--set` overrides. */
  readonly spec: string;
  readonly fingerprint: string;
  readonly overrides: readonly string[];
  /** Trials at once: with the seed, what a seeded sweep's samples and pruning depend on. */
  readonly parallel: number;
  readonly trials: readonly StartedTrial[];
}

/** What a sweep starts with; `parallel` undefined: the sweep's own, or on a resume what it started with. */
export type SweepSettings = Omit<SweepState, "nnc" | "trials" | "fingerprint" | "parallel"> & {
  readonly text: string;
  readonly parallel: number | undefined;
  readonly sweepParallel: number;
  /** The sweep's parameters: the names a record's configuration may set. */
  readonly parameters: readonly string[];
};

/** openRunFolder's refusals of a folder that is not nnc's, or holds another run (NN4012, NN4013, NN4043). */
const foreignFolderCodes: ReadonlySet<string> = new Set(["NN4012", "NN4013", "NN4043"]);

/** The hash a resume compares: the spec's text and the overrides, in order. */
function fingerprintOf(text: string, overrides: readonly string[]): string {
  return createHash("sha256")
    .update(JSON.stringify([text, ...overrides]))
    .digest("hex");
}

/** An open sweep folder: its state and records so far; trials start and finish through it. Close it when done. */
export class SweepFolder {
  private constructor(
    private readonly folder: RunFolder,
    private current: SweepState,
    private finished: TrialRecord[],
  ) {}

  /**
   * Opens `dir` for a new sweep (it must be new, empty or nnc's without a sweep in it) or, with `resume`, the
   * sweep in it, which must have been started with the same spec text, overrides and parallel (checkSweepFolder).
   */
  static async open(dir: string, settings: SweepSettings, resume: boolean): Promise<SweepFolder> {
    const shown = displayPath(path.resolve(dir));
    const earlier = checkSweepFolder(dir, settings, resume);
    const fingerprint = fingerprintOf(settings.text, settings.overrides);
    const folder = await openRunFolder(dir, { resume }).catch((error: unknown) => {
      // Their hints say --overwrite, which nnc sweep has not: a sweep takes a folder of its own.
      if (error instanceof NncUserError && foreignFolderCodes.has(error.code)) {
        throw error.withHint("choose a new or empty folder with --out");
      }
      throw error;
    });
    try {
      const trialsFile = path.join(folder.dir, sweepFiles.trials);
      const read = await readTrials(trialsFile, settings.parameters).catch((error: Error) => {
        throw new NncUserError("NN4010", { path: `${shown}/${sweepFiles.trials}`, reason: error.message });
      });
      const finished = [...read.records];
      if (read.torn) await rewriteTrials(trialsFile, finished);
      const { text: _text, parameters: _parameters, sweepParallel, parallel = sweepParallel, ...kept } = settings;
      const state: SweepState = earlier ?? { nnc: packageVersion(), ...kept, parallel, fingerprint, trials: [] };
      const opened = new SweepFolder(folder, state, finished);
      await opened.save();
      return opened;
    } catch (error) {
      await folder.close();
      throw error;
    }
  }

  /** The folder, absolute. */
  get dir(): string {
    return this.folder.dir;
  }

  get state(): SweepState {
    return this.current;
  }

  /** The finished trials' records, in the order they finished. */
  get records(): readonly TrialRecord[] {
    return this.finished;
  }

  /** Records a trial as started (or restarted, with its process), before its process makes its folder. */
  async started(trial: StartedTrial): Promise<void> {
    await this.folder.record(trial.run);
    const others = this.current.trials.filter((t) => t.trial !== trial.trial);
    this.current = { ...this.current, trials: [...others, trial].sort((a, b) => a.trial - b.trial) };
    await this.save();
  }

  /** Appends a finished trial's record; its process is no longer one to wait for. */
  async finish(record: TrialRecord): Promise<void> {
    await this.folder.record(sweepFiles.trials);
    const file = path.join(this.folder.dir, sweepFiles.trials);
    await appendTrial(file, record).catch((error: Error) => {
      throw new NncUserError("NN4010", { path: displayPath(file), reason: error.message });
    });
    this.finished.push(record);
    await this.stopped(record.trial, record.seconds);
  }

  /** Notes that a trial's process ended without finishing it (stopped to be resumed), after `seconds` in all. */
  async stopped(trial: number, seconds: number): Promise<void> {
    this.current = {
      ...this.current,
      trials: this.current.trials.map((t) => (t.trial === trial ? { ...t, pid: null, seconds } : t)),
    };
    await this.save();
  }

  /** Writes a file of the sweep's (best.nn, the picture), recorded as nnc's. */
  writeFile(relative: string, data: string | Uint8Array): Promise<void> {
    return this.folder.writeFile(relative, data);
  }

  /** Records files written into the folder by others (the picture's) as nnc's. */
  async recordFiles(names: readonly string[]): Promise<void> {
    for (const name of names) await this.folder.record(name);
  }

  close(): Promise<void> {
    return this.folder.close();
  }

  private save(): Promise<void> {
    return this.folder.writeFile(sweepFiles.state, `${JSON.stringify(this.current, null, 2)}\n`);
  }
}

/**
 * The sweep already in `dir` (null when there is none), after checking that this one may start there (NN4082:
 * not over an earlier sweep, unless `resume`; a resume needs one) and, on a resume, that it is started as it was
 * (NN4081). Reads only: `nnc sweep` calls it before it checks the configurations, which may take minutes.
 */
export function checkSweepFolder(dir: string, settings: SweepSettings, resume: boolean): SweepState | null {
  const shown = displayPath(path.resolve(dir));
  const stateFile = path.join(dir, sweepFiles.state);
  const earlier = existsSync(stateFile) ? readState(stateFile, shown) : null;
  if (earlier && !resume) {
    const hint = `continue it with --resume, or start another in a new folder with --out`;
    throw new NncUserError("NN4082", { path: shown, problem: "holds a sweep already" }, hint);
  }
  if (!earlier && resume) {
    const hint = `start the sweep without --resume`;
    throw new NncUserError(
      "NN4082",
      { path: shown, problem: `holds no sweep to resume (no ${sweepFiles.state})` },
      hint,
    );
  }
  if (earlier) {
    const changed =
      earlier.fingerprint !== fingerprintOf(settings.text, settings.overrides)
        ? earlier.overrides.join(" ") !== settings.overrides.join(" ")
          ? `its --set overrides were ${earlier.overrides.map((o) => `--set ${o}`).join(" ") || "none"}`
          : `${settings.spec} was edited since it started`
        : settings.parallel !== undefined && earlier.parallel !== settings.parallel
          ? `it ran ${earlier.parallel} trials at once, not ${settings.parallel}`
          : null;
    if (changed !== null) {
      const hint = "resume with what it started with, or start a new sweep with --out";
      throw new NncUserError("NN4081", { path: shown, problem: changed }, hint);
    }
  }
  return earlier;
}

function readState(file: string, shown: string): SweepState {
  const unusable = (reason: string) => new NncUserError("NN4010", { path: `${shown}/${sweepFiles.state}`, reason });
  let state: SweepState;
  try {
    state = JSON.parse(readFileSync(file, "utf8")) as SweepState;
  } catch (error) {
    throw unusable((error as Error).message);
  }
  const valid =
    typeof state.fingerprint === "string" &&
    Array.isArray(state.overrides) &&
    Number.isSafeInteger(state.parallel) &&
    Array.isArray(state.trials) &&
    state.trials.every(
      (t) => Number.isSafeInteger(t.trial) && Number.isSafeInteger(t.epochs) && t.run === `trial-${t.trial}`,
    );
  if (!valid) throw unusable("it is not a sweep's state");
  return state;
}
