/**
 * The PyTorch target's section of BENCHMARKS.md: the training script `nnc compile --target pytorch` emits for
 * each bench model, on one process and on two (torchrun), beside `nnc train` measured in the same run.
 * `npm run bench -- --only pytorch-target` measures this section alone and puts it into BENCHMARKS.md in place
 * of the one there; a full `npm run bench` measures it with the others.
 */
import { spawnSync } from "node:child_process";
import { num, runWorker, showSpread, spread, torchEnvironment, type WorkerResult } from "./lib.js";
import { benchModels, modelNames, type ModelName } from "./models.js";
import type { TrainMeasurement } from "./train-worker.js";

export const pytorchTargetRuns = ["nnc", "script", "torchrun-2"] as const;
export type PytorchTargetRun = (typeof pytorchTargetRuns)[number];

const runTitles: Record<PytorchTargetRun, string> = {
  nnc: "`nnc train` (one process)",
  script: "`nnc compile --target pytorch`: `python3 train.py`",
  "torchrun-2": "the same script: `torchrun --nproc_per_node=2 train.py` (DDP, gloo)",
};

export interface PytorchTargetResults {
  readonly load: string;
  readonly date: string;
  readonly commit: string;
  readonly command: string;
  readonly rows: Record<ModelName, Record<PytorchTargetRun, WorkerResult<TrainMeasurement>>>;
}

/** The markers around the section in BENCHMARKS.md, so that `--only pytorch-target` can replace it alone. */
export const sectionStart = "<!-- pytorch-target:start -->";
export const sectionEnd = "<!-- pytorch-target:end -->";

/**
 * Measures every bench model: `nnc train` (bench/train-worker.ts), then the emitted script on one process and
 * on two (bench/torch-target-worker.ts, in PyTorch's environment). A failure is a note in the table.
 */
export async function measurePytorchTarget(options: {
  readonly quick: boolean;
  readonly python: string;
  readonly log: (line: string) => void;
  /** The bench models to measure (all by default). */
  readonly models?: readonly ModelName[];
}): Promise<Omit<PytorchTargetResults, "load" | "date" | "commit" | "command">> {
  const [seconds, rounds] = options.quick ? ["0.5", "2"] : ["2", "5"];
  const noTorch = spawnSync(options.python, ["-c", "import torch"]).status === 0 ? null : "PyTorch is not installed";
  const rows = {} as PytorchTargetResults["rows"];
  for (const model of options.models ?? modelNames) {
    rows[model] = {} as Record<PytorchTargetRun, WorkerResult<TrainMeasurement>>;
    for (const run of pytorchTargetRuns) {
      options.log(`PyTorch target: ${model}, ${run}`);
      const tsx = [process.execPath, "--import", "tsx"] as const;
      rows[model][run] =
        run === "nnc"
          ? await runWorker(tsx[0], [...tsx.slice(1), "bench/train-worker.ts", "nnc", model, seconds, rounds], 180)
          : noTorch
            ? { ok: false, why: noTorch, seconds: 0 }
            : await runWorker(
                tsx[0],
                [...tsx.slice(1), "bench/torch-target-worker.ts", model, seconds, rounds, run === "script" ? "1" : "2"],
                300,
                torchEnvironment(),
              );
    }
  }
  return { rows };
}

const rate = (r: WorkerResult<TrainMeasurement>) => (r.ok ? spread(r.value!.rates).median : undefined);

/** The section, between its markers. */
export function pytorchTargetSection(r: PytorchTargetResults): string[] {
  const lines = [
    sectionStart,
    "## The PyTorch target",
    "",
    `Measured by \`${r.command}\` (bench/pytorch-target.ts) on ${r.date}, commit ${r.commit};`,
    `load average at the start: ${r.load}. Each bench model's spec (the ones above, reading synthetic \`x.npy\``,
    "and `y.npy`) is compiled with `nnc compile --target pytorch`, and the emitted script trains it as a user runs",
    "it: on one process, and with torchrun on two (DistributedDataParallel over gloo, one thread each: torchrun",
    "sets `OMP_NUM_THREADS=1`). Samples/s of whole epochs: the rows of an epoch over the time the script prints",
    "for it (its steps with their data loading, and the figures summed over the processes; not the checkpoint",
    "written after it), a first epoch left out; the median of the epochs, the range in brackets. `batch_size` is",
    "the batch of a step of all processes together, so each of two processes takes half of it. PyTorch's runs",
    "have the environment of the training section (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, Debian's OpenMP",
    "OpenBLAS, glibc's malloc keeping large blocks); the script uses torch's defaults otherwise (1 thread here,",
    "Adam per parameter). `nnc train` is measured in the same run, as in the training section, on the backend",
    "nnc picks.",
    "",
    "| model | batch | " +
      pytorchTargetRuns.map((run) => runTitles[run]).join(" | ") +
      " | script / nnc | 2 processes / 1 |",
    "| --- | --- | " + pytorchTargetRuns.map(() => "---").join(" | ") + " | --- | --- |",
  ];
  for (const model of modelNames) {
    const row = r.rows[model];
    if (!row) continue;
    const cells = pytorchTargetRuns.map((run) =>
      row[run].ok ? showSpread(spread(row[run].value!.rates)) : `not measured: ${row[run].why ?? "no result"}`,
    );
    const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${num(a / b)}x` : "");
    const [nnc, script, two] = pytorchTargetRuns.map((run) => rate(row[run]));
    lines.push(
      `| ${benchModels[model].title.replace(/, batch \d+$/, "")} | ${benchModels[model].batch} | ${cells.join(" | ")} | ${ratio(script, nnc)} | ${ratio(two, script)} |`,
    );
  }
  lines.push(sectionEnd);
  return lines;
}

/** `report` with its PyTorch target section replaced by `section` (or added before the checking section). */
export function withPytorchTargetSection(report: string, section: readonly string[]): string {
  const text = section.join("\n");
  const start = report.indexOf(sectionStart);
  const end = report.indexOf(sectionEnd);
  if (start >= 0 && end > start) return report.slice(0, start) + text + report.slice(end + sectionEnd.length);
  const before = report.indexOf("## Compile-time checking");
  return before < 0
    ? `${report.trimEnd()}\n\n${text}\n`
    : `${report.slice(0, before)}${text}\n\n${report.slice(before)}`;
}
