/**
 * Picks the TensorFlow.js backend nnc trains on: the fastest one available unless the user names one.
 *
 * - `node`: @tensorflow/tfjs-node (TensorFlow's C library), used when the user has installed it; nnc does
 *   not depend on it, because its install script downloads a native library.
 * - `wasm`: @tensorflow/tfjs-backend-wasm, loaded from the package's own files (never over the network),
 *   with nnc's gradient kernels (src/runtime/wasm/) that tfjs lacks or computes slowly there. Its
 *   multithreaded build runs with one thread per logical core (`NNC_WASM_THREADS` sets the number; 1 is
 *   the plain build), and the plain build takes over when the threaded one cannot start.
 * - `cpu`: tfjs's pure-JavaScript backend, always there and the slowest.
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { BackendName } from "./backend-names.js";

export { backendNames, type BackendName } from "./backend-names.js";
type ConcreteBackend = Exclude<BackendName, "auto">;

/** A backend that was asked for by name but cannot run here; the message is one line for the user. */
export class BackendUnavailableError extends Error {
  override readonly name = "BackendUnavailableError";
}

/**
 * A setting (an environment variable) with a value nnc does not accept; `auto` does not fall back to
 * another backend on it, so the user hears of the mistake.
 */
export class BackendSettingError extends BackendUnavailableError {}

/** tfjs's names for nnc's backends. */
const engineNames: Record<ConcreteBackend, string> = { node: "tensorflow", wasm: "wasm", cpu: "cpu" };

let chosen: ConcreteBackend | undefined;

/**
 * The least work a training step's forward pass does (multiply-accumulates: a sample's times the batch) for
 * which the wasm backend starts its threaded build when NNC_WASM_THREADS does not say: XNNPACK hands every
 * operation to its threads, which costs more than it saves on a model as small as Iris's (its training took
 * 3x as long with 2 threads as with 1); the bench's smallest model does 34M a step.
 */
export const threadedWork = 10_000_000;

/**
 * A training step's work, for the wasm backend's choice of build: its forward multiply-accumulates, and of
 * those the ones in matrix products (dense layers), which nnc's own product computes (wasm/gemm.ts) on its
 * own threads.
 */
export interface StepWork {
  readonly macs: number;
  readonly productMacs: number;
}

/**
 * The share of a step's work in matrix products from which the threaded build keeps XNNPACK on one thread:
 * nnc's product shares its rows with its own worker, and what is left for XNNPACK (a bias, a relu, ...) is
 * too small to hand to threads. XNNPACK's waiting threads took the second core from that worker: the MLP's
 * training step took 33 ms on 2 XNNPACK threads against 21 ms on one (2 cores, load 15; cpu 21 against 13 ms).
 */
export const productShare = 0.9;

/** The work `initBackend` was told of, for the wasm backend's choice of build. */
let expectedWork: StepWork | undefined;

/**
 * Sets the backend and returns its name (`wasm`, `cpu`, `node`) for the "backend: ..." line. `auto` takes
 * tfjs-node when it is installed, else wasm, else cpu. Without an argument, the backend an earlier call set
 * stays (so `trainModel` keeps what `nnc train --backend` chose); the first call picks as `auto` does.
 * Throws `BackendUnavailableError` when a named backend cannot run. `work`, when known, is the
 * multiply-accumulates of a training step's forward pass: below `threadedWork`, wasm starts single-threaded
 * unless NNC_WASM_THREADS says otherwise; a `StepWork` whose products are at least `productShare` of it
 * keeps XNNPACK on one thread of the threaded build (nnc's product still uses the threads).
 */
export async function initBackend(requested?: BackendName, work?: number | StepWork): Promise<ConcreteBackend> {
  expectedWork ??= typeof work === "number" ? { macs: work, productMacs: 0 } : work;
  if (requested === undefined) {
    if (chosen !== undefined && tf.getBackend() === engineNames[chosen]) return chosen;
    requested = "auto";
  }
  if (requested !== "auto") {
    await setBackend(requested);
    return (chosen = requested);
  }
  for (const candidate of ["node", "wasm"] as const) {
    try {
      await setBackend(candidate);
      return (chosen = candidate);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError) || error instanceof BackendSettingError) throw error;
    }
  }
  await setBackend("cpu");
  return (chosen = "cpu");
}

async function setBackend(name: ConcreteBackend): Promise<void> {
  if (tf.getBackend() === engineNames[name] && chosen === name) return;
  if (name === "node") await loadNode();
  if (name === "wasm") await loadWasm();
  // A backend that fails to initialize makes tfjs print a warning and a stack trace; the error nnc
  // throws says it in one line, so tfjs's warnings are silenced while switching.
  const prod = tf.env().getBool("PROD");
  tf.env().set("PROD", true);
  let ok: boolean;
  try {
    ok = await tf.setBackend(engineNames[name]);
  } finally {
    tf.env().set("PROD", prod);
  }
  if (!ok) throw new BackendUnavailableError(`the ${name} backend failed to initialize`);
  if (name === "cpu") {
    // The cpu backend prints a "looks like you are running TensorFlow.js in Node.js" banner on its first
    // write; nnc says which backend it uses itself, so the banner is only noise.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  }
  await tf.ready();
}

const require = createRequire(import.meta.url);

/** Loads tfjs-node if the user installed it; it registers the `tensorflow` backend as it loads. */
async function loadNode(): Promise<void> {
  const specifier = "@tensorflow/tfjs-node";
  try {
    require.resolve(specifier);
  } catch {
    throw new BackendUnavailableError(
      `the node backend needs ${specifier}, which is not installed (npm install ${specifier})`,
    );
  }
  try {
    await import(specifier);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new BackendUnavailableError(`${specifier} is installed but does not load: ${reason}`);
  }
  if (tf.findBackendFactory("tensorflow") === null) {
    throw new BackendUnavailableError(
      `${specifier} is installed but uses another copy of @tensorflow/tfjs-core than nnc`,
    );
  }
}

let wasmLoaded = false;

/**
 * Loads tfjs-backend-wasm from its own directory, registers nnc's kernels for it and, unless
 * `NNC_WASM_THREADS` is 1 or there is one core, has it start the threaded build (./wasm/threads.ts), with
 * XNNPACK on one thread when the step is mostly matrix products.
 */
async function loadWasm(): Promise<void> {
  if (wasmLoaded) return;
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new BackendUnavailableError(`the wasm backend does not load: ${reason}`);
  }
  // The .wasm binaries sit beside the package's main file; a path (not a URL) makes Emscripten read them
  // with fs, so nothing is fetched.
  const { requestedThreads, preferThreadedWasm, threadsVariable } = await import("./wasm/threads.js");
  const threads = requestedThreads();
  if (typeof threads !== "number") throw new BackendSettingError(threads.error);
  const explicit = (process.env[threadsVariable]?.trim() ?? "") !== "";
  const small = !explicit && expectedWork !== undefined && expectedWork.macs < threadedWork;
  const { macs = 0, productMacs = 0 } = expectedWork ?? {};
  const products = productMacs > 0 && productMacs >= productShare * macs;
  wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep);
  const { registerWasmKernels } = await import("./wasm/register.js");
  registerWasmKernels();
  if (threads > 1 && !small) preferThreadedWasm(products ? 1 : threads);
  wasmLoaded = true;
}
