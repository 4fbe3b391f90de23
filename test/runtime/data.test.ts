/**
 * CSV data: a good file becomes a table; every malformed one is one NncUserError naming the file, the
 * line and the column; labels become classes in a documented order, and the tensors fit a built tfjs model.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import type * as tf from "@tensorflow/tfjs";
import {
  buildModel,
  loadTable,
  NncUserError,
  openTrainingData,
  seededRandom,
  withRandom,
  type TrainingBatches,
} from "../../src/runtime/index.js";
import type { OutputClasses } from "../../src/runtime/save.js";

const data = join(import.meta.dirname, "..", "fixtures", "data");
const csv = (file: string, label: string) => loadTable({ name: "csv", args: { path: join(data, file), label } });

function userError(read: () => unknown): NncUserError {
  try {
    read();
  } catch (error) {
    if (error instanceof NncUserError) return error;
    throw error;
  }
  throw new Error("expected an NncUserError");
}

async function asyncUserError(read: () => Promise<unknown>): Promise<NncUserError> {
  const error = await read().then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof NncUserError) return error;
  throw error ?? new Error("expected an NncUserError");
}

/** Every training row of `data` as one batch. */
function all(data: TrainingBatches): { xs: tf.Tensor; ys: tf.Tensor } {
  const [xs, ys] = data.training([...Array(data.trainingRows).keys()]);
  // One input: one tensor (a model of several inputs gets one per input).
  return { xs: xs as tf.Tensor, ys: ys as tf.Tensor };
}

const at = { file: "m.nn", span: { start: 0, end: 1 } };
/** input [features] -> dense(units): enough IR for the data checks. */
function model(features: number, units: number): IrModel {
  return {
    name: "M",
    inputs: [{ name: "x", shape: [features], dtype: "float32", location: at }],
    layers: [
      {
        name: "out",
        kind: "dense",
        tfjs: { factory: "dense", config: { units, name: "out" } },
        inputs: [{ node: "x", index: 0 }],
        outputShapes: [[units]],
        params: { trainable: 0, nonTrainable: 0 },
        location: at,
      },
    ],
    outputs: [{ node: "out", index: 0 }],
    location: at,
  };
}

describe("csv", () => {
  it("reads numeric features and the label column", () => {
    const table = csv("blobs.csv", "side");
    expect(table.featureNames).toEqual(["x", "y"]);
    expect(table.labels).toHaveLength(48);
    expect(table.features).toHaveLength(96);
    expect(table.features[0]).toBeCloseTo(-2.352);
    expect(table.lines.slice(0, 2)).toEqual([2, 3]);
  });

  it("names the file, line and column of a value that is not a number", () => {
    const error = userError(() => csv("bad-number.csv", "label"));
    expect(error.code).toBe("NN4006");
    expect(error.format()).toMatch(/^error\[NN4006\]: \S*bad-number\.csv:3: column 'b': 'abc' is not a number$/);
  });

  it("names the line and the missing column of a short row", () => {
    const error = userError(() => csv("short-row.csv", "label"));
    expect(error.code).toBe("NN4006");
    expect(error.message).toMatch(/short-row\.csv:4: expected 3 fields, got 2 \(no value for 'label'\)$/);
  });

  it("reports a missing label column with the columns there are", () => {
    const error = userError(() => csv("blobs.csv", "sides"));
    expect(error.code).toBe("NN4006");
    expect(error.message).toMatch(/blobs\.csv:1: no label column 'sides'; the columns are x, y, side$/);
    expect(error.hint).toBe("did you mean 'side'?");
  });

  it("reports a missing file in one line", () => {
    const error = userError(() => csv("no-such.csv", "label"));
    expect(error.code).toBe("NN4005");
    expect(error.format()).toMatch(/^error\[NN4005\]: \S*no-such\.csv: no such file$/);
  });
});

/** Data settings for `file`: no shuffle and no validation split unless asked, so rows keep their order. */
function settings(file: string, label: string, loss: string, more: Partial<IrTrain> = {}) {
  return {
    data: { name: "csv", args: { path: join(data, file), label } },
    loss,
    validationSplit: 0,
    shuffle: false,
    ...more,
  };
}

