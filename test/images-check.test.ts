/**
 * What `nnc check` says about an images() source without opening its folder (check/image-source.ts): size and
 * color default to the model's image input, and NN4047 marks the argument that disagrees with it, or the
 * call when the model has no single [h, w, c] input. Each case marks where the error must point.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const convnet = (input: string) =>
  `model Net {\n  input ${input}\n  ${input.includes("?") ? "global_average_pooling2d()" : input.includes(",") ? "flatten()" : "dense(4)"}\n  dense(3, activation: softmax)\n}\n`;
const pair = `model Pair {
  input a: [8, 8, 1]
  input b: [8, 8, 1]
  concatenate(a, b) -> flatten() -> dense(3, activation: softmax)
}
`;

function check(model: string, data: string) {
  const { text, spans } = marked(
    `${model}train ${model.includes("Pair") ? "Pair" : "Net"} {\n  data: ${data}\n  loss: sparse_categorical_crossentropy\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
  );
  const result = checkSource(text, "/tmp/spec.nn");
  return {
    found: result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => [d.code, text.slice(d.span.start, d.span.end), d.hint]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
    data: result.program?.trains[0]?.data,
  };
}

describe("images() at compile time", () => {
  it("NN4051: an example of more values than the limit, at size: or at images", () => {
    const fromInput = check(convnet("image: [4097, 4096, 1]"), '<|images|>("photos")');
    expect(fromInput.found.map((f) => f.slice(0, 2))).toEqual([["NN4051", "images"]]);
    const fromSize = check(convnet("image: [?, ?, 3]"), 'images("photos", size: <|[65535, 65535]|>, color: rgb)');
    expect(fromSize.found.map((f) => f.slice(0, 2))).toEqual([["NN4051", "[65535, 65535]"]]);
    expect(check(convnet("image: [4096, 4096, 1]"), 'images("photos")').found).toEqual([]);
  });

  it("takes size and color from the model's input, and keras's defaults for the rest", () => {
    for (const [input, color] of [
      ["image: [28, 28, 1]", "grayscale"],
      ["image: [32, 24, 3]", "rgb"],
      ["image: [32, 24, 4]", "rgba"],
    ] as const) {
      const { found, data } = check(convnet(input), 'images("photos")');
      expect(found).toEqual([]);
      const [h, w] = input.match(/\d+/g)!.map(Number);
      expect(data!.args).toEqual({
        path: "/tmp/photos",
        size: [h, w],
        color,
        interpolation: "bilinear",
        crop_to_aspect_ratio: false,
        corrupt: "error",
      });
    }
  });

  it("keeps what is written when it agrees with the input", () => {
    const { found, data } = check(
      convnet("image: [16, 16, 3]"),
      'images("p", size: [16, 16], color: rgb, interpolation: nearest, class_names: ["b", "a"], corrupt: skip)',
    );
    expect(found).toEqual([]);
    expect(data!.args["class_names"]).toEqual(["b", "a"]);
    expect(data!.args["interpolation"]).toBe("nearest");
  });

  it("a size or color the input disagrees with is NN4047 at the argument, with the value that fits", () => {
    const size = check(convnet("image: [28, 28, 1]"), 'images("p", size: <|[32, 32]|>)');
    expect(size.found).toEqual([["NN4047", size.marks[0], "size: [28, 28], or leave size: out to take the input's"]]);
    const color = check(convnet("image: [28, 28, 1]"), 'images("p", color: <|rgb|>)');
    expect(color.found).toEqual([
      ["NN4047", color.marks[0], "color: grayscale, or leave color: out to take the input's"],
    ]);
  });

  it("an input that is not an image, or several inputs, is NN4047 at the call", () => {
    const flat = check(convnet("x: [784]"), '<|images|>("p")');
    expect(flat.found.map((f) => f.slice(0, 2))).toEqual([["NN4047", flat.marks[0]]]);
    const two = check(pair, '<|images|>("p")');
    expect(two.found.map((f) => f.slice(0, 2))).toEqual([["NN4047", two.marks[0]]]);
    const channels = check(convnet("image: [8, 8, 2]"), '<|images|>("p")');
    expect(channels.found).toEqual([["NN4047", channels.marks[0], "give the input 1, 3 or 4 channels"]]);
  });

  it("an input of unknown size needs size:", () => {
    const unknown = check(convnet("image: [?, ?, 3]"), '<|images|>("p")');
    expect(unknown.found.map((f) => f.slice(0, 2))).toEqual([["NN4047", unknown.marks[0]]]);
    expect(check(convnet("image: [?, ?, 3]"), 'images("p", size: [40, 30])').found).toEqual([]);
  });

  it("a loss over values is NN4047 at the call: a folder labels images with classes", () => {
    const { text, spans } = marked(
      `${convnet("image: [8, 8, 1]")}train Net {\n  data: <|images|>("p")\n  loss: mse\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
    );
    const found = checkSource(text, "/tmp/spec.nn").diagnostics.filter((d) => d.severity === "error");
    expect(found.map((d) => [d.code, text.slice(d.span.start, d.span.end)])).toEqual([
      ["NN4047", text.slice(spans[0]!.start, spans[0]!.end)],
    ]);
    const autoencoder = checkSource(
      `model Auto {\n  input image: [8, 8, 1]\n  conv2d(1, 3, padding: same)\n}\ntrain Auto {\n  data: images("p")\n  target: input\n  loss: mse\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`,
      "/tmp/spec.nn",
    );
    expect(autoencoder.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("bad argument values are the schema's errors", () => {
    const { found } = check(convnet("image: [8, 8, 1]"), 'images("p", color: <|cmyk|>)');
    expect(found.map((f) => f[0])).toEqual(["NN2005"]);
  });
});
