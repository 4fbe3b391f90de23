/**
 * Scaling, with figures worked out by hand in the test: a `validation:` source is scaled with the training
 * source's statistics whatever its own `normalize:` says (it was used unscaled when it had none), and so is
 * what `nnc evaluate` reads; `normalize_target: standard` trains on targets standardised with the training
 * rows' mean and standard deviation, which the run saves, `nnc predict` undoes and `nnc evaluate` reports
 * MAE, MSE and RMSE in the targets' units with.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { evaluateRun, initBackend, loadRun, openTrainingData, predictRun } from "../../src/runtime/index.js";
import { buildModel } from "../../src/runtime/build.js";
import { scratchFolder, succeeds, trainRun } from "../helpers/runs.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const { dir, file } = scratchFolder("nnc-data-scaling-");

/** Rows `x1, x2, y` with y = 3 x1 - 2 x2 + 40 (and a little more), on features of very different sizes. */
const training: number[][] = Array.from({ length: 24 }, (_, i) => {
  const x1 = 10 + ((i * 7) % 13);
  const x2 = 200 + ((i * 11) % 17) * 5;
  return [x1, x2, 3 * x1 - 0.2 * x2 + 40 + (i % 3)];
});
const held: number[][] = Array.from({ length: 8 }, (_, i) => [12 + i, 230 - i * 4, 50 + i]);
const csv = (rows: number[][]) => `x1,x2,y\n${rows.map((r) => r.join(",")).join("\n")}\n`;

/** Each column's mean and population standard deviation. */
function stats(rows: number[][], column: number): { mean: number; std: number } {
  const values = rows.map((r) => r[column]!);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

const regression = (data: string, extra = "") => `model Fit {
  input x: [2]
  dense(1)
}

train Fit {
  data: ${data}
  loss: mse
  optimizer: sgd(0.05)
  metrics: [mae, mse, rmse]
  epochs: 3
  batch_size: 8
  shuffle: false
  seed: 3
${extra}}
`;

/** The model's outputs for `rows` (features only), one number each. */
function predicted(model: tf.LayersModel, rows: number[][]): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(rows)) as tf.Tensor).dataSync()));
}

describe("a validation source is scaled as the training source says", () => {
  it("without normalize: of its own, with the training data's statistics: val_loss and nnc evaluate agree with the figure worked out by hand", async () => {
    const spec = file(
      "fit.nn",
      regression(
        `csv("${file("train.csv", csv(training))}", label: "y", normalize: standard)`,
        `  validation: csv("${file("held.csv", csv(held))}", label: "y")\n`,
      ),
    );
    const runDir = join(dir, "fit-run");
    const { train } = await trainRun(spec, runDir);
    const run = await loadRun(runDir);
    const [s1, s2] = [stats(training, 0), stats(training, 1)];
    const scaled = held.map(([a, b]) => [(a! - s1.mean) / s1.std, (b! - s2.mean) / s2.std]);
    const mse = (rows: number[][]) =>
      predicted(run.model, rows).reduce((sum, p, i) => sum + (p - held[i]![2]!) ** 2, 0) / held.length;
    const byHand = mse(scaled);
    const history = JSON.parse(readFileSync(join(runDir, "history.json"), "utf8")) as Record<string, number>[];
    // The last epoch's val_loss is taken with the weights the run saved.
    expect(history.at(-1)!["val_loss"]).toBeCloseTo(byHand, 3);
    const evaluation = await evaluateRun(run, train, train.validation!);
    expect(evaluation.figures["loss"]).toBeCloseTo(byHand, 3);
    // The unscaled rows give another figure altogether: what the bug reported.
    expect(Math.abs(mse(held.map(([a, b]) => [a!, b!])) - byHand)).toBeGreaterThan(1);
    run.model.dispose();
  });

  it("with a normalize: of its own but none in training, unscaled, as the training data was", async () => {
    const { program } = checkFile(
      file(
        "plain.nn",
        regression(
          `csv("${file("train.csv", csv(training))}", label: "y")`,
          `  validation: csv("${file("held.csv", csv(held))}", label: "y", normalize: standard)\n`,
        ),
      ),
    );
    const train = program!.trains[0]!;
    const model = buildModel(program!.models[0]!);
    const batches = await openTrainingData(model, train);
    const [x, y] = batches.validation([0]);
    expect((x as tf.Tensor).arraySync()).toEqual([[12, 230]]);
    tf.dispose([x, y]);
    batches.close();
    model.dispose();
  });
});

