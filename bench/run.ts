/**
 * `npm run bench`: every benchmark of issue 5 in one run, written to BENCHMARKS.md (atomically).
 *
 *   npm run bench [-- --quick] [--out FILE] [--only pytorch-target] [--models mlp,convnet]
 *
 * Each measurement runs in its own process (bench/train-worker.ts, bench/train_torch.py,
 * bench/build-worker.ts, bench/lsp-latency.ts) with a time limit; a failure or a timeout becomes a note in
 * the report, never an error. `--quick` is a smoke run with few, short repetitions; it writes to a file in
 * the temporary directory unless `--out` says otherwise, so that it never replaces BENCHMARKS.md.
 * `--only pytorch-target` measures the PyTorch target's section alone (bench/pytorch-target.ts) and replaces
 * that section of the report in place, leaving the other sections as they were. `--models` measures the training
 * of those bench models only (a smoke run of the report, with `--quick` or `--out`; the other models' rows say
 * they were not measured). A bad command line stops before the build, in one line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../src/io/write-atomic.js";
import type { BuildMeasurement } from "./build-worker.js";
import { loadNow, machine, openblasOpenmp, runWorker, spread, torchEnvironment, type WorkerResult } from "./lib.js";
import { checkSource } from "../src/compiler/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import { benchModels, modelNames, predictRows, type ModelName } from "./models.js";
import {
  measurePytorchTarget,
  pytorchTargetSection,
  withPytorchTargetSection,
  type PytorchTargetResults,
} from "./pytorch-target.js";
import {
  frameworks,
  notes,
  renderReport,
  targetTable,
  withReadmeTargets,
  type Framework,
  type Results,
} from "./report.js";
import type { TrainMeasurement } from "./train-worker.js";

const usage = "usage: npm run bench [-- --quick] [--out FILE] [--only pytorch-target] [--models mlp,convnet]";

/** Stops the bench with a one-line message, before anything is built or measured. */
function refuse(message: string): never {
  process.stderr.write(`[bench] ${message}\n`);
  process.exit(2);
}

