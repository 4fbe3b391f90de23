/**
 * The wasm backend for tests, loaded from the package's own files (never fetched) with nnc's kernels, and
 * a way to run the same computation on the cpu backend and on wasm.
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmKernels } from "../../src/runtime/wasm/register.js";

const require = createRequire(import.meta.url);

/** Registers nnc's wasm kernels and makes sure both backends start; leaves the cpu backend current. */
export async function prepareBackends(): Promise<void> {
  setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep);
  registerWasmKernels();
  await useBackend("wasm");
  await useBackend("cpu");
}

export async function useBackend(name: "cpu" | "wasm"): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start`);
  await tf.ready();
  // The cpu backend prints a "use tfjs-node" banner on first use; these tests compare numbers.
  if (name === "cpu") (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

/** The largest difference from `expected`, relative to expected's largest magnitude (at least 1e-6). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 1e-6;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return Number.isNaN(worst) ? Infinity : worst / scale;
}
