/**
 * Keras's arguments mean what Keras means (issue 12): causal padding and dilations with Keras's shape rules,
 * `data_format`, batch normalization without `center` or `scale`, dropout's `noise_shape`, and arithmetic on
 * decimals in arguments. The checker's side; what the runtime builds is keras-arguments-runtime.test.ts.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { lookupLayer } from "../src/compiler/registry/layers/index.js";
import { argumentSchemas, enumValues } from "../src/lsp/callables.js";
import { marked } from "./helpers/marked.js";

/** The errors of a spec, as [code, text of the span], and the texts of the marked spans. */
function check(source: string) {
  const { text, spans } = marked(source);
  const result = checkSource(text, "keras.nn");
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  return {
    result,
    found: errors.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

/** The output shape and parameter counts of the one layer of `model M { input x: INPUT; CALL }`. */
function layer(input: string, call: string) {
  const { result, found } = check(`model M {\n  input x: ${input}\n  ${call}\n}`);
  expect(found).toEqual([]);
  const [ir] = result.program!.models[0]!.layers;
  return { shape: ir!.outputShapes[0], params: ir!.params, tfjs: ir!.tfjs };
}

describe("conv1d(padding: causal) has Keras's shapes", () => {
  // Keras: the input is left-padded by dilation_rate * (kernel_size - 1), then convolved `valid`, so the length
  // is ceil(steps / strides); the weights are one Conv1D's.
  const cases: [steps: number, kernel: number, dilation: number, strides: number][] = [
    [10, 2, 4, 1],
    [10, 3, 1, 2],
    [7, 5, 1, 3],
    [5, 3, 2, 1],
    [1, 4, 3, 1],
  ];
  for (const [steps, kernel, dilation, strides] of cases) {
    it(`steps ${steps}, kernel ${kernel}, dilation ${dilation}, strides ${strides}`, () => {
      const call = `conv1d(6, ${kernel}, strides: ${strides}, padding: causal, dilation_rate: ${dilation})`;
      const { shape, params, tfjs } = layer(`[${steps}, 3]`, call);
      expect(shape).toEqual([Math.ceil(steps / strides), 6]);
      expect(params).toEqual({ trainable: kernel * 3 * 6 + 6, nonTrainable: 0 });
      expect(tfjs).toMatchObject({ namespace: "nnc", factory: "conv1d", config: { padding: "causal" } });
    });
  }

  it("keeps a symbolic length and is tfjs's own layer when not causal and not dilated", () => {
    expect(layer("[seq, 3]", "conv1d(4, 3, padding: causal)").shape).toEqual(["seq", 4]);
    expect(layer("[9, 3]", "conv1d(4, 3)").tfjs.namespace).toBeUndefined();
  });

  it("is refused on conv2d, where Keras has no causal padding", () => {
    const { found, marks } = check("model M {\n  input x: [5, 5, 1]\n  conv2d(4, 3, padding: <|causal|>)\n}");
    expect(found).toEqual([["NN2005", marks[0]]]);
  });
});

describe("dilation_rate with Keras's effective kernel d * (k - 1) + 1", () => {
  it("on conv2d, separable_conv2d and depthwise_conv2d, built by nnc's runtime", () => {
    expect(layer("[12, 12, 3]", "conv2d(4, 3, dilation_rate: 2)")).toMatchObject({
      shape: [8, 8, 4],
      params: { trainable: 3 * 3 * 3 * 4 + 4, nonTrainable: 0 },
      tfjs: { namespace: "nnc", factory: "conv2d" },
    });
    expect(layer("[12, 12, 3]", "separable_conv2d(4, 3, dilation_rate: [3, 1])").shape).toEqual([6, 10, 4]);
    expect(layer("[12, 12, 3]", "depthwise_conv2d(3, dilation_rate: 2, depth_multiplier: 2)")).toMatchObject({
      shape: [8, 8, 6],
      params: { trainable: 3 * 3 * 6 + 6, nonTrainable: 0 },
      tfjs: { namespace: "nnc", factory: "depthwiseConv2d" },
    });
  });

  it("on conv2d_transpose: length * strides + max(d * (k - 1) + 1 - strides, 0), as Keras's deconv_output_length", () => {
    expect(layer("[5, 5, 1]", "conv2d_transpose(4, 3, dilation_rate: 2)")).toMatchObject({
      shape: [9, 9, 4],
      params: { trainable: 3 * 3 * 4 * 1 + 4, nonTrainable: 0 },
      tfjs: { namespace: "nnc", factory: "conv2dTranspose" },
    });
    expect(layer("[5, 6, 1]", "conv2d_transpose(4, 3, dilation_rate: [1, 3], padding: same)").shape).toEqual([5, 6, 4]);
    expect(layer("[5, 5, 1]", "conv2d_transpose(4, 3, dilation_rate: 1)").tfjs.namespace).toBeUndefined();
  });

  it("is NN3007 with strides above 1 too, as in Keras", () => {
    for (const kind of ["conv1d(4, 3,", "conv2d(4, 3,", "conv2d_transpose(4, 3,", "depthwise_conv2d(3,"]) {
      const input = kind.startsWith("conv1d") ? "[9, 1]" : "[9, 9, 1]";
      const { found, marks } = check(`model M {\n  input x: ${input}\n  ${kind} strides: 2, dilation_rate: <|2|>)\n}`);
      expect(found, kind).toEqual([["NN3007", marks[0]]]);
    }
  });
});

describe("data_format", () => {
  const kinds = [
    "conv1d(2, 2)",
    "max_pooling1d()",
    "average_pooling1d()",
    "global_max_pooling1d()",
    "global_average_pooling1d()",
  ];
  const images = [
    "conv2d(2, 2)",
    "separable_conv2d(2, 2)",
    "depthwise_conv2d(2)",
    "conv2d_transpose(2, 2)",
    "max_pooling2d()",
    "average_pooling2d()",
    "global_max_pooling2d()",
    "global_average_pooling2d()",
    "up_sampling2d()",
    "zero_padding2d()",
    "cropping2d(1)",
    "flatten()",
    "spatial_dropout2d(0.1)",
  ];
  const withFormat = (call: string, format: string) =>
    call.replace(/\)$/, (m) => `${/\(\)$/.test(call) ? "" : ", "}data_format: ${format}${m}`);

  it("channels_last is accepted on each of Keras's kinds and changes nothing", () => {
    for (const [input, calls] of [
      ["[6, 3]", kinds],
      ["[6, 6, 3]", images],
    ] as const) {
      for (const call of calls) {
        expect(layer(input, withFormat(call, "channels_last")), call).toEqual(layer(input, call));
      }
    }
  });

  it("channels_last is what completion offers after data_format:", () => {
    for (const kind of ["conv2d", "flatten", "max_pooling1d", "spatial_dropout2d"]) {
      expect(enumValues(argumentSchemas(lookupLayer(kind)!)["data_format"]), kind).toEqual(["channels_last"]);
    }
  });

  it("channels_first is NN2005 at its value, with what to do instead", () => {
    for (const call of [...kinds, ...images]) {
      const { found, marks, result } = check(
        `model M {\n  input x: [6, 6, 3]\n  ${withFormat(call, "<|channels_first|>")}\n}`,
      );
      expect(found[0], call).toEqual(["NN2005", marks[0]]);
      expect(result.diagnostics[0]!.message).toMatch(/channels-last.*permute/);
    }
  });
});

describe("batch_normalization without center or scale", () => {
  it("counts Keras's weights: scale: false drops gamma, center: false beta", () => {
    expect(layer("[8, 8, 16]", "batch_normalization(scale: false)").params).toEqual({
      trainable: 16,
      nonTrainable: 32,
    });
    expect(layer("[16]", "batch_normalization(center: false, scale: false)").params).toEqual({
      trainable: 0,
      nonTrainable: 32,
    });
  });

  it("is nnc's runtime layer, for those, along any axis, and frozen or not (tfjs's ignores trainable)", () => {
    for (const call of ["center: false", "axis: 1", "axis: -2", "", "axis: 2", "trainable: false"]) {
      expect(layer("[4, 3]", `batch_normalization(${call})`).tfjs, call).toMatchObject({ namespace: "nnc" });
    }
  });
});

describe("dropout(noise_shape:), Keras's form with the batch first", () => {
  it("takes ? or 1 for the batch, and 1, ? or the input's size on each axis", () => {
    const { tfjs } = layer("[4, 4, 3]", "dropout(0.2, noise_shape: [?, 1, 1, 3])");
    expect(tfjs.config).toMatchObject({ rate: 0.2, noiseShape: [null, 1, 1, 3] });
    expect(layer("[seq, 3]", "dropout(0.2, [1, ?, 1])").shape).toEqual(["seq", 3]);
  });

  it("is NN3007 at the argument otherwise", () => {
    const { found, marks } = check(`model M {
      input x: [4, 4, 3]
      a = x -> dropout(0.2, noise_shape: <|[1, 1, 3]|>)
      b = x -> dropout(0.2, noise_shape: <|[8, 1, 1, 3]|>)
      c = x -> dropout(0.2, noise_shape: <|[?, 2, 1, 3]|>)
      output a
    }`);
    expect(found).toEqual(marks.map((m) => ["NN3007", m]));
  });

  it("says where the batch goes when it is left out", () => {
    const { result } = check("model M {\n  input x: [4, 4, 3]\n  dropout(0.2, noise_shape: [1, 1, 3])\n}");
    expect(result.diagnostics[0]!.hint).toContain("[?, 1, 1, 3]");
  });
});

describe("arithmetic on decimals in arguments", () => {
  it("gives decimals where an argument takes a number", () => {
    expect(layer("[4]", "rescaling(1 / 255)").tfjs.config).toMatchObject({ scale: 1 / 255 });
    expect(layer("[4]", "dropout(0.1 * 2 + 1 / 10)").tfjs.config).toMatchObject({ rate: 0.1 * 2 + 1 / 10 });
    expect(layer("[4]", "rescaling(1 / 127.5, offset: -1)").tfjs.config).toMatchObject({ scale: 1 / 127.5 });
  });

  it("gives whole numbers where they divide evenly, and refuses the rest where an integer is required", () => {
    expect(layer("[4]", "dense(64 / 2)").shape).toEqual([32]);
    expect(layer("[4]", "dense(0.5 * 64)").shape).toEqual([32]);
    const { found, marks, result } = check("model M {\n  input x: [4]\n  dense(<|64 / 3|>)\n}");
    expect(found).toEqual([["NN2005", marks[0]]]);
    expect(result.diagnostics[0]!.message).toContain("must be an integer, got 21.33");
  });

  it("refuses a result too large to be a number (NN2019), never passing it on as null", () => {
    const { found, marks, result } = check(
      "model M {\n  input x: [4]\n  dense(<|1e308 * 10|>)\n  dropout(<|-1e308 - 1e308|>)\n}",
    );
    expect(found).toEqual(marks.map((m) => ["NN2019", m]));
    expect(result.diagnostics[0]!.message).toContain("too large");
  });

  it("still refuses a division by zero and a size divided with a remainder (NN2019)", () => {
    const { found, marks } = check(`model M {
      input x: [seq, 4]
      a = x -> dropout(<|1 / 0|>)
      input y: [<|seq / 2|>]
      output a
    }`);
    expect(found).toEqual(marks.map((m) => ["NN2019", m]));
  });
});
