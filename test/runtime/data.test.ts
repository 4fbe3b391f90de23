/**
 * CSV data: a good file becomes a table; every malformed one is one NncUserError naming the file, the
 * line and the column; labels become classes in a documented order, and the tensors fit a built tfjs model.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IrModel, IrTrain } from "../../src/compiler/ir.js";
import { buildModel, loadTable, loadTrainingData, NncUserError, seededRandom, withRandom } from "../../src/runtime/index.js";

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
  return { data: { name: "csv", args: { path: join(data, file), label } }, loss, validationSplit: 0, shuffle: false, ...more };
}

describe("loadTrainingData", () => {
  it("one-hot encodes classes in sorted order", () => {
    const loaded = loadTrainingData(buildModel(model(2, 2)), settings("blobs.csv", "side", "categorical_crossentropy"));
    expect(loaded.labels).toEqual({ column: "side", classes: ["left", "right"] });
    expect(loaded.xs.shape).toEqual([48, 2]);
    expect(loaded.trainingRows).toBe(48);
    expect(loaded.ys.slice([0, 0], [2, 2]).arraySync()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it("sorts numeric class labels by value and gives sparse losses the index", () => {
    const loaded = loadTrainingData(buildModel(model(2, 3)), settings("numeric-labels.csv", "label", "sparse_categorical_crossentropy"));
    expect(loaded.labels?.classes).toEqual(["2", "3", "10"]);
    expect(loaded.ys.arraySync()).toEqual([[1], [2], [0]]);
  });

  it("gives a regression loss the labels' values and no classes", () => {
    const loaded = loadTrainingData(buildModel(model(2, 1)), settings("numeric-labels.csv", "label", "mse"));
    expect(loaded.labels).toBeNull();
    expect(loaded.ys.arraySync()).toEqual([[3], [10], [2]]);
  });

  it("shuffles the rows once, features and labels together, reproducibly under a seed", async () => {
    const load = () =>
      withRandom(seededRandom(3), async () =>
        loadTrainingData(buildModel(model(2, 2)), settings("blobs.csv", "side", "categorical_crossentropy", { shuffle: true, validationSplit: 0.25 })),
      );
    const [first, second] = [await load(), await load()];
    expect(first.trainingRows).toBe(36);
    expect(first.xs.arraySync()).toEqual(second.xs.arraySync());
    const plain = loadTrainingData(buildModel(model(2, 2)), settings("blobs.csv", "side", "categorical_crossentropy"));
    const rows = (loaded: typeof plain) => {
      const xs = loaded.xs.arraySync() as number[][];
      const ys = loaded.ys.arraySync() as number[][];
      return xs.map((x, i) => JSON.stringify([x, ys[i]])).sort();
    };
    expect(first.xs.arraySync()).not.toEqual(plain.xs.arraySync());
    expect(rows(first)).toEqual(rows(plain));
  });

  it("rejects a validation split that leaves no rows on one side", () => {
    const error = userError(() =>
      loadTrainingData(buildModel(model(2, 3)), settings("numeric-labels.csv", "label", "mse", { validationSplit: 0.9 })),
    );
    expect(error.code).toBe("NN4007");
    expect(error.message).toMatch(/numeric-labels\.csv has 3 rows: too few to hold out validation_split 0\.9/);
  });

  it("rejects data whose feature count does not fit the input, naming both shapes", () => {
    const error = userError(() => loadTrainingData(buildModel(model(3, 2)), settings("blobs.csv", "side", "categorical_crossentropy")));
    expect(error.code).toBe("NN4007");
    expect(error.message).toContain("input 'x' of model 'M' has shape [3]");
    expect(error.message).toContain("shape [2]");
  });

  it("rejects an output that does not have one unit per class", () => {
    const error = userError(() => loadTrainingData(buildModel(model(2, 3)), settings("blobs.csv", "side", "categorical_crossentropy")));
    expect(error.code).toBe("NN4007");
    expect(error.message).toMatch(/outputs shape \[3\].*need shape \[2\]/);
  });

  it("needs numeric labels for a regression loss", () => {
    const error = userError(() => loadTrainingData(buildModel(model(2, 1)), settings("blobs.csv", "side", "mse")));
    expect(error.code).toBe("NN4006");
    expect(error.message).toMatch(/blobs\.csv:2: column 'side': 'left' is not a number/);
  });
});
