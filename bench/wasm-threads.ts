/**
 * The multithreaded wasm experiment (issue 5, item 2), measured, not adopted:
 *
 *   node --import tsx bench/wasm-threads.ts plain|threaded THREADS SECONDS
 *
 * tfjs-backend-wasm never uses its threaded build in Node (its feature test says no for Node), and the build
 * starts its workers from `blob:` URLs, which Node's Worker refuses. `threaded` forces the feature flag and
 * swaps each blob worker for a file holding the worker script the package ships, with the main script's
 * path in place of its blob. The build sizes its thread pool from half the logical cores, so THREADS above
 * that is reached by reporting twice the cores to it. Measures a 2048x2048 matMul and the convnet's
 * training step (hand-written tfjs with nnc's wasm kernels), and reports whether the process then exits
 * on its own.
 */
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { spread } from "./lib.js";
import { benchModels } from "./models.js";

const [mode, threadsText, secondsText] = process.argv.slice(2);
const threads = Number(threadsText ?? 2);
const seconds = Number(secondsText ?? 1);
const require = createRequire(import.meta.url);
const workers: import("node:worker_threads").Worker[] = [];
let workerFile: string | undefined;

if (mode === "threaded") {
  const dir = path.dirname(
    require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js"),
  );
  const mainScript = path.join(dir, "tfjs-backend-wasm-threaded-simd.js");
  const { wasmWorkerContents } = require(path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  workerFile = path.join(os.tmpdir(), `nnc-wasm-worker-${process.pid}.cjs`);
  // The worker script turns the main script's Blob into a URL and reads it from disk: give it the path.
  const prelude = `URL.createObjectURL = () => ${JSON.stringify(mainScript)}; URL.revokeObjectURL = () => {};\n`;
  writeFileSync(workerFile, prelude + wasmWorkerContents.replace(/\n/g, "\\n"));
  const threadsModule = require("node:worker_threads") as typeof import("node:worker_threads");
  const NodeWorker = threadsModule.Worker;
  const file = workerFile;
  (threadsModule as { Worker: unknown }).Worker = class extends NodeWorker {
    constructor(url: string | URL, options?: import("node:worker_threads").WorkerOptions) {
      super(String(url).startsWith("blob:") ? file : url, options);
      workers.push(this);
    }
  };
  const cores = os.cpus;
  if (threads > Math.floor(cores().length / 2)) os.cpus = () => [...cores(), ...cores()];
}

const tf = await import("@tensorflow/tfjs");
const wasm = await import("@tensorflow/tfjs-backend-wasm");
const { registerWasmKernels } = await import("../src/runtime/wasm/register.js");
wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep);
if (mode === "threaded") {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);
}
registerWasmKernels();
if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not start");

const a = tf.randomNormal([2048, 2048]);
const b = tf.randomNormal([2048, 2048]);
const gflops: number[] = [];
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  const c = tf.matMul(a, b);
  c.dataSync();
  c.dispose();
  if (i > 0) gflops.push((2 * 2048 ** 3) / ((performance.now() - t) / 1000) / 1e9);
}

const convnet = benchModels.convnet;
const net = convnet.tfjs(tf);
const x = tf.randomUniform([convnet.batch, ...convnet.inputShape]);
const y = tf.oneHot(tf.randomUniform([convnet.batch], 0, 10, "int32"), 10);
await net.trainOnBatch(x, y);
const rates: number[] = [];
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  let steps = 0;
  while (performance.now() - t < seconds * 1000) {
    await net.trainOnBatch(x, y);
    steps++;
  }
  rates.push((steps * convnet.batch) / ((performance.now() - t) / 1000));
}

const result = {
  threads: wasm.getThreadsCount(),
  workers: workers.length,
  matMulGflops: spread(gflops).median,
  convnetSamplesPerSecond: spread(rates).median,
};
// The pool's workers would keep Node running; unreferenced, they end with the process.
for (const worker of workers) worker.unref();
if (workerFile) rmSync(workerFile, { force: true });
process.stdout.write(JSON.stringify(result) + "\n");
