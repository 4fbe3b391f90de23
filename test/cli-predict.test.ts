/**
 * `nnc predict` on runs of examples/iris.nn trained here for a few epochs: CSV or JSON out, class names
 * restored, features picked by name and scaled with the training statistics, a regression's raw outputs,
 * and one-line errors naming file, record and field. The command itself runs as users run it (the built
 * bin/nnc.js); the rest runs in this process.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";
import { scratchFolder, succeeds, trainRun, userError } from "./helpers/runs.js";
import { initBackend, loadRun, predictionsCsv, predictRun, type SavedRun } from "../src/runtime/index.js";

const { dir: scratch, file } = scratchFolder("nnc-predict-");
const iris = join(repo, "examples", "data", "iris.csv");
const irisRows = readFileSync(iris, "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => line.split(","));
const run = join(scratch, "iris-run");
let saved: SavedRun;

beforeAll(async () => {
  await initBackend();
  await trainRun(join(repo, "examples", "iris.nn"), run, 5);
  saved = await loadRun(run);
});

describe("nnc predict", () => {
  it("prints CSV with the class names, picking the feature columns by name", () => {
    const input = file(
      "flowers.csv",
      "petal_width,petal_length,sepal_width,sepal_length\n0.2,1.4,3.5,5.1\n2.1,5.4,3.1,6.9\n",
    );
    const csv = succeeds(["predict", "examples/iris.nn", "--model", run, "--input", input]);
    const [header, ...lines] = csv.trimEnd().split("\n");
    expect(header).toBe("predicted,p_setosa,p_versicolor,p_virginica");
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(",")[0]).toBe("setosa");
    for (const line of lines) {
      const p = line.split(",").slice(1).map(Number);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // The same flowers in the training file (lines 2 and 141, columns in another order, with the label).
    const all = predictionsCsv(predictRun(saved, iris)).trimEnd().split("\n");
    expect(all).toHaveLength(151);
    expect([all[1], all[140]]).toEqual(lines);
  });

  it("writes JSON (or CSV) atomically by the extension of -o, the CSV's columns as keys", () => {
    const input = file(
      "flowers.jsonl",
      '{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}\n',
    );
    const out = join(scratch, "predictions.json");
    expect(succeeds(["predict", "examples/iris.nn", "-m", run, "-i", input, "-o", out])).toMatch(
      /^wrote 1 predictions to .*predictions\.json$/m,
    );
    const json = JSON.parse(readFileSync(out, "utf8")) as Record<string, string | number>[];
    const expected = predictRun(saved, input);
    expect(json).toEqual([Object.fromEntries(expected.columns.map((name, i) => [name, expected.rows[0]![i]]))]);
    expect(Object.keys(json[0]!)).toEqual(["predicted", "p_setosa", "p_versicolor", "p_virginica"]);
  });

  it("names the file, record and field of a bad row, in one line", async () => {
    const badCsv = file(
      "bad.csv",
      "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,3,abc,0.2\n",
    );
    const result = nnc(["predict", "examples/iris.nn", "-m", run, "-i", badCsv, "-o", join(scratch, "never.csv")]);
    expect(result.status).toBe(1);
    expect(result.stderr.replaceAll(`${scratch}/`, "")).toBe(
      "error[NN4006]: bad.csv:3: column 'petal_length': 'abc' is not a number\n",
    );
    expect(existsSync(join(scratch, "never.csv"))).toBe(false);
    const problem = (input: string) => userError(() => predictRun(saved, input), `${scratch}/`);
    const badJson = file(
      "bad.json",
      JSON.stringify([
        { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
        { sepal_length: 5 },
      ]),
    );
    expect(await problem(badJson)).toBe("error[NN4006]: bad.json: record 2: no field 'sepal_width'");
    const badLines = file(
      "bad.jsonl",
      '{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": "x", "petal_width": 0.2}\n',
    );
    expect(await problem(badLines)).toBe(`error[NN4006]: bad.jsonl:1: field 'petal_length': "x" is not a number`);
    const narrow = file("narrow.csv", "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n");
    expect(await problem(narrow)).toMatch(
      /^error\[NN4006\]: narrow\.csv: no feature column 'petal_width'; the columns are sepal_length, sepal_width, petal_length \(did you mean/,
    );
    expect(await problem(file("flowers.txt", "5.1 3.5 1.4 0.2\n"))).toBe(
      "error[NN4005]: flowers.txt: nnc predict reads .csv, .json or .jsonl files",
    );
  });

  it("scales new rows with the training statistics, and gives a regression's raw outputs under the label's name", async () => {
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
    await trainRun(spec, widthRun);
    const preprocessing = JSON.parse(readFileSync(join(widthRun, "preprocessing.json"), "utf8")) as {
      features: string[];
      normalization: { mode: string; shift: number[] };
    };
    expect(preprocessing.features).toEqual(["sepal_length", "sepal_width", "petal_length"]);
    expect(preprocessing.normalization.mode).toBe("standard");
    expect(preprocessing.normalization.shift[0]).toBeCloseTo(irisRows.reduce((s, r) => s + Number(r[0]), 0) / 150, 5);
    expect(existsSync(join(widthRun, "labels.json"))).toBe(false);
    // One row alone: scaled with its own statistics it would be all zeros; with training's it is line 141 of the file.
    const widths = await loadRun(widthRun);
    const one = file("one.csv", "sepal_length,sepal_width,petal_length\n6.9,3.1,5.4\n");
    const alone = succeeds(["predict", spec, "-m", widthRun, "-i", one]).trimEnd().split("\n");
    expect(alone[0]).toBe("petal_width");
    const all = predictRun(widths, iris);
    expect(all.columns).toEqual(["petal_width"]);
    expect(Number(alone[1])).toBe(all.rows[139]![0]);
  });
});
