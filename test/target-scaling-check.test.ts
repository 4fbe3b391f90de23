/**
 * `normalize_target: standard` against the losses and metrics it misleads (check/target-scaling.ts): poisson
 * and msle, whose targets must not be negative, are NN4041; mape, loss or metric, the lint NN5014; both at the
 * argument's value, and only for outputs trained on values (an output on labels is not scaled).
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const one = `model Fit {
  input x: [3]
  dense(1, activation: softplus)
}
`;
const shop = `model Shop {
  input x: [2]
  h = x -> dense(4)
  kind = h -> dense(3, activation: softmax)
  price = h -> dense(1, activation: softplus)
  output kind, price
}
`;

/** The codes nnc reports for `model` trained with `entries`, each with the text it points at, and the marks. */
function problems(model: string, name: string, entries: string) {
  const { text, spans } = marked(
    `${model}\ntrain ${name} {\n${entries}\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
  );
  const found = checkSource(text, "/tmp/spec.nn")
    .diagnostics.filter((d) => d.code === "NN4041" || d.code === "NN5014")
    .map((d) => [d.code, d.severity, text.slice(d.span.start, d.span.end)]);
  return { found, marks: spans.map((s) => text.slice(s.start, s.end)) };
}

const scaled = (at = "<|standard|>") => `  data: csv("f.csv", label: "y", normalize_target: ${at})`;

describe("normalize_target with a loss of non-negative targets", () => {
  it("is NN4041 at the argument for poisson and msle", () => {
    for (const loss of ["poisson", "msle", "mean_squared_logarithmic_error"]) {
      const { found, marks } = problems(one, "Fit", `${scaled()}\n  loss: ${loss}`);
      expect(found, loss).toEqual([["NN4041", "error", marks[0]]]);
    }
  });

  it("is no problem for the losses over values that take any sign, nor without normalize_target", () => {
    for (const loss of ["mse", "mae", "huber", "log_cosh"]) {
      expect(problems(one, "Fit", `${scaled()}\n  loss: ${loss}\n  metrics: [mae, rmse]`).found, loss).toEqual([]);
    }
    expect(problems(one, "Fit", `  data: csv("f.csv", label: "y")\n  loss: poisson\n  metrics: [mape]`).found).toEqual(
      [],
    );
  });

  it("looks at the outputs trained on values only", () => {
    const onValues = problems(
      shop,
      "Shop",
      `${scaled().replace('label: "y"', 'labels: { kind: "k", price: "p" }')}
  loss: { kind: categorical_crossentropy, price: poisson }`,
    );
    expect(onValues.found).toEqual([["NN4041", "error", onValues.marks[0]]]);
  });
});

describe("normalize_target with mape", () => {
  it("is the lint NN5014 at the argument, for the loss and for the metric", () => {
    for (const entries of ["  loss: mape", "  loss: mse\n  metrics: [mae, mean_absolute_percentage_error]"]) {
      const { found, marks } = problems(one, "Fit", `${scaled()}\n${entries}`);
      expect(found, entries).toEqual([["NN5014", "warning", marks[0]]]);
    }
  });

  it("is switched off by // nnc-allow NN5014, as any lint", () => {
    const { found } = problems(one, "Fit", `${scaled()} // nnc-allow NN5014\n  loss: mse\n  metrics: [mape]`);
    expect(found).toEqual([]);
  });
});
