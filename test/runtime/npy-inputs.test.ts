/**
 * `npy()` beyond one input and one label per row: one features file per model input
 * (`x: inputs(a: "a.npy", b: "b.npy")`) and targets of more than one value per example (a sequence of
 * softmaxes, `[rows, T, C]` one-hot or `[rows, T]` class indices). Real tfjs, real files in a scratch folder.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile, checkSource } from "../../src/compiler/index.js";
import {
  evaluateRun,
  evaluationSource,
  initBackend,
  loadRun,
  loadTable,
  predictRun,
  trainModel,
} from "../../src/runtime/index.js";
import { openRecords } from "../../src/runtime/data/records.js";
import { npyBytes } from "../helpers/data-files.js";
import { marked } from "../helpers/marked.js";
import { scratchFolder, trainRun, userError } from "../helpers/runs.js";
import type { OutputClasses } from "../../src/runtime/save.js";

const { dir, file } = scratchFolder("nnc-npy-inputs-");
const floats = (values: readonly number[]) => Buffer.from(new Float32Array(values).buffer);
/** A float32 array file of `shape` with values from `value(i)` for element i. */
const npy = (name: string, shape: number[], value: (i: number) => number) =>
  file(
    name,
    npyBytes("<f4", shape, floats(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => value(i)))),
  );
const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

const towers = `model Pair {
  input a: [4]
  input b: [3]
  x = a -> dense(8, activation: relu)
  y = b -> dense(8, activation: relu)
  concatenate(x, y) -> dense(2, activation: softmax)
}`;

const rows = 24;
/** Class i % 2; a's first feature and b's last say which, so the towers have something to learn. */
beforeAll(async () => {
  await initBackend();
  npy("a.npy", [rows, 4], (i) => (Math.floor(i / 4) % 2 ? 1 : -1) * (i % 4 === 0 ? 1 : 0.1));
  npy("b.npy", [rows, 3], (i) => (Math.floor(i / 3) % 2 ? 1 : -1) * (i % 3 === 2 ? 1 : 0.2));
  npy("b-short.npy", [rows - 1, 3], () => 0);
  file("y.npy", npyBytes("<u1", [rows], Buffer.from(Array.from({ length: rows }, (_, i) => i % 2))));
});

function pairSpec(extra = "", x = 'inputs(a: "a.npy", b: "b.npy")'): string {
  return file(
    "pair.nn",
    `${towers}
train Pair {
  data: npy(x: ${x}, y: "y.npy")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  metrics: [accuracy]
  batch_size: 8
  epochs: 2
  seed: 7${extra}
}
`,
  );
}

