/**
 * `nnc sweep FILE`: runs the file's sweep. Checks the file, makes the configurations and checks every one before
 * any trains (printing the rejected ones grouped by diagnostic), then trains the trials as `nnc train`
 * processes, `parallel` at a time, each in `runs/<sweep>/trial-N/`, with a live table; at the end the ranked
 * table, `best.nn` and the picture. This process never loads TensorFlow.js: it checks, samples and starts
 * processes, and its modules are imported inside the action, so `nnc sweep --help` stays fast.
 */
import { InvalidArgumentError, type Command } from "commander";
import { readFileSync } from "node:fs";
import { groupThousands } from "../compiler/base/numbers.js";
import { diagnostic } from "../compiler/diagnostics/index.js";
import { overrideSources } from "../compiler/overrides/parse-override.js";
import type { IrProgram } from "../compiler/index.js";
import type { IrSweep } from "../compiler/ir/sweep.js";
import { backendOption, type BackendName } from "./backend-option.js";
import {
  checkLimitsOf,
  fail,
  inFileAsWritten,
  loadProgram,
  maxLayersOption,
  maxParamsOption,
  printDiagnostics,
  readOverrides,
  setOption,
  type LimitFlags,
  type SetFlags,
} from "./common.js";

interface SweepCliOptions extends LimitFlags, SetFlags {
  readonly model?: string;
  readonly out?: string;
  readonly resume?: boolean;
  readonly dryRun?: boolean;
  readonly parallel?: number;
  readonly backend: BackendName;
}

/**
 * Adds `nnc sweep FILE` to `program`: checks the file, refuses a sweep folder it cannot start or resume in, then
 * runs the file's sweep (runtime/sweep/runner-session.ts) and exits with its status: 0 when it ran to the end, 1
 * on a problem in the file, its configurations or its folder, 130 when stopped by Ctrl-C (`--resume` goes on).
 */
export function registerSweep(program: Command): void {
  program
    .command("sweep")
    .description("run a file's sweep: check every configuration, train the trials, rank them, write best.nn")
    .argument("<file>", ".nn file with a sweep block (sweep Model { space: ..., objective: ..., sampler: ... })")
    .option("-m, --model <name>", "whose sweep to run, when the file sweeps several models")
    .option("-o, --out <dir>", "the sweep's folder (default: runs/<model>-sweep/)")
    .option("--resume", "go on with the sweep in its folder: finished trials stay, stopped ones continue")
    .option(
      "--dry-run",
      "check the configurations and list the trials that would train, then stop: nothing is trained or written",
    )
    .option(
      "-p, --parallel <n>",
      "trials trained at once, each its own process (default: the sweep's parallel:); a resumed sweep keeps what it " +
        "started with, which cannot change: which trials had finished when trial N started decides its draws and pruning",
      count,
    )
    .addOption(setOption())
    .addOption(backendOption())
    .addOption(maxLayersOption())
    .addOption(maxParamsOption())
    .addHelpText(
      "after",
      "\nExamples:\n  nnc sweep examples/fashion_sweep.nn\n  nnc sweep examples/fashion_sweep.nn --parallel 2 --set epochs=2\n" +
        "  nnc sweep examples/fashion_sweep.nn --resume\n  nnc sweep examples/fashion_sweep.nn --dry-run\n\n" +
        "Every configuration is checked before any trial trains: a grid's all, random search's all its trials, tpe's\n" +
        "each when its trial starts (rejected draws are drawn again). Each trial is an nnc train run in\n" +
        "runs/<model>-sweep/trial-N/ (resumable, evaluable with the same --set values); trials.jsonl has a line per\n" +
        "finished trial. Ctrl-C stops the trials after their current step, with checkpoints: --resume continues.",
    )
    .action((file: string, options: SweepCliOptions) => runSweep(file, options));
}

