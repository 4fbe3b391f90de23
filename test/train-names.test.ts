/**
 * Names and numbers that checked clean and then failed, or went silently wrong, in `nnc train` and
 * `nnc predict` (check/tensor-names.ts, check/train-run.ts): an output listed twice (NN2033), an input name tfjs
 * refuses or a name every JavaScript object has (NN2034), an output named like another output's prediction
 * column (NN2035), two figures of one Keras name (NN4044), a learning rate or loss weight float32 cannot hold
 * (NN4045), sparse_categorical_crossentropy on a reproduced input (NN4046). Each case marks where the error
 * must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { classColumns, repeatedColumn, valueColumns } from "../src/compiler/registry/prediction-columns.js";
import { marked } from "./helpers/marked.js";

/** The errors of `source` as [code, span], and the marked spans as [code, span] in the order marked `codes`. */
function check(source: string, codes: readonly string[]) {
  const { text, spans } = marked(source);
  const result = checkSource(text, "/tmp/names.nn");
  return {
    found: result.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.span.start, d.span.end]),
    expected: spans.map((s, i) => [codes[i], s.start, s.end]),
  };
}

const train = (model: string, entries: string) =>
  `train ${model} {\n  data: csv("d.csv", labels: { a: "a", b: "b" })\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n${entries}\n}\n`;

describe("model input and output names", () => {
  it("refuses an output listed twice, at the second", () => {
    const { found, expected } = check("model M {\n  input x: [4]\n  a = x -> dense(2)\n  output a, <|a|>\n}\n", [
      "NN2033",
    ]);
    expect(found).toEqual(expected);
  });

  it("refuses an input name tfjs cannot take, and names every object has", () => {
    const { found, expected } = check(
      "model M {\n  input <|_x|>: [4]\n  input <|__proto__|>: [2]\n  input ok_1: [2]\n  c = concatenate(_x, __proto__, ok_1)\n  constructor = c -> dense(2)\n  b = c -> dense(1)\n  output <|constructor|>, b\n}\n",
      ["NN2034", "NN2034", "NN2034"],
    );
    expect(found).toEqual(expected);
  });

  it("refuses an output named like a column nnc predict gives another output", () => {
    const { found, expected } = check(
      "model M {\n  input x: [4]\n  a = x -> dense(3, activation: softmax)\n  a_predicted = x -> dense(1)\n  a_p = x -> dense(1)\n  a_2 = x -> dense(1)\n  a_3 = x -> dense(1)\n  output a, <|a_predicted|>, <|a_p|>, <|a_2|>, a_3\n}\n",
      ["NN2035", "NN2035", "NN2035"],
    );
    expect(found).toEqual(expected);
  });

  it("names prediction columns as the check expects", () => {
    expect(classColumns("a_", ["cat", "dog"])).toEqual(["a_predicted", "a_p_cat", "a_p_dog"]);
    expect(valueColumns("a", 3)).toEqual(["a_0", "a_1", "a_2"]);
    for (const column of [...classColumns("a_", ["cat"]), ...valueColumns("a", 3)]) {
      expect(repeatedColumn(column, "a", 3)).toBeDefined();
    }
    expect(repeatedColumn("a_3", "a", 3)).toBeUndefined();
    expect(repeatedColumn("ab", "a", 3)).toBeUndefined();
    expect(repeatedColumn("a_0", "a", 1)).toBeUndefined();
  });
});

const two = "model M {\n  input x: [4]\n  a = x -> dense(1)\n  val_a = x -> dense(1)\n  output a, val_a\n}\n";

