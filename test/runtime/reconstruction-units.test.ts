/**
 * `nnc predict` on an autoencoder trained on `csv(..., normalize: standard)` with `target: input`: the
 * reconstruction in the data's units (the features' scaling undone) under the feature columns' names.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect, it } from "vitest";
import { nnc } from "../helpers/cli.js";
import { scratchFolder, trainRun } from "../helpers/runs.js";
import { initBackend, loadRun } from "../../src/runtime/index.js";

const { dir, file } = scratchFolder("nnc-reconstruction-");
const rows = Array.from({ length: 48 }, (_, i) => [1000 + 37 * (i % 11), 0.01 * (i % 7), -5 + (i % 5)]);
let spec: string;

beforeAll(async () => {
  await initBackend();
  file("houses.csv", ["area,rate,floor", ...rows.map((r) => r.join(","))].join("\n") + "\n");
  spec = file(
    "auto.nn",
    `model Auto {
  input x: [3]
  x -> dense(2, activation: tanh) -> dense(3)
}
train Auto {
  data: csv("houses.csv", normalize: standard)
  target: input
  loss: mse
  optimizer: adam
  batch_size: 8
  epochs: 2
  seed: 1
}
`,
  );
  await trainRun(spec, join(dir, "run"));
}, 60_000);

it("prints the reconstruction in the data's units under the feature columns", async () => {
  const queries = rows.slice(0, 4);
  writeFileSync(join(dir, "q.csv"), ["area,rate,floor", ...queries.map((r) => r.join(","))].join("\n") + "\n");
  const result = nnc(["predict", spec, "--model", join(dir, "run"), "--input", join(dir, "q.csv")], { cwd: dir });
  expect(result.stderr).toBe("");
  const [header, ...lines] = result.stdout.trim().split("\n");
  expect(header).toBe("area,rate,floor");
  const printed = lines.map((line) => line.split(",").map(Number));

  // By hand: the training columns' means and (population) deviations, the model's output on the standardised
  // rows, then each column scaled back.
  const mean = [0, 1, 2].map((c) => rows.reduce((sum, r) => sum + r[c]!, 0) / rows.length);
  const std = [0, 1, 2].map((c) => Math.sqrt(rows.reduce((sum, r) => sum + (r[c]! - mean[c]!) ** 2, 0) / rows.length));
  const saved = JSON.parse(readFileSync(join(dir, "run", "preprocessing.json"), "utf8")) as {
    normalization: { shift: number[]; scale: number[] };
  };
  saved.normalization.shift.forEach((shift, c) => expect(shift).toBeCloseTo(mean[c]!, 4));
  saved.normalization.scale.forEach((scale, c) => expect(scale).toBeCloseTo(std[c]!, 4));
  const { model } = await loadRun(join(dir, "run"));
  const standard = queries.map((r) => r.map((value, c) => (value - mean[c]!) / std[c]!));
  const output = tf.tidy(() => (model.predict(tf.tensor2d(standard)) as tf.Tensor).arraySync() as number[][]);
  const expected = output.map((r) => r.map((value, c) => value * std[c]! + mean[c]!));
  printed.forEach((row, i) => row.forEach((value, c) => expect(value).toBeCloseTo(expected[i]![c]!, c === 1 ? 5 : 2)));
  // In the data's units: the area column is in the thousands, not around 0.
  for (const row of printed) expect(row[0]).toBeGreaterThan(500);
}, 60_000);
