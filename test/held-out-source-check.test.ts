/**
 * What `nnc check` says about `validation:` and `test:` beside `data:` (check/held-out-source.ts): another kind
 * of source (NN4056, at its name), a held-out text() vectorized otherwise (NN4057, at the argument), the
 * training file itself (NN4058, a warning). Each case marks where the diagnostic must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const text = (file: string, args = "") =>
  `text("${file}", text: "text", label: "label", max_tokens: 100, sequence_length: 20${args})`;

/** The held-out diagnostics (code, marked text, severity) of a text model trained on `data` with `extra` keys. */
function diagnostics(data: string, extra: string) {
  const { text: source, spans } = marked(
    `model M {\n  input tokens: [20] int32\n  embedding(100, 8)\n  global_average_pooling1d()\n  dense(1, activation: sigmoid)\n}\ntrain M {\n  data: ${data}\n${extra}\n  loss: binary_crossentropy\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
  );
  const result = checkSource(source, "/tmp/spec.nn");
  const shown = result.diagnostics.filter((d) => ["NN4056", "NN4057", "NN4058"].includes(d.code));
  return {
    found: shown.map((d) => [d.code, source.slice(d.span.start, d.span.end), d.severity]),
    marks: spans.map((s) => source.slice(s.start, s.end)),
  };
}

describe("held-out sources", () => {
  it("reads a held-out text() of the same settings, with its own columns, without a word", () => {
    const { found } = diagnostics(
      text("a.csv"),
      `  validation: text("b.csv", text: "body", label: "label", max_tokens: 100)`,
    );
    expect(found).toEqual([]);
  });

  it("NN4056 at the source's name for another kind than data:", () => {
    const { found, marks } = diagnostics(text("a.csv"), `  test: <|csv|>("t2.csv", label: "label")`);
    expect(found).toEqual([["NN4056", marks[0], "error"]]);
  });

  it("NN4057 at each vectorization argument that differs from data:'s", () => {
    const { found, marks } = diagnostics(
      text("a.csv"),
      `  validation: text("b.csv", text: "text", label: "label", max_tokens: <|10|>, split: <|character|>, ngrams: 1)`,
    );
    expect(found).toEqual([
      ["NN4057", marks[0], "error"],
      ["NN4057", marks[1], "error"],
    ]);
  });

  it("NN4058, a warning, for a test: that reads the training file", () => {
    const { found, marks } = diagnostics(text("a.csv"), `  test: <|${text("a.csv")}|>`);
    expect(found).toEqual([["NN4058", marks[0], "warning"]]);
  });
});
