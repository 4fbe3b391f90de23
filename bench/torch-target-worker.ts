/**
 * One measurement of the PyTorch target: the bench model's spec (bench/models.ts) compiled with
 * `nnc compile --target pytorch`, and the emitted script trained on synthetic `.npy` data, as a user runs it:
 *
 *   node --import tsx bench/torch-target-worker.ts MODEL SECONDS ROUNDS PROCESSES
 *
 * PROCESSES 1 runs `python3 train.py`; more run `torchrun --nproc_per_node=PROCESSES` (with `--redirects 1
 * --tee 1`, which Debian's torch 1.13 needs on Python 3.11), DistributedDataParallel on gloo. A calibration run
 * of a few steps sizes the data so that an epoch lasts about SECONDS; then the script trains 1 + ROUNDS epochs and
 * each epoch after the first is one round: the rows of the epoch (all processes together) over the time the
 * script prints for it (`epoch 2/6 - 1234ms - ...`: its steps and the figures' reduction over the processes, not
 * the checkpoint written after it). The environment is the caller's (bench/run.ts gives PyTorch's runs
 * `torchEnvironment()`). Prints one JSON line: samples/s per round.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticNpy } from "./lib.js";
import { benchModels, type BenchModel, type ModelName } from "./models.js";
import type { TrainMeasurement } from "./train-worker.js";

const PYTHON = "/usr/bin/python3";
const TORCHRUN = "/usr/bin/torchrun";
const repo = join(import.meta.dirname, "..");

const [modelName, secondsText, roundsText, processesText] = process.argv.slice(2);
const bench = benchModels[modelName as ModelName];
if (!bench) throw new Error("usage: torch-target-worker.ts mlp|convnet|lstm|text SECONDS ROUNDS PROCESSES");
const seconds = Number(secondsText ?? 1);
const rounds = Number(roundsText ?? 5);
const processes = Number(processesText ?? 1);

const dir = mkdtempSync(join(tmpdir(), "nnc-bench-torch-"));
try {
  process.stdout.write(JSON.stringify(await measure(bench)) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function measure(model: BenchModel): Promise<TrainMeasurement> {
  writeFileSync(join(dir, "model.nn"), model.spec);
  const compiled = spawnSync(
    process.execPath,
    [join(repo, "bin", "nnc.js"), "compile", "model.nn", "--target", "pytorch", "-o", "train.py"],
    { cwd: dir, encoding: "utf8" },
  );
  if (compiled.status !== 0) throw new Error(`nnc compile --target pytorch failed: ${compiled.stderr.trim()}`);
  // batch_size is the batch of a step of all processes together: steps per epoch do not depend on them.
  const calibration = await epochTimes(model, 4, 2);
  const steps = Math.max(1, Math.round(seconds / (calibration[0]! / 4)));
  const times = await epochTimes(model, steps, rounds + 1);
  const rows = steps * model.batch;
  const backend = `${torchVersion()}, ${processes === 1 ? "1 process" : `${processes} processes`}`;
  return { rates: times.map((t) => rows / t), backend };
}

/** Trains `epochs` epochs of `steps` steps (of the whole batch, split between the processes); their seconds. */
async function epochTimes(model: BenchModel, steps: number, epochs: number): Promise<number[]> {
  writeSyntheticNpy(dir, model, steps * model.batch);
  rmSync(join(dir, "run"), { recursive: true, force: true });
  const script = ["train.py", "--run-dir", "run", "--epochs", String(epochs)];
  const [command, ...args] =
    processes === 1
      ? [PYTHON, ...script]
      : [TORCHRUN, "--redirects", "1", "--tee", "1", `--nproc_per_node=${processes}`, ...script];
  const times = await printedEpochTimes(command!, args, dir);
  if (times.length !== epochs) throw new Error(`the script printed ${times.length} epoch lines, not ${epochs}`);
  return times.slice(1);
}

/** Runs the script and reads the time of each epoch from rank 0's lines (`[default0]:epoch 2/6 - 812ms - ...`). */
function printedEpochTimes(command: string, args: readonly string[], cwd: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => {
      if (status !== 0) return reject(new Error(`${command} exited with ${status}: ${lastLine(stderr)}`));
      const epochLine = /^(?:\[default0\]:)?epoch \d+\/\d+ - (\d+)ms - /gm;
      resolve([...stdout.matchAll(epochLine)].map((m) => Number(m[1]) / 1000));
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

function torchVersion(): string {
  const probe = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  return `torch ${probe.stdout.trim()}`;
}
