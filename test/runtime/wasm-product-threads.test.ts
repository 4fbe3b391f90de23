/**
 * The threaded wasm build for a step of matrix products (src/runtime/backend.ts's `StepWork`): XNNPACK stays on
 * one thread while nnc's product (wasm/gemm-pool.ts) shares its rows with its own worker; a step of other work
 * keeps XNNPACK's threads, and a plain number of multiply-accumulates chooses as before. Each case is a child
 * process (a backend is per process).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repo } from "../helpers/cli.js";

interface Started {
  readonly threads: number;
  readonly pooled: number;
}

/** XNNPACK's threads and how many of two large products went to nnc's pool, with NNC_WASM_THREADS=2. */
async function start(work: string): Promise<Started> {
  const { NNC_WASM_THREADS: _, ...env } = process.env;
  const child = `
    const tf = await import("@tensorflow/tfjs");
    const { initBackend } = await import("./src/runtime/backend.ts");
    const { wasmThreads } = await import("./src/runtime/wasm/threads.ts");
    const { gemmCounts } = await import("./src/runtime/wasm/gemm.ts");
    await initBackend("wasm", ${work});
    const [a, b] = [tf.ones([128, 784]), tf.ones([784, 256])];
    for (let i = 0; i < 2; i++) tf.matMul(a, b).dispose();
    process.stdout.write(JSON.stringify({ threads: wasmThreads().threads, pooled: gemmCounts.pooled }));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", child],
    { cwd: repo, env: { ...env, NNC_WASM_THREADS: "2" }, timeout: 60_000 },
  );
  return JSON.parse(stdout) as Started;
}

describe("the threaded wasm build for a step of matrix products", () => {
  it("keeps XNNPACK on one thread and nnc's product on two", async () => {
    const [dense, convolutions, number] = await Promise.all([
      start("{ macs: 34_000_000, productMacs: 34_000_000 }"),
      start("{ macs: 34_000_000, productMacs: 3_000_000 }"),
      start("34_000_000"),
    ]);
    expect(dense).toEqual({ threads: 1, pooled: 2 });
    expect(convolutions).toEqual({ threads: 2, pooled: 2 });
    expect(number).toEqual({ threads: 2, pooled: 2 });
  }, 90_000);
});
