/**
 * Training for real: a tiny model on a tiny CSV (seeded, so reproducible), saving and loading the run back,
 * and the end-to-end iris example from its .nn file.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import type { IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { NncUserError, saveRun, scheduledRate, trainModel } from "../../src/runtime/index.js";
import { denseLayer, sequentialModel, trainBlock } from "../helpers/ir.js";
import type { OutputClasses } from "../../src/runtime/save.js";

const repo = join(import.meta.dirname, "..", "..");
/** A stream that is not a TTY (so one line per epoch) and keeps what was written. */
function quiet(): NodeJS.WritableStream & { text: string } {
  const chunks: string[] = [];
  return {
    get text() {
      return chunks.join("");
    },
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream & { text: string };
}

const blobs: IrModel = sequentialModel("Blobs", "point", 2, [denseLayer("side", 2, "softmax", "point", 2)]);

const blobsTrain: IrTrain = trainBlock("Blobs", {
  epochs: 15,
  seed: 7,
  lrSchedule: {
    name: "exponential_decay",
    args: { decay_steps: 10, decay_rate: 0.9, staircase: false },
  },
});

describe("trainModel", () => {
  it("trains a tiny model, reporting Keras-named figures once per epoch", async () => {
    const output = quiet();
    const run = await trainModel(blobs, blobsTrain, { output });
    expect(run.history).toHaveLength(15);
    expect(Object.keys(run.history[0]!)).toEqual(["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]);
    // exponential_decay(decay_steps: 10, decay_rate: 0.9) from 0.1: the rate of each epoch's last step
    // (36 training rows in batches of 8: 5 steps per epoch).
    run.history.forEach((record, i) => expect(record.lr).toBeCloseTo(0.1 * 0.9 ** ((5 * i + 4) / 10), 6));
    expect(run.history.at(-1)!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(run.labels).toEqual({ column: "side", classes: ["left", "right"] });
    expect(output.text.split("\n")[0]).toMatch(
      /^epoch 1\/15 - \d+ms - loss: \d\.\d{4} - accuracy: .* - val_accuracy: /,
    );
  });

  it("is reproducible with a seed", async () => {
    const first = await trainModel(blobs, blobsTrain, {
      output: quiet(),
      epochs: 3,
    });
    const second = await trainModel(blobs, blobsTrain, {
      output: quiet(),
      epochs: 3,
    });
    expect(second.history).toEqual(first.history);
  });

  it("stops early and checks the data before the first step", async () => {
    const stopping: IrTrain = {
      ...blobsTrain,
      epochs: 50,
      callbacks: [
        {
          name: "early_stopping",
          args: {
            monitor: "loss",
            patience: 0,
            min_delta: 10,
            restore_best_weights: true,
          },
        },
      ],
    };
    const run = await trainModel(blobs, stopping, { output: quiet() });
    expect(run.history.length).toBe(2);
    const wide = { ...blobs, inputs: [{ ...blobs.inputs[0]!, shape: [3] }] };
    await expect(trainModel(wide, blobsTrain, { output: quiet() })).rejects.toMatchObject({ code: "NN4007" });
    await expect(trainModel(wide, blobsTrain, { output: quiet() })).rejects.toBeInstanceOf(NncUserError);
  });

  it("saves model.json, weights.bin, history.json and labels.json that load back", async () => {
    const run = await trainModel(blobs, { ...blobsTrain, epochs: 2 }, { output: quiet() });
    const dir = join(mkdtempSync(join(tmpdir(), "nnc-run-")), "runs", "blobs");
    await saveRun(dir, run);
    await expect(saveRun(dir, run)).rejects.toMatchObject({ code: "NN4043" }); // never replaced silently
    await saveRun(dir, run, [], { overwrite: true }); // replacing an earlier run leaves no temporary directories behind
    expect(readdirSync(dir).sort()).toEqual([
      ".nnc-run.json",
      "history.json",
      "history.png",
      "history.svg",
      "labels.json",
      "model.json",
      "preprocessing.json",
      "weights.bin",
    ]);
    expect(readdirSync(join(dir, ".."))).toEqual(["blobs"]);
    const modelJson = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
    const weights = readFileSync(join(dir, "weights.bin"));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0]!.weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const probe = tf.tensor2d([
      [-2, 0],
      [2, 0],
    ]);
    expect((loaded.predict(probe) as tf.Tensor).arraySync()).toEqual(
      (run.model.predict(probe) as tf.Tensor).arraySync(),
    );
    expect(JSON.parse(readFileSync(join(dir, "history.json"), "utf8"))).toEqual(run.history);
  });
});

describe("scheduledRate", () => {
  it("follows Keras's formulas", () => {
    const args = { decay_steps: 10, decay_rate: 0.5, staircase: false };
    expect(scheduledRate({ name: "exponential_decay", args }, 0.1, 10)).toBeCloseTo(0.05);
    expect(scheduledRate({ name: "exponential_decay", args: { ...args, staircase: true } }, 0.1, 15)).toBeCloseTo(0.05);
    expect(scheduledRate({ name: "inverse_time_decay", args }, 0.1, 20)).toBeCloseTo(0.05);
    expect(scheduledRate({ name: "cosine_decay", args: { decay_steps: 10, alpha: 0 } }, 0.1, 5)).toBeCloseTo(0.05);
  });
});

describe("examples/iris.nn", () => {
  it("reaches at least 0.9 training accuracy", async () => {
    const checked = checkFile(join(repo, "examples", "iris.nn"));
    expect(checked.diagnostics).toEqual([]);
    const program = checked.program!;
    const run = await trainModel(program.models[0]!, program.trains[0]!, {
      output: quiet(),
    });
    expect(run.history.at(-1)!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect((run.labels as OutputClasses | null)?.classes).toEqual(["setosa", "versicolor", "virginica"]);
  });
});
