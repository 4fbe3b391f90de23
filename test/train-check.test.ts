/**
 * `checkTrain`: codes and spans for train-block mistakes, and the IrTrain of a correct block. Marked spans
 * (`<|...|>`) are where each diagnostic must point; the wording is not asserted.
 */
import { describe, expect, it } from "vitest";
import type * as ast from "../src/compiler/syntax/ast.js";
import { parse } from "../src/compiler/syntax/index.js";
import { checkTrain } from "../src/compiler/check/train-block.js";
import { marked } from "./helpers/marked.js";

const file = "/specs/iris.nn";
const complete = `
  data: csv("data/iris.csv", label: "species")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 10
  batch_size: 16`;

function check(body: string, model = "Iris") {
  const source = `model Iris {\n  input x: [4]\n  dense(3)\n}\ntrain ${model} {${body}\n}\n`;
  const { text, spans } = marked(source);
  const parsed = parse(text, file);
  expect(parsed.diagnostics).toEqual([]);
  const decl = parsed.value.declarations.find((d): d is ast.TrainDecl => d.kind === "train")!;
  const result = checkTrain(decl, file, new Set(["Iris"]));
  return {
    result,
    found: [...result.diagnostics]
      .sort((a, b) => a.span.start - b.span.start)
      .map((d) => [d.code, text.slice(d.span.start, d.span.end), d.hint]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("checkTrain", () => {
  it("turns a complete block into IrTrain with defaults and an absolute data path", () => {
    const { result } = check(`${complete}\n  metrics: [accuracy]`);
    expect(result.diagnostics).toEqual([]);
    expect(result.value).toMatchObject({
      model: "Iris",
      data: { name: "csv", args: { path: "/specs/data/iris.csv", label: "species" } },
      loss: "categorical_crossentropy",
      // A bare optimizer name is the optimizer with Keras's defaults.
      optimizer: { name: "adam", args: { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 } },
      metrics: ["accuracy"],
      epochs: 10,
      batchSize: 16,
      validationSplit: 0,
      shuffle: true,
      seed: null,
      lrSchedule: null,
      callbacks: [],
    });
  });

  it("accepts schedules and early stopping with Keras's defaults", () => {
    const { result } = check(`${complete}
  metrics: [accuracy]
  validation_split: 0.1
  lr_schedule: exponential_decay(decay_rate: 0.9, decay_steps: 1000)
  callbacks: [early_stopping(monitor: val_accuracy, patience: 3)]`);
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.lrSchedule).toEqual({
      name: "exponential_decay",
      args: { decay_rate: 0.9, decay_steps: 1000, staircase: false },
    });
    expect(result.value?.callbacks).toEqual([
      {
        name: "early_stopping",
        args: { monitor: "val_accuracy", patience: 3, min_delta: 0, restore_best_weights: false },
      },
    ]);
  });

  it("reports a missing key at the model name", () => {
    const { found, marks } = check(`\n  loss: mse\n  optimizer: sgd\n  epochs: 1\n  batch_size: 1`, "<|Iris|>");
    expect(found).toEqual([["NN4001", marks[0], undefined]]);
  });

  it("reports an unknown model at its name", () => {
    const { found, marks, result } = check(complete, "<|Iriss|>");
    expect(found).toEqual([["NN2009", marks[0], "did you mean 'Iris'?"]]);
    expect(result.value).toBeNull();
  });

  it("reports unknown and repeated keys at the key, with a suggestion", () => {
    const { found, marks } = check(`${complete}\n  <|epoch|>: 3\n  <|loss|>: mse`);
    expect(found).toEqual([
      ["NN4002", marks[0], "did you mean 'epochs'?"],
      ["NN4008", marks[1], undefined],
    ]);
  });

  it("reports unknown losses, optimizers and metrics with a suggestion", () => {
    const { found, marks } = check(`
  data: csv("d.csv", label: "y")
  loss: <|categorical_crossentropi|>
  optimizer: <|adamm|>(learning_rate: 0.1)
  metrics: [<|acuracy|>]
  epochs: 1
  batch_size: 1`);
    expect(found).toEqual([
      ["NN4004", marks[0], "did you mean 'categorical_crossentropy'?"],
      ["NN4004", marks[1], "did you mean 'adam'?"],
      ["NN4004", marks[2], "did you mean 'accuracy'?"],
    ]);
  });

  it("points optimizer and data-source argument errors at the argument", () => {
    const { found, marks } = check(`
  data: <|csv|>("d.csv")
  loss: mse
  optimizer: adam(learning_rate: <|-1|>, <|beta1|>: 0.5)
  epochs: 1
  batch_size: 1`);
    expect(found).toEqual([
      // No label: the data gives no targets (and the train block has no target:).
      ["NN4029", marks[0], undefined],
      ["NN2005", marks[1], undefined],
      ["NN2003", marks[2], "did you mean 'beta_1'?"],
    ]);
  });

  it("reports bad values at the value", () => {
    const { found, marks } = check(`
  data: <|"d.csv"|>
  loss: mse
  optimizer: sgd
  epochs: <|0|>
  batch_size: <|2.5|>
  validation_split: <|1|>
  shuffle: <|yes|>
  seed: <|-3|>`);
    expect(found.map(([code, span]) => [code, span])).toEqual(marks.map((m) => ["NN4003", m]));
  });

  it("rejects early stopping on a figure the training does not report", () => {
    const { found, marks } = check(`${complete}
  metrics: [accuracy]
  callbacks: [early_stopping(<|val_loss|>), early_stopping(monitor: <|accuracy_x|>)]`);
    expect(found).toEqual([
      ["NN2005", marks[0], undefined],
      ["NN2005", marks[1], "did you mean 'accuracy'?"],
    ]);
  });
});
