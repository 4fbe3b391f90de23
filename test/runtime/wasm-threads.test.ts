/**
 * The wasm backend's threaded build (src/runtime/wasm/threads.ts), each case in a fresh Node process
 * because a process starts its wasm backend once: with 2 threads, a dense layer's training step and a
 * convolution's forward pass and gradients agree with the cpu backend to 1e-4 relative, and the process
 * exits by itself (the pool's workers must not keep it alive); when the threaded build cannot start (here:
 * code generation from strings forbidden), the plain one does; `NNC_WASM_THREADS=1` gives the plain
 * build; a bad value is a one-line error naming the variable, not a fallback to the cpu backend.
 */
import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { repo } from "../helpers/cli.js";
import { relativeError } from "../helpers/wasm.js";
import { requestedThreads } from "../../src/runtime/wasm/threads.js";

/**
 * The child: trains a dense layer one step and differentiates a convolution on cpu and on wasm, with
 * values from a fixed sequence, then prints what the parent compares. It never calls process.exit.
 */
const child = `
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./src/runtime/backend.ts";
import { wasmThreads } from "./src/runtime/wasm/threads.ts";
const values = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 0.5);
async function compute() {
  const model = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [96], units: 160, activation: "relu" }),
    tf.layers.dense({ units: 10 }),
  ] });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(values(w.size, i + 1), w.shape)));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
  const x = tf.tensor(values(64 * 96, 7), [64, 96]);
  const y = tf.tensor(values(64 * 10, 8), [64, 10]);
  const loss = await model.trainOnBatch(x, y);
  const weights = await Promise.all(model.getWeights().map((w) => w.data()));
  const input = tf.tensor(values(2 * 24 * 24 * 8, 9), [2, 24, 24, 8]);
  const filter = tf.tensor(values(3 * 3 * 8 * 16, 10), [3, 3, 8, 16]);
  const probe = tf.tensor(values(2 * 24 * 24 * 16, 11), [2, 24, 24, 16]);
  const conv = (a, f) => tf.conv2d(a, f, 1, "same");
  const [dInput, dFilter] = tf.grads((a, f) => conv(a, f).mul(probe).sum())([input, filter]);
  return {
    loss,
    weights: weights.map((w) => Array.from(w)),
    conv: Array.from(await conv(input, filter).data()),
    dInput: Array.from(await dInput.data()),
    dFilter: Array.from(await dFilter.data()),
  };
}
const result = {};
try {
  for (const name of ["wasm", "cpu"]) {
    await initBackend(name);
    result[name] = await compute();
  }
  result.threads = wasmThreads();
  result.workerGlobal = typeof globalThis.Worker;
} catch (error) {
  result.error = { name: error.name, message: error.message };
}
process.stdout.write(JSON.stringify(result));
`;

interface ChildResult {
  readonly status: number | null;
  readonly result: Record<string, unknown>;
}

/** Runs the child with NNC_WASM_THREADS set to `threads`; it has 60 s to exit by itself. */
async function run(threads: string, nodeFlags: string[] = []): Promise<ChildResult> {
  const { NNC_WASM_THREADS: _, ...env } = process.env;
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...nodeFlags, "--import", "tsx", "--input-type=module", "-e", child],
      { cwd: repo, env: { ...env, NNC_WASM_THREADS: threads }, timeout: 60_000, maxBuffer: 64 << 20 },
    );
    return { status: 0, result: JSON.parse(stdout) as Record<string, unknown> };
  } catch (error) {
    const failed = error as { code?: number | string; signal?: string; stderr?: string };
    return { status: null, result: { failed: `${failed.code ?? failed.signal}: ${failed.stderr ?? ""}` } };
  }
}

type Computed = Record<"weights" | "conv" | "dInput" | "dFilter", number[][] | number[]> & { loss: number };

let threaded: ChildResult;
let plain: ChildResult;
let bad: ChildResult;
let fallback: ChildResult;

beforeAll(async () => {
  [threaded, plain, bad, fallback] = await Promise.all([
    run("2"),
    run("1"),
    run("two"),
    // The pool's workers evaluate the build's main script from a string, which this flag forbids.
    run("2", ["--disallow-code-generation-from-strings"]),
  ]);
});

describe("the threaded wasm build", () => {
  it("agrees with the cpu backend and exits by itself", () => {
    expect(threaded.result.error).toBeUndefined();
    expect(threaded.status).toBe(0);
    expect(threaded.result.threads).toEqual({ threads: 2 });
    // Emscripten's global Worker is put back.
    expect(threaded.result.workerGlobal).toBe("undefined");
    const cpu = threaded.result.cpu as Computed;
    const wasm = threaded.result.wasm as Computed;
    expect(relativeError([wasm.loss], [cpu.loss])).toBeLessThan(1e-4);
    for (const [i, w] of (cpu.weights as number[][]).entries()) {
      expect(relativeError((wasm.weights as number[][])[i]!, w), `weight ${i}`).toBeLessThan(1e-4);
    }
    for (const key of ["conv", "dInput", "dFilter"] as const) {
      expect(relativeError(wasm[key] as number[], cpu[key] as number[]), key).toBeLessThan(1e-4);
    }
  });

  it("is not used with NNC_WASM_THREADS=1", () => {
    expect(plain.result.error).toBeUndefined();
    expect(plain.status).toBe(0);
    expect(plain.result.threads).toEqual({ threads: 1 });
    const cpu = plain.result.cpu as Computed;
    const wasm = plain.result.wasm as Computed;
    expect(relativeError(wasm.dFilter as number[], cpu.dFilter as number[])).toBeLessThan(1e-4);
  });

  it("gives way to the plain build when it cannot start", () => {
    expect(fallback.result.error).toBeUndefined();
    expect(fallback.status).toBe(0);
    expect(fallback.result.threads).toEqual({ threads: 1, fallback: expect.stringMatching(/\S/) });
    const cpu = fallback.result.cpu as Computed;
    const wasm = fallback.result.wasm as Computed;
    expect(relativeError(wasm.dInput as number[], cpu.dInput as number[])).toBeLessThan(1e-4);
  });

  it("refuses a bad NNC_WASM_THREADS in one line", () => {
    expect(bad.status).toBe(0);
    const error = bad.result.error as { name: string; message: string };
    expect(error.name).toBe("BackendUnavailableError");
    expect(error.message).toMatch(/^NNC_WASM_THREADS must be a positive integer.*"two"/);
    expect(error.message).not.toContain("\n");
  });
});

describe("NNC_WASM_THREADS", () => {
  it("takes a whole number from 1 to the build's pool of 8, and the logical cores (at most 8) when unset", () => {
    expect(requestedThreads({ NNC_WASM_THREADS: "1" })).toBe(1);
    expect(requestedThreads({ NNC_WASM_THREADS: " 8 " })).toBe(8);
    expect(requestedThreads({})).toBe(Math.min(availableParallelism(), 8));
    expect(requestedThreads({}, 2)).toBe(2);
    expect(requestedThreads({}, 32)).toBe(8);
    for (const text of ["0", "9", "99", "2.5", "-1", "two"]) {
      const answer = requestedThreads({ NNC_WASM_THREADS: text });
      expect(answer).toEqual({ error: expect.stringContaining(`up to 8`) });
      expect((answer as { error: string }).error).toContain(JSON.stringify(text));
    }
  });
});
