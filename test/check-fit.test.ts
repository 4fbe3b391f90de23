/**
 * Check-time problems `nnc train` would otherwise hide or report late: a metric that scores classes on an output
 * trained on values (NN4026), `normalize_target:` with only label losses (NN4033), feature columns that cannot
 * fill their input (NN4029), `target:` errors reported together (NN4030 and NN4031), and the did-you-mean of
 * watched figures, unfrozen layers and `loss_weights`. Marked spans (`<|...|>`) are where each must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { closest } from "../src/compiler/diagnostics/suggest.js";
import { marked } from "./helpers/marked.js";

const shop = `model Shop {
  input x: [2]
  h = x -> dense(4)
  kind = h -> dense(3, activation: softmax)
  price = h -> dense(1)
  output kind, price
}
`;
const one = `model One {
  input x: [2]
  dense(3, activation: softmax)
}
`;
const rest = "\n  optimizer: adam\n  epochs: 1\n  batch_size: 4";
const labels = 'data: csv("s.csv", labels: { kind: "k", price: "p" })';
const perOutputLoss = "loss: { kind: categorical_crossentropy, price: mse }";

/** Each diagnostic as [code, the text its span covers, its hint]; the marked spans' texts. */
function check(source: string) {
  const { text, spans } = marked(source);
  const result = checkSource(text, "/tmp/spec.nn");
  return {
    found: result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end), d.hint]),
    messages: result.diagnostics.map((d) => d.message),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("NN4026: a metric that scores classes on an output trained on values", () => {
  it("is an error at the metric written for that output (a map's entry, a list per output, one output)", () => {
    const { found, marks } = check(`${shop}train Shop {
  ${labels}
  ${perOutputLoss}
  metrics: { kind: [accuracy, auc], price: [mae, <|accuracy|>] }${rest}
}
train Shop {
  ${labels}
  loss: [categorical_crossentropy, huber]
  metrics: [[precision], [<|recall|>, r2]]${rest}
}
model Price {
  input x: [2]
  dense(1)
}
train Price {
  data: csv("s.csv", label: "p")
  loss: mse
  metrics: [mae, <|binary_accuracy|>, <|categorical_accuracy|>]${rest}
}
train Price {
  data: csv("s.csv", label: "p")
  loss: hinge
  metrics: [accuracy]${rest}
}`);
    expect(found.map(([code, span]) => [code, span])).toEqual(marks.map((mark) => ["NN4026", mark]));
    expect(found[0]![2]).toBe("score values with mae, mse, rmse or r2");
  });

  it("in a list every output shares, is one error at the metric naming the outputs, with a map as the hint", () => {
    const { found, marks, messages } = check(`${shop}train Shop {
  ${labels}
  ${perOutputLoss}
  metrics: [<|accuracy|>, mse]${rest}
}
train Shop {
  ${labels}
  loss: mse
  metrics: [mae, <|auc|>]${rest}
}`);
    expect(found).toEqual([
      ["NN4026", marks[0], "give each output its own metrics: metrics: { kind: [accuracy], price: [mae] }"],
      ["NN4026", marks[1], "score values with mae, mse, rmse or r2"],
    ]);
    expect(messages[0]).toContain("output 'price' is trained with mse");
    expect(messages[1]).toContain("output 'kind', output 'price' are trained with mse");
  });
});

describe("NN4033: normalize_target where every output is trained on labels", () => {
  it("is an error at the argument; with an output on values it scales that one", () => {
    const { found, marks } = check(`${one}train One {
  data: csv("s.csv", label: "k", normalize_target: <|standard|>)
  loss: categorical_crossentropy${rest}
}
train One {
  data: csv("s.csv", label: "k")
  validation: json("v.jsonl", label: "k", normalize_target: <|standard|>)
  loss: hinge${rest}
}
train One {
  data: npy("x.npy", "y.npy", normalize_target: <|standard|>)
  loss: sparse_categorical_crossentropy${rest}
}
train Shop {
  data: csv("s.csv", labels: { kind: "k", price: "p" }, normalize_target: standard)
  ${perOutputLoss}${rest}
}
${shop}`);
    expect(found.map(([code, span]) => [code, span])).toEqual(marks.map((mark) => ["NN4033", mark]));
  });
});