describe("npy() with one file per model input", () => {
  it("trains a two-input model for 2 epochs, holding out rows, and evaluates the saved run", async () => {
    const trained = await trainRun(pairSpec("\n  validation_split: 0.25"), join(dir, "pair-run"));
    expect(trained.train.data.args["x"]).toEqual({ a: join(dir, "a.npy"), b: join(dir, "b.npy") });
    const run = await loadRun(join(dir, "pair-run"));
    expect(run.preprocessing).toMatchObject({ source: "npy", label: "y", inputs: ["a", "b"] });
    expect((run.labels as OutputClasses | null)?.classes).toEqual(["0", "1"]);
    const evaluation = await evaluateRun(run, trained.train, trained.train.data);
    expect(evaluation.rows).toBe(rows);
    expect(Object.keys(evaluation.figures)).toEqual(["loss", "accuracy"]);
    expect(Number.isFinite(evaluation.figures["loss"])).toBe(true);
    // --data takes each input's file in the order x names them, then y; streamed reading gives the same figures.
    const files = [join(dir, "a.npy"), join(dir, "b.npy"), join(dir, "y.npy")];
    const streamed = await evaluateRun(run, trained.train, evaluationSource(trained.train, files), { streamAbove: 0 });
    expect(streamed.data.streamed).toBe(true);
    expect(streamed.figures["loss"]).toBeCloseTo(evaluation.figures["loss"]!, 5);
    expect(await userError(() => evaluationSource(trained.train, files.slice(1)), `${dir}/`)).toBe(
      "error[NN4005]: b.npy y.npy: train Pair reads npy() data, so --data takes 3 files (x.a, x.b, y)",
    );
    // nnc predict takes each input's file in the order x names them, and predicts as the model does.
    expect(await userError(() => predictRun(run, join(dir, "a.npy")), `${dir}/`)).toBe(
      "error[NN4005]: a.npy: nnc predict reads 2 .npy files, one per input (a, b), in that order for this run",
    );
    const predictions = predictRun(run, files.slice(0, 2));
    expect(predictions.columns).toEqual(["predicted", "p_0", "p_1"]);
    expect(predictions.rows).toHaveLength(rows);
  });

  it("reads the same rows whole and by offset, each row holding a's example, then b's", async () => {
    const source = {
      name: "npy",
      args: { x: { b: join(dir, "b.npy"), a: join(dir, "a.npy") }, y: join(dir, "y.npy") },
    };
    const whole = loadTable(source);
    expect(whole.inputs?.map((input) => [input.name, input.shape])).toEqual([
      ["b", [3]],
      ["a", [4]],
    ]);
    const streamed = await openRecords(source, { numericTargets: false, streamAbove: 0 });
    try {
      expect(streamed.streamed).toBe(true);
      const read = streamed.read([5, 0]);
      expect(Array.from(read.features)).toEqual([
        ...Array.from(whole.features.subarray(5 * 7, 6 * 7)),
        ...Array.from(whole.features.subarray(0, 7)),
      ]);
      expect(read.labels).toEqual(["1", "0"]);
    } finally {
      streamed.close();
    }
  });

  it("names both files, in one line, when their rows differ", async () => {
    const spec = pairSpec("", 'inputs(a: "a.npy", b: "b-short.npy")');
    const { program } = checkFile(spec);
    const train = program!.trains[0]!;
    for (const streamAbove of [undefined, 0]) {
      const message = await userError(
        () =>
          trainModel(program!.models[0]!, train, {
            output: quiet,
            ...(streamAbove === undefined ? {} : { streamAbove }),
          }),
        `${dir}/`,
      );
      expect(message).toBe(
        "error[NN4006]: b-short.npy: 23 rows, but a.npy has 24: every file of x holds one example per row of y",
      );
    }
  });
});

describe("nnc check of npy(x: inputs(...))", () => {
  const check = (x: string) => {
    const { text, spans } = marked(`${towers}
train Pair {
  data: npy(x: ${x}, y: "y.npy")
  loss: categorical_crossentropy
  optimizer: adam
  batch_size: 8
  epochs: 2
}
`);
    const diagnostics = [...checkSource(text, join(dir, "check.nn")).diagnostics].sort(
      (p, q) => p.span.start - q.span.start,
    );
    return {
      found: diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
      marks: spans.map((s) => text.slice(s.start, s.end)),
      messages: diagnostics.map((d) => d.message),
    };
  };

  it("reports a name that is no input of the model at the name, with did-you-mean", () => {
    const { found, marks, messages } = check('inputs(a: "a.npy", <|bb|>: "b.npy")');
    // The name at the name; input b, then without a file, at inputs.
    expect(found).toEqual([
      ["NN2005", "inputs"],
      ["NN2005", marks[0]],
    ]);
    expect(messages[1]).toMatch(/'bb', which is not an input of model Pair \(a, b\)/);
  });

  it("reports each input without a file at inputs", () => {
    const { found, marks } = check('<|inputs|>(b: "b.npy")');
    expect(found).toEqual([["NN2005", marks[0]]]);
  });

  it("reports one file for a model of several inputs at the file, and a twice-named input", () => {
    expect(check('<|"a.npy"|>').found).toEqual([["NN2005", '"a.npy"']]);
    expect(check('inputs(a: "a.npy", b: "b.npy", <|a|>: "c.npy")').found).toEqual([["NN2007", "a"]]);
  });

  it("accepts a file per input, and keeps npy's other arguments checked", () => {
    expect(check('inputs(b: "b.npy", a: "a.npy")').found).toEqual([]);
    const { text } = marked(`${towers}\ntrain Pair {\n  data: npy(x: inputs(a: "a.npy", b: "b.npy"), z: 1)\n}\n`);
    const codes = checkSource(text, join(dir, "z.nn")).diagnostics.map((d) => d.code);
    expect(codes).toContain("NN2003");
  });
});

