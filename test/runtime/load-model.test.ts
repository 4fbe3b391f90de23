/**
 * A run saved by `nnc train` is a plain tfjs layers model: a program that has only @tensorflow/tfjs (no nnc)
 * loads `model.json` + `weights.bin` with `tf.loadLayersModel` and a few lines of file reading, and its
 * predictions are `nnc predict`'s.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nnc, repo } from "../helpers/cli.js";

/** What a tfjs user writes: read the two files, hand them to tf.loadLayersModel, predict. */
const program = `import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, csv] = process.argv.slice(2);
const files = {
  async load() {
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    const weights = Buffer.concat(json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p)))));
    return {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    };
  },
};
await tf.setBackend("cpu");
const model = await tf.loadLayersModel(files);
const rows = readFileSync(csv, "utf8").trim().split("\\n").slice(1).map((line) => line.split(",").slice(0, 4).map(Number));
process.stdout.write(JSON.stringify({ name: model.name, outputs: model.predict(tf.tensor2d(rows)).arraySync() }));
`;

it("loads with tf.loadLayersModel in a program that has only tfjs, and predicts what nnc predict does", () => {
  const scratch = mkdtempSync(join(tmpdir(), "nnc-load-"));
  const run = join(scratch, "run");
  const trained = nnc(["train", "examples/iris.nn", "--epochs", "3", "--out", run]);
  expect(trained.status).toBe(0);
  const iris = join(repo, "examples", "data", "iris.csv");
  const predicted = nnc(["predict", "examples/iris.nn", "--model", run, "--input", iris, "--format", "json"]);
  expect(predicted.stderr).toBe("");
  const expected = (JSON.parse(predicted.stdout) as Record<string, number>[]).map((row) => [
    row["p_setosa"]!,
    row["p_versicolor"]!,
    row["p_virginica"]!,
  ]);

  const folder = join(scratch, "plain");
  mkdirSync(join(folder, "node_modules", "@tensorflow"), { recursive: true });
  symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(folder, "node_modules", "@tensorflow", "tfjs"));
  writeFileSync(join(folder, "load.mjs"), program);
  const result = spawnSync(process.execPath, ["load.mjs", run, iris], {
    cwd: folder,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  const plain = JSON.parse(result.stdout) as { name: string; outputs: number[][] };
  expect(plain.name).toBe("Iris");
  expect(plain.outputs).toHaveLength(150);
  plain.outputs.forEach((row, i) =>
    row.forEach((p, j) => expect(p, `row ${i}, class ${j}`).toBeCloseTo(expected[i]![j]!, 6)),
  );
  // The class order of the outputs is labels.json's.
  expect(JSON.parse(readFileSync(join(run, "labels.json"), "utf8"))).toEqual({
    column: "species",
    classes: ["setosa", "versicolor", "virginica"],
  });
});
