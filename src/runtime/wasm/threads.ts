/**
 * tfjs-backend-wasm's multithreaded build (XNNPACK spreading each matMul and convolution over a pool of
 * threads) started in Node, where the package never picks it: its feature test says no for Node, and it
 * starts the pool's workers from `blob:` URLs, which Node's `Worker` refuses.
 *
 * nnc calls the build's Emscripten factory itself, with the hooks Emscripten offers:
 * - `mainScriptUrlOrBlob` is the build's main script file, which each pool worker reads and evaluates;
 * - `instantiateWasm` instantiates the binary with a core count of twice the threads wanted, because the
 *   build caps XNNPACK's threads at half the logical cores it is told of (and at 8, its pool's size).
 * The build creates its pool of 8 workers, and reads `require("worker_threads").Worker` for that, during
 * the factory's synchronous call; for that call only, `Worker` is nnc's: XNNPACK's `threads - 1` workers
 * run the worker script the package ships (as a string) with no loader flags, and the pool's other
 * places get stubs that cost no thread. Emscripten's global `Worker` is put back once XNNPACK's threads
 * run (the pool has room for all of them: no worker is created later), and those are unreferenced, so
 * that a process exits when its work ends.
 *
 * Memory: the build's memory is shared and declared with a 4 GiB maximum, the same ceiling as the plain
 * build's growable memory; V8 reserves the address space up front and commits pages as the heap grows.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BackendWasm, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";

/** The environment variable that sets the number of threads (`1`: the plain, single-threaded build). */
export const threadsVariable = "NNC_WASM_THREADS";

/** The pool the build creates when it starts; XNNPACK's threads come from it. */
const poolSize = 8;

/**
 * The threads `NNC_WASM_THREADS` asks for (a positive integer, at most the pool's 8), else one per logical core
 * of `cores`, at most 8 (nnc's product pool, gemm-pool.ts, takes as many as XNNPACK). A bad value gives a
 * one-line message instead of a number.
 */
export function requestedThreads(
  env: NodeJS.ProcessEnv = process.env,
  cores = os.availableParallelism(),
): number | { readonly error: string } {
  const text = env[threadsVariable]?.trim();
  if (text === undefined || text === "") return Math.min(cores, poolSize);
  // More than the build's pool would silently run 8 threads: say so instead.
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > poolSize) {
    return {
      error: `${threadsVariable} must be a positive integer up to ${poolSize} (the wasm backend's threads; 1 = single-threaded), not ${JSON.stringify(env[threadsVariable])}`,
    };
  }
  return Number(text);
}

/** Why the threaded build did not start, for `wasmThreads()`; undefined when it started or was not tried. */
let fallbackReason: string | undefined;
let started: BackendWasm | undefined;

/**
 * The wasm backend's build: its XNNPACK threads (1 for the plain build) and, when the threaded build was
 * tried and failed, why.
 */
export function wasmThreads(): { readonly threads: number; readonly fallback?: string } {
  const threads = started === undefined ? 1 : (started.wasm.tfjs.getThreadsCount() as number);
  return fallbackReason === undefined ? { threads } : { threads, fallback: fallbackReason };
}

/**
 * Makes tfjs's `wasm` backend start the threaded build with `threads` threads (more than 1), falling back
 * to the package's own (plain) build when the threaded one cannot start here. Does nothing when the wasm
 * backend has already started, since replacing it would dispose of its tensors.
 */
export function preferThreadedWasm(threads: number): void {
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  if (engine.registry.wasm !== undefined) return;
  const plain = tf.findBackendFactory("wasm");
  if (plain === null) return;
  const priority = 2; // the package's own (WASM_PRIORITY)
  tf.removeBackend("wasm");
  tf.registerBackend(
    "wasm",
    async () => {
      const why = threadedUnsupported();
      if (why === undefined) {
        try {
          return (started = await startThreaded(threads));
        } catch (error) {
          fallbackReason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        }
      } else fallbackReason = why;
      return plain();
    },
    priority,
  );
}

function threadedUnsupported(): string | undefined {
  if (typeof SharedArrayBuffer !== "function") return "no SharedArrayBuffer";
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return "no shared WebAssembly memory";
  }
  return undefined;
}

