/**
 * The data side of training beyond one label, on small files in a temporary folder and real tfjs: labels per
 * model output (csv/json `labels: { ... }`, npy `y: { ... }`), each output's targets encoded by its own loss,
 * batches giving one target tensor per output in the model's order, the classes per output saved with the run
 * (`labels.json`) and read back by `nnc predict`; `target: input` (the input's batch is the target); features per
 * input (`features: { a: [...], b: [...] }`); `missing: drop`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import {
  evaluateRun,
  initBackend,
  loadRun,
  openTrainingData,
  predictRun,
  trainModel,
} from "../../src/runtime/index.js";
import { buildModel } from "../../src/runtime/build.js";
import { npyBytes } from "../helpers/data-files.js";
import { quiet } from "../helpers/ir.js";
import { scratchFolder, trainRun, userError } from "../helpers/runs.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const { dir, file } = scratchFolder("nnc-data-outputs-");

/** Eight rows: two features, a class and a price that depend on them. */
const rows = [
  [0.1, 0.2, "cheap", 1.5],
  [0.9, 0.8, "dear", 9.5],
  [0.2, 0.1, "cheap", 2],
  [0.8, 0.9, "dear", 8.5],
  [0.15, 0.25, "cheap", 1],
  [0.85, 0.75, "dear", 9],
  [0.3, 0.2, "cheap", 2.5],
  [0.7, 0.9, "dear", 8],
] as const;
const csv = `a,b,kind,price\n${rows.map((r) => r.join(",")).join("\n")}\n`;
const jsonl = rows.map(([a, b, kind, price]) => JSON.stringify({ a, b, kind, price })).join("\n") + "\n";

const shop = (data: string, extra = "") => `model Shop {
  input x: [2]
  h = x -> dense(4, activation: relu)
  kind = h -> dense(2, activation: softmax)
  price = h -> dense(1)
  output kind, price
}

train Shop {
  data: ${data}
  loss: { kind: categorical_crossentropy, price: mse }
  optimizer: adam
  epochs: 2
  batch_size: 4
  shuffle: false
  seed: 1
${extra}}
`;

/** The program of `text`, checked without errors. */
function checked(name: string, text: string) {
  const { program, diagnostics } = checkFile(file(name, text));
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const train = program!.trains[0]!;
  return { train, model: program!.models.find((m) => m.name === train.model)! };
}

