/**
 * The augmentation layers at check time: Keras's argument ranges as located NN2005 errors, image inputs only
 * (NN3001), resizing's exclusive aspect-ratio options (NN3007), and the NN5015 lint for an augmentation after a
 * trainable layer (quiet when it reads the input, or only layers without weights). Marked spans (`<|...|>`) are
 * where each must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { kindsWith } from "../src/compiler/registry/index.js";
import { marked } from "./helpers/marked.js";

/** [code, the text its span covers] for every diagnostic, and the marked spans' texts. */
function check(body: string, input = "[8, 8, 1]") {
  const { text, spans } = marked(`model M {\n  input x: ${input}\n${body}\n}\n`);
  const result = checkSource(text, "/tmp/augment.nn");
  return {
    found: result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
    related: result.diagnostics.map((d) => (d.related ?? []).map((r) => text.slice(r.span.start, r.span.end))),
  };
}

describe("augmentation arguments", () => {
  it.each([
    ["random_rotation(<|1.5|>)"],
    ["random_rotation([0.1, <|-2|>])"],
    ["random_zoom(0.2, width_factor: <|-1.5|>)"],
    ["random_translation(0.1, <|[0.1, 0.2, 0.3]|>)"],
    ["random_contrast(<|-0.2|>)"],
    ["random_brightness(0.1, value_range: <|[0]|>)"],
    ["random_flip(<|diagonal|>)"],
    ["random_rotation(0.1, fill_mode: <|mirror|>)"],
    ["resizing(4, 4, interpolation: <|bicubic|>)"],
    ["resizing(4, 4, antialias: <|true|>)"],
    ["random_crop(<|0|>, 4)"],
    ["center_crop(4, width: <|-1|>)"],
  ])("%s is NN2005 at the argument", (call) => {
    const { found, marks } = check(`  y = x -> ${call}\n  output y`);
    expect(found).toEqual([["NN2005", marks[0]]]);
  });

  it("needs images [height, width, channels]", () => {
    const { found, marks } = check("  y = x -> <|random_flip()|>\n  output y", "[8, 8]");
    expect(found).toEqual([["NN3001", marks[0]]]);
    const resized = check("  y = x -> <|resizing(2, 2)|>\n  output y", "[4, 8, 8, 1]");
    expect(resized.found).toEqual([["NN3001", resized.marks[0]]]);
  });

  it("refuses resizing with both aspect-ratio options", () => {
    const { found, marks } = check(
      "  y = x -> resizing(4, 4, crop_to_aspect_ratio: true, pad_to_aspect_ratio: <|true|>)\n  output y",
    );
    expect(found).toEqual([["NN3007", marks[0]]]);
  });

  it("the random layers carry the augmentation trait, resizing and center_crop do not", () => {
    expect(kindsWith("augmentation").map((k) => k.name)).toEqual([
      "random_flip",
      "random_rotation",
      "random_zoom",
      "random_translation",
      "random_contrast",
      "random_brightness",
      "random_crop",
    ]);
  });
});

describe("NN5015: augmentation after a trainable layer", () => {
  it("warns at the augmentation, with the trainable layer as related", () => {
    const { found, marks, related } = check(
      "  <|conv2d(4, 3)|>\n  max_pooling2d(2)\n  <|random_rotation(0.1)|>\n  flatten()\n  dense(2)",
    );
    expect(found).toEqual([["NN5015", marks[1]]]);
    expect(related).toEqual([[marks[0]]]);
  });

  it("finds the trainable layer through a merge", () => {
    const { found, marks } = check(
      "  a = x -> dense(1)\n  b = x -> rescaling(2)\n  s = add(a, b) -> <|random_crop(4, 4)|>\n  output s",
    );
    expect(found).toEqual([["NN5015", marks[0]]]);
  });

  it("checks every use of a shared augmentation, and a shared trainable layer's later use", () => {
    const { found } = check(
      "  layer aug = random_flip(horizontal)\n  layer conv = conv2d(2, 3)\n" +
        "  a = x -> aug -> conv\n  b = x -> conv -> aug\n  output a, b",
    );
    expect(found.map(([code]) => code)).toEqual(["NN5015"]);
  });

  it("an augmentation pipeline (augmentations only) is not dropout at the end (NN5003)", () => {
    expect(check("  random_flip()\n  random_rotation(0.1)").found).toEqual([]);
    expect(check("  flatten()\n  <|dropout(0.5)|>").found.map(([code]) => code)).toEqual(["NN5003"]);
  });

  it("is quiet on augmentations of the input, after layers without weights, and on resizing", () => {
    const { found } = check(
      "  rescaling(1 / 255)\n  random_flip(horizontal)\n  random_zoom(0.1)\n  conv2d(4, 3)\n  resizing(4, 4)\n" +
        "  center_crop(2, 2)\n  flatten()\n  dense(2)",
    );
    expect(found).toEqual([]);
  });
});