describe("figure names", () => {
  it("refuses figures of one name: a and val_a with validation, at the loss", () => {
    const source = two + train("M", "  loss: <|mse|>\n  validation_split: 0.2").replace('b: "b"', 'val_a: "b"');
    const { found, expected } = check(source, ["NN4044"]);
    expect(found).toEqual(expected);
    // Without validation, no figure is named twice.
    expect(check(source.replace("  validation_split: 0.2\n", ""), []).found).toEqual([]);
  });

  it("refuses an output named val, whose loss would be val_loss", () => {
    const model = "model M {\n  input x: [4]\n  a = x -> dense(1)\n  val = x -> dense(1)\n  output a, val\n}\n";
    const source = model + train("M", "  loss: <|mse|>\n  validation_split: 0.2").replace('b: "b"', 'val: "b"');
    const { found, expected } = check(source, ["NN4044"]);
    expect(found).toEqual(expected);
  });

  it("refuses an output's metric figure that another output's metric figure repeats", () => {
    const model = "model M {\n  input x: [4]\n  a = x -> dense(1)\n  a_root = x -> dense(1)\n  output a, a_root\n}\n";
    const entries = "  loss: <|mse|>\n  metrics: { a: [root_mean_squared_error], a_root: [mean_squared_error] }";
    const { found, expected } = check(model + train("M", entries).replace('b: "b"', 'a_root: "b"'), ["NN4044"]);
    expect(found).toEqual(expected);
  });
});

describe("numbers float32 cannot hold", () => {
  it("refuses learning rates and loss weights past float32's range, at the value", () => {
    const model = "model M {\n  input x: [4]\n  a = x -> dense(1)\n  b = x -> dense(1)\n  output a, b\n}\n";
    const source = (
      model +
      train("M", "  loss: mse\n  loss_weights: { a: <|1e39|>, b: <|1e-46|> }\n  fine_tune: fine_tune(1, <|1e39|>)")
    ).replace("optimizer: adam", "optimizer: adam(learning_rate: <|1e-46|>)");
    const { found, expected } = check(source, ["NN4045", "NN4045", "NN4045", "NN4045"]);
    expect(found.sort()).toEqual(expected.sort());
    // float32's own extremes are fine.
    const fine = source.replace(/<\|1e39\|>/g, "3.4e38").replace(/<\|1e-46\|>/g, "1.2e-38");
    expect(check(fine, []).found).toEqual([]);
  });

  it("refuses a schedule's rates past float32's range, each at its value", () => {
    const model = "model M {\n  input x: [4]\n  a = x -> dense(1)\n  b = x -> dense(1)\n  output a, b\n}\n";
    for (const schedule of [
      "piecewise_constant_decay([10], [1e-3, <|1e39|>])",
      "cosine_decay(100, warmup_target: <|1e39|>, warmup_steps: 10)",
      "polynomial_decay(100, end_learning_rate: <|1e-40|>)",
      "reduce_on_plateau(monitor: loss, min_lr: <|1e-45|>)",
    ]) {
      const { found, expected } = check(model + train("M", `  loss: mse\n  lr_schedule: ${schedule}`), ["NN4045"]);
      expect(found).toEqual(expected);
    }
    const fine = model + train("M", "  loss: mse\n  lr_schedule: reduce_on_plateau(monitor: loss, min_lr: 0)");
    expect(check(fine, []).found).toEqual([]);
  });

  it("refuses them in a list of weights too", () => {
    const model = "model M {\n  input x: [4]\n  a = x -> dense(1)\n  b = x -> dense(1)\n  output a, b\n}\n";
    const { found, expected } = check(model + train("M", "  loss: mse\n  loss_weights: [1, <|1e-40|>]"), ["NN4045"]);
    expect(found).toEqual(expected);
  });
});

describe("target: input", () => {
  it("refuses sparse_categorical_crossentropy on the reproduced input, at the loss", () => {
    const model = "model M {\n  input x: [4]\n  dense(4, activation: softmax)\n}\n";
    const entries = `train M {\n  data: csv("d.csv")\n  target: input\n  loss: <|sparse_categorical_crossentropy|>\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`;
    const { found, expected } = check(model + entries, ["NN4046"]);
    expect(found).toEqual(expected);
    expect(check(model + entries.replace("<|sparse_categorical_crossentropy|>", "mse"), []).found).toEqual([]);
  });
});
