/**
 * One `nnc sweep` run after its configurations are planned (runner-plan.ts): opens the sweep's folder (or the
 * stopped sweep in it, with `--resume`), runs the trials (runner.ts) with the live display (runner-output.ts),
 * turns a Ctrl-C into a stop that leaves every trial resumable, and reports: the ranked table, `best.nn`, the
 * picture and the command that trains the best configuration again. No tfjs: the trials train in their own
 * processes.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { IrTrain } from "../../compiler/ir/index.js";
import type { IrSweep, SweepConfiguration } from "../../compiler/ir/sweep.js";
import { shellWord } from "../../compiler/base/shell.js";
import { configurationOverrides } from "../../compiler/sweep/index.js";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { valueText } from "../../compiler/overrides/index.js";
import { NncUserError } from "../errors.js";
import { writeBestSpec } from "./best-spec.js";
import { renderRankedTable } from "./report.js";
import { bestTrial } from "./report-format.js";
import { liveOutput } from "./runner-output.js";
import type { SweepPlan } from "./runner-plan.js";
import { runTrials } from "./runner.js";
import { checkSweepFolder, SweepFolder, sweepFiles, type SweepSettings } from "./sweep-folder.js";
import { writeSweepPicture } from "./sweep-plot.js";

export interface SweepSession {
  /** The spec as the user named it. */
  readonly file: string;
  readonly sweep: IrSweep;
  readonly train: IrTrain;
  readonly plan: SweepPlan;
  /** The user's `--set` arguments (`NAME=VALUE`), given to every trial before its configuration's. */
  readonly overrides: readonly string[];
  /** `--out`: the sweep's folder; default `runs/<sweep>`. */
  readonly out: string | undefined;
  readonly resume: boolean;
  /** `--parallel`; by default the sweep's `parallel:`, or on a resume what the sweep started with. */
  readonly parallel: number | undefined;
  /** Options every trial's `nnc train` gets as they are (`--backend`, `--max-layers`). */
  readonly trainArgs: readonly string[];
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** What `SweepFolder.open` and `checkSweepFolder` are given for `session`: its folder and settings. */
function folderOf(session: Omit<SweepSession, "plan" | "train">): [string, SweepSettings] {
  const { sweep, file } = session;
  return [
    path.resolve(session.out ?? path.join("runs", sweep.name)),
    {
      sweep: sweep.name,
      model: sweep.model,
      spec: file,
      text: readFileSync(file, "utf8"),
      overrides: session.overrides,
      parallel: session.parallel,
      sweepParallel: sweep.parallel,
      parameters: sweep.params.map((p) => p.name),
    },
  ];
}

/**
 * Whether the session's sweep may start (or resume) in its folder (checkSweepFolder): 1 after printing why
 * not, else 0. Reads only; `nnc sweep` asks before it checks the configurations.
 */
export function checkSessionFolder(session: Omit<SweepSession, "plan" | "train">): number {
  try {
    checkSweepFolder(...folderOf(session), session.resume);
    return 0;
  } catch (error) {
    if (!(error instanceof NncUserError)) throw error;
    session.stderr.write(`${error.format()}\n`);
    return 1;
  }
}

/** Runs the sweep; returns the exit status: 0 when a trial completed, 130 when stopped, 1 otherwise. */
export async function runSweepSession(session: SweepSession): Promise<number> {
  const { sweep, train, file, stdout, stderr } = session;
  // What every trial trains with besides its configuration: the sweep's own --set, and a seed: the train
  // block's, else the sweep's (so configurations differ by their values, not by their initial weights).
  const fixed: SweepConfiguration = {
    ...Object.fromEntries(
      session.overrides.map((o) => [o.slice(0, o.indexOf("=")).trim(), o.slice(o.indexOf("=") + 1).trim()]),
    ),
    ...(train.seed === null ? { seed: sweep.seed } : {}),
  };
  const [dir, settings] = folderOf(session);
  const { text } = settings;
  let folder: SweepFolder;
  try {
    folder = await SweepFolder.open(dir, settings, session.resume);
  } catch (error) {
    if (!(error instanceof NncUserError)) throw error;
    stderr.write(`${error.format()}\n`);
    return 1;
  }
  const shown = displayPath(folder.dir);
  const { parallel } = folder.state;
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    stderr.write("\nstopping: each running trial saves a checkpoint after its step (Ctrl-C again quits at once)\n");
  };
  process.on("SIGINT", onInterrupt);
  const live = liveOutput(sweep, {
    stream: stdout,
    total: session.plan.total,
    epochs: (trial) => folder.state.trials.find((t) => t.trial === trial)?.epochs ?? train.epochs,
    records: () => folder.records,
  });
  stdout.write(
    `${session.resume ? "resuming" : "running"} ${sweep.name}: ${session.plan.total} trials, ${parallel} at a time, in ${shown}/\n`,
  );
  try {
    await runTrials({
      sweep,
      folder,
      total: session.plan.total,
      parallel,
      plan: session.plan.plan,
      command: (trial) => ({
        file,
        overrides: [
          ...Object.entries(fixed).map(([name, value]) => `${name}=${valueText(value)}`),
          ...configurationOverrides(sweep, trial.config).map((o) => o.argument),
        ],
        extra: ["--model", sweep.model, ...session.trainArgs],
      }),
      onEvent: (event) => live.event(event),
      signal: controller.signal,
    });
  } finally {
    live.end();
    process.off("SIGINT", onInterrupt);
  }
  const records = folder.records;
  try {
    if (controller.signal.aborted) {
      const again = [
        "nnc sweep",
        shellWord(file),
        ...(session.out === undefined ? [] : ["--out", shellWord(session.out)]),
        ...session.overrides.map((o) => `--set ${shellWord(o)}`),
        "--resume",
      ];
      stdout.write(`\nstopped after ${records.length} finished trials; resume with: ${again.join(" ")}\n`);
      return 130;
    }
    stdout.write(
      `\n${renderRankedTable(sweep, records, { file, fixed, width: stdout.isTTY ? stdout.columns : undefined })}`,
    );
    const best = bestTrial(sweep, records);
    const written = best
      ? [(await writeBestSpec(folder.dir, text, path.resolve(file), sweep, best, { fixed })).value]
      : [];
    const pictures = records.length > 0 ? await writeSweepPicture(folder.dir, sweep, records) : [];
    await folder.recordFiles([...written.map((f) => path.basename(f)), ...pictures]);
    const kept = [sweepFiles.trials, ...written.map((f) => path.basename(f)), ...pictures, "trial-N/"].filter(
      () => records.length > 0,
    );
    stdout.write(`saved ${shown}/ (${[sweepFiles.state, ...kept].join(", ")})\n`);
    return records.some((r) => r.state === "complete") ? 0 : 1;
  } finally {
    await folder.close();
  }
}