describe("labels per output", () => {
  it.each([
    ["csv", () => `csv("${file("shop.csv", csv)}", labels: { kind: "kind", price: "price" })`],
    ["json", () => `json("${file("shop.jsonl", jsonl)}", labels: { price: "price", kind: "kind" })`],
  ])("%s: batches give each output its targets, in the model's output order, encoded by its loss", async (_, data) => {
    const { train, model } = checked("shop.nn", shop(data()));
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    try {
      const [x, y] = batches.training([0, 1, 2]);
      expect(Array.isArray(y)).toBe(true);
      const [kind, price] = y as tf.Tensor[];
      expect((x as tf.Tensor).arraySync()).toEqual([
        [Math.fround(0.1), Math.fround(0.2)],
        [Math.fround(0.9), Math.fround(0.8)],
        [Math.fround(0.2), Math.fround(0.1)],
      ]);
      // Classes sorted by name: cheap 0, dear 1; one-hot for categorical_crossentropy.
      expect(kind!.arraySync()).toEqual([
        [1, 0],
        [0, 1],
        [1, 0],
      ]);
      expect(price!.arraySync()).toEqual([[1.5], [9.5], [2]]);
      expect(batches.labels).toEqual({ outputs: { kind: { column: "kind", classes: ["cheap", "dear"] } } });
      tf.dispose([x, ...(y as tf.Tensor[])]);
    } finally {
      batches.close();
      built.dispose();
    }
  });

  it("npy: y: { kind: ..., price: ... } reads one targets file per output", async () => {
    const x = file(
      "x.npy",
      npyBytes("<f4", [8, 2], Buffer.from(new Float32Array(rows.flatMap((r) => [r[0], r[1]])).buffer)),
    );
    const kinds = file("kind.npy", npyBytes("|u1", [8], Buffer.from(rows.map((r) => (r[2] === "dear" ? 1 : 0)))));
    const prices = file("price.npy", npyBytes("<f4", [8], Buffer.from(new Float32Array(rows.map((r) => r[3])).buffer)));
    const { train, model } = checked(
      "shop-npy.nn",
      shop(`npy(x: "${x}", y: { kind: "${kinds}", price: "${prices}" })`),
    );
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    try {
      const [xs, y] = batches.training([1, 0]);
      const [kind, price] = y as tf.Tensor[];
      expect(kind!.arraySync()).toEqual([
        [0, 1],
        [1, 0],
      ]);
      expect(price!.arraySync()).toEqual([[9.5], [1.5]]);
      tf.dispose([xs, ...(y as tf.Tensor[])]);
    } finally {
      batches.close();
      built.dispose();
    }
  });

  it("trains, saves labels.json per output, and predicts a class and a price for each row", async () => {
    const spec = file("shop-run.nn", shop(`csv("${file("shop.csv", csv)}", labels: { kind: "kind", price: "price" })`));
    const runDir = join(dir, "shop-run");
    await trainRun(spec, runDir);
    expect(JSON.parse(readFileSync(join(runDir, "labels.json"), "utf8"))).toEqual({
      outputs: { kind: { column: "kind", classes: ["cheap", "dear"] } },
    });
    const run = await loadRun(runDir);
    const predictions = predictRun(run, file("new.csv", "b,a\n0.2,0.1\n0.8,0.9\n"));
    expect(predictions.columns).toEqual(["kind_predicted", "kind_p_cheap", "kind_p_dear", "price"]);
    const [first] = predictions.rows;
    // The probabilities are the model's own, and the predicted class the more probable one.
    const [p] = run.model.predict(tf.tensor2d([[0.1, 0.2]])) as tf.Tensor[];
    const probabilities = p!.arraySync() as number[][];
    expect(first![1]).toBeCloseTo(probabilities[0]![0]!, 6);
    expect(first![0]).toBe(probabilities[0]![0]! > probabilities[0]![1]! ? "cheap" : "dear");
    run.model.dispose();
  });

  it("an output whose labels do not fit its loss is NN4007 naming the output, before the first step", async () => {
    const { train, model } = checked(
      "shop-bad.nn",
      shop(`csv("${file("shop.csv", csv)}", labels: { kind: "kind", price: "kind" }, features: ["a", "b"])`),
    );
    const message = await userError(() => trainModel(model, train, { output: quiet }), `${dir}/`);
    expect(message).toBe(
      "error[NN4006]: shop.csv:2: column 'kind': 'cheap' is not a number, and this loss needs numeric targets",
    );
    const units = checked(
      "shop-units.nn",
      shop(
        `csv("${file("three.csv", csv.replace("cheap,1.5", "middling,1.5"))}", labels: { kind: "kind", price: "price" })`,
      ),
    );
    expect(await userError(() => trainModel(units.model, units.train, { output: quiet }), `${dir}/`)).toBe(
      "error[NN4007]: model 'Shop' output 'kind' outputs shape [2], but the labels in column 'kind' of three.csv need shape [3]: one output per class (3 classes: cheap, dear, middling)",
    );
  });
});