async function runSweep(file: string, options: SweepCliOptions): Promise<void> {
  const overrides = readOverrides(options.set);
  if (!overrides) return;
  const program = loadProgram(file, "text", { ...options, trainedModel: options.model });
  if (!program) return;
  const sweep = chooseSweep(program, file, options.model);
  if (!sweep) return;
  const train = program.trains.find((t) => t.model === sweep.model)!;
  const { planSweep, SpaceMostlyInvalid, rejectedDrawsPerTrial, rejectedDrawsAtMost } =
    await import("../runtime/sweep/runner-plan.js");
  const { describeConfiguration, formatRejections, groupRejections, overridesVaried } =
    await import("../compiler/sweep/index.js");
  const { parse } = await import("../compiler/syntax/index.js");
  const sources = sourcesOf(
    sweep,
    overrides.map((o) => o.argument),
  );
  // Before any configuration is checked: each would set the same again (NN2038), or drop the --set.
  const spec = sweep.location.file;
  const varied = overridesVaried(parse(sources.get(spec)!, spec).value, sweep.model, overrides);
  if (varied.length > 0) {
    printDiagnostics(varied, sources);
    process.exitCode = 1;
    return;
  }
  const { checkSessionFolder, runSweepSession } = await import("../runtime/sweep/runner-session.js");
  const trainArgs = [
    ...["--backend", options.backend],
    ...(options.maxLayers === undefined ? [] : ["--max-layers", String(options.maxLayers)]),
    ...(options.maxParams === undefined ? [] : ["--max-params", String(options.maxParams)]),
  ];
  const session = {
    file,
    sweep,
    overrides: options.set ?? [],
    out: options.out,
    resume: options.resume === true,
    parallel: options.parallel,
    trainArgs,
    stdout: process.stdout,
    stderr: process.stderr,
  };
  // A folder the sweep cannot start in (NN4081, NN4082) is said before the configurations are checked.
  if (!options.dryRun && checkSessionFolder(session) !== 0) {
    process.exitCode = 1;
    return;
  }
  let plan;
  try {
    plan = planSweep(file, sweep, { limits: checkLimitsOf(options), model: sweep.model, extra: overrides }, (n) => {
      // Checking takes some 10 ms a configuration: a large grid says what it is doing before it falls silent.
      if (n >= largeGrid) process.stdout.write(`checking the ${groupThousands(n)} configurations of the grid...\n`);
    });
  } catch (error) {
    if (!(error instanceof SpaceMostlyInvalid)) throw error;
    reportMostlyInvalid(error);
    return;
  }
  /** The groups the space rejected, then why the sweep stops (NN4080). */
  function reportMostlyInvalid(error: InstanceType<typeof SpaceMostlyInvalid>): void {
    const groups = groupRejections(error.rejected);
    process.stderr.write(`${formatRejections(groups, error.drawn, sources).join("\n")}\n`);
    const detail =
      sweep!.sampler.kind === "grid"
        ? `every configuration of the grid is rejected (${groupThousands(error.drawn)})`
        : `the space is mostly invalid: ${groupThousands(error.drawn)} configurations drawn in a row were rejected (at most ${rejectedDrawsPerTrial} per trial, ${groupThousands(rejectedDrawsAtMost)} in all)`;
    const hint = "widen the budgets or narrow the space to the values the groups above do not reject";
    printDiagnostics([inFileAsWritten(program!, diagnostic("NN4080", sweep!.location, { detail }, { hint }))], sources);
    process.exitCode = 1;
  }
  const planned = plan;
  const showRejections = () => {
    if (planned.rejected.length === 0) return;
    const groups = groupRejections(planned.rejected);
    const considered = planned.rejected.length + planned.total;
    process.stdout.write(`${formatRejections(groups, considered, sources).join("\n")}\n\n`);
  };
  if (options.dryRun) {
    // A grid's and random search's trials are all known now; tpe's depend on the results of earlier trials,
    // so only its first `startup` (random) ones are drawn and checked.
    const known = sweep.sampler.kind === "tpe" ? Math.min(sweep.sampler.startup, plan.total) : plan.total;
    const trials = Array.from({ length: known }, (_, i) => plan.plan(i + 1, [])).filter((p) => p !== null);
    showRejections();
    if (plan.exhausted) return reportMostlyInvalid(plan.exhausted);
    const what =
      known === plan.total
        ? `${known} trials`
        : `its first ${known} of ${plan.total} trials (tpe draws the rest from their results)`;
    const width = String(known).length;
    const lines = trials.map(
      (p) =>
        `  trial ${String(p.trial).padStart(width)}  ${describeConfiguration(p.config)}  (${groupThousands(p.params)} params)`,
    );
    process.stdout.write(`${sweep.name} would train ${what}:\n${lines.join("\n")}\n`);
    return;
  }
  if (sweep.sampler.kind !== "tpe") showRejections();
  process.exitCode = await runSweepSession({ ...session, train, plan });
  // tpe's rejected draws come as its trials start: shown at the end, with NN4080 when its draws gave up.
  if (plan.exhausted) reportMostlyInvalid(plan.exhausted);
  else if (sweep.sampler.kind === "tpe") showRejections();
}

/** The file's one sweep, or `model`'s; undefined (after a one-line error) otherwise. */
function chooseSweep(program: IrProgram, file: string, model: string | undefined): IrSweep | undefined {
  const sweeps = (program.sweeps ?? []).filter((s) => model === undefined || s.model === model);
  if (sweeps.length === 1) return sweeps[0];
  if (sweeps.length === 0) fail(`${file} has no sweep block${model === undefined ? "" : ` for model '${model}'`}`);
  else fail(`${file} sweeps ${sweeps.map((s) => s.model).join(", ")}; choose one with --model`);
  return undefined;
}

/** The texts rejections point into: the spec, and each `--set` argument (a source of its own). */
function sourcesOf(sweep: IrSweep, arguments_: readonly string[]): Map<string, string> {
  const file = sweep.location.file;
  return new Map([[file, readFileSync(file, "utf8")], ...overrideSources(arguments_)]);
}

/** Grids of at least this many configurations say so before they are checked. */
const largeGrid = 500;

function count(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError("expected a whole number from 1 to 64");
  return n;
}
