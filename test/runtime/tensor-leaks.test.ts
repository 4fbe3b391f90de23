/**
 * Tensors that training leaves behind, counted with `tf.memory().numTensors`: a run leaves its model (disposed
 * here) and its optimizer's state, and nothing that grows with the epochs; a model whose weights fail to load
 * is disposed; fine-tuning disposes the optimizer it replaces.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { buildModel, initBackend, trainModel } from "../../src/runtime/index.js";
import { userError } from "../helpers/data-files.js";
import { at, denseLayer, quiet, sequentialModel, trainBlock } from "../helpers/ir.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const blobs: IrModel = sequentialModel("Blobs", "point", 2, [
  denseLayer("hidden", 4, "relu", "point", 2),
  denseLayer("side", 2, "softmax", "hidden", 4),
]);

/**
 * How many more tensors there are after training `train` and disposing the model than before; with `runDir`,
 * the run writes its folder (a checkpoint at every epoch's end).
 */
async function leftAfter(train: IrTrain, model: IrModel = blobs, runDir?: string): Promise<number> {
  const before = tf.memory().numTensors;
  const run = await trainModel(model, train, { output: quiet, ...(runDir ? { runDir, overwrite: true } : {}) });
  run.model.dispose();
  return tf.memory().numTensors - before;
}

describe("tensors left after training", () => {
  it("do not grow with the epochs: one-hot targets are made inside a tidy", async () => {
    const train = trainBlock("Blobs", { loss: "categorical_crossentropy" });
    await leftAfter({ ...train, epochs: 1 }); // tfjs's own first-use tensors
    const one = await leftAfter({ ...train, epochs: 1 });
    const five = await leftAfter({ ...train, epochs: 5 });
    expect(five).toBe(one);
  });

  it("do not grow with the epochs when each epoch ends with a checkpoint (its step count is disposed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-leaks-"));
    try {
      const train = trainBlock("Blobs", { loss: "categorical_crossentropy" });
      await leftAfter({ ...train, epochs: 1 }, blobs, join(dir, "a"));
      const one = await leftAfter({ ...train, epochs: 1 }, blobs, join(dir, "b"));
      const four = await leftAfter({ ...train, epochs: 4 }, blobs, join(dir, "c"));
      expect(four).toBe(one);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with fine_tune are those of one optimizer: the replaced one is disposed", async () => {
    const train = trainBlock("Blobs", { loss: "sparse_categorical_crossentropy", epochs: 2 });
    await leftAfter(train);
    const plain = await leftAfter(train);
    const fineTune = { name: "fine_tune", args: { epochs: 1, learning_rate: 0.01, unfreeze: "all" } };
    const tuned = await leftAfter({ ...train, epochs: 1, fineTune });
    expect(tuned).toBe(plain);
  });

  it("are none when the weights of init: from_run cannot be loaded (NN4035)", async () => {
    const train = trainBlock("Blobs", { init: { name: "from_run", args: { path: "/nonexistent/runs/Blobs" } } });
    const before = tf.memory().numTensors;
    expect((await userError(() => trainModel(blobs, train, { output: quiet }))).code).toBe("NN4035");
    expect(tf.memory().numTensors).toBe(before);
  });

  it("are none when buildModel cannot load a called model's weights (NN4035)", async () => {
    const loading: IrModel = {
      ...blobs,
      loads: [{ run: "/nonexistent/runs/Base", layers: { hidden: "dense" }, location: at }],
    };
    const before = tf.memory().numTensors;
    expect((await userError(() => buildModel(loading))).code).toBe("NN4035");
    expect(tf.memory().numTensors).toBe(before);
  });
});
