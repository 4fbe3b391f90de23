/**
 * `nnc evaluate` on runs of examples/iris.nn and of the bundled Fashion-MNIST slice trained here for a few
 * epochs: figures under Keras's names that agree with the predictions, data read with the train block's
 * readers (--data as CSV, JSON Lines, or IDX images and labels), and one-line errors. The command itself
 * runs as users run it (the built bin/nnc.js); the rest runs in this process.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";
import { scratchFolder, succeeds, trainRun, userError, type TrainedSpec } from "./helpers/runs.js";
import { evaluateRun, evaluationSource, initBackend, loadRun, predictRun } from "../src/runtime/index.js";

const { dir: scratch, file } = scratchFolder("nnc-evaluate-");
const iris = join(repo, "examples", "data", "iris.csv");
const irisRows = readFileSync(iris, "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => line.split(","));
const run = join(scratch, "iris-run");
let spec: TrainedSpec;

type Row = Record<string, string | number>;

beforeAll(async () => {
  await initBackend();
  spec = await trainRun(join(repo, "examples", "iris.nn"), run, 5);
});

describe("nnc evaluate", () => {
  it("prints loss and accuracy under Keras's names, which agree with the predictions", async () => {
    const figures = JSON.parse(succeeds(["evaluate", "examples/iris.nn", "--model", run, "--format", "json"])) as Row;
    expect(Object.keys(figures)).toEqual(["loss", "accuracy"]);
    const predictions = predictRun(await loadRun(run), iris);
    expect(predictions.rows).toHaveLength(150);
    const species = irisRows.map((row) => row[4]!);
    const column = (name: string) => predictions.columns.indexOf(name);
    const correct = predictions.rows.filter((p, i) => p[0] === species[i]).length;
    expect(figures["accuracy"]).toBeCloseTo(correct / 150, 6);
    const crossEntropy =
      predictions.rows.reduce((sum, p, i) => sum - Math.log(Number(p[column(`p_${species[i]}`)])), 0) / 150;
    expect(figures["loss"]).toBeCloseTo(crossEntropy, 4);

    const text = succeeds(["evaluate", "examples/iris.nn", "--model", run]);
    expect(text).toMatch(/^evaluated Iris on examples\/data\/iris\.csv \(150 rows, the training data\)$/m);
    expect(text).toContain(
      `loss: ${Number(figures["loss"]).toFixed(4)} - accuracy: ${Number(figures["accuracy"]).toFixed(4)}`,
    );
  });

  it("streams data larger than memory batch by batch, with the figures of the data read whole", async () => {
    const saved = await loadRun(run);
    const whole = await evaluateRun(saved, spec.train, spec.train.data);
    // Every file counts as larger than memory here: a first pass in chunks of 16 rows, then batches read back.
    const streamed = await evaluateRun(saved, spec.train, spec.train.data, { streamAbove: 0, chunkRows: 16 });
    expect(streamed.rows).toBe(150);
    expect(streamed.data.streamed).toBe(true);
    expect(streamed.data.peakRows).toBeLessThanOrEqual(Math.max(16, spec.train.batchSize));
    expect(whole.data).toEqual({ streamed: false, peakRows: 150 });
    expect(Object.keys(streamed.figures)).toEqual(["loss", "accuracy"]);
    for (const name of ["loss", "accuracy"]) expect(streamed.figures[name]).toBeCloseTo(whole.figures[name]!, 6);
  });

  it("reads --data with the train block's options, as CSV or JSON Lines by its extension", async () => {
    const rows = irisRows.filter((_, i) => i % 15 === 0);
    const csv = file(
      "few.csv",
      `species,petal_width,petal_length,sepal_width,sepal_length\n${rows.map((r) => [r[4], r[3], r[2], r[1], r[0]].join(",")).join("\n")}\n`,
    );
    const names = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    const jsonl = file(
      "few.jsonl",
      rows
        .map((r) => JSON.stringify({ ...Object.fromEntries(names.map((n, i) => [n, Number(r[i])])), species: r[4] }))
        .join("\n"),
    );
    const saved = await loadRun(run);
    const fromCsv = await evaluateRun(saved, spec.train, evaluationSource(spec.train, [csv]));
    const fromJson = await evaluateRun(saved, spec.train, evaluationSource(spec.train, [jsonl]));
    expect(fromCsv.rows).toBe(10);
    expect(fromJson.figures).toEqual(fromCsv.figures);
    expect(succeeds(["evaluate", "examples/iris.nn", "-m", run, "--data", csv])).toMatch(
      /^evaluated Iris on .*few\.csv \(10 rows\)$/m,
    );
    expect(await userError(() => evaluationSource(spec.train, [csv, jsonl]), scratch + "/")).toBe(
      "error[NN4005]: few.csv few.jsonl: train Iris reads csv() data, so --data takes one .csv, .json or .jsonl file",
    );
  });

  it("refuses a run whose model does not match the spec, naming both shapes, in one line", async () => {
    const text = readFileSync(join(repo, "examples", "iris.nn"), "utf8").replace(
      "input measurements: [4]",
      "input measurements: [5]",
    );
    const wide = file("wide.nn", text.replace('"data/iris.csv"', JSON.stringify(iris)));
    const result = nnc(["evaluate", wide, "--model", run]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.replaceAll(`${scratch}/`, "")).toBe(
      "error[NN4011]: iris-run holds model 'Iris' with input [4] -> output [3], but model 'Iris' of wide.nn has input [5] -> output [3]\n",
    );
    // Without the training classes the outputs cannot be numbered: refused, not guessed from the data.
    const bare = join(scratch, "bare-run");
    mkdirSync(bare);
    for (const name of ["model.json", "weights.bin"]) copyFileSync(join(run, name), join(bare, name));
    const saved = await loadRun(bare);
    expect(await userError(() => evaluateRun(saved, spec.train, spec.train.data), `${scratch}/`)).toBe(
      "error[NN4010]: bare-run/labels.json: no such file; it holds the training classes in the order of the model's outputs, which evaluate needs",
    );
  });

  it("evaluates idx() data given as --data images labels, as the predictions for the images score", async () => {
    const slice = (name: string) => join(repo, "examples", "data", "fashion-mnist", `slice-${name}-ubyte.gz`);
    const fashion = file(
      "fashion.nn",
      `model Fashion {
  input image: [28, 28, 1]
  flatten()
  dense(16, activation: relu)
  dense(10, activation: softmax)
}
train Fashion {
  data: idx(images: ${JSON.stringify(slice("train-images-idx3"))}, labels: ${JSON.stringify(slice("train-labels-idx1"))})
  loss: sparse_categorical_crossentropy
  optimizer: adam(0.003)
  metrics: [accuracy]
  batch_size: 100
  epochs: 2
  seed: 3
}
`,
    );
    const fashionRun = join(scratch, "fashion-run");
    const trained = await trainRun(fashion, fashionRun);
    const images = slice("test-images-idx3");
    const figures = JSON.parse(
      succeeds([
        "evaluate",
        fashion,
        "-m",
        fashionRun,
        "--data",
        images,
        slice("test-labels-idx1"),
        "--format",
        "json",
      ]),
    ) as Row;
    const predicted = predictRun(await loadRun(fashionRun), images);
    expect(predicted.columns).toEqual(["predicted", ...Array.from({ length: 10 }, (_, i) => `p_${i}`)]);
    expect(predicted.rows).toHaveLength(500);
    // The IDX labels file: 8 header bytes, then one byte per image.
    const labels = gunzipSync(readFileSync(slice("test-labels-idx1"))).subarray(8);
    const correct = predicted.rows.filter((row, i) => row[0] === String(labels[i])).length;
    expect(figures["accuracy"]).toBeCloseTo(correct / 500, 6);
    expect(await userError(() => evaluationSource(trained.train, [images]), `${repo}/`)).toMatch(
      /^error\[NN4005\]: .*: train Fashion reads idx\(\) data, so --data takes 2 files \(images, labels\)$/,
    );
  });
});