describe("target: input", () => {
  const auto = (data: string) => `model Auto {
  input x: [2]
  dense(1)
  dense(2)
}

train Auto {
  data: ${data}
  target: input
  loss: mse
  optimizer: adam
  epochs: 1
  batch_size: 4
  shuffle: false
}
`;

  it.each([
    ["csv", () => `csv("${file("shop.csv", csv)}", features: ["a", "b"])`],
    ["json", () => `json("${file("shop.jsonl", jsonl)}", features: ["a", "b"])`],
    ["npy", () => `npy(x: "${join(dir, "x.npy")}")`],
  ])("%s: the input's batch is the target, no label read", async (_, data) => {
    const { train, model } = checked("auto.nn", auto(data()));
    expect(train.target).toBe("x");
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    try {
      const [x, y] = batches.training([2, 3]);
      expect((y as tf.Tensor).arraySync()).toEqual((x as tf.Tensor).arraySync());
      expect((x as tf.Tensor).shape).toEqual([2, 2]);
      expect(batches.labels).toBeNull();
      tf.dispose([x, y]);
    } finally {
      batches.close();
      built.dispose();
    }
  });

  it("trains, nnc evaluate scores the reconstruction, and nnc predict gives it under the input's name", async () => {
    const runDir = join(dir, "auto-run");
    const { train } = await trainRun(
      file("auto-run.nn", auto(`csv("${file("shop.csv", csv)}", features: ["a", "b"])`)),
      runDir,
    );
    const scored = await loadRun(runDir);
    const inputs = rows.map((r) => [Math.fround(r[0]), Math.fround(r[1])]);
    const outputs = (scored.model.predict(tf.tensor2d(inputs)) as tf.Tensor).arraySync() as number[][];
    const mse =
      outputs.reduce((sum, o, i) => sum + ((o[0]! - inputs[i]![0]!) ** 2 + (o[1]! - inputs[i]![1]!) ** 2) / 2, 0) /
      rows.length;
    expect((await evaluateRun(scored, train, train.data)).figures["loss"]).toBeCloseTo(mse, 5);
    scored.model.dispose();
    const run = await loadRun(runDir);
    const predictions = predictRun(run, file("new.csv", "b,a\n0.2,0.1\n0.8,0.9\n"));
    expect(predictions.columns).toEqual(["a", "b"]);
    const expected = (run.model.predict(tf.tensor2d([[0.1, 0.2]])) as tf.Tensor).arraySync() as number[][];
    expect(predictions.rows[0]![0]).toBeCloseTo(expected[0]![0]!, 6);
    run.model.dispose();
  });
});

describe("features per input", () => {
  it("csv: features: { left: [...], right: [...] } feeds each input its columns", async () => {
    const spec = `model Pair {
  input left: [1]
  input right: [2]
  h = concatenate(left, right) -> dense(2, activation: softmax)
}

train Pair {
  data: csv("${file("shop.csv", csv)}", label: "kind", features: { right: ["b", "price"], left: ["a"] })
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 4
  shuffle: false
}
`;
    const { train, model } = checked("pair.nn", spec);
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    try {
      const [x, y] = batches.training([0, 1]);
      const [left, right] = x as tf.Tensor[];
      expect(left!.arraySync()).toEqual([[Math.fround(0.1)], [Math.fround(0.9)]]);
      expect(right!.arraySync()).toEqual([
        [Math.fround(0.2), 1.5],
        [Math.fround(0.8), 9.5],
      ]);
      tf.dispose([...(x as tf.Tensor[]), y as tf.Tensor]);
    } finally {
      batches.close();
      built.dispose();
    }
    // nnc predict reads the same columns per input.
    const runDir = join(dir, "pair-run");
    await trainRun(file("pair-run.nn", spec), runDir);
    const run = await loadRun(runDir);
    expect(predictRun(run, file("pairs.csv", "price,b,a\n1.5,0.2,0.1\n")).columns).toEqual([
      "predicted",
      "p_cheap",
      "p_dear",
    ]);
    run.model.dispose();
  });
});

