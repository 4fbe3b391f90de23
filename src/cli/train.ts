/**
 * `nnc train FILE`: check the spec, train one model as its `train` block says, save the result.
 * TensorFlow.js is loaded only when this command runs, so `check` and the language server stay light.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { existsSync, readFileSync, rmdirSync } from "node:fs";
import * as path from "node:path";
import { shellWord } from "../compiler/base/shell.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { normalOverride, overrideSources } from "../compiler/overrides/index.js";
import { markerFile, ownNames } from "../compiler/registry/run-files.js";
import { callbacks } from "../compiler/registry/train-options.js";
import { freshRunFolder, runFolderOverInput } from "../io/output-path.js";
import { parseTrialSettings, trialEpochHook, type TrialSettings } from "../runtime/sweep/trial-mode.js";
import { wasmMemoryFailure } from "../runtime/errors.js";
import { stepWork } from "../runtime/step-work.js";
import { wasmMemoryDiagnostic } from "../runtime/training-memory.js";
import { backendOption, startBackend, type BackendName } from "./backend-option.js";
import {
  chooseTrain,
  fail,
  inFileAsWritten,
  loadProgram,
  maxLayersOption,
  maxParamsOption,
  printDiagnostics,
  programInputs,
  setOption,
  type LimitFlags,
  type SetFlags,
} from "./common.js";

interface TrainCliOptions extends LimitFlags, SetFlags {
  readonly out?: string;
  readonly model?: string;
  readonly epochs?: number;
  readonly resume?: string;
  readonly overwrite?: boolean;
  readonly backend: BackendName;
  /** Set by nnc sweep for its trials (runtime/sweep/trial-mode.ts). */
  readonly trial?: TrialSettings;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a model as its train block says and save it (model.json, weights.bin, history.json)")
    .argument("<file>", ".nn file with a model and a train block for it")
    .option(
      "-o, --out <dir>",
      "the run folder to save the trained model in (default: runs/<model>/, or runs/<model>-2/, ... when taken)",
    )
    .option("-m, --model <name>", "which model to train, when the file trains several")
    .option("-e, --epochs <n>", "override the train block's epochs", positiveInteger)
    .addOption(setOption())
    .addOption(backendOption())
    .addOption(maxLayersOption())
    .addOption(maxParamsOption())
    .addOption(new Option("--trial <settings>").argParser(parseTrialSettings).hideHelp())
    .option(
      "--resume <run-dir>",
      "continue a stopped run from its last checkpoint (saved after every epoch and on Ctrl-C)",
    )
    .option(
      "--overwrite",
      "replace the run in the run folder, or use one that holds other files (nnc deletes none of them)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  nnc train examples/iris.nn --out runs/iris\n  nnc train examples/iris.nn --resume runs/iris\n" +
        "  nnc train examples/iris.nn --set epochs=20 --set optimizer.learning_rate=3e-3 --out runs/iris-fast\n\n" +
        "The data paths in the train block are relative to the .nn file. Ctrl-C stops after the current step and\n" +
        "saves a checkpoint to resume from; a second Ctrl-C quits at once.\n\n" +
        "The run folder is nnc's: it must be new, empty, or one nnc train wrote (it holds .nnc-run.json, which\n" +
        "lists nnc's files there); a folder with other files, or an earlier run, is refused unless --overwrite.\n" +
        "nnc replaces only its own files, never deletes anything else, and one run at a time holds the folder\n" +
        "(.nnc-run.lock). Without --out, each run gets a new folder: runs/<model>/, then runs/<model>-2/, ...",
    )
    .action((file: string, options: TrainCliOptions) => runTrain(file, options));
}

