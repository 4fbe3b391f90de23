/**
 * BENCHMARKS.md from one run's results: the machine and its load, one section per benchmark with medians
 * and ranges, and the targets of issue 5, each a ratio of two figures from this run, met or not.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { BuildMeasurement } from "./build-worker.js";
import { num, showSpread, spread, torchCommand, type Spread, type WorkerResult } from "./lib.js";
import { benchModels, modelNames, predictRows, type ModelName } from "./models.js";
import { pytorchTargetSection, type PytorchTargetResults } from "./pytorch-target.js";
import type { TrainMeasurement } from "./train-worker.js";

export interface ThreadsMeasurement {
  readonly threads: number;
  readonly workers: number;
  readonly matMulGflops: number;
  readonly convnetSamplesPerSecond: number;
}

export const frameworks = ["nnc", "torch", "tfjs-wasm", "tfjs-cpu", "nnc-predict", "torch-infer"] as const;
export type Framework = (typeof frameworks)[number];

/** The rows of the training tables, and of the inference tables. */
const trainingFrameworks = ["nnc", "torch", "tfjs-wasm", "tfjs-cpu"] as const satisfies readonly Framework[];
const inferenceFrameworks = ["nnc-predict", "torch-infer"] as const satisfies readonly Framework[];

const frameworkTitles: Record<Framework, string> = {
  nnc: "nnc train (spec -> `trainModel`, backend nnc picks)",
  torch: "PyTorch at its best configuration (see below)",
  "tfjs-wasm": "tfjs by hand on tfjs-backend-wasm (no nnc kernels)",
  "tfjs-cpu": "tfjs by hand, defaults (cpu backend)",
  "nnc-predict": "nnc predict (`predictRun`: .npy rows -> classes and probabilities)",
  "torch-infer": "PyTorch inference (eval, no_grad, softmax/sigmoid), its best thread count",
};

export interface TorchTried {
  readonly configuration: { readonly threads: number; readonly foreach: boolean };
  readonly result: WorkerResult<TrainMeasurement>;
}