describe("NN4029: feature columns that cannot fill their input", () => {
  const place = `model Place {
  input place: [2]
  input when: [seq]
  a = place -> dense(2)
  b = when -> embedding(10, 2) -> global_average_pooling1d()
  concatenate(a, b) -> dense(1)
}
`;
  it("counts a list's columns against the values of an input of fixed sizes, at the list", () => {
    const { found, marks, messages } = check(`${place}train Place {
  data: csv("p.csv", label: "y", features: { place: <|["age"]|>, when: ["days"] })
  loss: mse${rest}
}
train Place {
  data: json("p.jsonl", label: "y", features: { place: ["where"], when: ["days"] })
  loss: mse${rest}
}
train Place {
  data: csv("p.csv", label: "y", features: { place: ["age", "rooms"], when: ["days"] })
  loss: mse${rest}
}
model Grid {
  input g: [2, 3]
  flatten()
  dense(1)
}
train Grid {
  data: csv("g.csv", label: "y", features: <|["a", "b", "c", "d", "e"]|>)
  loss: mse${rest}
}
train Grid {
  data: csv("g.csv", label: "y", features: ["a", "b", "c", "d", "e", "f"])
  loss: mse${rest}
}
model Tokens {
  input t: [5]
  embedding(10, 2)
  global_average_pooling1d()
  dense(1)
}
train Tokens {
  data: json("t.jsonl", label: "y", features: ["tokens"])
  loss: mse${rest}
}
train Tokens {
  data: csv("t.csv", label: "y", features: <|["tokens"]|>)
  loss: mse${rest}
}`);
    expect(found.map(([code, span]) => [code, span])).toEqual(marks.map((mark) => ["NN4029", mark]));
    expect(messages[0]).toBe("features lists 1 column, but input 'place' of model Place has shape [2], which takes 2");
    expect(messages[1]).toContain("lists 5 columns, but input 'g' of model Grid has shape [2, 3], which takes 6");
  });
});

describe("target: errors in one pass", () => {
  it("reports a shape that does not fit (NN4030) and labels given with it (NN4031) together", () => {
    const { found, marks } = check(`model Auto {
  input x: [4]
  dense(3)
}
train Auto {
  data: csv("a.csv", label: <|"y"|>)
  target: <|input|>
  loss: mse${rest}
}`);
    expect(found.map(([code, span]) => [code, span])).toEqual([
      ["NN4031", marks[0]],
      ["NN4030", marks[1]],
    ]);
  });
});

describe("did you mean", () => {
  it("prefers a name that holds the written one's parts to a closer misspelling", () => {
    const figures = ["loss", "kind_loss", "price_loss", "kind_accuracy", "val_loss", "val_kind_loss"];
    const all = [...figures, "val_price_loss", "val_kind_accuracy"];
    expect(closest("val_kind_acc", all)).toBe("val_kind_accuracy");
    expect(closest("val_accuracy", all)).toBe("val_kind_accuracy");
    // Misspellings still find their closest name, and a name far from all finds none.
    expect(closest("val_los", all)).toBe("val_loss");
    expect(closest("dens", ["dense", "dropout", "dense_features"])).toBe("dense");
    expect(closest("activaton", ["activation", "units"])).toBe("activation");
    expect(closest("xyz", all)).toBeUndefined();
    expect(closest("x", ["x_out", "h"])).toBeUndefined();
  });

  it("suggests the figure a callback meant to watch", () => {
    const { found, marks } = check(`${shop}train Shop {
  ${labels}
  ${perOutputLoss}
  metrics: { kind: [accuracy] }
  validation_split: 0.2
  callbacks: [early_stopping(monitor: <|"val_kind_acc"|>), early_stopping(monitor: <|"val_accuracy"|>)]${rest}
}`);
    expect(found.map(([code, , hint]) => [code, hint])).toEqual([
      ["NN2005", "did you mean 'val_kind_accuracy'?"],
      ["NN2005", "did you mean 'val_kind_accuracy'?"],
    ]);
    expect(found.map(([, span]) => span)).toEqual(marks);
  });

  it("suggests the block an unfrozen name misspells (NN4036)", () => {
    const { found, marks } = check(`model MyBase {
  input x: [2]
  dense(4)
}
model Top {
  input x: [2]
  x -> MyBase() -> dense(1)
}
train Top {
  data: csv("s.csv", label: "y")
  loss: mse
  fine_tune: fine_tune(1, 1e-3, unfreeze: [<|"MyBse"|>])${rest}
}`);
    expect(found).toEqual([["NN4036", marks[0], "did you mean 'MyBase'?"]]);
  });

  it("shows loss_weights keyed by the model's own outputs (NN4003)", () => {
    const { found, marks, messages } = check(`${shop}train Shop {
  ${labels}
  ${perOutputLoss}
  loss_weights: <|0.5|>${rest}
}`);
    expect(found.map(([code, span]) => [code, span])).toEqual([["NN4003", marks[0]]]);
    expect(messages[0]).toContain("{ kind: 1, price: 0.5 }");
  });
});
