/**
 * BENCHMARKS.md from one run's results: the machine and its load, one section per benchmark with medians
 * and ranges, and the targets of issue 5, each a ratio of two figures from this run, met or not.
 */
import { existsSync, readFileSync } from "node:fs";
import type { BuildMeasurement } from "./build-worker.js";
import { num, showSpread, spread, type Spread, type WorkerResult } from "./lib.js";
import { benchModels, modelNames, type ModelName } from "./models.js";
import { pytorchTargetSection, type PytorchTargetResults } from "./pytorch-target.js";
import type { TrainMeasurement } from "./train-worker.js";

export interface ThreadsMeasurement {
  readonly threads: number;
  readonly workers: number;
  readonly matMulGflops: number;
  readonly convnetSamplesPerSecond: number;
}

export const frameworks = ["nnc", "tfjs-cpu", "tfjs-wasm", "torch", "torch-all-cores"] as const;
export type Framework = (typeof frameworks)[number];

const frameworkTitles: Record<Framework, string> = {
  nnc: "nnc train (spec -> `trainModel`, backend nnc picks)",
  "tfjs-cpu": "tfjs by hand, defaults (cpu backend)",
  "tfjs-wasm": "tfjs by hand on tfjs-backend-wasm (no nnc kernels)",
  torch:
    "PyTorch (Debian python3-torch, OpenMP OpenBLAS, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset), its default threads",
  "torch-all-cores": "PyTorch, one thread per core",
};

export interface Results {
  readonly quick: boolean;
  readonly date: string;
  readonly commit: string;
  readonly machine: string;
  readonly loadAtStart: string;
  readonly training: {
    readonly load: string;
    readonly rows: Record<ModelName, Record<Framework, WorkerResult<TrainMeasurement>>>;
  };
  readonly pytorchTarget: PytorchTargetResults;
  readonly checking: {
    readonly load: string;
    readonly rows: { size: string; nnc: WorkerResult<BuildMeasurement>; tfjs: WorkerResult<BuildMeasurement> }[];
  };
  readonly threads: {
    readonly load: string;
    readonly rows: { mode: string; threads: string; result: WorkerResult<ThreadsMeasurement> }[];
  };
  readonly coldStart: { readonly load: string; readonly file: string; readonly nnc: Spread; readonly node: Spread };
  readonly lsp: { readonly load: string; readonly lines: string[]; readonly medianMs?: number; readonly why?: string };
  minutes: number;
}

interface Target {
  readonly what: string;
  /** The measured ratio, or why there is none. */
  readonly ratio: number | string;
  readonly goal: string;
  readonly met: (ratio: number) => boolean;
}

const rate = (r: WorkerResult<TrainMeasurement> | undefined) => (r?.ok ? spread(r.value!.rates).median : undefined);
const buildMs = (r: WorkerResult<BuildMeasurement> | undefined) => (r?.ok ? spread(r.value!.ms).median : undefined);

function ratio(a: number | undefined, b: number | undefined, missing: string): number | string {
  return a === undefined || b === undefined ? `not measured (${missing})` : a / b;
}

/**
 * The faster of PyTorch's two runs: its default thread count (1 on this 2-core machine) or one thread per core.
 * Ratios to PyTorch are to this figure, the harder comparison.
 */
function bestTorch(rows: Record<Framework, WorkerResult<TrainMeasurement>>): number | undefined {
  const rates = [rate(rows.torch), rate(rows["torch-all-cores"])].filter((x) => x !== undefined);
  return rates.length === 0 ? undefined : Math.max(...rates);
}

