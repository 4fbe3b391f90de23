/**
 * An emitted module trains as `nnc train` does with `class_weight`, `sample_weight:` and `test:`: the IR fields
 * reach `runTraining` (the module prints them into its call), so with one seed its history and its test
 * figures are `trainModel`'s (to float rounding: the module runs the built runtime, on its own backend); its trainer returns the test figures with the history, and run directly it prints
 * them after the history's. Modules go under `.tmp/` so that `nnc/runtime` resolves to the built `dist/`.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitTypeScript, trainerName } from "../src/compiler/emit/index.js";
import { checkFile } from "../src/compiler/index.js";
import { initBackend, trainModel } from "../src/runtime/index.js";
import { twoBlobsCsv } from "./helpers/data-files.js";
import { quiet } from "./helpers/ir.js";

const root = path.resolve(import.meta.dirname, "..");
const spec = `model Blobs {
  input x: [2]
  dense(4, activation: relu)
  dense(2, activation: softmax)
}

train Blobs {
  data: csv("train.csv", label: "side", sample_weight: "w")
  test: csv("test.csv", label: "side")
  class_weight: { left: 3 }
  loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.05)
  metrics: [accuracy]
  epochs: 3
  batch_size: 8
  validation_split: 0.25
  seed: 9
}
`;

/** Blobs with a weight column: 1, 2 and 0 in turn. */
function weighted(csv: string): string {
  const [header, ...rows] = csv.trimEnd().split("\n");
  return [`${header},w`, ...rows.map((row, i) => `${row},${[1, 2, 0][i % 3]}`)].join("\n") + "\n";
}

let dir: string;
let module: string;
let program: NonNullable<ReturnType<typeof checkFile>["program"]>;

beforeAll(async () => {
  await initBackend("cpu");
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  dir = await mkdtemp(path.join(root, ".tmp/emit-weights-"));
  await writeFile(path.join(dir, "blobs.nn"), spec);
  await writeFile(path.join(dir, "train.csv"), weighted(twoBlobsCsv(40, 3)));
  await writeFile(path.join(dir, "test.csv"), twoBlobsCsv(12, 4));
  const checked = checkFile(path.join(dir, "blobs.nn"));
  expect(checked.diagnostics).toEqual([]);
  program = checked.program!;
  module = path.join(dir, "blobs.ts");
  await writeFile(module, await emitTypeScript(program, { outFile: module }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Tested = tf.History & { readonly test: Readonly<Record<string, number>> | null };

describe("an emitted module with class and sample weights and a test source", () => {
  it("trains as nnc train does and returns the test figures with the history", async () => {
    const run = await trainModel(program.models[0]!, program.trains[0]!, { output: quiet });
    const trainer = ((await import(module)) as Record<string, (o: object) => Promise<Tested>>)[trainerName("Blobs")]!;
    const history = await trainer({ output: quiet });
    // The module's runtime is the built one, with its own tfjs backend: the same arithmetic, rounded apart.
    for (const key of ["loss", "accuracy", "val_loss", "val_accuracy"]) {
      history.history[key]!.forEach((value, i) => expect(value, key).toBeCloseTo(run.history[i]![key]!, 5));
    }
    for (const [key, value] of Object.entries(run.test!.figures)) expect(history.test![key], key).toBeCloseTo(value, 5);
  });

  it("run directly, prints the test figures after the history's, in nnc train's test line", async () => {
    const tsx = path.join(root, "node_modules/.bin/tsx");
    const { stdout } = await promisify(execFile)(tsx, [module], { cwd: dir });
    expect(stdout).toMatch(
      /^Blobs: loss \d+\.\d{4}, .*\n^test on \S*test\.csv \(12 rows\): test_loss: \d+\.\d{4} - test_accuracy: \d+\.\d{4}$/m,
    );
  }, 120_000);
});
