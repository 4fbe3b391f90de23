/**
 * What every benchmark shares: summary statistics, the machine description, running a worker process with a
 * time limit and reading its JSON answer, and writing synthetic `.npy` data. Nothing here imports tfjs.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { BenchModel } from "./models.js";

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("no values to summarize");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

/** `1,234` for large figures, three significant digits for small ones. */
export function num(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(3)).toString();
}

/** `1,234 (1,100 .. 1,300, n=5)`. */
export function showSpread(s: Spread, unit = ""): string {
  const range = s.n > 1 ? ` (${num(s.min)} .. ${num(s.max)}, n=${s.n})` : " (n=1)";
  return `${num(s.median)}${unit}${range}`;
}

export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

export function machine(): string {
  const cpu = cpus();
  return [
    `CPU: ${cpu[0]?.model ?? "unknown"}, ${cpu.length} logical cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `Node ${process.version}, ${process.platform}-${process.arch}`,
  ].join("; ");
}

export interface WorkerResult<T> {
  readonly ok: boolean;
  readonly value?: T;
  /** Why there is no value: the worker's last stderr line, or a timeout. */
  readonly why?: string;
  readonly seconds: number;
}

/**
 * Runs `command args`, waits at most `limitSeconds`, and parses the last stdout line that starts with `{`.
 * A worker that fails or times out gives `ok: false` and a reason; benchmarks never throw on a failure.
 */
export function runWorker<T>(
  command: string,
  args: readonly string[],
  limitSeconds: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkerResult<T>> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitSeconds * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const line = out
        .split("\n")
        .reverse()
        .find((l) => l.startsWith("{"));
      if (code === 0 && line) return resolve({ ok: true, value: JSON.parse(line) as T, seconds });
      const why =
        signal === "SIGKILL" ? `did not finish within ${limitSeconds} s` : (errorLine(err) ?? `exit status ${code}`);
      resolve({ ok: false, why: why.trim().slice(0, 300), seconds });
    });
  });
}

/** The line of a crashed process's stderr that says what went wrong (not the stack, not Node's version). */
function errorLine(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim());
  return (
    lines.find((l) => /^(\w*Error|error)\b/.test(l) && l.includes(":")) ??
    lines.reverse().find((l) => l !== "" && !l.startsWith("Node.js v"))
  );
}

/** Writes a little-endian `.npy` file (format 1.0) of float32 or int32 values. */
export function writeNpy(file: string, shape: readonly number[], values: Float32Array | Int32Array): void {
  const descr = values instanceof Float32Array ? "<f4" : "<i4";
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // The header, with its 10-byte preamble, is padded with spaces to a multiple of 64 and ends in a newline.
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + "\n";
  const preamble = Buffer.alloc(10);
  preamble.write("\x93NUMPY", 0, "latin1");
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([preamble, Buffer.from(header, "latin1"), Buffer.from(values.buffer)]));
}

/** Random features in [0, 1) or word ids, and labels spread over every class (so nnc sees them all). */
export function syntheticData(model: BenchModel, rows: number): { x: Float32Array | Int32Array; labels: Int32Array } {
  const size = model.inputShape.reduce((a, b) => a * b, 1) * rows;
  const x =
    model.vocabulary > 0
      ? Int32Array.from({ length: size }, () => Math.floor(Math.random() * model.vocabulary))
      : Float32Array.from({ length: size }, Math.random);
  const labels = Int32Array.from(
    { length: rows },
    (_, i) => (i + Math.floor(Math.random() * model.classes)) % model.classes,
  );
  return { x, labels };
}

/** `rows` synthetic examples as the bench specs read them: `x.npy` and `y.npy` (class indices) in `dir`. */
export function writeSyntheticNpy(dir: string, model: BenchModel, rows: number): void {
  const data = syntheticData(model, rows);
  writeNpy(join(dir, "x.npy"), [rows, ...model.inputShape], data.x);
  writeNpy(join(dir, "y.npy"), [rows], data.labels);
}

/**
 * glibc's malloc as PyTorch's CPU tuning guide has users set it (or replace it with jemalloc/tcmalloc): large
 * blocks kept in the heap instead of mapped and unmapped at every allocation. Without it, each of Adam's
 * temporaries (a 200,000-element tensor per parameter per step) costs fresh page faults, and the MLP trains at
 * a third of its speed (19,000 against 61,000 samples/s here, one thread).
 */
export const torchMalloc = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

/**
 * PyTorch as its users run it at its best: without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this machine
 * sets for old OpenBLAS builds and which slow a current one several-fold; with Debian's OpenMP OpenBLAS when it
 * is installed (libopenblas0-openmp); with glibc's malloc tuned (`torchMalloc`). Only PyTorch's runs get this;
 * tests never change these variables.
 */
export function torchEnvironment(): NodeJS.ProcessEnv {
  const { OPENBLAS_CORETYPE: _coretype, OPENBLAS_L2_SIZE: _l2, ...env } = process.env;
  const tuned = { ...env, GLIBC_TUNABLES: [env["GLIBC_TUNABLES"], torchMalloc].filter(Boolean).join(":") };
  if (!existsSync(openblasOpenmp)) return tuned;
  return { ...tuned, LD_LIBRARY_PATH: [openblasOpenmp, env["LD_LIBRARY_PATH"]].filter(Boolean).join(":") };
}

/** Debian's OpenMP OpenBLAS (libopenblas0-openmp), which PyTorch's runs load. */
export const openblasOpenmp = "/usr/lib/x86_64-linux-gnu/openblas-openmp";

/** The command line that runs PyTorch as `torchEnvironment` sets it up, for the report. */
export const torchCommand =
  "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp " +
  `GLIBC_TUNABLES=${torchMalloc} /usr/bin/python3 bench/train_torch.py MODEL SECONDS ROUNDS [--threads N] [--foreach]`;
