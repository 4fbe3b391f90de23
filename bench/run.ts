/**
 * `npm run bench`: every benchmark of issue 5 in one run, written to BENCHMARKS.md (atomically).
 *
 *   npm run bench [-- --quick] [-- --out FILE] [-- --only pytorch-target]
 *
 * Each measurement runs in its own process (bench/train-worker.ts, bench/train_torch.py,
 * bench/build-worker.ts, bench/lsp-latency.ts) with a time limit; a failure or a timeout becomes a note in
 * the report, never an error. `--quick` is a smoke run with few, short repetitions; it writes to a file in
 * the temporary directory unless `--out` says otherwise, so that it never replaces BENCHMARKS.md.
 * `--only pytorch-target` measures the PyTorch target's section alone (bench/pytorch-target.ts) and replaces
 * that section of the report in place, leaving the other sections as they were.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../src/io/write-atomic.js";
import type { BuildMeasurement } from "./build-worker.js";
import { loadNow, machine, runWorker, spread, torchEnvironment, type WorkerResult } from "./lib.js";
import { modelNames, type ModelName } from "./models.js";
import {
  measurePytorchTarget,
  pytorchTargetSection,
  withPytorchTargetSection,
  type PytorchTargetResults,
} from "./pytorch-target.js";
import { frameworks, notes, renderReport, type Framework, type Results } from "./report.js";
import type { TrainMeasurement } from "./train-worker.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (only !== undefined && only !== "pytorch-target") throw new Error(`--only takes pytorch-target, not ${only}`);
const outAt = args.indexOf("--out");
const out = resolve(
  outAt >= 0 && args[outAt + 1]
    ? args[outAt + 1]!
    : quick
      ? join(tmpdir(), "nnc-BENCHMARKS.quick.md")
      : "BENCHMARKS.md",
);
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

async function training(): Promise<Results["training"]> {
  const load = loadNow();
  const [seconds, rounds] = quick ? ["0.3", "2"] : ["1", "5"];
  const noTorch = torchStatus();
  const rows = {} as Record<ModelName, Record<Framework, WorkerResult<TrainMeasurement>>>;
  for (const model of modelNames) {
    rows[model] = {} as Record<Framework, WorkerResult<TrainMeasurement>>;
    for (const framework of frameworks) {
      log(`training ${model} with ${framework}`);
      // tfjs's cpu backend needs minutes per step of the text model (see the note in the report).
      const slow = framework === "tfjs-cpu" && model === "text";
      const limit = quick ? (slow ? 10 : 90) : slow ? 45 : 120;
      rows[model][framework] =
        framework === "torch" || framework === "torch-all-cores"
          ? noTorch
            ? { ok: false, why: noTorch, seconds: 0 }
            : await runWorker(
                PYTHON,
                [
                  "bench/train_torch.py",
                  model,
                  seconds,
                  rounds,
                  ...(framework === "torch" ? [] : [String(cpus().length)]),
                ],
                limit,
                torchEnvironment(),
              )
          : await runWorker(node, [...tsx, "bench/train-worker.ts", framework, model, seconds, rounds], limit);
    }
  }
  return { load, rows };
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

/** The threaded wasm build against the plain one (bench/wasm-threads.ts); a run that hangs times out. */
async function wasmThreads(): Promise<Results["threads"]> {
  const load = loadNow();
  const rows: Results["threads"]["rows"] = [];
  for (const [mode, threads] of [
    ["plain", "1"],
    ["threaded", "1"],
    ["threaded", "2"],
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

/** Process start to exit, `nnc check` and `node -e 0` taking turns so that both see the same load. */
function coldStart(): Results["coldStart"] {
  const load = loadNow();
  const runs = quick ? 5 : 20;
  const file = "examples/vgg16.nn";
  const time = (argv: string[]) => {
    const t = performance.now();
    const result = spawnSync(node, argv, { stdio: "ignore" });
    if (result.status !== 0) throw new Error(`${argv.join(" ")} exited with ${result.status}`);
    return performance.now() - t;
  };
  log(`cold start: ${runs} runs each`);
  const nnc: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const a = time(["bin/nnc.js", "check", file]);
    const b = time(["-e", "0"]);
    // The first pair warms the file cache and is not counted.
    if (i > 0) (nnc.push(a), bare.push(b));
  }
  return { load, file, nnc: spread(nnc), node: spread(bare) };
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
  const measured = await measurePytorchTarget({ quick, python: PYTHON, log });
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
process.stdout.write(report);
log(`wrote ${out} in ${results.minutes.toFixed(1)} min`);
