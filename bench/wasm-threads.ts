/**
 * The wasm backend's threaded build against its plain one (issue 5 item 2, issue 17), through the code nnc
 * uses (src/runtime/wasm/threads.ts, chosen by `NNC_WASM_THREADS`):
 *
 *   node --import tsx bench/wasm-threads.ts plain|threaded THREADS SECONDS
 *
 * `plain` is NNC_WASM_THREADS=1; `threaded` asks for THREADS XNNPACK threads (`threaded 1` is the plain
 * build too). Measures a 2048x2048 matMul and the convnet's training step (hand-written tfjs with nnc's
 * wasm kernels), and never calls process.exit, so a run that hangs shows that the pool keeps Node alive.
 */
import { spread } from "./lib.js";
import { benchModels } from "./models.js";

const [mode, threadsText, secondsText] = process.argv.slice(2);
if (mode !== "plain" && mode !== "threaded") throw new Error("usage: wasm-threads.ts plain|threaded THREADS SECONDS");
process.env.NNC_WASM_THREADS = mode === "plain" ? "1" : (threadsText ?? "2");
const seconds = Number(secondsText ?? 1);

const tf = await import("@tensorflow/tfjs");
const { initBackend } = await import("../src/runtime/backend.js");
const { wasmThreads } = await import("../src/runtime/wasm/threads.js");
const started = performance.now();
await initBackend("wasm");
const startMs = performance.now() - started;

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

const build = wasmThreads();
const result = {
  threads: build.threads,
  // XNNPACK's threads other than the main one, each a worker from the build's pool.
  workers: build.threads - 1,
  ...(build.fallback === undefined ? {} : { fallback: build.fallback }),
  startMs,
  matMulGflops: spread(gflops).median,
  convnetSamplesPerSecond: spread(rates).median,
};
process.stdout.write(JSON.stringify(result) + "\n");
