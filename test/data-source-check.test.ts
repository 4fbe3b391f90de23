/**
 * What `nnc check` says about a train block's data for the model it feeds (check/data-source.ts,
 * check/train-target.ts): labels per output and features per input keyed by the model's names (NN4028 at the
 * key, with a did-you-mean), every output and input given data (NN4029), `target:` an input whose shape every
 * output has (NN4030) and no labels with it (NN4031). Each case marks where the error must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const shop = `model Shop {
  input x: [2]
  h = x -> dense(4)
  kind = h -> dense(3, activation: softmax)
  price = h -> dense(1)
  output kind, price
}
`;
const pair = `model Pair {
  input left: [2]
  input right: [3]
  concatenate(left, right) -> dense(3)
}
`;
const auto = `model Auto {
  input x: [4]
  dense(2)
  dense(3)
}
`;

/** The errors of a spec whose model is `model` and whose train block holds `entries`, in order. */
function errors(model: string, name: string, entries: string) {
  const { text, spans } = marked(
    `${model}\ntrain ${name} {\n${entries}\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
  );
  const result = checkSource(text, "/tmp/spec.nn");
  return {
    found: result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => [d.code, text.slice(d.span.start, d.span.end), d.hint]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
    trains: result.program?.trains ?? [],
  };
}

const perOutputLoss = "  loss: { kind: categorical_crossentropy, price: mse }";

describe("labels per output", () => {
  it("takes a label column per output, and a file per output for npy", () => {
    for (const data of [
      'csv("s.csv", labels: { kind: "k", price: "p" })',
      'json("s.jsonl", labels: { price: "p", kind: "k" })',
      'npy(x: "x.npy", y: { kind: "k.npy", price: "p.npy" })',
    ]) {
      const { found, trains } = errors(shop, "Shop", `  data: ${data}\n${perOutputLoss}`);
      expect(found).toEqual([]);
      expect(trains[0]!.outputs).toEqual(["kind", "price"]);
    }
  });

  it("a key that is no output is NN4028 at the key; an output left out is NN4029 at the map", () => {
    const unknown = errors(
      shop,
      "Shop",
      `  data: csv("s.csv", labels: { kind: "k", <|prices|>: "p" })\n${perOutputLoss}`,
    );
    expect(unknown.found).toEqual([["NN4028", unknown.marks[0], "did you mean 'price'?"]]);
    const missing = errors(shop, "Shop", `  data: csv("s.csv", labels: <|{ kind: "k" }|>)\n${perOutputLoss}`);
    expect(missing.found).toEqual([["NN4029", missing.marks[0], undefined]]);
    const npy = errors(
      shop,
      "Shop",
      `  data: npy(x: "x.npy", y: { <|kinds|>: "k.npy", price: "p.npy" })\n${perOutputLoss}`,
    );
    expect(npy.found).toEqual([["NN4028", npy.marks[0], "did you mean 'kind'?"]]);
  });

  it("one label column for several outputs is NN4029 at it; no targets at all NN4029 at the source", () => {
    const one = errors(shop, "Shop", `  data: csv("s.csv", label: <|"k"|>)\n${perOutputLoss}`);
    expect(one.found).toEqual([["NN4029", one.marks[0], undefined]]);
    const none = errors(auto, "Auto", `  data: <|csv|>("s.csv")\n  loss: mse`);
    expect(none.found).toEqual([["NN4029", none.marks[0], undefined]]);
  });
});

describe("features per input", () => {
  it("gives each input of several its columns; unknown inputs NN4028, missing ones and one list NN4029", () => {
    const fine = errors(
      pair,
      "Pair",
      '  data: csv("p.csv", label: "y", features: { left: ["a1", "a2"], right: ["b1", "b2", "b3"] })\n  loss: mse',
    );
    expect(fine.found).toEqual([]);
    const unknown = errors(
      pair,
      "Pair",
      '  data: csv("p.csv", label: "y", features: { left: ["a1"], <|rigt|>: ["b1"] })\n  loss: mse',
    );
    expect(unknown.found).toEqual([["NN4028", unknown.marks[0], "did you mean 'right'?"]]);
    const missing = errors(
      pair,
      "Pair",
      '  data: json("p.jsonl", label: "y", features: <|{ left: ["a1"] }|>)\n  loss: mse',
    );
    expect(missing.found).toEqual([["NN4029", missing.marks[0], undefined]]);
    const list = errors(pair, "Pair", '  data: csv("p.csv", label: "y", features: <|["a1", "b1"]|>)\n  loss: mse');
    expect(list.found).toEqual([["NN4029", list.marks[0], undefined]]);
    const npy = errors(pair, "Pair", '  data: npy(x: { left: "a.npy", <|c|>: "c.npy" }, y: "y.npy")\n  loss: mse');
    expect(npy.found).toEqual([["NN4028", npy.marks[0], undefined]]);
  });
});

describe("target:", () => {
  const square = auto.replace("dense(3)", "dense(4)");

  it("input (or the input's name) needs no labels and fills IrTrain.target with the input", () => {
    for (const target of ["input", "x", '"input"']) {
      const { found, trains } = errors(square, "Auto", `  data: csv("s.csv")\n  target: ${target}\n  loss: mse`);
      expect(found).toEqual([]);
      expect(trains[0]!.target).toBe("x");
    }
    const named = errors(
      pair.replace("dense(3)", "dense(3)"),
      "Pair",
      '  data: npy(x: { left: "a.npy", right: "b.npy" })\n  target: right\n  loss: mse',
    );
    expect(named.found).toEqual([]);
    expect(named.trains[0]!.target).toBe("right");
  });

  it("an output of another shape is NN4030 at the target, showing both shapes", () => {
    const { found, marks } = errors(auto, "Auto", `  data: csv("s.csv")\n  target: <|input|>\n  loss: mse`);
    expect(found).toEqual([["NN4030", marks[0], undefined]]);
    const result = checkSource(
      `${auto}train Auto {\n  data: csv("s.csv")\n  target: input\n  loss: mse\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
      "/tmp/spec.nn",
    );
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "target: x has shape [4], but model Auto outputs [3]; a model trained to reproduce an input outputs its shape",
    ]);
  });

  it("a name that is no input is NN4028 with a did-you-mean; input with several inputs NN4003; labels with it NN4031", () => {
    const unknown = errors(square, "Auto", `  data: csv("s.csv")\n  target: <|inpt|>\n  loss: mse`);
    expect(unknown.found).toEqual([["NN4028", unknown.marks[0], "did you mean 'input'?"]]);
    const several = errors(
      pair,
      "Pair",
      `  data: npy(x: { left: "a.npy", right: "b.npy" })\n  target: <|input|>\n  loss: mse`,
    );
    expect(several.found).toEqual([["NN4003", several.marks[0], undefined]]);
    const labelled = errors(square, "Auto", `  data: csv("s.csv", label: <|"y"|>)\n  target: input\n  loss: mse`);
    expect(labelled.found).toEqual([["NN4031", labelled.marks[0], undefined]]);
  });

  it("normalize_target with target: is NN4032 at the argument, in data and in validation", () => {
    for (const entries of [
      `  data: csv("s.csv", normalize_target: <|standard|>)`,
      `  data: csv("s.csv")\n  validation: csv("v.csv", normalize_target: <|standard|>)`,
    ]) {
      const scaled = errors(square, "Auto", `${entries}\n  target: input\n  loss: mse`);
      expect(scaled.found).toEqual([["NN4032", scaled.marks[0], undefined]]);
    }
  });
});

describe("a label column among the features", () => {
  it("is NN4038 at the column, for one label and for labels per output", () => {
    const one = errors(
      pair.replace("dense(3)", "dense(1)"),
      "Pair",
      `  data: csv("d.csv", label: "y", features: { left: ["a", "b"], right: ["c", <|"y"|>, "e"] })\n  loss: mse`,
    );
    expect(one.found.map(([code, at]) => [code, at])).toEqual([["NN4038", '"y"']]);
    const several = errors(
      shop,
      "Shop",
      `  data: csv("d.csv", labels: { kind: "k", price: "p" }, features: [<|"p"|>, "q"])\n${perOutputLoss}`,
    );
    expect(several.found.map(([code, at]) => [code, at])).toEqual([["NN4038", '"p"']]);
    const clean = errors(
      shop,
      "Shop",
      `  data: csv("d.csv", labels: { kind: "k", price: "p" }, features: ["a", "b"])\n${perOutputLoss}`,
    );
    expect(clean.found).toEqual([]);
  });
});
