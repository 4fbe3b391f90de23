/**
 * gemm.ts's product spread over threads when the wasm backend runs its threaded build: the build's memory
 * is shared, so a Node worker can run the same loop on that memory. The calling thread computes the first
 * share of C's rows and each worker one of the others; XNNPACK's own threads stay with the backend's kernels.
 *
 * A worker waits on a word of a small shared control array (Atomics.wait), runs the rows it is given and
 * says so on another. A worker takes jobs once it has said it is ready (until then, and if it ever fails,
 * the calling thread computes its rows), and workers are unreferenced, so a process ends when its work does.
 */
import { Worker } from "node:worker_threads";
import { gemmBinary, gemmFor, type Gemm } from "./gemm.js";

/** The control array of one worker: [job, done, state, then gemm's arguments (a, b, c, k, n, rowFrom, rowTo, aRow, aStep)]. */
const [JOB, DONE, STATE, ARGS] = [0, 1, 2, 3];
const controlWords = ARGS + 9;
/** STATE: 0 while starting, then ready, or failed (a job threw: its rows are not computed; the caller's are). */
const [READY, FAILED] = [1, 2];

/** The worker's script (CommonJS, run with `eval`): the module over the shared memory, a loop of jobs. */
const workerScript = `
const { workerData } = require("node:worker_threads");
const { memory, binary, control } = workerData;
const gemm = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } }).exports.gemm;
const words = new Int32Array(control);
let job = Atomics.load(words, ${JOB});
Atomics.store(words, ${STATE}, ${READY});
for (;;) {
  Atomics.wait(words, ${JOB}, job, 1000);
  const next = Atomics.load(words, ${JOB});
  if (next === job) continue;
  job = next;
  try {
    gemm(...Array.from(words.subarray(${ARGS}, ${ARGS + 9})));
  } catch {
    Atomics.store(words, ${STATE}, ${FAILED});
  }
  Atomics.store(words, ${DONE}, job);
  Atomics.notify(words, ${DONE});
}
`;

interface Helper {
  readonly words: Int32Array;
  job: number;
}

/** C = A B on `memory` by the calling thread and `threads - 1` workers. */
export class GemmPool {
  private readonly helpers: Helper[] = [];

  private constructor(private readonly kernel: Gemm) {}

  /** A pool over the shared `memory` with `threads` threads in all (the caller's included); null without the kernel. */
  static start(memory: WebAssembly.Memory, threads: number): GemmPool | null {
    const kernel = gemmFor(memory, true);
    if (kernel === null) return null;
    const pool = new GemmPool(kernel);
    const binary = gemmBinary(true);
    for (let t = 1; t < threads; t++) {
      const control = new SharedArrayBuffer(controlWords * 4);
      try {
        const worker = new Worker(workerScript, { eval: true, workerData: { memory, binary, control } });
        worker.unref();
        worker.on("error", () => {}); // a worker that does not start is never ready, so never used
        pool.helpers.push({ words: new Int32Array(control), job: 0 });
      } catch {
        break;
      }
    }
    return pool;
  }

  /** C [m, n] = A B at byte offsets a, b, c as gemm.ts's `Gemm` says (A's strides aRow, aStep); m a multiple of 4, n of 8. */
  run(a: number, b: number, c: number, m: number, k: number, n: number, aRow: number, aStep: number): void {
    const helpers = this.helpers.filter((helper) => Atomics.load(helper.words, STATE) === READY);
    const shares = helpers.length + 1;
    const share = Math.ceil(m / 4 / shares) * 4;
    const started: [Helper, number, number][] = [];
    for (let t = 1; t < shares && t * share < m; t++) {
      const helper = helpers[t - 1]!;
      const rows = [t * share, Math.min(m, (t + 1) * share)] as const;
      helper.words.set([a, b, c, k, n, ...rows, aRow, aStep], ARGS);
      Atomics.store(helper.words, JOB, ++helper.job);
      Atomics.notify(helper.words, JOB);
      started.push([helper, ...rows]);
    }
    this.kernel(a, b, c, k, n, 0, Math.min(m, share), aRow, aStep);
    for (const [helper, from, to] of started) {
      const { words } = helper;
      for (let done = Atomics.load(words, DONE); done !== helper.job; done = Atomics.load(words, DONE)) {
        Atomics.wait(words, DONE, done);
      }
      if (Atomics.load(words, STATE) === FAILED) this.kernel(a, b, c, k, n, from, to, aRow, aStep);
    }
  }
}