/** The command line (node's parser: unknown flags and `--out` followed by a flag are refused). */
function parseCommandLine(): { quick: boolean; only?: "pytorch-target"; models: readonly ModelName[]; out: string } {
  const options = {
    help: { type: "boolean" },
    quick: { type: "boolean" },
    only: { type: "string" },
    models: { type: "string" },
    out: { type: "string" },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>["values"];
  try {
    values = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return refuse(`${(error as Error).message.replace(/\s*\n\s*/g, " ")} (${usage})`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const { quick = false, only } = values;
  if (only !== undefined && only !== "pytorch-target") refuse(`--only takes pytorch-target, not '${only}'`);
  const models = values.models === undefined ? modelNames : values.models.split(",").map(modelName);
  if (values.out !== undefined) writableFile(values.out);
  const out = resolve(values.out ?? (quick ? join(tmpdir(), "nnc-BENCHMARKS.quick.md") : "BENCHMARKS.md"));
  // Some models' rows (or section) would replace a whole run's.
  if (models !== modelNames && out === resolve("BENCHMARKS.md"))
    refuse("--models measures some models only: add --quick or --out FILE, so that BENCHMARKS.md keeps its full run");
  return { quick, only: only as "pytorch-target" | undefined, models, out };
}

/** Refuses `--out FILE` now when the report could not be written there at the end of the run. */
function writableFile(file: string): void {
  if (file === "") refuse("--out needs a file name");
  if (existsSync(file) && statSync(file).isDirectory()) refuse(`--out ${file} is a folder: name the report's file`);
  try {
    const folder = dirname(resolve(file));
    if (!statSync(folder).isDirectory()) throw new Error("not a folder");
    accessSync(folder, constants.W_OK);
  } catch {
    refuse(`--out ${file}: the folder ${dirname(resolve(file))} does not exist or is not writable`);
  }
}

function modelName(name: string): ModelName {
  if (!(modelNames as readonly string[]).includes(name))
    refuse(`--models takes names among ${modelNames.join(", ")}, not '${name}'`);
  return name as ModelName;
}

const { quick, only, models, out } = parseCommandLine();
// Without Debian's OpenBLAS, torch runs on the reference BLAS (libblas3: ~6 GFLOP/s where OpenBLAS does ~300
// here), and every ratio against it would flatter nnc some 20-fold.
if (!existsSync(openblasOpenmp) && spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0)
  refuse(
    `${openblasOpenmp} is missing: apt-get install libopenblas0-openmp (PyTorch on the reference BLAS is no fair peer)`,
  );
// The CLI the cold-start runs time is the built one: build it now that the command line is known to be good.
const build = spawnSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
if (build.status !== 0) refuse(`npm run build failed (exit status ${build.status})`);
const PYTHON = "/usr/bin/python3";
const node = process.execPath;
const tsx = ["--import", "tsx"];

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const started = performance.now();

function torchStatus(): string | null {
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} not found`;
  return probe.status === 0
    ? null
    : `PyTorch is not installed for ${PYTHON} (apt-get install python3-torch libopenblas0-openmp)`;
}

/** PyTorch's configurations the bench tries on each model: thread count, and Adam one tensor at a time or foreach. */
const torchConfigurations = [
  { threads: 1, foreach: false },
  { threads: cpus().length, foreach: false },
  { threads: 1, foreach: true },
  { threads: cpus().length, foreach: true },
] as const;

type TorchConfiguration = (typeof torchConfigurations)[number];

const torchArgs = (c: TorchConfiguration) => ["--threads", String(c.threads), ...(c.foreach ? ["--foreach"] : [])];

/** The rates of several runs of one measurement as one result (a failed run's reason kept if none succeeded). */
function pooled<T extends { rates: number[]; backend: string }>(runs: readonly WorkerResult<T>[]): WorkerResult<T> {
  const ok = runs.filter((r) => r.ok);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  if (ok.length === 0) return runs[0] ?? { ok: false, why: "not run", seconds };
  const rates = ok.flatMap((r) => r.value!.rates);
  return { ok: true, value: { ...ok[0]!.value!, rates }, seconds };
}

/**
 * Every model, each framework in turn, `repeats` times over (interleaved, so that a change in the machine's
 * load falls on all of them alike), a fresh process each time. PyTorch first tries each configuration of
 * `torchConfigurations` briefly and is then measured at its best one; its inference runs at its best thread
 * count. tfjs's cpu backend, 20 to 400 times slower, runs once.
 */
async function training(): Promise<Results["training"]> {
  const load = loadNow();
  const [seconds, rounds, repeats] = quick ? ["0.3", "1", 1] : ["1", "2", 3];
  const noTorch = torchStatus();
  const torch = (args: string[], limit: number) =>
    noTorch
      ? Promise.resolve<WorkerResult<TrainMeasurement>>({ ok: false, why: noTorch, seconds: 0 })
      : runWorker<TrainMeasurement>(PYTHON, ["bench/train_torch.py", ...args], limit, torchEnvironment());
  const node = (framework: string, model: string) =>
    runWorker<TrainMeasurement>(
      process.execPath,
      [...tsx, "bench/train-worker.ts", framework, model, seconds, rounds],
      180,
    );
  const rows = {} as Results["training"]["rows"];
  const tried = {} as Results["training"]["tried"];
  for (const model of models) {
    log(`training ${model}: PyTorch's configurations`);
    tried[model] = [];
    for (const configuration of torchConfigurations) {
      const result = await torch([model, quick ? "0.2" : "0.5", "2", ...torchArgs(configuration)], 120);
      tried[model].push({ configuration, result });
    }
    const best = tried[model].reduce((a, b) => (median(b.result) > median(a.result) ? b : a)).configuration;
    const runs: Partial<Record<Framework, WorkerResult<TrainMeasurement>[]>> = {};
    const add = (framework: Framework, result: WorkerResult<TrainMeasurement>) => (runs[framework] ??= []).push(result);
    for (let repeat = 0; repeat < repeats; repeat++) {
      log(`training ${model}: round ${repeat + 1} of ${repeats}`);
      add("nnc", await node("nnc", model));
      add("torch", await torch([model, seconds, rounds, ...torchArgs(best)], 120));
      add("tfjs-wasm", await node("tfjs-wasm", model));
      add("nnc-predict", await node("nnc-predict", model));
      add(
        "torch-infer",
        await torch(
          [model, seconds, rounds, "--threads", String(best.threads), "--infer", String(predictRows[model])],
          120,
        ),
      );
    }
    // tfjs's cpu backend needs minutes per step of the text model (see the note in the report).
    log(`training ${model}: tfjs's cpu backend`);
    const limit = model === "text" ? (quick ? 10 : 45) : quick ? 90 : 120;
    add(
      "tfjs-cpu",
      await runWorker(
        process.execPath,
        [...tsx, "bench/train-worker.ts", "tfjs-cpu", model, seconds, String(rounds)],
        limit,
      ),
    );
    rows[model] = Object.fromEntries(frameworks.map((f) => [f, pooled(runs[f] ?? [])])) as Record<
      Framework,
      WorkerResult<TrainMeasurement>
    >;
  }
  log("GEMM peak: PyTorch's BLAS");
  const gemm: WorkerResult<TrainMeasurement>[] = [];
  for (const threads of [1, cpus().length])
    gemm.push(await torch(["gemm", seconds, "3", "--threads", String(threads)], 120));
  return { load, rows, tried, gemm, macs: trainingMacs() };
}

const median = (r: WorkerResult<TrainMeasurement>) => (r.ok ? spread(r.value!.rates).median : 0);

/** Each bench model's multiply-accumulates per sample, as `nnc summary` counts them. */
function trainingMacs(): Record<ModelName, number | null> {
  return Object.fromEntries(
    modelNames.map((model) => {
      const checked = checkSource(benchModels[model].spec, `${model}.nn`);
      const ir = checked.program?.models[0];
      const macs = ir ? summarize(ir).macs : null;
      return [model, macs === null ? null : Number(macs)];
    }),
  ) as Record<ModelName, number | null>;
}

export const checkSizes = ["vgg16", "10", "100", "1000", "10000"] as const;

async function checking(): Promise<Results["checking"]> {
  const load = loadNow();
  const budget = quick ? "1" : "5";
  const rows: Results["checking"]["rows"] = [];
  for (const size of checkSizes) {
    log(`check and build: ${size}`);
    const worker = (tool: string) =>
      runWorker<BuildMeasurement>(node, ["--expose-gc", ...tsx, "bench/build-worker.ts", tool, size, budget], 120);
    rows.push({ size, nnc: await worker("nnc"), tfjs: await worker("tfjs") });
  }
  return { load, rows };
}

/**
 * The threaded wasm build against the plain one, twice in turn (bench/wasm-threads.ts: the XNNPACK GEMM peak
 * that bounds nnc on wasm); a run that hangs times out.
 */
async function wasmThreads(): Promise<Results["threads"]> {
  const load = loadNow();
  const rows: Results["threads"]["rows"] = [];
  for (const [mode, threads] of [
    ["plain", "1"],
    ["threaded", String(cpus().length)],
    ["plain", "1"],
    ["threaded", String(cpus().length)],
  ] as const) {
    log(`wasm threads: ${mode} ${threads}`);
    rows.push({
      mode,
      threads,
      result: await runWorker(node, [...tsx, "bench/wasm-threads.ts", mode, threads, quick ? "0.3" : "1"], 120),
    });
  }
  return { load, rows };
}

/**
 * Process start to exit, `nnc check` of each file and `node -e 0` taking turns so that all see the same load:
 * VGG16 (few layers, big weights), ResNet50 (53 convolutions in residual blocks) and Inception v3 (94 in
 * blocks of parallel branches).
 */
function coldStart(): Results["coldStart"] {
  const load = loadNow();
  const runs = quick ? 5 : 20;
  const files = ["examples/vgg16.nn", "examples/resnet50.nn", "examples/inception_v3.nn"];
  const time = (argv: string[]) => {
    const t = performance.now();
    const result = spawnSync(node, argv, { stdio: "ignore" });
    if (result.status !== 0) throw new Error(`${argv.join(" ")} exited with ${result.status}`);
    return performance.now() - t;
  };
  log(`cold start: ${runs} runs each`);
  const nnc: number[][] = files.map(() => []);
  const bare: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const times = files.map((file) => time(["bin/nnc.js", "check", file]));
    const b = time(["-e", "0"]);
    // The first round warms the file cache and is not counted.
    if (i > 0) {
      times.forEach((t, k) => nnc[k]!.push(t));
      bare.push(b);
    }
  }
  return { load, files: files.map((file, k) => ({ file, nnc: spread(nnc[k]!) })), node: spread(bare) };
}

