/**
 * Sequences in JSON Lines (`{"tokens": [12, 7, 99], "label": 1}`) feeding a `[seq]` or `[seq, d]` input: each
 * batch is padded after the real steps to its longest sequence (or to the input's fixed length) with `pad:`
 * (default 0), which an `embedding(..., mask_zero: true)` masks: a padded row gives the same prediction and the
 * same loss as the row alone, through an LSTM and through a bidirectional one. A sequence past the step limit
 * is NN4021, one past a fixed length NN4007.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, loadRun, loadTable, openTrainingData, predictRun } from "../../src/runtime/index.js";
import { buildModel } from "../../src/runtime/build.js";
import { dataLimits } from "../../src/runtime/data/files.js";
import { scratchFolder, trainRun, userError } from "../helpers/runs.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const { dir, file } = scratchFolder("nnc-data-sequences-");

const records = [
  { tokens: [12, 7, 99], label: 1 },
  { tokens: [5, 3, 8, 21, 4], label: 0 },
  { tokens: [44], label: 1 },
  { tokens: [9, 9], label: 0 },
];
const jsonl = () => file("reviews.jsonl", records.map((r) => JSON.stringify(r)).join("\n") + "\n");

const reviews = (data: string, recurrent = "lstm(3)", input = "[seq]") => `model Reviews {
  input tokens: ${input} int32
  embedding(100, 4, mask_zero: true)
  ${recurrent}
  dense(1, activation: sigmoid)
}

train Reviews {
  data: ${data}
  loss: binary_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 2
  shuffle: false
  seed: 5
}
`;

function checked(name: string, text: string) {
  const { program, diagnostics } = checkFile(file(name, text));
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { train: program!.trains[0]!, model: program!.models[0]! };
}

describe("sequence features", () => {
  it("pads each batch to its longest sequence with pad: (default 0), after the real steps", async () => {
    for (const [pad, fill] of [
      ["", 0],
      [", pad: 0", 0],
    ] as const) {
      const { train, model } = checked("reviews.nn", reviews(`json("${jsonl()}", label: "label"${pad})`));
      const built = buildModel(model);
      const batches = await openTrainingData(built, train);
      const [x, y] = batches.training([0, 1]);
      expect((x as tf.Tensor).dtype).toBe("int32");
      expect((x as tf.Tensor).arraySync()).toEqual([
        [12, 7, 99, fill, fill],
        [5, 3, 8, 21, 4],
      ]);
      const [shorter, ys] = batches.training([2, 3]);
      expect((shorter as tf.Tensor).arraySync()).toEqual([
        [44, 0],
        [9, 9],
      ]);
      expect((ys as tf.Tensor).arraySync()).toEqual([[1], [0]]);
      tf.dispose([x, y, shorter, ys]);
      batches.close();
      built.dispose();
    }
  });

  it("a [seq, d] input takes arrays of d numbers a step; another pad: value fills the rest", async () => {
    const path = file("steps.jsonl", '{"steps": [[1, 2], [3, 4]], "y": 0.5}\n{"steps": [[5, 6]], "y": 1.5}\n');
    const spec = `model Steps {
  input steps: [seq, 2]
  lstm(2)
  dense(1)
}

train Steps {
  data: json("${path}", label: "y", pad: -1)
  loss: mse
  optimizer: adam
  epochs: 1
  batch_size: 2
  shuffle: false
}
`;
    const { train, model } = checked("steps.nn", spec);
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    const [x, y] = batches.training([0, 1]);
    expect((x as tf.Tensor).arraySync()).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [-1, -1],
      ],
    ]);
    tf.dispose([x, y]);
    batches.close();
    built.dispose();
  });

  it("a record whose steps hold another number of values than the first record's is NN4006 at its line, whole or streamed", async () => {
    const path = file(
      "widths.jsonl",
      '{"steps": [[1, 2], [3, 4]], "y": 0.5}\n{"steps": [1, 2, 3], "y": 1}\n{"steps": [[1, 2]], "y": 2}\n',
    );
    const { train, model } = checked(
      "widths.nn",
      `model Steps {\n  input steps: [seq, 2]\n  lstm(2)\n  dense(1)\n}\n\ntrain Steps {\n  data: json("${path}", label: "y")\n  loss: mse\n  optimizer: adam\n  epochs: 1\n  batch_size: 2\n  shuffle: false\n}\n`,
    );
    const message =
      "error[NN4006]: widths.jsonl:2: field 'steps': each step holds 1 value, but the first record's hold 2 (every record's steps hold as many values)";
    expect(await userError(() => loadTable(train.data), `${dir}/`)).toBe(message);
    const built = buildModel(model);
    expect(await userError(() => openTrainingData(built, train, { streamAbove: 0, chunkRows: 1 }), `${dir}/`)).toBe(
      message,
    );
    built.dispose();
  });

  it.each([
    ["lstm(3)", "an LSTM"],
    ["bidirectional(lstm(3))", "a bidirectional LSTM"],
  ])("mask_zero masks the padding of %s: a padded row predicts and scores as the row alone", async (recurrent) => {
    const runDir = join(dir, `masked-${recurrent.length}`);
    await trainRun(file("masked.nn", reviews(`json("${jsonl()}", label: "label")`, recurrent)), runDir);
    const run = await loadRun(runDir);
    const alone = tf.tensor2d([[12, 7, 99]], [1, 3], "int32");
    const padded = tf.tensor2d([[12, 7, 99, 0, 0, 0, 0]], [1, 7], "int32");
    const [a, b] = [alone, padded].map((x) => (run.model.predict(x) as tf.Tensor).dataSync()[0]!);
    expect(Math.abs(a! - 0.5)).toBeGreaterThan(0); // a real prediction, not a constant
    expect(b).toBeCloseTo(a!, 6);
    // The same through the data path: the row padded in a batch with a longer one.
    const predictions = predictRun(run, jsonl());
    expect(predictions.rows[0]![2]).toBeCloseTo(a!, 6);
    const y = tf.tensor2d([[1]]);
    const lossOf = (x: tf.Tensor) =>
      tf.tidy(() => tf.metrics.binaryCrossentropy(y, run.model.predict(x) as tf.Tensor).dataSync()[0]!);
    expect(lossOf(padded)).toBeCloseTo(lossOf(alone), 6);
    tf.dispose([alone, padded, y]);
    run.model.dispose();
  });

  it("a sequence longer than the step limit is NN4021, one longer than a fixed length NN4007", async () => {
    const source = { name: "json", args: { path: jsonl(), label: "label" } };
    expect(await userError(() => loadTable(source, undefined, { ...dataLimits, sequenceSteps: 4 }), `${dir}/`)).toBe(
      "error[NN4021]: reviews.jsonl:2: field 'tokens': a sequence of 5 steps, more than the 4 nnc reads in one",
    );
    const { train, model } = checked("fixed.nn", reviews(`json("${jsonl()}", label: "label")`, "lstm(3)", "[4]"));
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    const [x, y] = batches.training([2, 3]);
    expect((x as tf.Tensor).shape).toEqual([2, 4]);
    tf.dispose([x, y]);
    expect(await userError(() => batches.training([0, 1]), `${dir}/`)).toBe(
      "error[NN4007]: input 'tokens' of model 'Reviews' has shape [4], but field 'tokens' of reviews.jsonl holds sequences of up to 5 steps, longer than 4",
    );
    batches.close();
    built.dispose();
  });
});
