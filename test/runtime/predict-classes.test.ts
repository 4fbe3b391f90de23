/**
 * A softmax wider than the labels (6 units, classes 0, 1, 2 and 5 by position): `nnc predict` answers a class,
 * never the index of a unit no label trained, and shows one probability per class.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, loadRun, predictRun, saveRun, trainModel } from "../../src/runtime/index.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-predict-classes-"));
const labels = [0, 1, 2, 5];
writeFileSync(
  join(dir, "d.csv"),
  ["a,b,y", ...Array.from({ length: 8 }, (_, i) => `${i % 3},${i % 2},${labels[i % 4]}`)].join("\n") + "\n",
);
writeFileSync(join(dir, "rows.csv"), "a,b\n1,0\n0,1\n");
writeFileSync(
  join(dir, "wide.nn"),
  `model Wide {\n  input x: [2]\n  dense(6, activation: softmax)\n}\ntrain Wide {\n  data: csv("d.csv", label: "y")\n  loss: sparse_categorical_crossentropy\n  optimizer: sgd(learning_rate: 0.000001)\n  epochs: 1\n  batch_size: 4\n}\n`,
);

describe("nnc predict on a softmax wider than the classes", () => {
  beforeAll(() => initBackend("cpu"));

  it("answers one of the classes even where an untrained unit scores highest", async () => {
    const { program } = checkFile(join(dir, "wide.nn"));
    const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
    const run = await trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet });
    // No kernel, and unit 4 (no class) far above every other: the prediction must still be a class, unit 1's.
    run.model.layers[1]!.setWeights([tf.zeros([2, 6]), tf.tensor1d([0, 1, 0, 0, 50, 0])]);
    await saveRun(join(dir, "run"), run);
    const predictions = predictRun(await loadRun(join(dir, "run")), join(dir, "rows.csv"));
    expect(predictions.columns).toEqual(["predicted", "p_0", "p_1", "p_2", "p_5"]);
    for (const row of predictions.rows) expect(row[0]).toBe("1");
  });
});
