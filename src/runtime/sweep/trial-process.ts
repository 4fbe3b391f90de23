/**
 * One trial's process: `nnc train FILE --set ... --out runs/<sweep>/trial-N --trial SETTINGS` (or `--resume`
 * for a trial a stopped sweep left running), started from nnc's own entry: bin/nnc.js when nnc is built, or
 * src/cli/main.ts through tsx when it runs from source. Its output (progress lines, errors) would garble the
 * sweep's table, so it goes to the trial's `train.log` (kept in memory until the trial's `nnc train` has made
 * its folder, which must be new when it starts); a failed trial is shown by its last error line.
 *
 * The process is a group of its own: a Ctrl-C in the terminal reaches the sweep only, which asks each trial
 * once to stop and save (a second SIGINT would make `nnc train` quit without saving).
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packageRoot } from "../../cli/package-info.js";
import { markerFile } from "../../compiler/registry/run-files.js";
import type { TrialMessage, TrialSettings } from "./trial-mode.js";

/** How to start a trial's `nnc train`. */
export interface TrialCommand {
  readonly file: string;
  /** `NAME=VALUE` each, passed as `--set`. */
  readonly overrides: readonly string[];
  /** The trial's run folder, absolute. */
  readonly out: string;
  /** Continue the run in `out` (`--resume`) rather than start it. */
  readonly resume: boolean;
  readonly settings: TrialSettings;
  /** `--model`, `--backend` and the like, passed through. */
  readonly extra: readonly string[];
}

/** How a trial's process ended. */
export interface TrialExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last line it wrote to stderr that says `error`, or its last line. */
  readonly lastError: string | null;
  readonly seconds: number;
}

export interface TrialProcess {
  readonly pid: number | null;
  readonly exited: Promise<TrialExit>;
  /** Asks the trial to stop after its current step and save a checkpoint (as one Ctrl-C; again does nothing). */
  stop(): void;
}

/** The log file inside a trial's run folder. */
export const trialLog = "train.log";

/** Starts a trial; `onMessage` gets its epochs' figures as they come. */
export function startTrial(command: TrialCommand, onMessage: (message: TrialMessage) => void): TrialProcess {
  const args = [
    "train",
    command.file,
    ...command.overrides.flatMap((o) => ["--set", o]),
    ...(command.resume ? ["--resume", command.out] : ["--out", command.out]),
    "--trial",
    JSON.stringify(command.settings),
    ...command.extra,
  ];
  const begun = performance.now();
  const child = spawn(process.execPath, [...nncEntry(), ...args], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    detached: true,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const log = new TrialLog(command.out);
  let stopping = false;
  // The last line that says error, or else the last line: what a failed trial is shown by.
  let lastError: string | null = null;
  child.stdout!.on("data", (chunk: Buffer) => log.write(chunk));
  child.stderr!.on("data", (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString("utf8").split("\n")) {
      const text = line.trim();
      if (text !== "" && (/error/i.test(text) || lastError === null || !/error/i.test(lastError))) lastError = text;
    }
  });
  child.on("message", (message: TrialMessage) => onMessage(message));
  const exited = new Promise<TrialExit>((resolve) => {
    child.on("close", (code, signal) => {
      log.flush();
      resolve({ code, signal, lastError, seconds: (performance.now() - begun) / 1000 });
    });
  });
  return {
    pid: child.pid ?? null,
    exited,
    stop: () => {
      // Once: a second SIGINT makes nnc train quit without its checkpoint (or, past training, kills it).
      if (stopping || child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill("SIGINT");
    },
  };
}

/** The arguments before `train ...` that run nnc's own entry. */
function nncEntry(): string[] {
  const here = fileURLToPath(import.meta.url);
  const root = packageRoot(path.dirname(here));
  if (root === undefined) throw new Error(`internal: no package root above ${here}`);
  if (!here.endsWith(".ts")) return [path.join(root, "bin", "nnc.js")];
  const main = pathToFileURL(path.join(root, "src", "cli", "main.ts")).href;
  const script = `import(${JSON.stringify(main)}).then((m) => m.main(["node", "nnc", ...process.argv.slice(1)]))`;
  // tsx from nnc's own node_modules, wherever the sweep runs.
  const tsx = pathToFileURL(createRequire(path.join(root, "package.json")).resolve("tsx")).href;
  return ["--import", tsx, "--eval", script, "--"];
}

/**
 * A trial's output, appended to `<out>/train.log` once `nnc train` has made `out` a run folder (its marker is
 * there); until then, and when it never does (a check error), kept in memory.
 */
class TrialLog {
  private pending: Buffer[] = [];

  constructor(private readonly out: string) {}

  write(chunk: Buffer): void {
    this.pending.push(chunk);
    if (existsSync(path.join(this.out, markerFile))) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0 || !existsSync(path.join(this.out, markerFile))) return;
    appendFileSync(path.join(this.out, trialLog), Buffer.concat(this.pending));
    this.pending = [];
  }
}