export interface Results {
  readonly quick: boolean;
  readonly date: string;
  readonly commit: string;
  readonly machine: string;
  readonly loadAtStart: string;
  readonly training: {
    readonly load: string;
    readonly rows: Record<ModelName, Record<Framework, WorkerResult<TrainMeasurement>>>;
    /** PyTorch's configurations tried on each model, briefly, before it is measured at the best one. */
    readonly tried: Record<ModelName, TorchTried[]>;
    /** A 2048x2048 float32 product in PyTorch's BLAS, with 1 thread and one per core (GFLOP/s). */
    readonly gemm: WorkerResult<TrainMeasurement>[];
    /** Multiply-accumulates per sample of each model's forward pass, as `nnc summary` counts them. */
    readonly macs: Record<ModelName, number | null>;
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
  readonly coldStart: {
    readonly load: string;
    readonly files: readonly { readonly file: string; readonly nnc: Spread }[];
    readonly node: Spread;
  };
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

/** The BLAS's GEMM peak on this machine: the faster of PyTorch's 2048x2048 products (GFLOP/s). */
function gemmPeak(r: Results): number | undefined {
  const rates = r.training.gemm.map(rate).filter((x) => x !== undefined);
  return rates.length === 0 ? undefined : Math.max(...rates);
}

/**
 * GFLOP/s a run reaches: a training step is ~3 forward passes' work (forward, gradients of the inputs and of
 * the weights), each multiply-accumulate 2 floating-point operations.
 */
function gflops(r: Results, model: ModelName, framework: Framework, samplesPerSecond: number): number | undefined {
  const macs = r.training.macs[model];
  if (macs === null || macs === undefined) return undefined;
  const passes = (inferenceFrameworks as readonly Framework[]).includes(framework) ? 1 : 3;
  return (samplesPerSecond * macs * 2 * passes) / 1e9;
}

function targets(r: Results): Target[] {
  const train = (m: ModelName, f: Framework) => rate(r.training.rows[m]?.[f]);
  const torch = (m: ModelName) => rate(r.training.rows[m]?.torch);
  const check = (size: string, tool: "nnc" | "tfjs") =>
    buildMs(r.checking.rows.find((row) => row.size === size)?.[tool]);
  const predict = (m: ModelName) => ratio(train(m, "nnc-predict"), train(m, "torch-infer"), "see the table");
  const training = (m: ModelName, name: string): Target => ({
    what: `${name}: nnc train / PyTorch (samples/s)`,
    ratio: ratio(train(m, "nnc"), torch(m), "see the table"),
    goal: ">= 0.25",
    met: (x) => x >= 0.25,
  });
  return [
    training("mlp", "MLP"),
    training("convnet", "convnet"),
    training("lstm", "LSTM"),
    ...(["mlp", "convnet", "lstm"] as const).map((m): Target => ({
      what: `${benchModels[m].short}: nnc predict / PyTorch inference (samples/s)`,
      ratio: predict(m),
      goal: ">= 0.5",
      met: (x) => x >= 0.5,
    })),
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
    slowestColdStart(r),
  ];
}

/** The cold start target: the file whose `nnc check` is slowest against `node -e 0`. */
function slowestColdStart(r: Results): Target {
  const { files, node } = r.coldStart;
  const slowest = files.reduce((a, b) => (b.nnc.median > a.nnc.median ? b : a));
  const others = files
    .filter((f) => f !== slowest)
    .map((f) => `${basename(f.file, ".nn")} ${num(f.nnc.median / node.median)}`);
  return {
    what: `cold start: \`nnc check ${slowest.file}\` / \`node -e 0\`${others.length > 0 ? ` (${others.join(", ")})` : ""}`,
    ratio: slowest.nnc.median / node.median,
    goal: "<= 2",
    met: (x) => x <= 2,
  };
}

function why(result: WorkerResult<unknown>): string {
  return `not measured: ${result.why ?? "no result"}`;
}

function trainingSection(r: Results): string[] {
  const peak = gemmPeak(r);
  const lines = [
    "## Training and inference throughput (samples/s)",
    "",
    `Load average at the start of this section: ${r.training.load}. Synthetic data, same batch size everywhere,`,
    "warm-up steps excluded. Each framework runs in a fresh process, in turn with the others, three times over",
    "(interleaved, so that a change of load falls on all alike), two rounds each: median (min .. max, n rounds).",
    "nnc is timed per epoch of a real `trainModel` run (so it includes its per-batch slicing, shuffling and",
    "progress); the hand-written tfjs and PyTorch models on repeated steps over one fixed batch, which favours",
    "them slightly. PyTorch runs as its users run it at its best (`torchEnvironment` in bench/lib.ts):",
    "",
    "    " + torchCommand,
    "",
    "that is, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on this machine for old OpenBLAS builds) unset,",
    "Debian's OpenMP OpenBLAS, glibc's malloc keeping large blocks (as PyTorch's CPU tuning guide advises,",
    "there with jemalloc or tcmalloc), and of four configurations (1 or 2 threads; Adam per parameter or",
    "`foreach`) the fastest for each model, tried first (table below).",
    "",
    `GFLOP/s: samples/s x the forward pass's multiply-accumulates per sample (\`nnc summary\`) x 2, x 3 for a`,
    "training step (forward, input gradients, weight gradients; an approximation: the first layer's input",
    "gradient is not needed). % of peak: of the BLAS's GEMM peak measured in the same run, " +
      (peak === undefined ? "(not measured)." : `${num(peak)} GFLOP/s (PyTorch, 2048x2048 float32, both cores).`),
  ];
  for (const model of modelNames) {
    const rows = r.training.rows[model];
    if (!rows) continue;
    const torch = rate(rows.torch);
    const cpu = rate(rows["tfjs-cpu"]);
    const table = (frameworks: readonly Framework[], base: number | undefined) => {
      for (const framework of frameworks) {
        const result = rows[framework];
        if (!result.ok) {
          lines.push(`| ${frameworkTitles[framework]} | | ${why(result)} | | | |`);
          continue;
        }
        const s = spread(result.value!.rates);
        const vs = (b: number | undefined) => (b === undefined ? "" : `${num(s.median / b)}x`);
        const g = gflops(r, model, framework, s.median);
        const share = g === undefined || peak === undefined ? "" : `${num((100 * g) / peak)}%`;
        lines.push(
          `| ${frameworkTitles[framework]} | ${result.value!.backend} | ${showSpread(s)} | ${vs(base)} | ${g === undefined ? "" : num(g)} | ${share} |`,
        );
      }
    };
    lines.push(
      "",
      `### ${benchModels[model].title}`,
      "",
      `Training (x tfjs cpu: nnc ${cpu === undefined || rate(rows.nnc) === undefined ? "not measured" : `${num(rate(rows.nnc)! / cpu)}x`} tfjs's cpu backend):`,
      "",
      "| | backend | samples/s | x PyTorch | GFLOP/s | % of peak |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    table(trainingFrameworks, torch);
    lines.push(
      "",
      `Inference, ${predictRows[model].toLocaleString("en-US")} rows (PyTorch in batches of 256; nnc predict batches as it does for users):`,
      "",
      "| | backend | samples/s | x PyTorch | GFLOP/s | % of peak |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    table(inferenceFrameworks, rate(rows["torch-infer"]));
  }
  lines.push(
    "",
    "PyTorch's configurations, each tried briefly on each model (samples/s, median of 2 rounds); the fastest is",
    "measured above:",
    "",
    "| model | " + (r.training.tried[modelNames[0]!] ?? []).map((t) => torchLabel(t.configuration)).join(" | ") + " |",
    "| --- |" + (r.training.tried[modelNames[0]!] ?? []).map(() => " --- |").join(""),
  );
  for (const model of modelNames) {
    const tried = r.training.tried[model];
    if (!tried) continue;
    const best = Math.max(...tried.map((t) => rate(t.result) ?? 0));
    const cells = tried.map((t) => {
      const v = rate(t.result);
      return v === undefined ? why(t.result) : v === best ? `**${num(v)}**` : num(v);
    });
    lines.push(`| ${benchModels[model].short} | ${cells.join(" | ")} |`);
  }
  const gemmLine = r.training.gemm
    .map((g) => (g.ok ? `${num(spread(g.value!.rates).median)} GFLOP/s (${g.value!.backend})` : why(g)))
    .join("; ");
  lines.push("", `GEMM peak, PyTorch's BLAS, 2048x2048 float32: ${gemmLine}.`);
  return lines;
}

const torchLabel = (c: TorchTried["configuration"]) =>
  `${c.threads} thread${c.threads === 1 ? "" : "s"}${c.foreach ? ", Adam foreach" : ""}`;

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
    "## Multithreaded wasm (nnc's default on more than one core)",
    "",
    `Load average at the start of this section: ${r.threads.load}. bench/wasm-threads.ts starts the wasm backend`,
    "through `initBackend` with NNC_WASM_THREADS=1 (plain: the single-threaded build) or one thread per core",
    "(threaded), each run in its own process, which must exit by itself (a hang shows as a timeout), in turn,",
    "twice. matMul: a 2048x2048 float32 product through XNNPACK, the GEMM peak of nnc's backend (compare with",
    "PyTorch's BLAS in the training section). The convnet is hand-written tfjs with nnc's wasm kernels, batch 64.",
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

/** The targets' table: each a ratio of two figures of this run, met or not. */
export function targetTable(r: Results): string[] {
  const lines = ["| target | measured | goal | |", "| --- | --- | --- | --- |"];
  for (const t of targets(r)) {
    const verdict = typeof t.ratio === "string" ? "not measured" : t.met(t.ratio) ? "met" : "not met";
    lines.push(`| ${t.what} | ${typeof t.ratio === "string" ? t.ratio : num(t.ratio)} | ${t.goal} | ${verdict} |`);
  }
  return lines;
}

function targetSection(r: Results): string[] {
  return ["## Targets (issues 5 and 17)", "", ...targetTable(r)];
}

/** The markers around the targets' table in README.md, which `npm run bench` rewrites from its run. */
export const readmeStart = "<!-- bench-targets:start -->";
export const readmeEnd = "<!-- bench-targets:end -->";

/** `readme` with the table between its markers replaced by `table` (unchanged when it has no markers). */
export function withReadmeTargets(readme: string, table: readonly string[]): string {
  const start = readme.indexOf(readmeStart);
  const end = readme.indexOf(readmeEnd);
  if (start < 0 || end < start) return readme;
  return `${readme.slice(0, start + readmeStart.length)}\n${table.join("\n")}\n${readme.slice(end)}`;
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
    "FILE` for each file and `node -e 0`, taking turns; milliseconds, median (range, n).",
    "",
    ...r.coldStart.files.map(
      (f) =>
        `- \`nnc check ${f.file}\`: ${showSpread(f.nnc, " ms")}, ${num(f.nnc.median / r.coldStart.node.median)}x \`node -e 0\``,
    ),
    `- \`node -e 0\`: ${showSpread(r.coldStart.node, " ms")}`,
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
