/**
 * `nnc schedule FILE`: the learning rate a train block will use, step by step, before training: a table at
 * chosen steps and, with `--plot`, an SVG chart of every step. Reads the data only to count its rows (for
 * the steps per epoch); never loads tfjs.
 */
import { InvalidArgumentError, type Command } from "commander";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import type { IrCall } from "../compiler/ir/index.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { overwrittenInput } from "../io/output-path.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { chooseTrain, fail, loadProgram, programInputs } from "./common.js";

interface ScheduleCliOptions {
  readonly model?: string;
  readonly plot?: string;
  readonly stepsPerEpoch?: number;
}

export function registerSchedule(program: Command): void {
  program
    .command("schedule")
    .description("print the learning rate over the planned training steps (and draw it with --plot)")
    .argument("<file>", ".nn file with a train block")
    .option("-m, --model <name>", "which train block, when the file trains several models")
    .option("--plot <file>", "also draw the learning rate at every step: an SVG chart, or PNG for a .png name")
    .option("--steps-per-epoch <n>", "steps per epoch, instead of counting the rows of the data", positiveInteger)
    .addHelpText("after", "\nExample:\n  nnc schedule examples/fashion_mnist.nn --plot lr.svg")
    .action((file: string, options: ScheduleCliOptions) => runSchedule(file, options));
}

async function runSchedule(file: string, options: ScheduleCliOptions): Promise<void> {
  const program = loadProgram(file);
  if (!program) return;
  const train = chooseTrain(program, file, options.model);
  if (!train) return;
  const overwrites = options.plot && overwrittenInput(options.plot, programInputs(program), "--plot");
  if (overwrites) return fail(overwrites);
  const { scheduledRate, isStepSchedule } = await import("../runtime/schedules.js");
  const { NncUserError } = await import("../runtime/errors.js");
  let stepsPerEpoch = options.stepsPerEpoch;
  let rowsNote = "";
  if (stepsPerEpoch === undefined) {
    try {
      const { countRows } = await import("../runtime/data/records.js");
      const rows = Math.floor((await countRows(train.data)) * (1 - train.validationSplit));
      stepsPerEpoch = Math.ceil(rows / train.batchSize);
      rowsNote = `${rows} training rows, batch_size ${train.batchSize}: `;
    } catch (error) {
      if (!(error instanceof NncUserError)) throw error;
      process.stderr.write(`${error.format()}\n`);
      process.exitCode = 1;
      return;
    }
  }
  const total = stepsPerEpoch * train.epochs;
  const initial = Number(train.optimizer.args["learning_rate"]);
  const schedule = train.lrSchedule;
  const rate = (step: number) => (schedule ? scheduledRate(schedule, initial, step) : initial);
  const out = process.stdout;
  out.write(
    `${train.model}: ${formatCall(train.optimizer)}, lr_schedule: ${schedule ? formatCall(schedule) : "none"}\n`,
  );
  out.write(`${rowsNote}${stepsPerEpoch} steps per epoch x ${train.epochs} epochs = ${total} steps\n`);
  if (schedule && !isStepSchedule(schedule)) {
    const a = schedule.args;
    out.write(
      `the rate starts at ${initial} and is multiplied by ${a["factor"]} whenever ${a["monitor"]} has not improved by ${a["min_delta"]} for ${a["patience"]} epochs (not below ${a["min_lr"]}); it depends on the run, so there is no table\n`,
    );
  } else {
    out.write(`\n${"step".padStart(8)}  ${"epoch".padStart(5)}  learning_rate\n`);
    for (const step of chosenSteps(schedule, total)) {
      out.write(
        `${String(step).padStart(8)}  ${String(Math.floor(step / stepsPerEpoch) + 1).padStart(5)}  ${formatRate(rate(step))}\n`,
      );
    }
  }
  if (options.plot) {
    const { renderChart } = await import("../runtime/svg-chart.js");
    const every = Math.max(1, Math.floor(total / 2000));
    const points: [number, number][] = [];
    for (let step = 0; step < total; step += every) points.push([step, rate(step)]);
    if (points.at(-1)?.[0] !== total - 1) points.push([total - 1, rate(total - 1)]);
    const title = `${train.model}: learning rate, ${schedule ? schedule.name : "constant"}`;
    const subtitle = `${schedule ? `${formatCall(schedule)}, from ` : ""}${train.optimizer.name} learning_rate ${initial}`;
    const svg = renderChart([{ title, subtitle, xLabel: "step", series: [{ name: "learning rate", points }] }]);
    const target = path.resolve(options.plot);
    mkdirSync(path.dirname(target), { recursive: true });
    // A .png name gets the chart rendered to PNG; anything else gets the SVG text.
    const { svgToPng } = await import("../runtime/plot.js");
    const png = target.toLowerCase().endsWith(".png") ? await svgToPng(svg) : null;
    await writeFileAtomic(target, png ?? svg);
    out.write(`\nwrote ${displayPath(target)}\n`);
  }
}

/** Steps worth a row: the first two, tenths of the run, the last, and where the schedule changes shape. */
function chosenSteps(schedule: IrCall | null, total: number): number[] {
  const steps = new Set([0, 1, total - 1]);
  for (let k = 1; k < 10; k++) steps.add(Math.round((total * k) / 10));
  const a = schedule?.args ?? {};
  if (Array.isArray(a["boundaries"])) for (const b of a["boundaries"] as number[]) steps.add(b).add(b + 1);
  for (const key of ["warmup_steps", "decay_steps", "first_decay_steps"]) {
    if (typeof a[key] === "number" && (a[key] as number) > 0) steps.add(a[key] as number);
  }
  return [...steps].filter((s) => s >= 0 && s < total).sort((x, y) => x - y);
}

/** `adam(learning_rate: 0.001)`: the arguments as written in a spec. */
function formatCall(call: IrCall): string {
  const value = (v: unknown) => (Array.isArray(v) ? `[${v.join(", ")}]` : JSON.stringify(v));
  const args = Object.entries(call.args).map(([k, v]) => `${k}: ${value(v)}`);
  return `${call.name}(${args.join(", ")})`;
}

function formatRate(rate: number): string {
  return String(Number(rate.toPrecision(6)));
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}
