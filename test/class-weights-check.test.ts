/**
 * `class_weight:` and `sample_weight:` at check time: which values a train block takes, what they become in the
 * IR, and the codes and spans of the mistakes (NN4059 a regression weighed by class, NN4062 the weight column
 * read as data, NN4063 weights on validation or test data). Marked spans (`<|...|>`) are where each must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const file = "/specs/m.nn";
const one = `model M {\n  input x: [2]\n  dense(3, activation: softmax)\n}\n`;
const two = `model M {
  input x: [2]
  h = x -> dense(4)
  kind = h -> dense(3, activation: softmax)
  price = h -> dense(1)
  output kind, price
}
`;

const rest = `  loss: categorical_crossentropy`;

function check(model: string, body: string) {
  const { text, spans } = marked(`${model}train M {\n${body}\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`);
  const result = checkSource(text, file, { read: () => undefined } as never);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  return {
    train: result.program?.trains[0],
    found: errors.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("class_weight", () => {
  it("takes balanced or a weight per class name, numbers as strings", () => {
    const data = `  data: csv("d.csv", label: "y")\n  loss: categorical_crossentropy`;
    expect(check(one, `${data}\n  class_weight: balanced`).train?.classWeight).toBe("balanced");
    const { train, found } = check(one, `${data}\n  class_weight: { setosa: 2, "0": 0.5, "Iris virginica": 0 }`);
    expect(found).toEqual([]);
    expect(train?.classWeight).toEqual({ setosa: 2, "0": 0.5, "Iris virginica": 0 });
  });

  it("refuses negative weights and other values at the value", () => {
    const data = `  data: csv("d.csv", label: "y")\n  loss: categorical_crossentropy`;
    const negative = check(one, `${data}\n  class_weight: { a: <|-1|> }`);
    expect(negative.found).toEqual([["NN4003", negative.marks[0]]]);
    const other = check(one, `${data}\n  class_weight: <|equal|>`);
    expect(other.found).toEqual([["NN4003", other.marks[0]]]);
  });

  it("refuses a weight past float32's range, and reports a class written twice once", () => {
    const data = `  data: csv("d.csv", label: "y")\n  loss: categorical_crossentropy`;
    const huge = check(one, `${data}\n  class_weight: { a: <|1e300|> }`);
    expect(huge.found).toEqual([["NN4003", huge.marks[0]]]);
    const result = checkSource(
      `${one}train M {\n${data}\n  class_weight: { a: 1, a: 2 }\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
      file,
      {
        read: () => undefined,
      } as never,
    );
    expect(result.diagnostics.map((d) => d.code)).toEqual(["NN1001"]);
  });

  it("a number key (Keras's class index) is NN1001 with a hint to quote it", () => {
    const data = `  data: csv("d.csv", label: "y")\n  loss: categorical_crossentropy`;
    for (const weights of ["{ 0: 2 }", "{ a: 1, 10: 2 }"]) {
      const text = `${one}train M {\n${data}\n  class_weight: ${weights}\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`;
      const found = checkSource(text, file, { read: () => undefined } as never).diagnostics;
      expect(found.map((d) => [d.code, d.hint])).toEqual([
        [
          "NN1001",
          `a map's keys are names or strings: quote a number key, "${weights.includes("10") ? "10" : "0"}": ...`,
        ],
      ]);
    }
  });

  it("is NN4059 on a loss that fits values, at the value", () => {
    const { found, marks } = check(one, `  data: csv("d.csv", label: "y")\n  loss: mse\n  class_weight: <|balanced|>`);
    expect(found).toEqual([["NN4059", marks[0]]]);
  });

  it("on a model of several outputs is keyed by output name; a regression output among them is NN4059", () => {
    const data = `  data: csv("d.csv", labels: { kind: "k", price: "p" })\n  loss: { kind: categorical_crossentropy, price: mse }`;
    const keyed = check(two, `${data}\n  class_weight: { kind: { a: 2 } }`);
    expect(keyed.found).toEqual([]);
    expect(keyed.train?.classWeight).toEqual({ kind: { a: 2 } });
    const classes = check(two, `${data}\n  class_weight: <|{ a: 2, b: 1 }|>`);
    expect(classes.found).toEqual([["NN4003", classes.marks[0]]]);
    const regression = check(two, `${data}\n  class_weight: { kind: balanced, price: <|balanced|> }`);
    expect(regression.found).toEqual([["NN4059", regression.marks[0]]]);
    const unknown = check(two, `${data}\n  class_weight: { kind: balanced, <|kinds|>: balanced }`);
    expect(unknown.found).toEqual([["NN4023", unknown.marks[0]]]);
  });
});

describe("sample_weight", () => {
  it("names a column of the training data (a file for npy), read into the IR", () => {
    const { train, found } = check(one, `  data: csv("d.csv", label: "y", sample_weight: "w")\n${rest}`);
    expect(found).toEqual([]);
    expect(train?.data.args["sample_weight"]).toBe("w");
    const npy = check(one, `  data: npy("x.npy", "y.npy", sample_weight: "w.npy")\n${rest}`);
    expect(npy.found).toEqual([]);
    expect(npy.train?.data.args["sample_weight"]).toBe("/specs/w.npy");
  });

  it("is NN4062 when the column is also a feature or the label", () => {
    const feature = check(
      one,
      `  data: json("d.jsonl", label: "y", sample_weight: "w", features: ["a", <|"w"|>])\n${rest}`,
    );
    expect(feature.found).toEqual([["NN4062", feature.marks[0]]]);
    const label = check(one, `  data: csv("d.csv", label: "y", sample_weight: <|"y"|>)\n${rest}`);
    expect(label.found).toEqual([["NN4062", label.marks[0]]]);
  });

  it("is NN4063 on validation or test data, which are evaluated unweighted", () => {
    for (const key of ["validation", "test"]) {
      const { found, marks } = check(
        one,
        `  data: csv("d.csv", label: "y")\n  ${key}: csv("v.csv", label: "y", <|sample_weight|>: "w")\n${rest}`,
      );
      expect(found, key).toEqual([["NN4063", marks[0]]]);
    }
  });
});

describe("test", () => {
  it("is a data source, its path resolved as data's, its labels checked as validation's", () => {
    const { train, found } = check(one, `  data: csv("d.csv", label: "y")\n  test: csv("t.csv", label: "y")\n${rest}`);
    expect(found).toEqual([]);
    expect(train?.test).toEqual({ name: "csv", args: { path: "/specs/t.csv", label: "y" } });
    const unlabelled = check(one, `  data: csv("d.csv", label: "y")\n  test: <|csv("t.csv")|>\n${rest}`);
    expect(unlabelled.found.map(([code]) => code)).toEqual(["NN4029"]);
  });
});
