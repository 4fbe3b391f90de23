/**
 * A training batch's tensors, made the short way (issue 17): a batch read for training becomes its tensor
 * without a second copy of its features, and one-hot targets are made in one tensor rather than by tf.oneHot.
 * Both must give exactly what the long way gave: the rows at the positions asked for, in that order, and
 * tf.oneHot's targets; a table taken in another order (the copying way) must still be reordered.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import type { IrModel } from "../../src/compiler/ir/index.js";
import { buildModel, loadTable, openTrainingData, seededRandom, withRandom } from "../../src/runtime/index.js";
import { featureTensor } from "../../src/runtime/data/tensors.js";
import { npyBytes } from "../helpers/data-files.js";
import { scratchFolder } from "../helpers/runs.js";

const data = join(import.meta.dirname, "..", "fixtures", "data");
const { file } = scratchFolder("nnc-batch-tensors-");
const at = { file: "m.nn", span: { start: 0, end: 1 } };
const irModel: IrModel = {
  name: "M",
  inputs: [{ name: "x", shape: [2], dtype: "float32", location: at }],
  layers: [
    {
      name: "out",
      kind: "dense",
      tfjs: { factory: "dense", config: { units: 2, name: "out" } },
      inputs: [{ node: "x", index: 0 }],
      outputShapes: [[2]],
      params: { trainable: 0, nonTrainable: 0 },
      location: at,
    },
  ],
  outputs: [{ node: "out", index: 0 }],
  location: at,
};

describe("training batches", () => {
  it("are the rows at the positions asked for, in that order, with tf.oneHot's targets", async () => {
    const model = buildModel(irModel);
    const source = { name: "csv", args: { path: join(data, "blobs.csv"), label: "side" } };
    const opened = await withRandom(seededRandom(3), () =>
      openTrainingData(model, { data: source, loss: "categorical_crossentropy", validationSplit: 0, shuffle: true }),
    );
    const positions = [5, 0, 47, 3, 3, 20];
    const table = opened.tables.training(positions);
    const [x, y] = opened.training(positions) as [tf.Tensor, tf.Tensor];
    expect(x.shape).toEqual([6, 2]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(table.features));
    // Rows 3 and 3 again: the same row twice, and not the file's first rows (the order was shuffled).
    const rows = x.arraySync() as number[][];
    expect(rows[3]).toEqual(rows[4]);
    const whole = loadTable(source);
    expect(Array.from(table.features)).not.toEqual(Array.from(whole.features.subarray(0, 12)));
    const classes = ["left", "right"];
    const expected = tf.oneHot(
      tf.tensor1d(
        table.labels.map((label) => classes.indexOf(label)),
        "int32",
      ),
      2,
    );
    expect(y.dtype).toBe("float32");
    expect(y.arraySync()).toEqual(expected.arraySync());
    tf.dispose([x, y, expected]);
    opened.close();
    model.dispose();
  });

  it("take a table's rows in another order by copying them", () => {
    const model = buildModel(irModel);
    const table = loadTable({ name: "csv", args: { path: join(data, "blobs.csv"), label: "side" } });
    const rows = (tensor: tf.Tensor) => tensor.arraySync() as number[][];
    const ordered = featureTensor(table, model, [...table.lines.keys()]) as tf.Tensor;
    const reversed = featureTensor(table, model, [...table.lines.keys()].reverse()) as tf.Tensor;
    const some = featureTensor(table, model, [2, 0]) as tf.Tensor;
    expect(rows(ordered)[0]).toEqual([table.features[0], table.features[1]]);
    expect(rows(reversed)).toEqual([...rows(ordered)].reverse());
    expect(rows(some)).toEqual([rows(ordered)[2], rows(ordered)[0]]);
    tf.dispose([ordered, reversed, some]);
    model.dispose();
  });

  it("of float32 npy rows read by offset (streamed) are the rows read whole", async () => {
    const rows = 10;
    const values = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 7) - 3.25 + i / 64);
    const x = file("x.npy", npyBytes("<f4", [rows, 2], Buffer.from(values.buffer)));
    const y = file(
      "y.npy",
      npyBytes("<i4", [rows], Buffer.from(Int32Array.from({ length: rows }, (_, i) => i % 2).buffer)),
    );
    const model = buildModel(irModel);
    const settings = {
      data: { name: "npy", args: { x, y } },
      loss: "categorical_crossentropy",
      validationSplit: 0,
      shuffle: false,
    };
    const streamed = await openTrainingData(model, settings, { streamAbove: 0 });
    const whole = await openTrainingData(model, settings);
    expect(streamed.streamed).toBe(true);
    expect(whole.streamed).toBe(false);
    const positions = [9, 2, 4, 0];
    const [xs] = streamed.training(positions) as [tf.Tensor, tf.Tensor];
    const [xw] = whole.training(positions) as [tf.Tensor, tf.Tensor];
    expect(Array.from(xs.dataSync())).toEqual(Array.from(xw.dataSync()));
    expect(Array.from(xs.dataSync()).slice(0, 2)).toEqual([values[18], values[19]]);
    tf.dispose([xs, xw]);
    streamed.close();
    whole.close();
    model.dispose();
  });
});
