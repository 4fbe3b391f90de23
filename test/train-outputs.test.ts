/**
 * Per-output train settings (`loss: { kind: ..., price: ... }`, `metrics`, `loss_weights`, a list in output
 * order), the figures callbacks may watch, and NN4025 (binary_crossentropy over several units with one label
 * per example). Marked spans (`<|...|>`) are where each diagnostic must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { dataSources } from "../src/compiler/registry/data-sources.js";
import * as options from "../src/compiler/registry/train-options.js";
import { marked } from "./helpers/marked.js";

const file = "/specs/house.nn";
const house = `model House {
  input x: [8]
  h = x -> dense(16) -> relu()
  kind = h -> dense(3) -> softmax()
  price = h -> dense(1)
  output kind, price
}
`;
const rest = `
  optimizer: adam
  epochs: 5
  batch_size: 16`;
/** A train block's data and required keys but the loss; a label column per output named. */
const data = (...outputs: string[]) =>
  `\n  data: csv("data/houses.csv", ${
    outputs.length > 1 ? `labels: { ${outputs.map((o) => `${o}: "${o}"`).join(", ")} }` : `label: "${outputs[0]}"`
  })${rest}`;
const common = data("kind", "price");
const one = data("y");

function check(source: string) {
  const { text, spans } = marked(source);
  const result = checkSource(text, file);
  return {
    result,
    found: result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    hints: result.diagnostics.map((d) => d.hint),
    messages: result.diagnostics.map((d) => d.message),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("per-output settings", () => {
  it("turns the language's example into IrTrain keyed by output name", () => {
    const { result } = check(`${house}train House {${common}
  loss: { kind: categorical_crossentropy, price: mse }
  loss_weights: { kind: 1, price: 0.5 }
  metrics: { kind: [accuracy], price: [mae] }
  validation_split: 0.2
  callbacks: [early_stopping(monitor: val_kind_accuracy), model_checkpoint(monitor: price_loss)]
  lr_schedule: reduce_on_plateau(monitor: "val_price_mae")
}`);
    expect(result.diagnostics).toEqual([]);
    expect(result.program!.trains[0]).toMatchObject({
      outputs: ["kind", "price"],
      loss: { kind: "categorical_crossentropy", price: "mse" },
      lossWeights: { kind: 1, price: 0.5 },
      metrics: { kind: ["accuracy"], price: ["mae"] },
    });
  });

  it("takes a list of losses in output order, and one loss for every output", () => {
    const listed = check(`${house}train House {${common}
  loss: [categorical_crossentropy, "mse"]
  loss_weights: [2, 1]
}`);
    expect(listed.result.diagnostics).toEqual([]);
    expect(listed.result.program!.trains[0]).toMatchObject({
      loss: { kind: "categorical_crossentropy", price: "mse" },
      lossWeights: { kind: 2, price: 1 },
    });
    const nestedFine = check(
      `${house}train House {${common}\n  loss: [categorical_crossentropy, mse]\n  metrics: [[accuracy, auc], [mae]]\n}`,
    );
    expect(nestedFine.result.diagnostics).toEqual([]);
    expect(nestedFine.result.program!.trains[0]!.metrics).toEqual({ kind: ["accuracy", "auc"], price: ["mae"] });
    const nested = check(`${house}train House {${common}
  loss: mse
  metrics: <|[[accuracy]]|>
}`);
    expect(nested.found).toEqual([["NN4003", nested.marks[0]]]);
    expect(nested.result.diagnostics).toHaveLength(1);
    const once = check(`${house}train House {${common}\n  loss: mse\n  metrics: [mae]\n}`);
    expect(once.result.diagnostics).toEqual([]);
    expect(once.result.program!.trains[0]).toMatchObject({ loss: "mse", metrics: ["mae"] });
  });

  it("reports an output without a loss at the map, naming it", () => {
    const { found, marks, messages } = check(`${house}train House {${common}
  loss: <|{ kind: categorical_crossentropy }|>
}`);
    expect(found).toEqual([["NN4024", marks[0]]]);
    expect(messages[0]).toContain("'price'");
  });

  it("reports a key that is not an output at the key, with the outputs and a did-you-mean", () => {
    const { found, marks, hints, messages } = check(`${house}train House {${common}
  loss: { kind: categorical_crossentropy, price: mse, <|prices|>: mse }
  metrics: { <|knd|>: [accuracy] }
  loss_weights: { kind: 1, <|cost|>: 2 }
}`);
    expect(found).toEqual([
      ["NN4023", marks[0]],
      ["NN4023", marks[1]],
      ["NN4023", marks[2]],
    ]);
    expect(hints.slice(0, 2)).toEqual(["did you mean 'price'?", "did you mean 'kind'?"]);
    expect(messages[0]).toContain("kind, price");
  });

  it("refuses a map or a list on a model of one output", () => {
    const oneOutput = `model One {\n  input x: [4]\n  y = x -> dense(1)\n  output y\n}\n`;
    const { found, marks } = check(`${oneOutput}train One {${one}
  loss: <|{ y: mse }|>
}
train One {${one}
  loss: mse
  loss_weights: <|{ y: 1 }|>
  metrics: <|{ y: [mae] }|>
}
train One {${one}
  loss: <|[mse]|>
}`);
    expect(found).toEqual([
      ["NN4022", marks[0]],
      ["NN4022", marks[1]],
      ["NN4022", marks[2]],
      ["NN4003", marks[3]],
    ]);
  });

  it("refuses weights that are not above 0 and lists of the wrong length", () => {
    const { found, marks } = check(`${house}train House {${common}
  loss: <|[mse]|>
  loss_weights: { kind: <|0|>, price: <|-1|> }
}
train House {${common}
  loss: mse
  loss_weights: <|0.5|>
}`);
    expect(found).toEqual([
      ["NN4003", marks[0]],
      ["NN4003", marks[1]],
      ["NN4003", marks[2]],
      ["NN4003", marks[3]],
    ]);
  });

  it("checks each per-output name against the table, with every valid name and a did-you-mean", () => {
    const { found, marks, hints, messages } = check(`${house}train House {${common}
  loss: { kind: <|categorical_crossentropi|>, price: mse }
  metrics: { price: [<|maee|>] }
}`);
    expect(found).toEqual([
      ["NN4004", marks[0]],
      ["NN4004", marks[1]],
    ]);
    expect(hints).toEqual(["did you mean 'categorical_crossentropy'?", "did you mean 'mae'?"]);
    expect(messages[0]).toContain("huber");
    expect(messages[1]).toContain("root_mean_squared_error");
  });

  it("lets callbacks watch only figures of the outputs, named as Keras names them", () => {
    const { found, marks, messages } = check(`${house}train House {${common}
  loss: { kind: categorical_crossentropy, price: mse }
  metrics: { kind: [accuracy] }
  validation_split: 0.2
  callbacks: [early_stopping(monitor: <|"val_price_accuracy"|>), early_stopping(monitor: <|"accuracy"|>)]
}`);
    expect(found).toEqual([
      ["NN2005", marks[0]],
      ["NN2005", marks[1]],
    ]);
    expect(messages[0]).toContain("loss, kind_loss, price_loss, kind_accuracy, val_loss");
  });
});

describe("NN4025: binary_crossentropy over several units with one label per example", () => {
  const model = (activation: string) => `model M {\n  input x: [4]\n  <|dense(4, activation: ${activation})|>\n}\n`;
  for (const activation of ["sigmoid", "softmax"]) {
    it(`is an error at the loss for ${activation}(4) on csv data, pointing at the layer`, () => {
      const { found, marks, result } = check(`${model(activation)}train M {${data("kind")}
  loss: <|binary_crossentropy|>
}`);
      expect(found).toEqual([["NN4025", marks[1]]]);
      expect(result.diagnostics[0]!.related?.[0]?.span).toEqual(expect.objectContaining({ start: expect.any(Number) }));
    });
  }

  it("is no error on npy data, whose targets may be multi-hot, nor for one unit", () => {
    const npy = check(`model M {\n  input x: [4]\n  dense(4, activation: sigmoid)\n}\ntrain M {
  data: npy("x.npy", "y.npy")
  loss: binary_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 4
}`);
    expect(npy.found).toEqual([]);
    const one = check(`model M {\n  input x: [4]\n  dense(1, activation: sigmoid)\n}\ntrain M {${data("kind")}
  loss: binary_crossentropy
}`);
    expect(one.found).toEqual([]);
  });

  it("is reported for the one output of several that has it, at its loss", () => {
    const { found, marks } = check(`model Two {
  input x: [4]
  a = x -> dense(3, activation: sigmoid)
  b = x -> dense(1)
  output a, b
}
train Two {${data("a", "b")}
  loss: { a: <|binary_crossentropy|>, b: mse }
}`);
    expect(found).toEqual([["NN4025", marks[0]]]);
  });
});

describe("each output's activation against its own loss", () => {
  it("warns NN5001 at the output whose activation does not fit its loss, not at the others", () => {
    const { found, marks } = check(`model Two {
  input x: [4]
  a = x -> dense(3, activation: softmax)
  b = x -> <|dense(3, activation: sigmoid)|>
  c = x -> <|dense(2)|>
  output a, b, c
}
train Two {${data("a", "b", "c")}
  loss: { a: categorical_crossentropy, b: categorical_crossentropy, c: sparse_categorical_crossentropy }
}
train Two {${data("a", "b", "c")}
  loss: [categorical_crossentropy, mse, mse]
}`);
    expect(found).toEqual([
      ["NN5001", marks[0]],
      ["NN5001", marks[1]],
    ]);
  });
});

describe("NN4004", () => {
  const cases: [string, string, Readonly<Record<string, unknown>>][] = [
    ["loss", "loss: <|mse2|>", options.losses],
    ["metric", "loss: mse\n  metrics: [<|maee|>]", options.metrics],
    ["optimizer", "loss: mse\n  optimizer: <|adamm|>", options.optimizers],
    ["schedule", "loss: mse\n  lr_schedule: <|cosine_decai|>(10)", options.schedules],
    ["callback", "loss: mse\n  callbacks: <|early_stoping|>()", options.callbacks],
  ];
  for (const [what, entry, table] of cases) {
    it(`names every known ${what} and the closest one`, () => {
      const body = `  data: csv("d.csv", label: "y")\n  ${entry}\n  epochs: 1\n  batch_size: 1`;
      const withOptimizer = entry.includes("optimizer") ? body : `${body}\n  optimizer: adam`;
      const { found, marks, messages, hints } = check(
        `model M {\n  input x: [4]\n  dense(1)\n}\ntrain M {\n${withOptimizer}\n}`,
      );
      expect(found).toEqual([["NN4004", marks[0]]]);
      expect(messages[0]).toContain(`(known: ${Object.keys(table).join(", ")})`);
      expect(hints[0]).toMatch(/^did you mean '.+'\?$/);
    });
  }

  it("names every known data source", () => {
    const { found, messages } = check(
      `model M {\n  input x: [4]\n  dense(1)\n}\ntrain M {\n  data: cvs("d.csv", label: "y")\n  loss: mse${rest}\n}`,
    );
    expect(found.map(([code]) => code)).toEqual(["NN4004"]);
    expect(messages[0]).toContain(`(known: ${Object.keys(dataSources).join(", ")})`);
  });
});

describe("figures and their direction", () => {
  it("names each output's loss and metrics as Keras does, and plain names for one output", () => {
    expect(options.figureNames(["kind", "price"], { kind: ["accuracy"], price: ["mae", "r2"] })).toEqual([
      ...["loss", "kind_loss", "price_loss", "kind_accuracy", "price_mae", "price_r2"],
    ]);
    expect(options.figureNames(["a", "b"], ["auc"])).toEqual(["loss", "a_loss", "b_loss", "a_auc", "b_auc"]);
    expect(options.figureNames(undefined, ["precision"])).toEqual(["loss", "precision"]);
    expect(options.figureNames(["y"], ["mae"])).toEqual(["loss", "mae"]);
  });

  it("is Keras's auto mode by the metric a figure's name ends with", () => {
    const higher = ["accuracy", "val_kind_accuracy", "precision", "recall", "val_auc", "price_r2", "x_binary_accuracy"];
    const lower = [
      "loss",
      "val_loss",
      "kind_loss",
      "accuracy_loss",
      "layer2_loss",
      "price_rmse",
      "mae",
      "val_mse",
      "r2_mae",
    ];
    for (const figure of higher) expect(options.higherIsBetter(figure), figure).toBe(true);
    for (const figure of lower) expect(options.higherIsBetter(figure), figure).toBe(false);
  });
});

describe("NN4026: a metric whose targets do not fit its output's", () => {
  const model = `model M {\n  input x: [4]\n  dense(3, activation: softmax)\n}\n`;
  it("refuses precision, recall and auc on class indices, and the sparse crossentropy metric on one-hot targets", () => {
    const { found, marks } = check(`${model}train M {${data("kind")}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy, <|precision|>, <|"auc"|>, mse]
}
train M {${data("kind")}
  loss: categorical_crossentropy
  metrics: [precision, <|sparse_categorical_crossentropy|>]
}`);
    expect(found).toEqual([
      ["NN4026", marks[0]],
      ["NN4026", marks[1]],
      ["NN4026", marks[2]],
    ]);
  });

  it("points at the metric of the output that has it", () => {
    const { found, marks } = check(`model Two {
  input x: [4]
  a = x -> dense(3, activation: softmax)
  b = x -> dense(3, activation: softmax)
  output a, b
}
train Two {${data("a", "b")}
  loss: [categorical_crossentropy, sparse_categorical_crossentropy]
  metrics: { a: [recall], b: [accuracy, <|recall|>] }
}
train Two {${data("a", "b")}
  loss: [categorical_crossentropy, sparse_categorical_crossentropy]
  metrics: [[auc], [<|auc|>]]
}`);
    expect(found).toEqual([
      ["NN4026", marks[0]],
      ["NN4026", marks[1]],
    ]);
  });
});

describe("NN4027: a loss over classes on an output of one unit", () => {
  it("is an error at the loss for the sparse crossentropy on any data, and the one-hot losses on labels", () => {
    const model = `model M {\n  input x: [4]\n  dense(1, activation: sigmoid)\n}\n`;
    const { found, marks } = check(`${model}train M {${data("kind")}
  loss: <|sparse_categorical_crossentropy|>
}
train M {${data("kind")}
  loss: <|categorical_crossentropy|>
}
train M {
  data: npy("x.npy", "y.npy")
  loss: <|sparse_categorical_crossentropy|>${rest}
}
train M {
  data: npy("x.npy", "y.npy")
  loss: categorical_crossentropy${rest}
}
train M {${data("kind")}
  loss: binary_crossentropy
}`);
    expect(found.filter(([code]) => code !== "NN5001")).toEqual([
      ["NN4027", marks[0]],
      ["NN4027", marks[1]],
      ["NN4027", marks[2]],
    ]);
  });
});
