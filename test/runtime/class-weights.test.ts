/**
 * Weighted training, against the arithmetic Keras does: one SGD step on a softmax layer of known weights moves
 * them by the gradient of `sum(w_i * crossentropy_i) / rows` computed here by hand, and reports that loss, with
 * `w_i` the row's class weight (given, or `balanced` from the training rows' counts) times its `sample_weight:`
 * value. Also: a row of weight 0 changes nothing, a class the data lacks and a bad weight are one-line errors
 * before the first step, and a resumed run keeps weighing as an unbroken one.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, runTraining, trainModel, type TrainedRun } from "../../src/runtime/index.js";
import { npyBytes, userError } from "../helpers/data-files.js";
import { quiet } from "../helpers/ir.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-class-weights-"));
const kernel = [
  [0.2, -0.3],
  [0.5, 0.1],
];
const bias = [0.05, -0.05];
const learningRate = 0.5;

/** A softmax layer over two features with the weights above: its one SGD step is computed by hand below. */
function build(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], activation: "softmax" })] });
  model.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  return model;
}

interface Row {
  readonly x: readonly [number, number];
  readonly label: "a" | "b";
  readonly w?: number;
}

/** The train block of a spec over `rows` (written as CSV, a `w` column when any row has a weight), `keys` added. */
function spec(name: string, rows: readonly Row[], keys: string): ReturnType<typeof checkFile> {
  const weighted = rows.some((r) => r.w !== undefined);
  const lines = rows.map((r) => [...r.x, r.label, ...(weighted ? [r.w ?? 1] : [])].join(","));
  writeFileSync(join(dir, `${name}.csv`), [`p,q,y${weighted ? ",w" : ""}`, ...lines].join("\n") + "\n");
  const sampleWeight = weighted ? `, sample_weight: "w"` : "";
  writeFileSync(
    join(dir, `${name}.nn`),
    `model M {\n  input x: [2]\n  dense(2, activation: softmax)\n}\ntrain M {
  data: csv("${name}.csv", label: "y"${sampleWeight})
  loss: categorical_crossentropy
  optimizer: sgd(learning_rate: ${learningRate})
  epochs: 1
  batch_size: 64
  shuffle: false
${keys}
}\n`,
  );
  const checked = checkFile(join(dir, `${name}.nn`));
  expect(checked.diagnostics).toEqual([]);
  return checked;
}

/** One epoch of one step on `rows` (all of them a batch), as `nnc train` runs it. */
async function oneStep(name: string, rows: readonly Row[], keys = ""): Promise<TrainedRun> {
  return runTraining(build, spec(name, rows, keys).program!.trains[0]!, { output: quiet });
}

/**
 * The weights after one SGD step on the training rows `rows`, each weighing `weights[i]`, and the loss: by
 * hand, the gradient of the mean weighted crossentropy with respect to the logits is `w_i (p_i - y_i) / rows`.
 */
function byHand(
  rows: readonly Row[],
  weights: readonly number[],
): { kernel: number[][]; bias: number[]; loss: number } {
  const n = rows.length;
  const gradKernel = [
    [0, 0],
    [0, 0],
  ];
  const gradBias = [0, 0];
  let loss = 0;
  rows.forEach((row, i) => {
    const logits = [0, 1].map((j) => row.x[0] * kernel[0]![j]! + row.x[1] * kernel[1]![j]! + bias[j]!);
    const top = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - top));
    const p = exps.map((e) => e / (exps[0]! + exps[1]!));
    const target = row.label === "a" ? 0 : 1;
    loss += (weights[i]! * -Math.log(p[target]!)) / n;
    [0, 1].forEach((j) => {
      const g = (weights[i]! * (p[j]! - (j === target ? 1 : 0))) / n;
      gradBias[j]! += g;
      gradKernel[0]![j]! += row.x[0] * g;
      gradKernel[1]![j]! += row.x[1] * g;
    });
  });
  return {
    kernel: kernel.map((r, a) => r.map((v, j) => v - learningRate * gradKernel[a]![j]!)),
    bias: bias.map((v, j) => v - learningRate * gradBias[j]!),
    loss,
  };
}

