/**
 * `nnc evaluate`'s figures (evaluateRun) against figures computed by hand from the saved model's own
 * predictions: precision, recall and auc over all the rows (not a mean of batches), and for a model of two
 * outputs each output's loss unweighted, the total weighted, and each output's metrics.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateRun, initBackend, loadRun } from "../../src/runtime/index.js";
import { twoBlobsCsv } from "../helpers/data-files.js";
import { scratchFolder, trainRun } from "../helpers/runs.js";

const { dir, file } = scratchFolder("nnc-evaluate-figures-");
const csv = file("points.csv", twoBlobsCsv(30, 8));
const rows = readFileSync(csv, "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => line.split(","));
const xs = rows.map((r) => [Number(r[0]), Number(r[1])]);
const sides: number[] = rows.map((r) => (r[2] === "right" ? 1 : 0));

/** Keras's AUC() by its definition: 200 thresholds, ROC, trapezoids. */
function kerasAuc(y: readonly number[], p: readonly number[]): number {
  const thresholds = [-1e-7, ...Array.from({ length: 198 }, (_, i) => (i + 1) / 199), 1 + 1e-7];
  const positives = y.filter((v) => v === 1).length;
  const tpr = thresholds.map((t) => y.filter((v, i) => v === 1 && p[i]! > t).length / positives);
  const fpr = thresholds.map((t) => y.filter((v, i) => v === 0 && p[i]! > t).length / (y.length - positives));
  let area = 0;
  for (let t = 0; t + 1 < thresholds.length; t++) area += (fpr[t]! - fpr[t + 1]!) * ((tpr[t]! + tpr[t + 1]!) / 2);
  return area;
}

beforeAll(async () => {
  await initBackend();
});

describe("evaluateRun's figures equal the figures by hand", () => {
  it("of precision, recall and auc over all the rows", async () => {
    const spec = file(
      "side.nn",
      `model Side {
  input point: [2]
  dense(1, activation: sigmoid)
}

train Side {
  data: csv("points.csv", label: "side")
  loss: binary_crossentropy
  metrics: [precision, recall, auc]
  optimizer: adam(0.02)
  epochs: 2
  batch_size: 7
  seed: 3
}
`,
    );
    const trained = await trainRun(spec, join(dir, "side-run"));
    const run = await loadRun(join(dir, "side-run"));
    const p = Array.from((run.model.predict(tf.tensor2d(xs)) as tf.Tensor).dataSync());
    const { figures } = await evaluateRun(run, trained.train, trained.train.data);
    const predicted = p.map((v) => (v > 0.5 ? 1 : 0));
    const tp = sides.filter((v, i) => v === 1 && predicted[i] === 1).length;
    const positives = predicted.filter((v) => v === 1).length;
    expect(Object.keys(figures)).toEqual(["loss", "precision", "recall", "auc"]);
    expect(figures["precision"]).toBeCloseTo(positives === 0 ? 0 : tp / positives, 6);
    expect(figures["recall"]).toBeCloseTo(tp / sides.filter((v) => v === 1).length, 6);
    expect(figures["auc"]).toBeCloseTo(kerasAuc(sides, p), 6);
    const loss = -sides.reduce((s, v, i) => s + v * Math.log(p[i]!) + (1 - v) * Math.log(1 - p[i]!), 0) / 30;
    expect(figures["loss"]).toBeCloseTo(loss, 4);
  });

  it("of a model of two outputs: each loss unweighted, the total weighted, each output's metrics", async () => {
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
  loss: { side: categorical_crossentropy, height: mse }
  loss_weights: { side: 0.5, height: 3 }
  metrics: { side: [accuracy], height: [mae, r2] }
  optimizer: adam(0.02)
  epochs: 2
  batch_size: 7
  seed: 3
}
`,
    );
    const trained = await trainRun(spec, join(dir, "house-run"));
    const run = await loadRun(join(dir, "house-run"));
    const [side, height] = run.model.predict(tf.tensor2d(xs.map((x) => [x[0]!]))) as tf.Tensor[];
    const probabilities = side!.arraySync() as number[][];
    const heights = Array.from(height!.dataSync());
    const targets = xs.map((x) => x[1]!);
    const { figures } = await evaluateRun(run, trained.train, trained.train.data);
    const n = xs.length;
    const sideLoss = -sides.reduce((s, v, i) => s + Math.log(probabilities[i]![v]!), 0) / n;
    const errors = heights.map((h, i) => h - targets[i]!);
    const heightLoss = errors.reduce((s, e) => s + e * e, 0) / n;
    const mean = targets.reduce((s, v) => s + v, 0) / n;
    expect(Object.keys(figures)).toEqual([
      "loss",
      "side_loss",
      "height_loss",
      "side_accuracy",
      "height_mae",
      "height_r2",
    ]);
    expect(figures["side_loss"]).toBeCloseTo(sideLoss, 4);
    expect(figures["height_loss"]).toBeCloseTo(heightLoss, 4);
    expect(figures["loss"]).toBeCloseTo(0.5 * sideLoss + 3 * heightLoss, 4);
    const right = probabilities.filter((p, i) => (p[1]! > p[0]! ? 1 : 0) === sides[i]).length;
    expect(figures["side_accuracy"]).toBeCloseTo(right / n, 6);
    expect(figures["height_mae"]).toBeCloseTo(errors.reduce((s, e) => s + Math.abs(e), 0) / n, 4);
    expect(figures["height_r2"]).toBeCloseTo(
      1 - (heightLoss * n) / targets.reduce((s, v) => s + (v - mean) ** 2, 0),
      4,
    );
  });
});
