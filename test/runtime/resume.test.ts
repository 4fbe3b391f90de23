/**
 * Checkpoints and resuming, in process: a run stopped after any step (between epochs, or in the middle of
 * one) and resumed from its checkpoint trains the same epochs as a run that was never stopped, with every
 * optimizer, a schedule, dropout, shuffling and early stopping's state.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { NncUserError, trainModel, type EpochRecord } from "../../src/runtime/index.js";
import { adam, at, denseLayer, quiet, sequentialModel, trainBlock } from "../helpers/ir.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-resume-"));

const model: IrModel = sequentialModel("Tiny", "point", 2, [
  denseLayer("hidden", 6, "relu", "point", 2),
  {
    name: "drop",
    kind: "dropout",
    tfjs: { factory: "dropout", config: { rate: 0.2, name: "drop" } },
    inputs: [{ node: "hidden", index: 0 }],
    outputShapes: [[6]],
    params: { trainable: 0, nonTrainable: 0 },
    location: at,
  },
  denseLayer("out", 2, "softmax", "drop", 6),
]);

const train: IrTrain = trainBlock("Tiny", {
  optimizer: adam(0.05),
  seed: 11,
  lrSchedule: {
    name: "exponential_decay",
    args: { decay_steps: 4, decay_rate: 0.8, staircase: false },
  },
  callbacks: [
    {
      name: "early_stopping",
      args: {
        monitor: "val_loss",
        patience: 10,
        min_delta: 0,
        restore_best_weights: true,
      },
    },
  ],
});

function expectSameHistory(resumed: readonly EpochRecord[], uninterrupted: readonly EpochRecord[]): void {
  expect(resumed.map((r) => Object.keys(r))).toEqual(uninterrupted.map((r) => Object.keys(r)));
  resumed.forEach((record, i) => {
    for (const [key, value] of Object.entries(uninterrupted[i]!))
      expect(record[key], `epoch ${i + 1} ${key}`).toBeCloseTo(value, 6);
  });
}

const stopped = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};

describe("resume", () => {
  it("after 2 of 4 epochs equals 4 epochs uninterrupted", async () => {
    const whole = await trainModel(model, train, { output: quiet });
    const runDir = join(scratch, "epochs");
    const first = await trainModel(model, train, {
      output: quiet,
      runDir,
      epochs: 2,
    });
    expect(first.history).toHaveLength(2);
    const resumed = await trainModel(model, train, {
      output: quiet,
      runDir,
      resume: true,
    });
    expect(resumed.history).toHaveLength(4);
    expectSameHistory(resumed.history, whole.history);
    const probe = (run: typeof whole) => run.model.getWeights().map((w) => Array.from(w.dataSync()));
    probe(resumed).forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(probe(whole)[i]![j]!, 5)));
  });

  it.each(["sgd", "momentum", "rmsprop", "adam", "adamax", "adagrad", "adadelta"])(
    "in the middle of an epoch, with %s",
    async (name) => {
      const args: Record<string, Record<string, number | boolean>> = {
        sgd: { learning_rate: 0.1, momentum: 0, nesterov: false },
        momentum: { learning_rate: 0.1, momentum: 0.9, nesterov: true },
        rmsprop: {
          learning_rate: 0.01,
          rho: 0.9,
          momentum: 0.5,
          epsilon: 1e-7,
          centered: true,
        },
        adam: { learning_rate: 0.05, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
        adamax: {
          learning_rate: 0.05,
          beta_1: 0.9,
          beta_2: 0.999,
          epsilon: 1e-7,
        },
        adagrad: {
          learning_rate: 0.1,
          initial_accumulator_value: 0.1,
          epsilon: 1e-7,
        },
        adadelta: { learning_rate: 1, rho: 0.95, epsilon: 1e-7 },
      };
      const block: IrTrain = {
        ...train,
        epochs: 2,
        optimizer: { name, args: args[name]! },
      };
      const whole = await trainModel(model, block, { output: quiet });
      const runDir = join(scratch, name);
      // Aborted before it starts: the run stops after its first step, in the middle of epoch 1.
      const first = await trainModel(model, block, {
        output: quiet,
        runDir,
        signal: stopped(),
      });
      expect(first.interrupted).toMatchObject({ epoch: 0, step: 1 });
      expect(first.history).toEqual([]);
      const resumed = await trainModel(model, block, {
        output: quiet,
        runDir,
        resume: true,
      });
      expect(resumed.interrupted).toBeNull();
      expectSameHistory(resumed.history, whole.history);
    },
  );

  it("keeps one complete checkpoint, and says when there is none to resume from", async () => {
    const runDir = join(scratch, "epochs");
    const entries = readdirSync(join(runDir, "resume")).sort();
    expect(entries).toHaveLength(2);
    expect(entries[1]).toBe("latest.json");
    const latest = JSON.parse(readFileSync(join(runDir, "resume", "latest.json"), "utf8")) as { checkpoint: string };
    expect(latest.checkpoint).toBe(entries[0]);
    expect(readdirSync(join(runDir, "resume", entries[0]!)).sort()).toEqual([
      "callbacks.bin",
      "optimizer.bin",
      "state.json",
      "weights.bin",
    ]);
    const none = join(scratch, "none");
    const error = await trainModel(model, train, {
      output: quiet,
      runDir: none,
      resume: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NncUserError);
    expect((error as NncUserError).format()).toMatch(/^error\[NN4010\]: .*none: no checkpoint to resume from/);
    expect(existsSync(none)).toBe(false);
  });

  it("refuses a checkpoint of a different model", async () => {
    const wider: IrModel = {
      ...model,
      layers: [denseLayer("hidden", 7, "relu", "point", 2), ...model.layers.slice(1)],
    };
    const error = await trainModel(wider, train, {
      output: quiet,
      runDir: join(scratch, "epochs"),
      resume: true,
    }).catch((e: unknown) => e);
    expect((error as NncUserError).code).toBe("NN4011");
    expect((error as NncUserError).message).toMatch(/hidden\/kernel \[2, 6\].*hidden\/kernel \[2, 7\]/);
  });
});