async function lsp(): Promise<Results["lsp"]> {
  const load = loadNow();
  log("language server latency");
  const result = spawnSync(node, [...tsx, "bench/lsp-latency.ts", quick ? "6" : "40"], {
    encoding: "utf8",
    timeout: 180_000,
  });
  const lines = result.stdout.trim().split("\n").filter(Boolean);
  const median = /median ([\d.]+) ms/.exec(result.stdout)?.[1];
  if (result.status !== 0 || median === undefined) {
    return { load, lines, why: result.stderr.trim().split("\n").at(-1) ?? `exit status ${result.status}` };
  }
  return { load, lines, medianMs: Number(median) };
}

const commit = (() => {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim() !== "";
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return "unknown";
  }
})();

/** The PyTorch target's section, measured now, with the command that measured it. */
async function pytorchTarget(): Promise<PytorchTargetResults> {
  const load = loadNow();
  const measured = await measurePytorchTarget({ quick, python: PYTHON, log, models });
  const flags = [...(only ? ["--only", only] : []), ...(quick ? ["--quick"] : [])];
  const command = ["npm run bench", ...(flags.length > 0 ? ["--", ...flags] : [])].join(" ");
  return { ...measured, load, date: now(), commit, command };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

const loadAtStart = loadNow();
log(`writing ${out}${quick ? " (quick run)" : ""}${only ? `, section ${only} only` : ""}; load average ${loadAtStart}`);
if (only) {
  const section = pytorchTargetSection(await pytorchTarget());
  const earlier = withPytorchTargetSection(existsSync(out) ? readFileSync(out, "utf8") : "", section);
  // The notes at the end are bench/notes.md as it is now, which may speak of the new figures.
  const notesAt = earlier.indexOf("## Notes (bench/notes.md");
  const report = notesAt < 0 ? earlier : `${earlier.slice(0, notesAt)}${notes().join("\n")}`;
  await writeFileAtomic(out, report);
  process.stdout.write(section.join("\n") + "\n");
  log(`wrote the section into ${out} in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  process.exit(0);
}
const results: Results = {
  quick,
  date: now(),
  commit,
  machine: machine(),
  loadAtStart,
  training: await training(),
  pytorchTarget: await pytorchTarget(),
  checking: await checking(),
  threads: await wasmThreads(),
  coldStart: coldStart(),
  lsp: await lsp(),
  minutes: 0,
};
results.minutes = (performance.now() - started) / 60_000;
const report = renderReport(results);
await writeFileAtomic(out, report);
// README.md shows the targets' table of the last full run (test/readme-bench.test.ts keeps the two equal).
if (!quick && models === modelNames && resolve("BENCHMARKS.md") === out) {
  const readme = readFileSync("README.md", "utf8");
  const updated = withReadmeTargets(readme, targetTable(results));
  if (updated !== readme) await writeFileAtomic("README.md", updated);
}
process.stdout.write(report);
log(`wrote ${out} in ${results.minutes.toFixed(1)} min`);
