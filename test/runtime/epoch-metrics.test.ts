/**
 * The figures of a training step, of validation and of evaluation, against figures computed by hand in this
 * file: a model with fixed weights trained at learning rate 0 (so every step predicts with the same weights),
 * on a small fixed dataset in batches of unequal size. Precision, recall, AUC, R2 and RMSE are over the
 * epoch (not a mean of per-batch figures); with two outputs, each output's loss is reported unweighted under
 * Keras's name and the total is the weighted sum. On the cpu backend and on wasm.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainingBatches } from "../../src/runtime/data/batches.js";
import { kerasFigures } from "../../src/runtime/figures.js";
import { trainLoop } from "../../src/runtime/fit-loop.js";
import { compileForTraining, evaluateBatch, type CompileSettings } from "../../src/runtime/metrics.js";
import { seededRandom } from "../../src/runtime/random.js";
import { prepareBackends, useBackend } from "../helpers/wasm.js";

/** 13 training rows and 7 validation rows of two features, each with a 0/1 label and a numeric target. */
const features = [
  [0.9, 0.1],
  [0.2, 0.8],
  [0.5, 0.3],
  [1.4, 0.9],
  [0.1, 0.1],
  [0.7, 0.6],
  [1.2, 0.2],
  [0.3, 0.9],
  [0.8, 0.5],
  [0.05, 0.6],
  [1.0, 0.7],
  [0.6, 0.05],
  [0.5, 0.3],
];
// Rows 2 and 12 are the same example, once positive and once negative: a tie that AUC's trapezoids see.
const labels = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0];
const validationFeatures = [
  [0.4, 0.2],
  [0.9, 0.9],
  [0.15, 0.5],
  [1.3, 0.4],
  [0.5, 0.75],
  [0.75, 0.1],
  [0.4, 0.2],
];
const validationLabels = [1, 0, 0, 1, 1, 0, 0];
const w = [1.5, -2];
const b = 0.1;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const predict = (x: readonly number[]) => sigmoid(w[0]! * x[0]! + w[1]! * x[1]! + b);

/** Keras's AUC() by its definition: 200 thresholds, ROC, trapezoids between neighbouring thresholds. */
function kerasAuc(y: readonly number[], p: readonly number[]): number {
  const thresholds = [-1e-7, ...Array.from({ length: 198 }, (_, i) => (i + 1) / 199), 1 + 1e-7];
  const positives = y.filter((v) => v === 1).length;
  const negatives = y.length - positives;
  const tpr = thresholds.map((t) => y.filter((v, i) => v === 1 && p[i]! > t).length / positives);
  const fpr = thresholds.map((t) => y.filter((v, i) => v === 0 && p[i]! > t).length / negatives);
  let area = 0;
  for (let t = 0; t + 1 < thresholds.length; t++) area += (fpr[t]! - fpr[t + 1]!) * ((tpr[t]! + tpr[t + 1]!) / 2);
  return area;
}

/** The binary figures of labels `y` and predictions `p`, by hand. */
function byHand(y: readonly number[], p: readonly number[]) {
  const predicted = p.map((v) => (v > 0.5 ? 1 : 0));
  const tp = y.filter((v, i) => v === 1 && predicted[i] === 1).length;
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const squares = y.reduce((s, v, i) => s + (v - p[i]!) ** 2, 0);
  return {
    loss: -y.reduce((s, v, i) => s + v * Math.log(p[i]!) + (1 - v) * Math.log(1 - p[i]!), 0) / y.length,
    precision: tp / predicted.filter((v) => v === 1).length,
    recall: tp / y.filter((v) => v === 1).length,
    auc: kerasAuc(y, p),
    rmse: Math.sqrt(squares / y.length),
    r2: 1 - squares / y.reduce((s, v) => s + (v - mean) ** 2, 0),
  };
}

/** Batches of the rows above: `y` per row, one tensor or one per output. */
function batches(ys: (row: number, validation: boolean) => number[][]): TrainingBatches {
  const make = (rows: readonly number[][], validation: boolean) => (positions: readonly number[]) => {
    const x = tf.tensor2d(positions.map((i) => [...rows[i]!]));
    const perOutput = positions.map((i) => ys(i, validation));
    const y = perOutput[0]!.map((_, k) => tf.tensor2d(perOutput.map((row) => row[k]!)));
    return [x, y.length === 1 ? y[0]! : y] as [tf.Tensor, tf.Tensor | tf.Tensor[]];
  };
  return {
    trainingRows: features.length,
    validationRows: validationFeatures.length,
    training: make(features, false),
    validation: make(validationFeatures, true),
  } as unknown as TrainingBatches;
}

/** One epoch at learning rate 0 in batches of 5 (5, 5, 3 rows), unshuffled; its figures under Keras's names. */
async function oneEpoch(model: tf.LayersModel, settings: CompileSettings, data: TrainingBatches) {
  const figures = compileForTraining(model, settings, tf.train.sgd(0));
  const result = await trainLoop(model, data, {
    epochs: 1,
    batchSize: 5,
    shuffle: false,
    figures,
    callbacks: [],
    random: seededRandom(1),
  });
  return { figures, logs: kerasFigures(result.epochs[0], figures.names) };
}