describe("missing:", () => {
  const holes = "a,b,kind,price\n0.1,0.2,cheap,1.5\n0.9,,dear,9.5\n0.2,0.1,,2\n0.8,0.9,dear,8.5\n";

  it("error (the default) names the file:line and the column of an empty value", async () => {
    const { train, model } = checked(
      "holes.nn",
      shop(`csv("${file("holes.csv", holes)}", labels: { kind: "kind", price: "price" })`),
    );
    expect(await userError(() => trainModel(model, train, { output: quiet }), `${dir}/`)).toBe(
      "error[NN4006]: holes.csv:3: column 'b': the value is empty (fill it in, or give the data source missing: drop to leave such rows out)",
    );
  });

  it("drop leaves such rows out and says how many, whole and streamed alike", async () => {
    const { train, model } = checked(
      "holes-drop.nn",
      shop(`csv("${file("holes.csv", holes)}", labels: { kind: "kind", price: "price" }, missing: drop)`),
    );
    for (const streamAbove of [undefined, 0]) {
      const built = buildModel(model);
      const batches = await openTrainingData(built, train, streamAbove === undefined ? {} : { streamAbove });
      expect([batches.trainingRows, batches.dropped.training, batches.streamed]).toEqual([2, 2, streamAbove === 0]);
      const [x, y] = batches.training([0, 1]);
      expect((x as tf.Tensor).arraySync()).toEqual([
        [Math.fround(0.1), Math.fround(0.2)],
        [Math.fround(0.8), Math.fround(0.9)],
      ]);
      tf.dispose([x, ...(y as tf.Tensor[])]);
      batches.close();
      built.dispose();
    }
    const lines: string[] = [];
    const output = { write: (text: string) => lines.push(text) > 0 } as unknown as NodeJS.WritableStream;
    const run = await trainModel(model, train, { output, epochs: 1 });
    run.model.dispose();
    expect(lines).toContain("dropped 2 training rows with a missing value (missing: drop)\n");
  });
});

describe("read whole and streamed alike", () => {
  it("labels per output and sequences give the same batches streamed, and validation is checked against the training classes", async () => {
    const reviews = file(
      "reviews.jsonl",
      [
        { tokens: [3, 4, 5], kind: "a", price: 1 },
        { tokens: [6], kind: "b", price: 2 },
        { tokens: [7, 8], kind: "a", price: 3 },
        { tokens: [9, 10, 11, 12], kind: "b", price: 4 },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    const held = file("held.jsonl", `${JSON.stringify({ tokens: [3], kind: "c", price: 1 })}\n`);
    const spec = (validation: string) => `model Seq {
  input tokens: [seq] int32
  h = tokens -> embedding(20, 4, mask_zero: true) -> lstm(3)
  kind = h -> dense(2, activation: softmax)
  price = h -> dense(1)
  output kind, price
}

train Seq {
  data: json("${reviews}", labels: { kind: "kind", price: "price" })
  loss: { kind: categorical_crossentropy, price: mse }
  optimizer: adam
  epochs: 1
  batch_size: 2
  shuffle: false
${validation}}
`;
    const { train, model } = checked("seq.nn", spec(""));
    const arrays: unknown[] = [];
    for (const options of [{}, { streamAbove: 0, chunkRows: 3 }]) {
      const built = buildModel(model);
      const batches = await openTrainingData(built, train, options);
      const [x, y] = batches.training([0, 3]);
      arrays.push([(x as tf.Tensor).arraySync(), (y as tf.Tensor[]).map((t) => t.arraySync())]);
      tf.dispose([x, ...(y as tf.Tensor[])]);
      batches.close();
      built.dispose();
    }
    expect(arrays[1]).toEqual(arrays[0]);
    expect(arrays[0]).toEqual([
      [
        [3, 4, 5, 0],
        [9, 10, 11, 12],
      ],
      [
        [
          [1, 0],
          [0, 1],
        ],
        [[1], [4]],
      ],
    ]);
    const validated = checked(
      "seq-held.nn",
      spec(`  validation: json("${held}", labels: { kind: "kind", price: "price" })\n`),
    );
    expect(await userError(() => trainModel(validated.model, validated.train, { output: quiet }), `${dir}/`)).toBe(
      "error[NN4006]: held.jsonl:1: label 'c' is not one of the training data's classes (a, b)",
    );
  });
});
