/**
 * `nnc evaluate` and `nnc predict` as users run them (the built bin/nnc.js) on runs of examples/iris.nn
 * trained here for a few epochs: figures under Keras's names that agree with the predictions, class names
 * restored, features picked by name and scaled with the training statistics, and one-line errors.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-evaluate-"));
const iris = join(repo, "examples", "data", "iris.csv");
const irisRows = readFileSync(iris, "utf8").trim().split("\n").slice(1).map((line) => line.split(","));
const run = join(scratch, "iris-run");

function file(name: string, text: string): string {
  writeFileSync(join(scratch, name), text);
  return join(scratch, name);
}

function ok(args: readonly string[]): string {
  const result = nnc(args);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

/** A failing command: exit 1 and exactly one line on stderr, returned with the scratch folder removed. */
function failure(args: readonly string[]): string {
  const result = nnc(args);
  expect(result.status).toBe(1);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  return result.stderr.trimEnd().replaceAll(`${scratch}/`, "");
}

type Row = Record<string, string | number>;

beforeAll(() => {
  ok(["train", "examples/iris.nn", "--epochs", "5", "--out", run]);
});

describe("nnc evaluate", () => {
  it("prints loss and accuracy, which agree with nnc predict's classes and probabilities", () => {
    const figures = JSON.parse(ok(["evaluate", "examples/iris.nn", "--model", run, "--format", "json"])) as Row;
    expect(Object.keys(figures)).toEqual(["loss", "accuracy"]);
    const predictions = JSON.parse(
      ok(["predict", "examples/iris.nn", "--model", run, "--input", iris, "--format", "json"]),
    ) as Row[];
    expect(predictions).toHaveLength(150);
    const species = irisRows.map((row) => row[4]!);
    const correct = predictions.filter((p, i) => p["predicted"] === species[i]).length;
    expect(figures["accuracy"]).toBeCloseTo(correct / 150, 6);
    const crossEntropy = predictions.reduce((sum, p, i) => sum - Math.log(Number(p[`p_${species[i]}`])), 0) / 150;
    expect(figures["loss"]).toBeCloseTo(crossEntropy, 4);

    const text = ok(["evaluate", "examples/iris.nn", "--model", run]);
    expect(text).toMatch(/^evaluated Iris on examples\/data\/iris\.csv \(150 rows, the training data\)$/m);
    expect(text).toContain(`loss: ${Number(figures["loss"]).toFixed(4)} - accuracy: ${Number(figures["accuracy"]).toFixed(4)}`);
  });

  it("reads --data with the train block's options, as CSV or JSON Lines by its extension", () => {
    const rows = irisRows.filter((_, i) => i % 15 === 0);
    const csv = file("few.csv", `species,petal_width,petal_length,sepal_width,sepal_length\n${rows.map((r) => [r[4], r[3], r[2], r[1], r[0]].join(",")).join("\n")}\n`);
    const names = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    const jsonl = file(
      "few.jsonl",
      rows.map((r) => JSON.stringify({ ...Object.fromEntries(names.map((n, i) => [n, Number(r[i])])), species: r[4] })).join("\n"),
    );
    const fromCsv = JSON.parse(ok(["evaluate", "examples/iris.nn", "-m", run, "--data", csv, "--format", "json"])) as Row;
    const fromJson = JSON.parse(ok(["evaluate", "examples/iris.nn", "-m", run, "--data", jsonl, "--format", "json"])) as Row;
    expect(fromJson).toEqual(fromCsv);
    expect(ok(["evaluate", "examples/iris.nn", "-m", run, "--data", csv])).toMatch(/^evaluated Iris on .*few\.csv \(10 rows\)$/m);
  });

  it("refuses a run whose model does not match the spec, naming both shapes", () => {
    const spec = readFileSync(join(repo, "examples", "iris.nn"), "utf8").replace("input measurements: [4]", "input measurements: [5]");
    const wide = file("wide.nn", spec.replace('"data/iris.csv"', JSON.stringify(iris)));
    expect(failure(["evaluate", wide, "--model", run])).toBe(
      `error[NN4011]: iris-run holds model 'Iris' with input [4] -> output [3], but model 'Iris' of wide.nn has input [5] -> output [3]`,
    );
    expect(failure(["predict", "examples/iris.nn", "--model", join(scratch, "nowhere"), "--input", iris])).toBe(
      "error[NN4010]: nowhere/model.json: no such file (is this a run that nnc train saved?)",
    );
  });
});