function binaryModel(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const output = tf.layers.dense({ units: 1, activation: "sigmoid" }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  model.setWeights([tf.tensor2d([[w[0]!], [w[1]!]]), tf.tensor1d([b])]);
  return model;
}

beforeAll(prepareBackends);
afterAll(() => useBackend("cpu"));

for (const backend of ["cpu", "wasm"] as const) {
  describe(`figures over the epoch, ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it("precision, recall, auc, rmse and r2 of training, validation and evaluation equal the figures by hand", async () => {
      const model = binaryModel();
      const settings: CompileSettings = {
        loss: "binary_crossentropy",
        metrics: ["precision", "recall", "auc", "rmse", "r2"],
      };
      const data = batches((row, validation) => [[validation ? validationLabels[row]! : labels[row]!]]);
      const { figures, logs } = await oneEpoch(model, settings, data);
      const training = byHand(labels, features.map(predict));
      const validation = byHand(validationLabels, validationFeatures.map(predict));
      expect(Object.keys(logs)).toEqual([
        ...["loss", "precision", "recall", "auc", "rmse", "r2"],
        ...["val_loss", "val_precision", "val_recall", "val_auc", "val_rmse", "val_r2"],
      ]);
      for (const [name, value] of Object.entries(training)) {
        expect(logs[name], name).toBeCloseTo(value, 5);
        expect(logs[`val_${name}`], `val_${name}`).toBeCloseTo(validation[name as keyof typeof validation], 5);
      }
      // The epoch's precision is not the mean of the batches' (5, 5 and 3 rows).
      const batchPrecisions = [0, 5, 10].map((from) => {
        const y = labels.slice(from, from + 5);
        return byHand(y, features.slice(from, from + 5).map(predict)).precision;
      });
      const meanOfBatches = (batchPrecisions[0]! * 5 + batchPrecisions[1]! * 5 + batchPrecisions[2]! * 3) / 13;
      expect(logs["precision"]).not.toBeCloseTo(meanOfBatches, 3);
      // Evaluation (nnc evaluate's loop): the validation rows in batches of 4, figures from the sums.
      const sums: Record<string, number> = {};
      for (const from of [0, 4]) {
        const positions = [...Array(Math.min(4, validationFeatures.length - from)).keys()].map((i) => from + i);
        const [x, y] = data.validation(positions);
        const values = figures.values(await evaluateBatch(model, x, y));
        for (const [key, value] of Object.entries(values)) sums[key] = (sums[key] ?? 0) + value * positions.length;
        await figures.gather(sums);
        tf.dispose([x, y]);
      }
      const evaluated = kerasFigures(figures.figures(sums, validationFeatures.length), figures.names);
      for (const [name, value] of Object.entries(validation)) expect(evaluated[name], name).toBeCloseTo(value, 5);
      model.dispose();
    });

    it("huber is Keras's Huber(delta=1): 0.5 e^2 within 1, |e| - 0.5 beyond, averaged per example then over the batch", async () => {
      const input = tf.input({ shape: [2] });
      const output = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: output });
      model.setWeights([
        tf.tensor2d([
          [1, 0],
          [0, 3],
        ]),
        tf.tensor1d([0, -1]),
      ]);
      const figures = compileForTraining(model, { loss: "huber", metrics: [] }, "sgd");
      const x = features.slice(0, 5);
      const targets = x.map((row) => [row[0]! * 0.5, 2 - row[1]!]);
      const [loss] = await evaluateBatch(model, tf.tensor2d(x), tf.tensor2d(targets));
      const huber = (e: number) => (Math.abs(e) <= 1 ? 0.5 * e * e : Math.abs(e) - 0.5);
      const perExample = x.map((row, i) => {
        const p = [row[0]!, 3 * row[1]! - 1];
        return (huber(p[0]! - targets[i]![0]!) + huber(p[1]! - targets[i]![1]!)) / 2;
      });
      const errors = x.flatMap((row, i) => [row[0]! - targets[i]![0]!, 3 * row[1]! - 1 - targets[i]![1]!]);
      expect(errors.some((e) => Math.abs(e) > 1) && errors.some((e) => Math.abs(e) < 1)).toBe(true);
      expect(figures.values([loss!])["loss"]).toBeCloseTo(perExample.reduce((a, v) => a + v, 0) / 5, 5);
      model.dispose();
    });

    it("two outputs of one layer (an LSTM's sequence and state) keep their own metrics and figures", async () => {
      const input = tf.input({ shape: [2] });
      const steps = tf.layers.reshape({ targetShape: [2, 1] }).apply(input) as tf.SymbolicTensor;
      const [sequence, state] = tf.layers.lstm({ units: 1, returnState: true }).apply(steps) as tf.SymbolicTensor[];
      const model = tf.model({ inputs: input, outputs: [sequence!, state!] });
      const settings: CompileSettings = {
        outputs: ["sequence", "state"],
        loss: "mse",
        metrics: { sequence: ["mae"], state: ["rmse"] },
      };
      const figures = compileForTraining(model, settings, "sgd");
      const x = tf.tensor2d(features.slice(0, 4));
      const y = [tf.tensor2d([[0.1], [0.2], [0.3], [0.4]]), tf.tensor2d([[0.5], [0.5], [0.5], [0.5]])];
      const [predicted, hidden] = model.predict(x) as tf.Tensor[];
      const errors = (p: tf.Tensor, t: tf.Tensor) => {
        const a = p.dataSync();
        const b = t.dataSync();
        return Array.from(a, (v, i) => v - b[i]!);
      };
      const sequenceErrors = errors(predicted!, y[0]!);
      const stateErrors = errors(hidden!, y[1]!);
      const sums: Record<string, number> = {};
      for (const [key, value] of Object.entries(figures.values(await evaluateBatch(model, x, y))))
        sums[key] = value * 4;
      await figures.gather(sums);
      const logs = kerasFigures(figures.figures(sums, 4), figures.names);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      expect(logs["sequence_loss"]).toBeCloseTo(mean(sequenceErrors.map((e) => e * e)), 5);
      expect(logs["state_loss"]).toBeCloseTo(mean(stateErrors.map((e) => e * e)), 5);
      expect(logs["sequence_mae"]).toBeCloseTo(mean(sequenceErrors.map(Math.abs)), 5);
      expect(logs["state_rmse"]).toBeCloseTo(Math.sqrt(mean(stateErrors.map((e) => e * e))), 5);
      expect(Object.keys(logs).filter((k) => !k.startsWith("val_"))).toEqual([
        ...["loss", "sequence_loss", "state_loss", "sequence_mae", "state_rmse"],
      ]);
      tf.dispose([x, ...y, predicted!, hidden!]);
      model.dispose();
    });

    it("two outputs: each loss unweighted under the output's name, the total weighted, metrics per output", async () => {
      const input = tf.input({ shape: [2] });
      const kind = tf.layers.dense({ units: 2, activation: "softmax" }).apply(input) as tf.SymbolicTensor;
      const price = tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: [kind, price] });
      const kindWeights = [
        [1, -1],
        [-2, 2],
      ];
      model.setWeights([
        tf.tensor2d(kindWeights),
        tf.tensor1d([0, 0.2]),
        tf.tensor2d([[2], [0.5]]),
        tf.tensor1d([-0.3]),
      ]);
      const prices = features.map((x) => x[0]! + x[1]!);
      const validationPrices = validationFeatures.map((x) => 2 * x[0]!);
      const settings: CompileSettings = {
        outputs: ["kind", "price"],
        loss: { kind: "categorical_crossentropy", price: "mse" },
        lossWeights: { kind: 1, price: 0.5 },
        metrics: { kind: ["accuracy"], price: ["mae", "r2"] },
      };
      const data = batches((row, validation) => {
        const label = validation ? validationLabels[row]! : labels[row]!;
        return [label === 1 ? [0, 1] : [1, 0], [validation ? validationPrices[row]! : prices[row]!]];
      });
      const { logs } = await oneEpoch(model, settings, data);
      const expected = (rows: readonly number[][], y: readonly number[], target: readonly number[]) => {
        const kindLoss = rows.map((x, i) => {
          const z = [0, 1].map((k) => x[0]! * kindWeights[0]![k]! + x[1]! * kindWeights[1]![k]! + [0, 0.2][k]!);
          const p1 = Math.exp(z[1]!) / (Math.exp(z[0]!) + Math.exp(z[1]!));
          return { loss: -Math.log(y[i] === 1 ? p1 : 1 - p1), right: (p1 > 0.5 ? 1 : 0) === y[i] ? 1 : 0 };
        });
        const p = rows.map((x) => 2 * x[0]! + 0.5 * x[1]! - 0.3);
        const errors = p.map((v, i) => v - target[i]!);
        const mean = target.reduce((s, v) => s + v, 0) / target.length;
        const n = rows.length;
        const kindFigure = kindLoss.reduce((s, k) => s + k.loss, 0) / n;
        const priceFigure = errors.reduce((s, e) => s + e * e, 0) / n;
        return {
          loss: kindFigure + 0.5 * priceFigure,
          kind_loss: kindFigure,
          price_loss: priceFigure,
          kind_accuracy: kindLoss.reduce((s, k) => s + k.right, 0) / n,
          price_mae: errors.reduce((s, e) => s + Math.abs(e), 0) / n,
          price_r2: 1 - (priceFigure * n) / target.reduce((s, v) => s + (v - mean) ** 2, 0),
        };
      };
      const training = expected(features, labels, prices);
      const validation = expected(validationFeatures, validationLabels, validationPrices);
      expect(Object.keys(logs)).toEqual([
        ...Object.keys(training),
        ...Object.keys(validation).map((name) => `val_${name}`),
      ]);
      for (const [name, value] of Object.entries(training)) {
        expect(logs[name], name).toBeCloseTo(value, 5);
        expect(logs[`val_${name}`], `val_${name}`).toBeCloseTo(validation[name as keyof typeof validation], 5);
      }
      model.dispose();
    });
  });
}