function expectStep(run: TrainedRun, expected: ReturnType<typeof byHand>): void {
  const [k, b] = run.model.getWeights().map((w) => Array.from(w.dataSync()));
  expected.kernel.flat().forEach((v, i) => expect(k![i], `kernel ${i}`).toBeCloseTo(v, 5));
  expected.bias.forEach((v, i) => expect(b![i], `bias ${i}`).toBeCloseTo(v, 5));
  expect(run.history[0]!["loss"]).toBeCloseTo(expected.loss, 5);
}

const rows: Row[] = [
  { x: [1, 0], label: "a", w: 1 },
  { x: [0, 1], label: "b", w: 0.5 },
  { x: [1, 1], label: "b", w: 2 },
  { x: [0.5, -1], label: "a", w: 0 },
  { x: [-1, 0.5], label: "a", w: 3 },
];

describe("weighted training", () => {
  beforeAll(() => initBackend("cpu"));

  it("without weights takes Keras's plain step", async () => {
    const plain = rows.map(({ x, label }) => ({ x, label }));
    expectStep(await oneStep("plain", plain), byHand(plain, [1, 1, 1, 1, 1]));
  });

  it("class_weight multiplies each row's loss by its class's weight, and sample_weight: by its own", async () => {
    const plain = rows.map(({ x, label }) => ({ x, label }));
    expectStep(await oneStep("classes", plain, "  class_weight: { b: 3 }"), byHand(plain, [1, 3, 3, 1, 1]));
    expectStep(await oneStep("samples", rows), byHand(rows, [1, 0.5, 2, 0, 3]));
    // Both: they multiply, as in Keras.
    expectStep(await oneStep("both", rows, "  class_weight: { a: 2 }"), byHand(rows, [2, 0.5, 2, 0, 6]));
  });

  it("reads the weights of a streamed file and of JSON Lines the same", async () => {
    const expected = byHand(rows, [1, 0.5, 2, 0, 3]);
    const train = spec("streamed", rows, "").program!.trains[0]!;
    expectStep(await runTraining(build, train, { output: quiet, streamAbove: 1, chunkRows: 2 }), expected);
    const jsonl = rows.map((r) => JSON.stringify({ p: r.x[0], q: r.x[1], y: r.label, w: r.w })).join("\n");
    writeFileSync(join(dir, "rows.jsonl"), `${jsonl}\n`);
    const json = { ...train, data: { name: "json", args: { ...train.data.args, path: join(dir, "rows.jsonl") } } };
    expectStep(await runTraining(build, json, { output: quiet }), expected);
  });

  it("reads the weights of npy(x, y, sample_weight:) whole and by offset; a negative one is NN4061 at its record", async () => {
    const floats = (values: readonly number[]) => Buffer.from(new Float32Array(values).buffer);
    writeFileSync(join(dir, "x.npy"), npyBytes("<f4", [rows.length, 2], floats(rows.flatMap((r) => r.x))));
    const labels = Buffer.from(Int32Array.from(rows, (r) => (r.label === "a" ? 0 : 1)).buffer);
    writeFileSync(join(dir, "y.npy"), npyBytes("<i4", [rows.length], labels));
    writeFileSync(join(dir, "w.npy"), npyBytes("<f4", [rows.length, 1], floats(rows.map((r) => r.w!))));
    const csv = spec("npy", rows, "").program!.trains[0]!;
    const args = { x: join(dir, "x.npy"), y: join(dir, "y.npy"), sample_weight: join(dir, "w.npy") };
    const train = { ...csv, data: { name: "npy", args } };
    // Labels 0 and 1 are classes "0" and "1", in the order of a and b.
    const expected = byHand(rows, [1, 0.5, 2, 0, 3]);
    expectStep(await runTraining(build, train, { output: quiet }), expected);
    expectStep(await runTraining(build, train, { output: quiet, streamAbove: 1 }), expected);
    writeFileSync(join(dir, "w.npy"), npyBytes("<f4", [rows.length], floats([1, 1, 1, -2, 1])));
    const error = await userError(() => runTraining(build, train, { output: quiet }));
    expect(error.format()).toMatch(/^error\[NN4061\]: \S*w\.npy: record 4: the sample weight is -2;/);
  });

  it("balanced weighs n_samples / (n_classes * count) over the training rows, not the held-out ones", async () => {
    // 4 training rows (3 a, 1 b): a weighs 4 / (2 * 3), b 4 / (2 * 1); the 4 held-out rows (all b) do not count.
    const data: Row[] = [
      ...[0, 3, 4, 1].map((i) => rows[i]!),
      ...rows.slice(0, 4).map((r) => ({ ...r, label: "b" as const })),
    ];
    const plain = data.map(({ x, label }) => ({ x, label }));
    const run = await oneStep("balanced", plain, "  class_weight: balanced\n  validation_split: 0.5");
    const training = plain.slice(0, 4);
    expectStep(
      run,
      byHand(
        training,
        training.map((r) => (r.label === "a" ? 4 / 6 : 4 / 2)),
      ),
    );
  });

  it("balanced with a class that has no training rows is NN4007 naming the class", async () => {
    // 4 training rows, all a; the 4 held-out rows hold every b.
    const data: Row[] = [...[0, 3, 4, 1].map((i) => ({ ...rows[i]!, label: "a" as const }))];
    const plain = [...data, ...rows.slice(0, 4).map((r) => ({ ...r, label: "b" as const }))].map(({ x, label }) => ({
      x,
      label,
    }));
    const train = spec("empty-class", plain, "  class_weight: balanced\n  validation_split: 0.5").program!.trains[0]!;
    const error = await userError(() => runTraining(build, train, { output: quiet }));
    expect(error.format()).toMatch(
      /^error\[NN4007\]: class_weight: balanced weighs each class by its training rows, but class 'b' has none in \S*empty-class\.csv$/,
    );
  });

  it("a row of weight 0 changes nothing: the step is the same whatever it holds", async () => {
    const other = rows.map((r) => (r.w === 0 ? { x: [9, -7] as const, label: "b" as const, w: 0 } : r));
    const [first, second] = [await oneStep("zero-1", rows), await oneStep("zero-2", other)];
    const weights = (run: TrainedRun) => run.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(second)).toEqual(weights(first));
    expect(second.history[0]!["loss"]).toBe(first.history[0]!["loss"]);
  });

  it("a class the data does not have is NN4060 before the first step, naming the classes there are", async () => {
    const plain = rows.map(({ x, label }) => ({ x, label }));
    const error = await userError(() => oneStep("unknown", plain, "  class_weight: { a: 2, c: 1 }"));
    expect(error.code).toBe("NN4060");
    expect(error.format()).toMatch(
      /^error\[NN4060\]: class_weight names class 'c', .*unknown\.csv \(its classes: a, b\)/,
    );
  });

  it.each([
    ["-1", '"-1"'],
    ["abc", '"abc"'],
    ["nan", '"nan"'],
    ["", "missing"],
    ["1e300", '"1e300"'],
  ])("a sample weight of '%s' is NN4061 at its file, line and column", async (value, shown) => {
    writeFileSync(join(dir, "bad.csv"), `p,q,y,w\n1,0,a,1\n0,1,b,${value}\n`);
    const good = spec("good", rows, "").program!.trains[0]!;
    const train = { ...good, data: { ...good.data, args: { ...good.data.args, path: join(dir, "bad.csv") } } };
    const error = await userError(() => runTraining(build, train, { output: quiet }));
    expect(error.format()).toMatch(
      new RegExp(`^error\\[NN4061\\]: \\S*bad\\.csv:3: column 'w': the sample weight is ${shown};`),
    );
    // 1e300 is finite, but not as a float32, where tfjs weighs the losses.
    const rule = value === "1e300" ? "past float32's range" : "a sample weight is a finite number, 0 or more";
    expect(error.format()).toContain(rule);
  });

  it.each([
    ["binary_crossentropy", "dense(1, activation: sigmoid)"],
    ["sparse_categorical_crossentropy", "dense(2, activation: softmax)"],
  ])("with %s, class weights read the class of each row as sample weights of its class would", async (loss, layer) => {
    const file = join(dir, "binary.nn");
    const weighs = (keys: string, data: string) =>
      `model M {\n  input x: [2]\n  ${layer}\n}\ntrain M {\n  data: ${data}\n  loss: ${loss}
  optimizer: sgd(learning_rate: 0.5)\n  epochs: 1\n  batch_size: 64\n  shuffle: false\n  seed: 4\n${keys}\n}\n`;
    const step = async (text: string) => {
      writeFileSync(file, text);
      const { program, diagnostics } = checkFile(file);
      expect(diagnostics).toEqual([]);
      const run = await trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet });
      return run.model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    };
    const byClass = rows.map((r) => ({ ...r, w: r.label === "b" ? 3 : 1 }));
    spec("by-class", byClass, "");
    const classes = await step(
      weighs("  class_weight: { b: 3 }", `csv("by-class.csv", label: "y", features: ["p", "q"])`),
    );
    const samples = await step(weighs("", `csv("by-class.csv", label: "y", sample_weight: "w")`));
    const plain = await step(weighs("", `csv("by-class.csv", label: "y", features: ["p", "q"])`));
    samples.forEach((v, i) => expect(classes[i]).toBeCloseTo(v, 6));
    expect(classes).not.toEqual(plain);
  });

  it("leaves no tensor behind per step", async () => {
    const { program } = spec("leaks", rows, "  class_weight: balanced");
    const left = async (epochs: number) => {
      const before = tf.memory().numTensors;
      const run = await trainModel(program!.models[0]!, { ...program!.trains[0]!, epochs }, { output: quiet });
      run.model.dispose();
      return tf.memory().numTensors - before;
    };
    await left(1); // tfjs's own first-use tensors
    expect(await left(5)).toBe(await left(1));
  });

  it("weighs only the outputs class_weight names; sample weights weigh every output", async () => {
    // Two branches that share no weights: a step moves each only by its own output's loss.
    const file = join(dir, "two.nn");
    writeFileSync(
      join(dir, "two.csv"),
      ["p,q,y,v,w", ...rows.map((r, i) => `${r.x},${r.label},${i / 4},${r.w}`)].join("\n"),
    );
    const text = (keys: string, weights = "") => `model M {
  input x: [2]
  kind = x -> dense(2, activation: softmax, name: "kind_layer")
  price = x -> dense(1, name: "price_layer")
  output kind, price
}
train M {
  data: csv("two.csv", labels: { kind: "y", price: "v" }, features: ["p", "q"]${weights})
  loss: { kind: categorical_crossentropy, price: mse }
  optimizer: sgd(learning_rate: 0.5)
  epochs: 1
  batch_size: 64
  shuffle: false
  seed: 2
${keys}
}\n`;
    const layers = async (keys: string, weights?: string) => {
      writeFileSync(file, text(keys, weights));
      const { program, diagnostics } = checkFile(file);
      expect(diagnostics).toEqual([]);
      const run = await trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet });
      const of = (name: string) =>
        run.model
          .getLayer(name)
          .getWeights()
          .flatMap((w) => Array.from(w.dataSync()));
      return { kind: of("kind_layer"), price: of("price_layer") };
    };
    const plain = await layers("");
    const classes = await layers("  class_weight: { kind: { b: 3 } }");
    expect(classes.price).toEqual(plain.price);
    expect(classes.kind).not.toEqual(plain.kind);
    const samples = await layers("", ', sample_weight: "w"');
    expect(samples.price).not.toEqual(plain.price);
    expect(samples.kind).not.toEqual(plain.kind);
  });

  it("a resumed run weighs as an unbroken one", async () => {
    const many: Row[] = Array.from({ length: 24 }, (_, i) => ({
      x: [((i * 7) % 10) / 5 - 1, ((i * 3) % 10) / 5 - 1],
      label: i % 4 === 0 ? "b" : "a",
      w: 1 + (i % 3),
    }));
    const { program } = spec("resume", many, "  class_weight: balanced\n  seed: 3");
    const [model, block] = [program!.models[0]!, { ...program!.trains[0]!, epochs: 3, batchSize: 8, shuffle: true }];
    const whole = await trainModel(model, block, { output: quiet });
    const runDir = join(dir, "resumed");
    const controller = new AbortController();
    controller.abort();
    const first = await trainModel(model, block, { output: quiet, runDir, signal: controller.signal });
    expect(first.interrupted).toMatchObject({ epoch: 0, step: 1 });
    const resumed = await trainModel(model, block, { output: quiet, runDir, resume: true });
    const weights = (run: TrainedRun) => run.model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    weights(resumed).forEach((v, i) => expect(v).toBeCloseTo(weights(whole)[i]!, 6));
    resumed.history.forEach((epoch, i) => expect(epoch["loss"]).toBeCloseTo(whole.history[i]!["loss"]!, 6));
  });
});
