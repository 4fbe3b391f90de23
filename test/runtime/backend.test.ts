/**
 * Backend choice on the real backends: auto picks wasm here (tfjs-node is not installed), `--backend`
 * overrides it, a backend that cannot run is a one-line error, and wasm starts from local files only.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, initBackend } from "../../src/runtime/backend.js";
import { nnc, repo } from "../helpers/cli.js";

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve("@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
})();

describe("initBackend", () => {
  it("auto picks tfjs-node when installed, else wasm with nnc's gradient kernels", async () => {
    const name = await initBackend("auto");
    expect(name).toBe(tfjsNodeInstalled ? "node" : "wasm");
    expect(tf.getBackend()).toBe(tfjsNodeInstalled ? "tensorflow" : "wasm");
    if (name !== "wasm") return;
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
    // A gradient the plain wasm backend cannot compute.
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const grad = tf.grad((w) => tf.conv2d(x, w as tf.Tensor4D, 1, "valid").sum())(tf.ones([3, 3, 1, 1]));
    expect(Array.from(await grad.data())).toEqual(Array(9).fill(4));
    tf.dispose([x, grad]);
  });

  it("switches to a named backend, and keeps it when asked again without a name", async () => {
    expect(await initBackend("cpu")).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(await initBackend()).toBe("cpu");
    expect(await initBackend("wasm")).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(await initBackend()).toBe("wasm");
    const sum = tf.tensor1d([1, 2, 3]).sum();
    expect(await sum.data()).toEqual(new Float32Array([6]));
  });

  it.runIf(!tfjsNodeInstalled)(
    "says in one line that tfjs-node is missing, and leaves the backend as it was",
    async () => {
      await initBackend("cpu");
      const error = await initBackend("node").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as Error).message).toMatch(/@tensorflow\/tfjs-node.*not installed/);
      expect((error as Error).message).not.toContain("\n");
      expect(tf.getBackend()).toBe("cpu");
    },
  );

  it("starts wasm without the network: fetch throws in that process", () => {
    const script = [
      `globalThis.fetch = () => { throw new Error("fetch called"); };`,
      `const { initBackend } = await import(${JSON.stringify(join(repo, "src", "runtime", "backend.ts"))});`,
      `const tf = await import("@tensorflow/tfjs");`,
      `console.log(await initBackend("wasm"), tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync().join(","));`,
    ].join("\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repo,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("wasm 2,2,2,2");
  });
});

describe("nnc train --backend", () => {
  const iris = ["train", "examples/iris.nn", "--epochs", "1", "--out"];

  it("trains on the backend it names and says so", () => {
    const out = mkdtempSync(join(tmpdir(), "nnc-backend-"));
    const result = nnc([...iris, out, "--backend", "cpu"]);
    rmSync(out, { recursive: true, force: true });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/\(backend: cpu\)/);
    expect(result.status).toBe(0);
  });

  it.runIf(!tfjsNodeInstalled)("refuses an unavailable backend with a one-line error and exit status 1", () => {
    const result = nnc([...iris, join(tmpdir(), "nnc-backend-unused"), "--backend", "node"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: --backend node: .*@tensorflow\/tfjs-node.*\n$/);
    expect(result.stdout).toBe("");
  });

  it("lists the backends when given an unknown one", () => {
    const result = nnc([...iris, join(tmpdir(), "nnc-backend-unused"), "--backend", "gpu"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/auto, wasm, cpu, node/);
  });
});