describe("openTrainingData", () => {
  const open = (features: number, units: number, ...args: Parameters<typeof settings>) =>
    openTrainingData(buildModel(model(features, units)), settings(...args));

  it("one-hot encodes classes in sorted order", async () => {
    const loaded = await open(2, 2, "blobs.csv", "side", "categorical_crossentropy");
    expect(loaded.labels).toEqual({ column: "side", classes: ["left", "right"] });
    expect(loaded.trainingRows).toBe(48);
    const { xs, ys } = all(loaded);
    expect(xs.shape).toEqual([48, 2]);
    expect(ys.slice([0, 0], [2, 2]).arraySync()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it("sorts numeric class labels by value and gives sparse losses the index", async () => {
    const loaded = await open(2, 3, "numeric-labels.csv", "label", "sparse_categorical_crossentropy");
    expect((loaded.labels as OutputClasses | null)?.classes).toEqual(["2", "3", "10"]);
    expect(all(loaded).ys.arraySync()).toEqual([[1], [2], [0]]);
  });

  it("gives a regression loss the labels' values and no classes", async () => {
    const loaded = await open(2, 1, "numeric-labels.csv", "label", "mse");
    expect(loaded.labels).toBeNull();
    expect(all(loaded).ys.arraySync()).toEqual([[3], [10], [2]]);
  });

  it("shuffles the rows once, features and labels together, reproducibly under a seed", async () => {
    const shuffled = { shuffle: true, validationSplit: 0.25 };
    const load = () =>
      withRandom(seededRandom(3), () => open(2, 2, "blobs.csv", "side", "categorical_crossentropy", shuffled));
    const [first, second] = [all(await load()), all(await load())];
    expect(first.xs.shape[0]).toBe(36);
    expect(first.xs.arraySync()).toEqual(second.xs.arraySync());
    const plain = all(await open(2, 2, "blobs.csv", "side", "categorical_crossentropy"));
    const rows = (loaded: typeof plain, from: number, to: number) => {
      const xs = (loaded.xs.arraySync() as number[][]).slice(from, to);
      const ys = (loaded.ys.arraySync() as number[][]).slice(from, to);
      return xs.map((x, i) => JSON.stringify([x, ys[i]]));
    };
    expect(first.xs.arraySync()).not.toEqual(plain.xs.slice([0, 0], [36, 2]).arraySync());
    // The 36 training rows and the 12 held out are the 48 rows, each once.
    const held = (await load()).validation([...Array(12).keys()]);
    const heldRows = rows({ xs: held[0] as tf.Tensor, ys: held[1] as tf.Tensor }, 0, 12);
    expect([...rows(first, 0, 36), ...heldRows].sort()).toEqual(rows(plain, 0, 48).sort());
  });

  it("rejects a validation split that leaves no rows on one side", async () => {
    const error = await asyncUserError(() =>
      open(2, 3, "numeric-labels.csv", "label", "mse", { validationSplit: 0.9 }),
    );
    expect(error.code).toBe("NN4007");
    expect(error.message).toMatch(/numeric-labels\.csv has 3 rows: too few to hold out validation_split 0\.9/);
  });

  it("rejects data whose feature count does not fit the input, naming both shapes", async () => {
    const error = await asyncUserError(() => open(3, 2, "blobs.csv", "side", "categorical_crossentropy"));
    expect(error.code).toBe("NN4007");
    expect(error.message).toContain("input 'x' of model 'M' has shape [3]");
    expect(error.message).toContain("shape [2]");
  });

  it("rejects an output that does not have one unit per class", async () => {
    const error = await asyncUserError(() => open(2, 3, "blobs.csv", "side", "categorical_crossentropy"));
    expect(error.code).toBe("NN4007");
    expect(error.message).toMatch(/outputs shape \[3\].*need shape \[2\]/);
  });

  it("needs numeric labels for a regression loss", async () => {
    const error = await asyncUserError(() => open(2, 1, "blobs.csv", "side", "mse"));
    expect(error.code).toBe("NN4006");
    expect(error.message).toMatch(/blobs\.csv:2: column 'side': 'left' is not a number/);
  });
});
