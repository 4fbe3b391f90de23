/**
 * `nnc evaluate` and `nnc predict` on runs trained beyond one label: a model of two outputs evaluated on
 * labels per output (csv, and npy files per output given as --data), its loss the sum of the outputs' losses
 * worked out by hand from its predictions; `nnc predict` from the command line with one .npy file per input.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateRun, evaluationSource, initBackend, loadRun } from "../../src/runtime/index.js";
import { nnc } from "../helpers/cli.js";
import { npyBytes } from "../helpers/data-files.js";
import { scratchFolder, trainRun, userError } from "../helpers/runs.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const { dir, file } = scratchFolder("nnc-evaluate-outputs-");
const features = [
  [0.1, 0.2],
  [0.9, 0.8],
  [0.2, 0.1],
  [0.8, 0.9],
  [0.3, 0.2],
  [0.7, 0.6],
];
const kinds = [0, 1, 0, 1, 0, 1];
const prices = [1.5, 9.5, 2, 8.5, 2.5, 7];
const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

const shop = (data: string) => `model Shop {
  input x: [2]
  h = x -> dense(4, activation: relu)
  kind = h -> dense(2, activation: softmax)
  price = h -> dense(1)
  output kind, price
}

train Shop {
  data: ${data}
  loss: { kind: categorical_crossentropy, price: mse }
  optimizer: adam
  epochs: 2
  batch_size: 4
  seed: 2
}
`;

/** categorical_crossentropy of the kind output plus mse of the price output, averaged over rows. */
function lossByHand(model: tf.LayersModel): number {
  const [p, q] = model.predict(tf.tensor2d(features)) as tf.Tensor[];
  const probabilities = p!.arraySync() as number[][];
  const values = q!.arraySync() as number[][];
  const crossentropy = kinds.reduce((sum, k, i) => sum - Math.log(probabilities[i]![k]!), 0) / kinds.length;
  const mse = prices.reduce((sum, y, i) => sum + (values[i]![0]! - y) ** 2, 0) / prices.length;
  return crossentropy + mse;
}

describe("evaluating a model of two outputs", () => {
  it("csv labels per output: the loss is the outputs' losses summed, as worked out by hand", async () => {
    const csv = `a,b,kind,price\n${features.map((r, i) => [...r, kinds[i] ? "dear" : "cheap", prices[i]].join(",")).join("\n")}\n`;
    const runDir = join(dir, "csv-run");
    const { train } = await trainRun(
      file("shop.nn", shop(`csv("${file("shop.csv", csv)}", labels: { kind: "kind", price: "price" })`)),
      runDir,
    );
    const run = await loadRun(runDir);
    const evaluation = await evaluateRun(run, train, train.data);
    expect(evaluation.rows).toBe(6);
    expect(evaluation.figures["loss"]).toBeCloseTo(lossByHand(run.model), 4);
    run.model.dispose();
  });

  it("a labels.json whose output lists more classes than that output has units is NN4010 naming the file", async () => {
    const csv = `a,b,kind,price\n${features.map((r, i) => [...r, kinds[i] ? "dear" : "cheap", prices[i]].join(",")).join("\n")}\n`;
    const runDir = join(dir, "edited-run");
    await trainRun(
      file("edited.nn", shop(`csv("${file("edited.csv", csv)}", labels: { kind: "kind", price: "price" })`)),
      runDir,
    );
    const labels = JSON.parse(readFileSync(join(runDir, "labels.json"), "utf8"));
    expect(labels.outputs.kind.classes).toEqual(["cheap", "dear"]);
    labels.outputs.kind.classes.push("luxury");
    writeFileSync(join(runDir, "labels.json"), JSON.stringify(labels));
    expect(await userError(() => loadRun(runDir), `${dir}/`)).toBe(
      "error[NN4010]: edited-run/labels.json: classes of output 'kind' lists 3 classes, more than the output's 2 units hold",
    );
  });

  it("npy targets per output: --data takes x, then each output's file in the order y names them", async () => {
    const x = file("x.npy", npyBytes("<f4", [6, 2], f32(features.flat())));
    const kind = file("kind.npy", npyBytes("|u1", [6], Buffer.from(kinds)));
    const price = file("price.npy", npyBytes("<f4", [6], f32(prices)));
    const runDir = join(dir, "npy-run");
    const { train } = await trainRun(
      file("shop-npy.nn", shop(`npy(x: "${x}", y: { kind: "${kind}", price: "${price}" })`)),
      runDir,
    );
    const run = await loadRun(runDir);
    const source = evaluationSource(train, [x, kind, price]);
    expect(source.args["y"]).toEqual({ kind, price });
    const evaluation = await evaluateRun(run, train, source);
    expect(evaluation.figures["loss"]).toBeCloseTo(lossByHand(run.model), 4);
    expect(await userError(() => evaluationSource(train, [x, kind]), `${dir}/`)).toBe(
      "error[NN4005]: x.npy kind.npy: train Shop reads npy() data, so --data takes 3 files (x, y.kind, y.price)",
    );
    run.model.dispose();
  });
});

describe("nnc predict", () => {
  it("takes one .npy file per input, in the order training named them", async () => {
    const a = file("a.npy", npyBytes("<f4", [6, 2], f32(features.flat())));
    const b = file("b.npy", npyBytes("<f4", [6, 1], f32(prices)));
    const y = file("y.npy", npyBytes("|u1", [6], Buffer.from(kinds)));
    const spec = file(
      "pair.nn",
      `model Pair {
  input a: [2]
  input b: [1]
  concatenate(a, b) -> dense(2, activation: softmax)
}

train Pair {
  data: npy(x: { a: "${a}", b: "${b}" }, y: "${y}")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 4
}
`,
    );
    const runDir = join(dir, "pair-run");
    await trainRun(spec, runDir);
    const result = nnc(["predict", spec, "--model", runDir, "--input", a, b]);
    expect(result.stderr).toBe("");
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe("predicted,p_0,p_1");
    expect(lines).toHaveLength(7);
    const run = await loadRun(runDir);
    const expected = (
      run.model.predict([tf.tensor2d(features), tf.tensor2d(prices, [6, 1])]) as tf.Tensor
    ).arraySync() as number[][];
    expect(Number(lines[1]!.split(",")[1])).toBeCloseTo(expected[0]![0]!, 5);
    run.model.dispose();
  });
});