describe("nnc predict", () => {
  it("picks the feature columns by name and writes CSV or JSON by the extension of -o", () => {
    const input = file("flowers.csv", "petal_width,petal_length,sepal_width,sepal_length\n0.2,1.4,3.5,5.1\n2.1,5.4,3.1,6.9\n");
    const csv = ok(["predict", "examples/iris.nn", "--model", run, "--input", input]);
    const [header, ...lines] = csv.trimEnd().split("\n");
    expect(header).toBe("predicted,p_setosa,p_versicolor,p_virginica");
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(",")[0]).toBe("setosa");
    for (const line of lines) {
      const p = line.split(",").slice(1).map(Number);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // The same flowers from the training file (lines 2 and 141) get the same figures.
    const all = ok(["predict", "examples/iris.nn", "--model", run, "--input", iris]).trimEnd().split("\n");
    expect([all[1], all[140]]).toEqual(lines);

    const out = join(scratch, "predictions.json");
    expect(ok(["predict", "examples/iris.nn", "-m", run, "-i", input, "-o", out])).toMatch(/^wrote 2 predictions to .*predictions\.json$/m);
    const json = JSON.parse(readFileSync(out, "utf8")) as Row[];
    expect(json.map((row) => Object.keys(row))).toEqual([header!.split(","), header!.split(",")]);
    expect(json.map((row) => row["predicted"])).toEqual(lines.map((l) => l.split(",")[0]));
    ok(["predict", "examples/iris.nn", "-m", run, "-i", input, "-o", join(scratch, "predictions.csv")]);
    expect(readFileSync(join(scratch, "predictions.csv"), "utf8")).toBe(csv);
  });

  it("names the file, record and field of a bad row", () => {
    const badCsv = file("bad.csv", "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,3,abc,0.2\n");
    expect(failure(["predict", "examples/iris.nn", "-m", run, "-i", badCsv])).toBe(
      "error[NN4006]: bad.csv:3: column 'petal_length': 'abc' is not a number",
    );
    const badJson = file("bad.json", JSON.stringify([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }, { sepal_length: 5 }]));
    expect(failure(["predict", "examples/iris.nn", "-m", run, "-i", badJson])).toBe(
      "error[NN4006]: bad.json: record 2: no field 'sepal_width'",
    );
    const narrow = file("narrow.csv", "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n");
    expect(failure(["predict", "examples/iris.nn", "-m", run, "-i", narrow])).toMatch(
      /^error\[NN4006\]: narrow\.csv: no feature column 'petal_width'; the columns are sepal_length, sepal_width, petal_length/,
    );
  });

  it("scales new rows with the training statistics, and prints a regression's raw outputs", () => {
    const spec = file(
      "width.nn",
      `model Width {
  input x: [3]
  dense(8, activation: relu)
  dense(1)
}
train Width {
  data: csv(${JSON.stringify(iris)}, label: "petal_width", features: ["sepal_length", "sepal_width", "petal_length"], normalize: standard)
  loss: mse
  optimizer: adam(0.05)
  metrics: [mae]
  batch_size: 16
  epochs: 3
  seed: 7
}
`,
    );
    const widthRun = join(scratch, "width-run");
    ok(["train", spec, "--out", widthRun]);
    const saved = JSON.parse(readFileSync(join(widthRun, "preprocessing.json"), "utf8")) as { normalization: { mode: string; shift: number[] } };
    expect(saved.normalization.mode).toBe("standard");
    expect(saved.normalization.shift[0]).toBeCloseTo(irisRows.reduce((s, r) => s + Number(r[0]), 0) / 150, 5);
    expect(existsSync(join(widthRun, "labels.json"))).toBe(false);
    // One row alone: scaled with its own statistics it would be all zeros; with training's it matches the full file.
    const one = file("one.csv", "sepal_length,sepal_width,petal_length\n6.9,3.1,5.4\n");
    const alone = ok(["predict", spec, "-m", widthRun, "-i", one]).trimEnd().split("\n");
    const all = ok(["predict", spec, "-m", widthRun, "-i", iris]).trimEnd().split("\n");
    expect(alone[0]).toBe("petal_width");
    expect(alone[1]).toBe(all[140]);
    expect(Object.keys(JSON.parse(ok(["evaluate", spec, "-m", widthRun, "--format", "json"])) as Row)).toEqual(["loss", "mae"]);
  });
});