describe("npy() targets of a sequence of softmaxes", () => {
  const steps = 5;
  const classes = 7;
  const count = 12;
  /** Step t of row r is class (r + t) % 7; its input carries the class in its first feature. */
  const classOf = (r: number, t: number) => (r + t) % classes;
  const sequenceSpec = (loss: string, y: string) =>
    file(
      `seq-${loss}.nn`,
      `model Seq {
  input s: [${steps}, 3]
  lstm(8, return_sequences: true)
  time_distributed(dense(${classes}, activation: softmax))
}
train Seq {
  data: npy(x: "s.npy", y: "${y}")
  loss: ${loss}
  optimizer: adam(0.01)
  metrics: [accuracy]
  batch_size: 4
  epochs: 2
  validation_split: 0.25
  seed: 3
}
`,
    );

  beforeAll(() => {
    npy("s.npy", [count, steps, 3], (i) => {
      const [r, t, f] = [Math.floor(i / (steps * 3)), Math.floor(i / 3) % steps, i % 3];
      return f === 0 ? classOf(r, t) / classes : 0.5;
    });
    npy("onehot.npy", [count, steps, classes], (i) => {
      const [r, t, c] = [Math.floor(i / (steps * classes)), Math.floor(i / classes) % steps, i % classes];
      return c === classOf(r, t) ? 1 : 0;
    });
    const indices = Array.from({ length: count * steps }, (_, i) => classOf(Math.floor(i / steps), i % steps));
    file("indices.npy", npyBytes("<i4", [count, steps], Buffer.from(new Int32Array(indices).buffer)));
    file("wide.npy", npyBytes("<i4", [count, 4], Buffer.alloc(count * 4 * 4)));
  });

  it("trains on [rows, 5, 7] one-hot targets with categorical_crossentropy, and evaluates", async () => {
    const trained = await trainRun(sequenceSpec("categorical_crossentropy", "onehot.npy"), join(dir, "onehot-run"));
    const run = await loadRun(join(dir, "onehot-run"));
    expect((run.labels as OutputClasses | null)?.classes).toEqual(["0", "1", "2", "3", "4", "5", "6"]);
    const evaluation = await evaluateRun(run, trained.train, trained.train.data);
    expect(Object.keys(evaluation.figures)).toEqual(["loss", "accuracy"]);
    expect(evaluation.figures["loss"]).toBeGreaterThan(0);
    expect(evaluation.figures["accuracy"]).toBeLessThanOrEqual(1);
    // A sequence of softmaxes has no one predicted class per row: its 35 outputs stay raw.
    expect(predictRun(run, join(dir, "s.npy")).columns).toHaveLength(steps * classes);
  });

  it("trains on [rows, 5] class indices with sparse_categorical_crossentropy", async () => {
    const spec = sequenceSpec("sparse_categorical_crossentropy", "indices.npy");
    const trained = await trainRun(spec, join(dir, "sparse-run"));
    const run = await loadRun(join(dir, "sparse-run"));
    const evaluation = await evaluateRun(run, trained.train, trained.train.data);
    expect(Number.isFinite(evaluation.figures["loss"])).toBe(true);
    expect(evaluation.figures["accuracy"]).toBeGreaterThanOrEqual(0);
  });

  it("says which target shapes fit when y fits none, and refuses class indices past the classes", async () => {
    const { program } = checkFile(sequenceSpec("categorical_crossentropy", "wide.npy"));
    const train = () => trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet });
    expect(await userError(train, `${dir}/`)).toBe(
      "error[NN4007]: model 'Seq' outputs shape [5, 7], but wide.npy holds targets of shape [rows, 4]: y fits [rows, 5, 7] (one-hot or values), or class indices [rows, 5] with loss: sparse_categorical_crossentropy",
    );
    const big = Array.from({ length: count * steps }, (_, i) => (i === 7 ? 9 : 0));
    file("big.npy", npyBytes("<i4", [count, steps], Buffer.from(new Int32Array(big).buffer)));
    const sparse = checkFile(sequenceSpec("sparse_categorical_crossentropy", "big.npy")).program!;
    expect(await userError(() => trainModel(sparse.models[0]!, sparse.trains[0]!, { output: quiet }), `${dir}/`)).toBe(
      "error[NN4006]: big.npy: record 2: class index 9 is not a whole number from 0 to 6 (the model outputs [5, 7])",
    );
  });
});
