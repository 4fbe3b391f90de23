/**
 * Callbacks in real training runs: terminate_on_nan (always on), model_checkpoint, csv_logger and
 * early_stopping, and `saveRun` keeping what they wrote into the run directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { loadRun, NncUserError, saveRun, trainModel } from "../../src/runtime/index.js";
import { denseLayer, quiet, sequentialModel, trainBlock } from "../helpers/ir.js";
import type { OutputClasses } from "../../src/runtime/save.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-callbacks-"));

const model = (units: number, activation: string): IrModel =>
  sequentialModel("Tiny", "point", 2, [denseLayer("out", units, activation, "point", 2)]);

const train = trainBlock("Tiny");

describe("terminate_on_nan", () => {
  it("stops a diverging run and names the epoch and step", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i * 1000},${-i * 700},${i * 5000}`);
    writeFileSync(join(scratch, "huge.csv"), `a,b,y\n${rows.join("\n")}\n`);
    const diverging: IrTrain = {
      ...train,
      data: {
        name: "csv",
        args: { path: join(scratch, "huge.csv"), label: "y" },
      },
      loss: "mse",
      metrics: [],
      validationSplit: 0,
      optimizer: {
        name: "sgd",
        args: { learning_rate: 10, momentum: 0, nesterov: false },
      },
      epochs: 20,
    };
    const error = await trainModel(model(1, "linear"), diverging, {
      output: quiet,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NncUserError);
    expect((error as NncUserError).code).toBe("NN4009");
    expect((error as NncUserError).format()).toMatch(
      /^error\[NN4009\]: the loss became (NaN|Infinity) at epoch \d+, step \d+; training stopped \(try a lower learning_rate/,
    );
  });
});

describe("model_checkpoint and csv_logger", () => {
  it("write into the run directory, atomically, and saveRun keeps them", async () => {
    const runDir = join(scratch, "runs", "Tiny");
    const withFiles: IrTrain = {
      ...train,
      callbacks: [
        {
          name: "model_checkpoint",
          args: { monitor: "val_loss", save_best_only: false, every: 2 },
        },
        { name: "csv_logger", args: { path: "log.csv", append: false } },
      ],
    };
    const run = await trainModel(model(2, "softmax"), withFiles, {
      output: quiet,
      runDir,
    });
    const checkpoint = JSON.parse(readFileSync(join(runDir, "checkpoint", "checkpoint.json"), "utf8")) as {
      epoch: number;
    };
    expect(checkpoint.epoch).toBe(4);
    const log = readFileSync(join(runDir, "log.csv"), "utf8").trim().split("\n");
    expect(log[0]).toBe("epoch,loss,accuracy,val_loss,val_accuracy,lr");
    expect(log).toHaveLength(5);
    expect(log[4]!.split(",").map(Number)).toEqual([
      4,
      ...["loss", "accuracy", "val_loss", "val_accuracy", "lr"].map((k) => run.history[3]![k]),
    ]);
    await saveRun(runDir, run, run.written, { overwrite: true });
    expect(readdirSync(runDir).sort()).toEqual([
      ".nnc-run.json",
      "checkpoint",
      "history.json",
      "history.png",
      "history.svg",
      "labels.json",
      "log.csv",
      "model.json",
      "preprocessing.json",
      "resume",
      "weights.bin",
    ]);
    // A checkpoint is a saved run as `nnc evaluate` and `nnc predict` take one: the same classes and scaling.
    expect(readdirSync(join(runDir, "checkpoint")).sort()).toEqual([
      "checkpoint.json",
      "labels.json",
      "model.json",
      "preprocessing.json",
      "weights.bin",
    ]);
    const [fromCheckpoint, fromRun] = await Promise.all([loadRun(join(runDir, "checkpoint")), loadRun(runDir)]);
    expect(fromCheckpoint.labels).toEqual(fromRun.labels);
    expect((fromCheckpoint.labels as OutputClasses | null)?.classes.length).toBeGreaterThan(1);
    expect(fromCheckpoint.preprocessing).toEqual(fromRun.preprocessing);
    expect(readdirSync(join(scratch, "runs"))).toEqual(["Tiny"]);
  });

  it("save_best_only saves only when the monitored figure improves", async () => {
    const runDir = join(scratch, "best");
    const best: IrTrain = {
      ...train,
      epochs: 6,
      callbacks: [
        {
          name: "model_checkpoint",
          args: { monitor: "val_loss", save_best_only: true, every: 1 },
        },
      ],
    };
    const run = await trainModel(model(2, "softmax"), best, {
      output: quiet,
      runDir,
    });
    const saved = JSON.parse(readFileSync(join(runDir, "checkpoint", "checkpoint.json"), "utf8")) as { epoch: number };
    const losses = run.history.map((r) => r.val_loss!);
    expect(saved.epoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    expect(existsSync(join(runDir, "checkpoint", "weights.bin"))).toBe(true);
  });
});