async function runTrain(file: string, options: TrainCliOptions): Promise<void> {
  const program = loadProgram(file, "text", { ...options, trainedModel: options.model });
  if (!program) return;
  const train = chooseTrain(program, file, options.model);
  if (!train) return;
  const model = program.models.find((m) => m.name === train.model)!;
  if (
    options.resume !== undefined &&
    options.out !== undefined &&
    path.resolve(options.resume) !== path.resolve(options.out)
  ) {
    return fail("--resume continues the run in its own directory; leave out --out");
  }
  // Without --out, a new folder each time (runs/Iris, runs/Iris-2, ...); --overwrite replaces runs/Iris.
  const named = options.resume ?? options.out;
  const fallback = path.resolve("runs", model.name);
  // A fresh folder (and runs/, when there was none) is made now; a run that stops before training removes them.
  const fresh = named === undefined && !options.overwrite;
  const runsMade = fresh && !existsSync(path.dirname(fallback));
  const out = named !== undefined ? path.resolve(named) : options.overwrite ? fallback : freshRunFolder(fallback);
  const unmake = () => {
    if (fresh) removeIfEmpty(out);
    if (runsMade) removeIfEmpty(path.dirname(out));
  };
  const callbackFiles = train.callbacks.flatMap((call) =>
    (callbacks[call.name]?.writes ?? []).map((key) => String(call.args[key])),
  );
  const overwrites = runFolderOverInput(out, [...ownNames, ...callbackFiles], programInputs(program));
  if (overwrites) return fail(overwrites);
  // Loaded here, not at the top: importing tfjs takes a while and only this command needs it.
  const runtime = await import("../runtime/index.js");
  const backend = await startBackend(options.backend, stepWork(model, train.batchSize));
  if (backend === undefined) return unmake();
  // Before any step: a step past the wasm backend's 4 GiB would fail minutes in, out of bounds (or never end).
  const tooLarge = backend === "wasm" ? wasmMemoryDiagnostic(model, train) : undefined;
  if (tooLarge) {
    const shown = inFileAsWritten(program, tooLarge);
    const sources = overrideSources(options.set ?? []);
    if (!sources.has(shown.file)) sources.set(shown.file, readFileSync(shown.file, "utf8"));
    printDiagnostics([shown], sources);
    process.exitCode = 1;
    return unmake();
  }
  // The checkpoint before this run (none, or an earlier run's): only one this run saves is worth resuming from.
  const before = checkpointStamp(out);
  const resume = resumeLine(file, out, options.set);
  try {
    const source = train.data.args["path"] ?? train.data.args["images"];
    const on = typeof source === "string" ? ` on ${displayPath(source)}` : "";
    process.stdout.write(`training ${model.name}${on} (backend: ${backend})\n`);
    const run = await withInterrupts(resume, out, (signal) =>
      runtime.trainModel(model, train, {
        runDir: out,
        signal,
        ...(options.resume === undefined ? {} : { resume: true }),
        ...(options.overwrite ? { overwrite: true } : {}),
        ...(options.set?.length ? { overrides: options.set.map(normalOverride) } : {}),
        ...(named === undefined && !options.overwrite ? { freshRunDir: true } : {}),
        ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
        ...(options.trial ? { onEpochEnd: trialEpochHook(options.trial) } : {}),
      }),
    );
    // The whole run's epochs (fine-tuning's too, and on --resume the ones it was started with), as progress says.
    const { epochs } = run;
    if (run.interrupted) {
      const { epoch, step } = run.interrupted;
      const where =
        step === 0 ? `after epoch ${epoch}/${epochs}` : `in epoch ${epoch + 1}/${epochs} after step ${step}`;
      process.stdout.write(`\nstopped ${where}; checkpoint saved in ${displayPath(out)}/resume/\n`);
      process.stdout.write(`${resume}\n`);
      process.exitCode = 130;
      return;
    }
    if (run.history.length < epochs) process.stdout.write(`stopped early after ${run.history.length} epochs\n`);
    process.stdout.write(`\n${runtime.summaryTable(run.history, run.restored)}\n`);
    if (run.test) process.stdout.write(`${runtime.testLine(run.test)}\n\n`);
    // What nnc keeps there, as its marker lists it (not the user's other files in the folder).
    const { files } = JSON.parse(readFileSync(path.join(out, markerFile), "utf8")) as { files: string[] };
    const shown = [...new Set(files.map((file) => file.split("/")[0]!))].sort();
    process.stdout.write(`saved ${displayPath(out)}/ (${shown.join(", ")})\n`);
  } catch (error) {
    const full = backend === "wasm" ? wasmMemoryFailure(error) : undefined;
    if (full !== undefined) {
      // The epochs saved stay; resumed, the same step needs the same memory, so on the cpu backend.
      fail(
        `the wasm backend ran out of its 4 GiB of memory (${full}): lower batch_size, or train with --backend cpu, which has no such limit`,
      );
      if (checkpointStamp(out) !== before) process.stderr.write(`${resume} --backend cpu\n`);
      return;
    }
    if (!(error instanceof runtime.NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    // A data error after an epoch (a file deleted meanwhile) leaves that epoch's checkpoint: say how to go on.
    // Not when another nnc holds the folder (NN4014): that one may have saved the checkpoint meanwhile.
    const after = checkpointStamp(out);
    if (error.code !== "NN4014" && after !== null && after !== before) process.stderr.write(`${resume}\n`);
    process.exitCode = 1;
    // A data error before anything was saved leaves the fresh folder (and runs/) as empty as it was made.
    unmake();
  }
}

/** Removes the folder `dir` while it is empty (a run's fresh folder that nothing was written to). */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or gone: it stays as it is.
  }
}

/** The line that tells how to go on from `out`'s checkpoint: with the run's own `--set` arguments. */
function resumeLine(file: string, out: string, set: readonly string[] = []): string {
  const flags = set.map((o) => ` --set ${shellWord(normalOverride(o))}`).join("");
  return `resume with: nnc train ${shellWord(file)}${flags} --resume ${shellWord(displayPath(out))}`;
}

/** What `out`'s latest checkpoint is (its `resume/latest.json`), or null when it has none. */
function checkpointStamp(out: string): string | null {
  try {
    return readFileSync(path.join(out, "resume", "latest.json"), "utf8");
  } catch {
    return null;
  }
}

/**
 * Runs `task` with Ctrl-C (SIGINT) turned into a stop request: the first one aborts `signal` (training stops
 * after the current step and saves a checkpoint), a second one quits at once. The end of the IPC channel to
 * the process that forked this one (nnc sweep's) is a stop request too.
 */
async function withInterrupts<T>(resume: string, out: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) {
      // The step's checkpoint is not written; an earlier epoch's, if any, stays.
      const saved = checkpointStamp(out) !== null ? ` (the last epoch's stays; ${resume})` : "";
      process.stderr.write(`\nquitting now without saving a checkpoint${saved}\n`);
      process.exit(130);
    }
    controller.abort();
    process.stderr.write("\nstopping after this step to save a checkpoint (Ctrl-C again quits at once)\n");
  };
  // A trial of nnc sweep whose sweep went away (killed) stops as at a first Ctrl-C, so the sweep can resume it.
  const onDisconnect = () => controller.abort();
  process.on("SIGINT", onInterrupt);
  process.on("disconnect", onDisconnect);
  // Gone already while this process loaded: 'disconnect' was emitted before anyone listened.
  if (process.send !== undefined && !process.connected) controller.abort();
  try {
    return await task(controller.signal);
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("disconnect", onDisconnect);
  }
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}