/** The parts of the Emscripten module nnc uses, beyond what BackendWasm uses. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { unusedWorkers: PoolWorker[]; runningWorkers: PoolWorker[] };
  tfjs?: unknown;
}

/** What Emscripten and nnc call on a pool worker, besides `on` (a Node `Worker` has it all). */
interface PoolWorker {
  postMessage(message: unknown, transfer?: unknown): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/**
 * A place in the pool that XNNPACK does not take: it answers the module's `load` at once. A thread run on
 * it would never start, so it throws instead (the threaded build then fails and the plain one starts).
 */
class StubWorker extends EventEmitter implements PoolWorker {
  postMessage(message: { cmd?: string }): void {
    if (message.cmd !== "load") throw new Error(`a stub pool worker was sent ${String(message.cmd)}`);
    setImmediate(() => this.emit("message", { cmd: "loaded" }));
  }
  ref(): void {}
  unref(): void {}
  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
}

const require = createRequire(import.meta.url);

async function startThreaded(threads: number): Promise<BackendWasm> {
  const mainScript = require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js");
  const dir = path.dirname(mainScript);
  const factory = require(mainScript) as (config: object) => Promise<ThreadedModule>;
  const { wasmWorkerContents } = require(path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  // The string holds "\n" escapes that became line breaks; the package escapes them again for its Blob.
  const workerScript = wasmWorkerContents.replace(/\n/g, "\\n");
  const compiled = await WebAssembly.compile(readFileSync(path.join(dir, "tfjs-backend-wasm-threaded-simd.wasm")));
  // XNNPACK takes its `threads - 1` workers (the calling thread is its first) from the end of the pool.
  const used = Math.min(threads, poolSize) - 1;
  const workerThreads = require("node:worker_threads") as { Worker: new (...args: never[]) => PoolWorker };
  const NodeWorker = require("node:worker_threads").Worker as typeof import("node:worker_threads").Worker;
  let created = 0;
  let starting = true;
  const PoolWorkerClass = function (): PoolWorker {
    created++;
    if (created <= poolSize - used) return new StubWorker();
    // An eval worker runs as CommonJS, as the script expects; the process's loader flags (--import,
    // --require) are not the pool's business.
    const worker = new NodeWorker(workerScript, { eval: true, execArgv: [] });
    // Emscripten rethrows a worker's error, which would end the process; while the build starts, the
    // error is a reason to start the plain build instead.
    const on = worker.on.bind(worker);
    worker.on = (event: string, listener: (...args: any[]) => void) =>
      on(event, event === "error" ? (error: unknown) => (starting ? fail(error) : listener(error)) : listener);
    return worker;
  };
  const hadWorker = Object.prototype.hasOwnProperty.call(globalThis, "Worker");
  const previousWorker = (globalThis as { Worker?: unknown }).Worker;
  let module: ThreadedModule | undefined;
  let fail: (reason: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = (reason) =>
      reject(reason instanceof Error ? reason : new Error(`the threaded wasm build aborted: ${String(reason)}`));
  });
  // A worker that never loads would leave the factory's promise pending for ever.
  const timer = setTimeout(() => fail(new Error("the threaded wasm build did not start in 30 s")), 30_000);
  timer.unref();
  const config = {
    mainScriptUrlOrBlob: mainScript,
    locateFile: (file: string) => path.join(dir, file),
    instantiateWasm(
      imports: { env: Record<string, unknown> },
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ): object {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(compiled, imports as WebAssembly.Imports).then(
        (instance) => receive(instance, compiled),
        (error: unknown) => fail(error),
      );
      return {};
    },
    onAbort: (reason: unknown) => fail(reason),
    print: () => {},
    printErr: () => {},
  };
  try {
    // The factory creates the pool's workers before it returns, and resolves once each has loaded.
    let ready: Promise<ThreadedModule>;
    workerThreads.Worker = PoolWorkerClass as never;
    try {
      ready = factory(config);
    } finally {
      workerThreads.Worker = NodeWorker as never;
    }
    module = config as unknown as ThreadedModule;
    const stubs = new Set<PoolWorker>(module.PThread.unusedWorkers.filter((worker) => worker instanceof StubWorker));
    module = await Promise.race([ready, failed]);
    module.tfjs = {
      init: module.cwrap("init", null, []),
      initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
      getThreadsCount: module.cwrap("get_threads_count", "number", []),
      registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
      disposeData: module.cwrap("dispose_data", null, ["number"]),
      dispose: module.cwrap("dispose", null, []),
    };
    setThreadsCount(Math.min(threads, poolSize));
    // Starts XNNPACK's threads.
    const backend = new BackendWasm(module as never);
    for (const worker of module.PThread.runningWorkers) worker.unref();
    if (module.PThread.runningWorkers.length !== used) {
      throw new Error(`XNNPACK started ${module.PThread.runningWorkers.length} threads, not ${used}`);
    }
    module.PThread.unusedWorkers = module.PThread.unusedWorkers.filter((worker) => !stubs.has(worker));
    return backend;
  } catch (error) {
    for (const worker of [...(module?.PThread?.unusedWorkers ?? []), ...(module?.PThread?.runningWorkers ?? [])]) {
      void worker.terminate();
    }
    throw error;
  } finally {
    starting = false;
    clearTimeout(timer);
    if (hadWorker) (globalThis as { Worker?: unknown }).Worker = previousWorker;
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}