describe("normalize_target: standard", () => {
  const spec = () =>
    file(
      "target.nn",
      regression(
        `csv("${file("train.csv", csv(training))}", label: "y", normalize: standard, normalize_target: standard)`,
      ),
    );

  it("trains on (y - mean) / std of the training rows, and saves both", async () => {
    const { program } = checkFile(spec());
    const train = program!.trains[0]!;
    const model = buildModel(program!.models[0]!);
    const batches = await openTrainingData(model, train);
    const { mean, std } = stats(training, 2);
    expect(batches.preprocessing.targetScaling![0]!.shift).toBeCloseTo(mean, 4);
    expect(batches.preprocessing.targetScaling![0]!.scale).toBeCloseTo(std, 4);
    const [x, y] = batches.training([0, 1]);
    const targets = (y as tf.Tensor).arraySync() as number[][];
    expect(targets[0]![0]).toBeCloseTo((training[0]![2]! - mean) / std, 5);
    expect(targets[1]![0]).toBeCloseTo((training[1]![2]! - mean) / std, 5);
    tf.dispose([x, y]);
    batches.close();
    model.dispose();
  });

  it("is never computed with target: (the input is the target; nnc check says NN4032): y is x, unscaled", async () => {
    const { program } = checkFile(
      file(
        "auto.nn",
        `model Auto {\n  input x: [2]\n  dense(2)\n}\n\ntrain Auto {\n  data: csv("${file("train.csv", csv(training))}", features: ["x1", "x2"])\n  target: input\n  loss: mse\n  optimizer: sgd(0.05)\n  epochs: 1\n  batch_size: 8\n  shuffle: false\n}\n`,
      ),
    );
    const checked = program!.trains[0]!;
    // What a compiled module (or IR built by hand) can still pass: the checker's NN4032 is not there to stop it.
    const train = {
      ...checked,
      data: { ...checked.data, args: { ...checked.data.args, normalize_target: "standard" } },
    };
    const model = buildModel(program!.models[0]!);
    const batches = await openTrainingData(model, train);
    expect(batches.preprocessing.targetScaling).toBeUndefined();
    const [x, y] = batches.training([0, 1]);
    expect((y as tf.Tensor).arraySync()).toEqual(training.slice(0, 2).map((row) => row.slice(0, 2)));
    tf.dispose([x, y]);
    batches.close();
    model.dispose();
  });

  it("nnc predict answers in the targets' units, nnc evaluate reports MAE, MSE, RMSE in them (std, std², std)", async () => {
    const runDir = join(dir, "target-run");
    const { train } = await trainRun(spec(), runDir);
    const run = await loadRun(runDir);
    const saved = JSON.parse(readFileSync(join(runDir, "preprocessing.json"), "utf8"));
    const { shift, scale } = saved.targetScaling[0];
    const [s1, s2] = [stats(training, 0), stats(training, 1)];
    const scaledX = held.map(([a, b]) => [(a! - s1.mean) / s1.std, (b! - s2.mean) / s2.std]);
    const inUnits = predicted(run.model, scaledX).map((p) => p * scale + shift);
    const predictions = predictRun(run, file("new.csv", csv(held)));
    expect(predictions.columns).toEqual(["y"]);
    predictions.rows.forEach((row, i) => expect(row[0]).toBeCloseTo(inUnits[i]!, 3));
    const evaluation = await evaluateRun(run, train, {
      name: "csv",
      args: { ...train.data.args, path: join(dir, "held.csv") },
    });
    const errors = inUnits.map((p, i) => p - held[i]![2]!);
    const mae = errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length;
    const mse = errors.reduce((a, e) => a + e * e, 0) / errors.length;
    expect(evaluation.figures["mae"]).toBeCloseTo(mae, 2);
    expect(evaluation.figures["mse"]).toBeCloseTo(mse, 1);
    expect(evaluation.figures["rmse"]).toBeCloseTo(Math.sqrt(mse), 2);
    // The loss stays as training reported it: the MSE of the standardised targets.
    expect(evaluation.figures["loss"]).toBeCloseTo(mse / scale ** 2, 3);
    // The command says so.
    const printed = succeeds(["evaluate", join(dir, "target.nn"), "--model", runDir]).split("\n");
    expect(printed[2]).toBe("(mae, mse and rmse in the targets' units; the loss as trained, on standardised targets)");
    run.model.dispose();
  });
});
