/**
 * Lints that need the train block's data source: NN5016 (random_brightness or random_contrast with a
 * value_range past 1, Keras's default [0, 255], on images() or idx() pixels in [0, 1]) and NN5011 (a
 * rescaling(1 / 255) of those pixels); and NN5009 for a masked embedding read by global_average_pooling1d,
 * which tfjs 4.22 averages over the padding too. Marked spans (`<|...|>`) are where each must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const idx = 'idx("images.gz", "labels.gz")';
const images = 'images("photos", size: [28, 28], color: grayscale)';

/** [code, the text its span covers] of every diagnostic of a model on [28, 28, 1] trained on `data`. */
function check(body: string, data: string) {
  const { text, spans } = marked(
    `model M {\n  input x: [28, 28, 1]\n${body}\n  flatten()\n  dense(10, activation: softmax)\n}\n` +
      `train M {\n  data: ${data}\n  loss: categorical_crossentropy\n  optimizer: adam()\n  epochs: 1\n  batch_size: 8\n}\n`,
  );
  const result = checkSource(text, "/tmp/pixels.nn");
  return {
    found: result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    hints: result.diagnostics.map((d) => d.hint),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("NN5016: value_range against pixels in [0, 1]", () => {
  it("warns at random_brightness and random_contrast on Keras's default [0, 255], through other augmentations", () => {
    const { found, marks, hints } = check(
      "  <|random_brightness(0.2)|>\n  random_flip()\n  <|random_contrast(0.2, value_range: [0, 2])|>",
      images,
    );
    expect(found).toEqual([
      ["NN5016", marks[0]],
      ["NN5016", marks[1]],
    ]);
    expect(hints[0]).toBe("pass value_range: [0, 1]: images() already scales pixels to [0, 1]");
  });

  it("is quiet with value_range: [0, 1], after a rescaling, on idx(scale: false) and on csv data", () => {
    expect(check("  random_brightness(0.2, value_range: [0, 1])", images).found).toEqual([]);
    expect(check("  rescaling(255)\n  random_brightness(0.2)", idx).found).toEqual([]);
    expect(check("  random_brightness(0.2)", 'idx("i.gz", "l.gz", scale: false)').found).toEqual([]);
    expect(check("  random_brightness(0.2)", 'csv("pixels.csv", label: "y")').found).toEqual([]);
  });
});

describe("NN5011: rescaling(1 / 255) of pixels in [0, 1]", () => {
  it("warns at the rescaling, with the way out for each source", () => {
    const one = check("  <|rescaling(1.0 / 255)|>\n  random_brightness(0.2)", idx);
    expect(one.found).toEqual([["NN5011", one.marks[0]]]);
    expect(one.hints).toEqual([
      "idx() already scales pixels to [0, 1]: remove the rescaling, or pass scale: false to idx()",
    ]);
    const two = check("  random_flip()\n  <|rescaling(1 / 127.5, offset: -1)|>", images);
    expect(two.found).toEqual([["NN5011", two.marks[0]]]);
    expect(two.hints).toEqual(["images() already scales pixels to [0, 1]: remove the rescaling"]);
  });

  it("is quiet on a rescaling that does not shrink [0, 1] away, and after a trainable layer", () => {
    expect(check("  rescaling(2, offset: -1)", images).found).toEqual([]);
    expect(check("  conv2d(2, 3)\n  rescaling(1 / 255)", images).found).toEqual([]);
  });
});

describe("NN5009: a masked embedding averaged by global_average_pooling1d", () => {
  it("warns: tfjs 4.22 averages the padding in", () => {
    const { text, spans } = marked(
      "model M {\n  input ids: [6] int32\n  embedding(20, 4, mask_zero: true)\n  <|global_average_pooling1d()|>\n  dense(1)\n}\n",
    );
    const result = checkSource(text, "/tmp/masked.nn");
    expect(result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)])).toEqual([
      ["NN5009", text.slice(spans[0]!.start, spans[0]!.end)],
    ]);
    expect(result.diagnostics[0]!.message).toContain("averages the padding in");
  });

  it("is quiet without mask_zero, and on global_max_pooling1d", () => {
    for (const body of [
      "  embedding(20, 4)\n  global_average_pooling1d()",
      "  embedding(20, 4, mask_zero: true)\n  global_max_pooling1d()",
    ]) {
      const result = checkSource(`model M {\n  input ids: [6] int32\n${body}\n  dense(1)\n}\n`, "m.nn");
      expect(result.diagnostics).toEqual([]);
    }
  });
});