function targets(r: Results): Target[] {
  const train = (m: ModelName, f: Framework) => rate(r.training.rows[m][f]);
  const torch = (m: ModelName) => bestTorch(r.training.rows[m]);
  const check = (size: string, tool: "nnc" | "tfjs") =>
    buildMs(r.checking.rows.find((row) => row.size === size)?.[tool]);
  return [
    {
      what: "convnet: nnc / PyTorch (samples/s)",
      ratio: ratio(train("convnet", "nnc"), torch("convnet"), "see the table"),
      goal: ">= 0.25",
      met: (x) => x >= 0.25,
    },
    {
      what: "MLP: nnc / PyTorch (samples/s)",
      ratio: ratio(train("mlp", "nnc"), torch("mlp"), "see the table"),
      goal: ">= 0.25",
      met: (x) => x >= 0.25,
    },
    {
      what: "MLP: nnc / tfjs on wasm (samples/s)",
      ratio: ratio(train("mlp", "nnc"), train("mlp", "tfjs-wasm"), "see the table"),
      goal: ">= 3",
      met: (x) => x >= 3,
    },
    {
      what: "VGG16: tfjs build time / `nnc check` time",
      ratio: ratio(check("vgg16", "tfjs"), check("vgg16", "nnc"), "see the table"),
      goal: ">= 100",
      met: (x) => x >= 100,
    },
    {
      what: "check time, 10,000 layers / 1,000 layers",
      ratio: ratio(check("10000", "nnc"), check("1000", "nnc"), "see the table"),
      goal: "<= 12",
      met: (x) => x <= 12,
    },
    {
      what: "cold start: `nnc check` / `node -e 0`",
      ratio: r.coldStart.nnc.median / r.coldStart.node.median,
      goal: "<= 2",
      met: (x) => x <= 2,
    },
  ];
}

function why(result: WorkerResult<unknown>): string {
  return `not measured: ${result.why ?? "no result"}`;
}

function trainingSection(r: Results): string[] {
  const lines = [
    "## Training throughput (samples/s)",
    "",
    `Load average at the start of this section: ${r.training.load}. Synthetic data, same batch size everywhere,`,
    "warm-up steps excluded; the median of the rounds, the range in brackets. nnc is timed per epoch of a real",
    "`trainModel` run (so it includes `fit`'s per-batch slicing, shuffling and progress); the hand-written tfjs and",
    "PyTorch models are timed on repeated steps over one fixed batch, which favours them slightly. PyTorch runs",
    "twice, with its default thread count and with one thread per core; `x PyTorch` is against the faster of the two.",
  ];
  for (const model of modelNames) {
    const rows = r.training.rows[model];
    const torch = bestTorch(rows);
    const cpu = rate(rows["tfjs-cpu"]);
    lines.push(
      "",
      `### ${benchModels[model].title}`,
      "",
      "| | backend | samples/s | x PyTorch | x tfjs cpu |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const framework of frameworks) {
      const result = rows[framework];
      if (!result.ok) {
        lines.push(`| ${frameworkTitles[framework]} | | ${why(result)} | | |`);
        continue;
      }
      const s = spread(result.value!.rates);
      const vs = (base: number | undefined) => (base === undefined ? "" : `${num(s.median / base)}x`);
      lines.push(
        `| ${frameworkTitles[framework]} | ${result.value!.backend} | ${showSpread(s)} | ${vs(torch)} | ${vs(cpu)} |`,
      );
    }
  }
  return lines;
}

