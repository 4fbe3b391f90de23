/**
 * nnc's matrix product on wasm (src/runtime/wasm/gemm.ts, and gemm-pool.ts in the threaded build) against
 * the backend's own BatchMatMul, which it replaces where the shape allows: the results are equal bit for bit
 * (so training gives the numbers it gave before), a NaN stays NaN, and the kernel leaves no buffer behind;
 * a batch of several matrices is left to the backend.
 * The threaded build runs in a child process (a process starts its wasm backend once): products large
 * enough to be shared with the pool's worker equal the backend's own too, and the process exits by itself.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { gemmCounts } from "../../src/runtime/wasm/gemm.js";
import { originalKernel } from "../../src/runtime/wasm/wasm-ops.js";
import { repo } from "../helpers/cli.js";
import { runs, seed, valuesFrom } from "../helpers/kernel-oracle.js";
import { prepareBackends, useBackend } from "../helpers/wasm.js";

beforeAll(async () => {
  await prepareBackends();
  await useBackend("wasm");
});

/** The backend's own untransposed product of a and b (transposed first as the attributes say). */
function ownProduct(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): Float32Array {
  return tf.tidy(() => {
    const swap = (x: tf.Tensor) =>
      tf.transpose(
        x,
        [...x.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)),
      );
    const inputs = { a: transposeA ? swap(a) : a, b: transposeB ? swap(b) : b };
    const info = originalKernel("BatchMatMul")({
      inputs,
      attrs: { transposeA: false, transposeB: false },
      backend: tf.backend(),
    });
    return tf
      .engine()
      .makeTensorFromTensorInfo(info as tf.TensorInfo)
      .dataSync() as Float32Array;
  });
}

describe("nnc's matrix product on wasm", () => {
  it("equals the backend's own BatchMatMul bit for bit", () => {
    const products = fc.record({
      batch: fc.constantFrom([] as number[], [1]),
      m: fc.integer({ min: 1, max: 6 }).map((r) => 4 * r),
      k: fc.integer({ min: 1, max: 40 }),
      n: fc.integer({ min: 1, max: 4 }).map((c) => 8 * c),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      seed: fc.nat(),
    });
    const before = gemmCounts.products;
    fc.assert(
      fc.property(products, (p) => {
        const aShape = [...p.batch, ...(p.transposeA ? [p.k, p.m] : [p.m, p.k])];
        const bShape = [...p.batch.map(() => 1), ...(p.transposeB ? [p.n, p.k] : [p.k, p.n])];
        const a = tf.tensor(valuesFrom(p.seed, tf.util.sizeFromShape(aShape)), aShape);
        const b = tf.tensor(valuesFrom(p.seed + 1, tf.util.sizeFromShape(bShape)), bShape);
        const buffers = tf.backend().numDataIds();
        const product = tf.matMul(a, b, p.transposeA, p.transposeB);
        expect(product.shape).toEqual([...p.batch, p.m, p.n]);
        const values = product.dataSync();
        product.dispose();
        expect(tf.backend().numDataIds()).toBe(buffers);
        expect(Array.from(values)).toEqual(Array.from(ownProduct(a, b, p.transposeA, p.transposeB)));
        tf.dispose([a, b]);
      }),
      { seed, numRuns: runs },
    );
    expect(gemmCounts.products - before).toBe(runs);
  });

  it("keeps a NaN and an infinity as the backend's own does", () => {
    const values = valuesFrom(3, 8 * 12);
    values[5] = NaN;
    values[40] = Infinity;
    const a = tf.tensor(values, [8, 12]);
    const b = tf.tensor(valuesFrom(4, 12 * 16), [12, 16]);
    const mine = tf.matMul(a, b);
    expect(Array.from(mine.dataSync())).toEqual(Array.from(ownProduct(a, b, false, false)));
    expect(mine.dataSync().some(Number.isNaN)).toBe(true);
    tf.dispose([a, b, mine]);
  });
});

/** Products in the threaded build: mismatches with the backend's own and how many went to the pool. */
const child = `
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./src/runtime/backend.ts";
import { gemmCounts } from "./src/runtime/wasm/gemm.ts";
import { originalKernel } from "./src/runtime/wasm/wasm-ops.ts";
import { wasmThreads } from "./src/runtime/wasm/threads.ts";
await initBackend("wasm");
const values = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233));
let mismatches = 0;
for (const [m, k, n, batch] of [[128, 784, 256, 1], [784, 128, 256, 1], [36, 500, 248, 1], [8, 300, 64, 3]]) {
  const a = tf.tensor(values(batch * m * k, m), [batch, m, k]);
  const b = tf.tensor(values(k * n, n), [k, n]);
  for (let repeat = 0; repeat < 3; repeat++) {
    const mine = tf.matMul(a, b).dataSync();
    const own = originalKernel("BatchMatMul")({ inputs: { a, b: b.reshape([1, k, n]) }, attrs: {}, backend: tf.backend() });
    const expected = tf.engine().makeTensorFromTensorInfo(own).dataSync();
    mismatches += mine.filter((v, i) => !Object.is(v, expected[i])).length;
  }
}
process.stdout.write(JSON.stringify({ threads: wasmThreads(), mismatches, ...gemmCounts }));
`;

describe("nnc's matrix product in the threaded wasm build", () => {
  it("equals the backend's own with the pool's worker sharing the rows, and lets the process exit", async () => {
    const { NNC_WASM_THREADS: _, ...env } = process.env;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", child],
      { cwd: repo, env: { ...env, NNC_WASM_THREADS: "2" }, timeout: 60_000 },
    );
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.threads).toEqual({ threads: 2 });
    expect(result.mismatches).toBe(0);
    // The batch of three is the backend's own.
    expect(result.products).toBe(9);
    expect(result.pooled).toBe(9);
  }, 90_000);
});
