/**
 * Figures computed over the epoch (precision, recall, auc, r2) and the figures of several outputs survive a
 * checkpoint: a run stopped after its first step, in the middle of an epoch, and resumed reports the same
 * history as a run never stopped (the epoch's sums, `auc#0` ..., are in the checkpoint's position). A callback
 * watching such a figure (`val_auc`, `val_kind_accuracy`) sees it under its Keras name; `csv_logger` and
 * `model_checkpoint` write Keras's names.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import type { IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { trainModel, type EpochRecord } from "../../src/runtime/index.js";
import { twoBlobsCsv } from "../helpers/data-files.js";
import { adam, denseLayer, quiet, sequentialModel, trainBlock } from "../helpers/ir.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-resume-figures-"));

const stopped = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};

function expectSameHistory(resumed: readonly EpochRecord[], uninterrupted: readonly EpochRecord[]): void {
  expect(resumed.map((r) => Object.keys(r))).toEqual(uninterrupted.map((r) => Object.keys(r)));
  resumed.forEach((record, i) => {
    for (const [key, value] of Object.entries(uninterrupted[i]!))
      expect(record[key], `epoch ${i + 1} ${key}`).toBeCloseTo(value, 6);
  });
}

/** Trains `model` as `train` says, whole and stopped after one step then resumed; returns both histories. */
async function wholeAndResumed(model: IrModel, train: IrTrain, name: string) {
  const whole = await trainModel(model, train, { output: quiet });
  const runDir = join(scratch, name);
  const first = await trainModel(model, train, { output: quiet, runDir, signal: stopped() });
  expect(first.interrupted).toMatchObject({ epoch: 0, step: 1 });
  const resumed = await trainModel(model, train, { output: quiet, runDir, resume: true });
  return { whole: whole.history, resumed: resumed.history, runDir };
}

describe("resuming keeps the figures", () => {
  it("of precision, recall, auc and r2, computed over the epoch", async () => {
    const model = sequentialModel("Tiny", "point", 2, [denseLayer("out", 2, "softmax", "point", 2)]);
    const train = trainBlock("Tiny", {
      optimizer: adam(0.05),
      epochs: 2,
      metrics: ["precision", "recall", "auc", "r2"],
      callbacks: [
        {
          name: "early_stopping",
          args: { monitor: "val_auc", patience: 5, min_delta: 0, restore_best_weights: true },
        },
        { name: "csv_logger", args: { path: "log.csv", append: false } },
      ],
    });
    const { whole, resumed, runDir } = await wholeAndResumed(model, train, "tiny");
    expect(Object.keys(whole[0]!)).toEqual([
      ...["epoch", "loss", "precision", "recall", "auc", "r2"],
      ...["val_loss", "val_precision", "val_recall", "val_auc", "val_r2", "lr"],
    ]);
    expectSameHistory(resumed, whole);
    const log = readFileSync(join(runDir, "log.csv"), "utf8").split("\n");
    expect(log[0]).toBe("epoch,loss,precision,recall,auc,r2,val_loss,val_precision,val_recall,val_auc,val_r2,lr");
    expect(Number(log[2]!.split(",")[4])).toBeCloseTo(resumed[1]!["auc"]!, 10);
  });

  it("of a model of two outputs, under each output's name", async () => {
    const dir = mkdtempSync(join(scratch, "house-"));
    writeFileSync(join(dir, "points.csv"), twoBlobsCsv(40, 5));
    const spec = join(dir, "house.nn");
    writeFileSync(
      spec,
      `model House {
  input point: [1]
  h = point -> dense(4, activation: relu)
  side = h -> dense(2, activation: softmax)
  height = h -> dense(1)
  output side, height
}

train House {
  data: csv("points.csv", labels: { side: "side", height: "y" })
  loss: { side: categorical_crossentropy, height: huber }
  loss_weights: [1, 2]
  metrics: { side: [accuracy, auc], height: [rmse] }
  optimizer: adam(0.05)
  epochs: 2
  batch_size: 8
  validation_split: 0.25
  seed: 4
  callbacks: [early_stopping(monitor: val_side_accuracy, patience: 3), model_checkpoint(monitor: val_height_rmse, save_best_only: true)]
}
`,
    );
    const { program, diagnostics } = checkFile(spec);
    expect(diagnostics).toEqual([]);
    const { whole, resumed, runDir } = await wholeAndResumed(program!.models[0]!, program!.trains[0]!, "house");
    const figures = ["loss", "side_loss", "height_loss", "side_accuracy", "side_auc", "height_rmse"];
    expect(Object.keys(whole[0]!)).toEqual(["epoch", ...figures, ...figures.map((f) => `val_${f}`), "lr"]);
    for (const record of whole) {
      expect(record["loss"]).toBeCloseTo(record["side_loss"]! + 2 * record["height_loss"]!, 5);
    }
    expectSameHistory(resumed, whole);
    const saved = JSON.parse(readFileSync(join(runDir, "checkpoint", "checkpoint.json"), "utf8")) as {
      figures: Record<string, number>;
    };
    expect(Object.keys(saved.figures)).toEqual([...figures, ...figures.map((f) => `val_${f}`), "lr"]);
  });
});
