/**
 * What `nnc check` says about a `text(...)` source for the model it feeds (check/text-source.ts): the input's
 * shape and dtype for each output mode (NN4053), an embedding reading the ids smaller than max_tokens (NN4054,
 * at max_tokens), per-batch padding that no mask_zero hides (NN4055, a warning), and the arguments' schema.
 * Each case marks where the diagnostic must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

/** The data diagnostics (code, marked text, severity) of a model of `input` and `body` trained on `data`. */
function diagnostics(input: string, body: string, data: string) {
  const { text, spans } = marked(
    `model M {\n  input tokens: ${input}\n${body}\n  dense(1, activation: sigmoid)\n}\ntrain M {\n  data: ${data}\n  loss: binary_crossentropy\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
  );
  const result = checkSource(text, "/tmp/spec.nn");
  // The data's diagnostics and the arguments' (the layers' own shapes and lints are other tests').
  const shown = result.diagnostics.filter((d) => d.code.startsWith("NN40") || d.code.startsWith("NN2"));
  return {
    found: shown.map((d) => [d.code, text.slice(d.span.start, d.span.end), d.severity]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
    hints: shown.map((d) => d.hint),
  };
}

const source = (args: string) => `text("t.csv", text: "text", label: "label", max_tokens: 100${args})`;
const embedded = "  embedding(100, 8, mask_zero: true)\n  global_max_pooling1d()";

describe("text(...) and the input it feeds", () => {
  it("takes [seq] int32 ids, or [sequence_length] int32 with sequence_length, and [max_tokens] vectors", () => {
    expect(diagnostics("[seq] int32", "  embedding(100, 8, mask_zero: true)\n  lstm(4)", source("")).found).toEqual([]);
    expect(diagnostics("[50] int32", embedded, source(", sequence_length: 50")).found).toEqual([]);
    expect(diagnostics("[seq] int32", embedded, source(", sequence_length: 50")).found).toEqual([]);
    for (const mode of ["multi_hot", "count", "tf_idf"])
      expect(diagnostics("[100]", "  dense(8)", source(`, output_mode: ${mode}`)).found).toEqual([]);
  });

  it("NN4053 at the source for an input the ids do not fit, at sequence_length for another length", () => {
    for (const [input, args, hint] of [
      ["[seq]", "", "declare the input as [seq] int32: input tokens: [seq] int32"],
      ["[50] int32", "", "give the source sequence_length: 50, or declare the input as [seq] int32"],
      ["[seq, 2] int32", "", "declare the input as [seq] int32: input tokens: [seq] int32"],
    ] as const) {
      const { text, spans } = marked(`<|${source(args)}|>`);
      const { found, hints } = diagnostics(input, embedded, text);
      expect(found).toEqual([["NN4053", text.slice(spans[0]!.start, spans[0]!.end), "error"]]);
      expect(hints).toEqual([hint]);
    }
    const { found, marks } = diagnostics("[40] int32", embedded, source(", sequence_length: <|50|>"));
    expect(found).toEqual([["NN4053", marks[0], "error"]]);
  });

  it("NN4053 for a vector mode on an input that is not [max_tokens], and tf_idf on int32", () => {
    const { found } = diagnostics("[99]", "  dense(8)", `<|${source(", output_mode: count")}|>`);
    expect(found.map((f) => f[0])).toEqual(["NN4053"]);
    const tfIdf = diagnostics("[100] int32", "  dense(8)", source(", output_mode: tf_idf"));
    expect(tfIdf.found.map((f) => f[0])).toEqual(["NN4053"]);
    expect(tfIdf.hints).toEqual(["declare the input as [100] (float32)"]);
  });

  it("NN2005 at sequence_length with another output_mode than int (Keras's ValueError)", () => {
    const { found, marks, hints } = diagnostics(
      "[100]",
      "  dense(8)",
      source(", sequence_length: <|20|>, output_mode: multi_hot"),
    );
    expect(found).toEqual([["NN2005", marks[0], "error"]]);
    expect(hints).toEqual(["leave sequence_length out, or use output_mode: int"]);
  });

  it("NN4053 for a float32 [seq] input names the dtype, not the length", () => {
    const result = checkSource(
      `model M {\n  input tokens: [seq]\n  embedding(100, 8, mask_zero: true)\n  lstm(4)\n  dense(1, activation: sigmoid)\n}\ntrain M {\n  data: ${source("")}\n  loss: binary_crossentropy\n  optimizer: adam\n  epochs: 1\n}\n`,
      "/tmp/spec.nn",
    );
    const nn4053 = result.diagnostics.find((d) => d.code === "NN4053");
    expect(nn4053?.message).toContain(
      "text(...) gives int32 token ids, but model 'M' takes input 'tokens' of shape [seq] float32",
    );
  });

  it("NN4054 at max_tokens when the embedding reading the ids is smaller", () => {
    const { text, spans } = marked(`text("t.csv", text: "text", label: "label", max_tokens: <|100|>)`);
    const { found, hints } = diagnostics("[seq] int32", "  embedding(99, 8, mask_zero: true)\n  lstm(4)", text);
    expect(found).toEqual([["NN4054", text.slice(spans[0]!.start, spans[0]!.end), "error"]]);
    expect(hints).toEqual(["raise its input_dim to 100, or lower max_tokens to 99"]);
  });

  it("NN4055, a warning, when per-batch padding reaches an embedding without mask_zero", () => {
    const { found } = diagnostics("[seq] int32", "  embedding(100, 8)\n  lstm(4)", source(""));
    expect(found).toEqual([["NN4055", source(""), "warning"]]);
    // A fixed sequence_length pads every text alike, as Keras's tutorials train without a mask.
    expect(
      diagnostics("[50] int32", "  embedding(100, 8)\n  global_max_pooling1d()", source(", sequence_length: 50")).found,
    ).toEqual([]);
  });

  it("checks the arguments: max_tokens and text are required, modes are Keras's", () => {
    const codes = (data: string) =>
      diagnostics("[seq] int32", "  embedding(100, 8, mask_zero: true)\n  lstm(4)", data).found.map((f) => f[0]);
    expect(codes(`text("t.csv", text: "text", label: "label")`)).not.toEqual([]);
    expect(codes(`text("t.csv", label: "label", max_tokens: 10)`)).not.toEqual([]);
    expect(codes(source(", output_mode: tfidf"))).not.toEqual([]);
    expect(codes(source(", ngrams: 6"))).not.toEqual([]);
    expect(codes(source(", split: whitespace, standardize: lower, ngrams: 2"))).toEqual([]);
  });

  it("NN4038 at text: when the text column is a label column", () => {
    const { found, marks } = diagnostics(
      "[seq] int32",
      "  embedding(100, 8, mask_zero: true)\n  lstm(4)",
      `text("t.csv", text: <|"label"|>, label: "label", max_tokens: 100)`,
    );
    expect(found).toEqual([["NN4038", marks[0], "error"]]);
  });
});