function checkingSection(r: Results): string[] {
  const lines = [
    "## Compile-time checking vs building the model in tfjs",
    "",
    `Load average at the start of this section: ${r.checking.load}. \`nnc check\`'s work in-process (\`checkSource\`:`,
    "parse, names, arguments, shapes, lints) against tfjs building the same model with `tf.sequential` on its",
    "default (cpu) backend, weights included. `N layers` is a generated stack of N `dense(32)` layers, one per",
    "line. Each in a fresh process after a warm-up on a 10-layer model; milliseconds, median (range, n).",
    "Retained: heap and buffers the checked program or the built model keeps alive; peak: the process's RSS.",
    "",
    "| model | nnc check ms | retained MB | peak MB | ms / layer | tfjs build ms | retained MB | peak MB | ms / layer | tfjs / nnc |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const layers = (size: string) => (size === "vgg16" ? 23 : Number(size));
  for (const row of r.checking.rows) {
    const cells = (m: WorkerResult<BuildMeasurement>) => {
      if (!m.ok) return [why(m), "", "", ""];
      const s = spread(m.value!.ms);
      const retained = m.value!.retainedMB < 0.1 ? "< 0.1" : num(m.value!.retainedMB);
      return [showSpread(s), retained, num(m.value!.peakRssMB), num(s.median / layers(row.size))];
    };
    const n = buildMs(row.nnc);
    const t = buildMs(row.tfjs);
    const name =
      row.size === "vgg16"
        ? "examples/vgg16.nn (23 layers, 138M parameters)"
        : `${Number(row.size).toLocaleString("en-US")} layers`;
    lines.push(
      `| ${name} | ${[...cells(row.nnc), ...cells(row.tfjs)].join(" | ")} | ${n && t ? `${num(t / n)}x` : ""} |`,
    );
  }
  return lines;
}

function threadsSection(r: Results): string[] {
  const lines = [
    "## Multithreaded wasm (an experiment, not adopted)",
    "",
    `Load average at the start of this section: ${r.threads.load}. bench/wasm-threads.ts: tfjs-backend-wasm's`,
    "threaded build forced on in Node through a Worker shim (its workers start from `blob:` URLs, which Node",
    "refuses), against the plain build nnc uses. Each run in its own process, which must exit by itself",
    "(a hang shows as a timeout). The convnet is hand-written tfjs with nnc's wasm kernels, batch 64.",
    "",
    "| build | threads | pool workers | matMul 2048x2048 GFLOP/s | convnet samples/s |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const row of r.threads.rows) {
    const v = row.result.value;
    lines.push(
      row.result.ok && v
        ? `| ${row.mode} | ${v.threads} | ${v.workers} | ${num(v.matMulGflops)} | ${num(v.convnetSamplesPerSecond)} |`
        : `| ${row.mode} | ${row.threads} | | ${why(row.result)} | |`,
    );
  }
  return lines;
}

function targetSection(r: Results): string[] {
  const lines = ["## Targets (issue 5)", "", "| target | measured | goal | |", "| --- | --- | --- | --- |"];
  for (const t of targets(r)) {
    const verdict = typeof t.ratio === "string" ? "not measured" : t.met(t.ratio) ? "met" : "not met";
    lines.push(`| ${t.what} | ${typeof t.ratio === "string" ? t.ratio : num(t.ratio)} | ${t.goal} | ${verdict} |`);
  }
  return lines;
}

/** bench/notes.md, kept by hand: what each figure means, what was tried, why a target is not met. */
export function notes(): string[] {
  const file = new URL("notes.md", import.meta.url);
  return existsSync(file) ? [readFileSync(file, "utf8").trim(), ""] : [];
}

export function renderReport(r: Results): string {
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench${r.quick ? " -- --quick" : ""}\` (bench/run.ts) on ${r.date}, commit ${r.commit}, in ${r.minutes.toFixed(1)} minutes.`,
    r.quick ? "**A quick smoke run: few, short repetitions; the figures are rough.**" : "",
    "",
    `Machine: ${r.machine}. Load average (1, 5, 15 min) at the start: ${r.loadAtStart}.`,
    "Timing depends on the load of the machine; each section records the load average when it started.",
    "",
    ...targetSection(r),
    "",
    ...trainingSection(r),
    "",
    ...pytorchTargetSection(r.pytorchTarget),
    "",
    ...checkingSection(r),
    "",
    ...threadsSection(r),
    "",
    "## `nnc check` cold start",
    "",
    `Load average at the start of this section: ${r.coldStart.load}. Process start to exit, \`node bin/nnc.js check`,
    `${r.coldStart.file}\` and \`node -e 0\` taking turns; milliseconds, median (range, n).`,
    "",
    `- \`nnc check ${r.coldStart.file}\`: ${showSpread(r.coldStart.nnc, " ms")}`,
    `- \`node -e 0\`: ${showSpread(r.coldStart.node, " ms")}`,
    `- ratio: ${num(r.coldStart.nnc.median / r.coldStart.node.median)}x`,
    "",
    "## Language server: diagnostics after an edit",
    "",
    `Load average at the start of this section: ${r.lsp.load}. bench/lsp-latency.ts: a 2,000-line file open in the`,
    "real server over stdio; the time from sending a change to receiving its diagnostics.",
    "",
    ...(r.lsp.why ? [`Not measured: ${r.lsp.why}`] : r.lsp.lines.map((l) => `    ${l}`)),
    "",
    ...notes(),
  ];
  return lines.filter((l, i) => !(l === "" && lines[i - 1] === "")).join("\n");
}
