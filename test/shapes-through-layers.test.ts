/**
 * Whole models with symbolic sizes, checked with checkSource and built with tfjs, whose sizes are null where
 * nnc has a symbol. tfjs is the oracle where it can tell: a size it knows must be nnc's, and running the model
 * on data must give, at each layer, nnc's size at those values. What nnc cannot prove is an error at the
 * expression. The algebra of sizes itself is in shapes.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import type { IrModel, Shape } from "../src/compiler/ir/index.js";
import { dimValue } from "../src/compiler/ir/shapes.js";
import { buildModel, initBackend } from "../src/runtime/index.js";
import { marked } from "./helpers/marked.js";

beforeAll(async () => {
  await initBackend();
});

/** Values of the symbols: `{ seq: 5 }`. */
type Values = Record<string, number>;

/** Checks a model that must be valid and returns its IR. */
function checked(source: string): IrModel {
  const result = checkSource(source, "shapes.nn");
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models[0]!;
}

/**
 * Builds the model with tfjs (symbolic sizes become null) and compares every layer: a size tfjs knows at
 * build time must be nnc's, and running the model at the given values of the symbols must give nnc's sizes.
 */
function agreesWithTfjs(ir: IrModel, values: Values): void {
  const model = buildModel(ir);
  for (const layer of ir.layers) {
    const built = model.getLayer(layer.name).outputShape as (number | null)[];
    layer.outputShapes[0]!.forEach((d, i) => {
      // tfjs's Cropping2D subtracts from an unknown size as if it were 0 (null - 2 = -2): that is not a size.
      if (built[i + 1]! < 0) built[i + 1] = null;
      if (built[i + 1] !== null) expect([layer.name, d]).toEqual([layer.name, built[i + 1]]);
      if (typeof d === "number") expect([layer.name, built[i + 1]]).toEqual([layer.name, d]);
    });
  }
  const everyLayer = tf.model({
    inputs: model.inputs,
    outputs: ir.layers.map((l) => model.getLayer(l.name).output as tf.SymbolicTensor),
  });
  const ran = tf.tidy(() => {
    const data = ir.inputs.map((input) =>
      tf.ones([2, ...input.shape.map((d) => dimValue(d, (s) => values[s]!)!)], input.dtype),
    );
    const outputs = everyLayer.predict(data.length === 1 ? data[0]! : data);
    return (Array.isArray(outputs) ? outputs : [outputs]).map((t) => t.shape);
  });
  ir.layers.forEach((layer, i) => {
    const expected = layer.outputShapes[0]!.map((d) => dimValue(d, (s) => values[s]!));
    ran[i]!.slice(1).forEach((size, axis) => {
      if (expected[axis] !== null) expect([layer.name, axis, size]).toEqual([layer.name, axis, expected[axis]]);
    });
  });
  model.dispose();
}

const shapesOf = (ir: IrModel): Shape[] => ir.layers.map((l) => l.outputShapes[0]!);

describe("symbolic sizes through layers, checked by nnc and run by tfjs", () => {
  it("a token sequence through embedding, conv1d, pooling, lstm and dense keeps seq", () => {
    const ir = checked(`model Text {
      input tokens: [seq] int32
      embedding(100, 8)
      conv1d(16, 3)
      conv1d(16, 3, padding: same)
      max_pooling1d(2, strides: 1)
      lstm(8, return_sequences: true)
      dense(4)
    }`);
    expect(shapesOf(ir)).toEqual([
      ["seq", 8],
      ["seq - 2", 16],
      ["seq - 2", 16],
      ["seq - 3", 16],
      ["seq - 3", 8],
      ["seq - 3", 4],
    ]);
    agreesWithTfjs(ir, { seq: 9 });
  });

  it("a stride that divides the length keeps a plain form; one that does not gives a floor", () => {
    const ir = checked(`model Strided {
      input x: [2 * n, 3]
      conv1d(4, 3, strides: 2, padding: same)
      average_pooling1d(2)
      global_max_pooling1d()
      dense(2)
    }`);
    expect(ir.inputs[0]!.shape).toEqual(["2 * n", 3]);
    expect(shapesOf(ir)).toEqual([["n", 4], ["floor(n / 2)", 4], [4], [2]]);
    agreesWithTfjs(ir, { n: 7 });
  });

  it("images of any size through convolution, padding, upsampling and cropping", () => {
    const ir = checked(`model Images {
      input image: [h, w, 3]
      conv2d(8, 3)
      zero_padding2d(1)
      up_sampling2d(2)
      conv2d_transpose(4, 2, strides: 2)
      cropping2d(1)
    }`);
    expect(shapesOf(ir)).toEqual([
      ["h - 2", "w - 2", 8],
      ["h", "w", 8],
      ["2 * h", "2 * w", 8],
      ["4 * h", "4 * w", 4],
      ["4 * h - 2", "4 * w - 2", 4],
    ]);
    agreesWithTfjs(ir, { h: 5, w: 6 });
  });

  it("merges sizes that are provably equal and concatenates along a symbolic axis", () => {
    const ir = checked(`model Merges {
      input a: [seq, 4]
      input b: [seq - 2, 4]
      x = a -> conv1d(4, 3)
      joined = concatenate(x, b, axis: 1)
      wide = concatenate(a, a)
      sum = add(x, b)
      output joined, wide, sum
    }`);
    expect(shapesOf(ir).slice(1)).toEqual([
      ["2 * seq - 4", 4],
      ["seq", 8],
      ["seq - 2", 4],
    ]);
    agreesWithTfjs(ir, { seq: 6 });
  });

  it("a block's reshape names the model's symbol and computes with its parameter", () => {
    const ir = checked(`block pairs(units)(x) {
      return x -> dense(units) -> reshape([seq, units / 2, 2])
    }
    model Pairs {
      input tokens: [seq] int32
      embedding(50, 4)
      pairs(8)
      reshape([seq, 8])
      conv1d(4, 3)
      reshape([seq - 2, 2, 2])
      reshape([-1, 2])
    }`);
    expect(shapesOf(ir)).toEqual([
      ["seq", 4],
      ["seq", 8],
      ["seq", 4, 2],
      ["seq", 8],
      ["seq - 2", 4],
      ["seq - 2", 2, 2],
      ["2 * seq - 4", 2],
    ]);
    expect(ir.layers[2]!.tfjs.config["targetShape"]).toEqual([-1, 4, 2]);
    agreesWithTfjs(ir, { seq: 5 });
  });
});

/** Checks a source with marked spans; returns [code, marked text] pairs and the messages and hints. */
function problems(source: string) {
  const { text, spans } = marked(source);
  const result = checkSource(text, "shapes.nn");
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  return {
    found: errors.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    expected: spans.map((s) => text.slice(s.start, s.end)),
    messages: errors.map((d) => `${d.message}${d.hint ? ` (${d.hint})` : ""}`),
  };
}

describe("what cannot be proven is an error at that expression", () => {
  it("arithmetic on sizes in an input shape", () => {
    const { found, expected } = problems(`model M {
      input a: [<|seq / 2|>, 4]
      input b: [<|seq * len|>]
      input c: [<|seq - seq|>]
      input d: [<|1 - seq|>]
    }`);
    expect(found).toEqual([
      ["NN2019", expected[0]],
      ["NN2019", expected[1]],
      ["NN3005", expected[2]],
      ["NN3005", expected[3]],
    ]);
  });

  it("merging sizes that cannot be proven equal is NN3002, though tfjs would build it", () => {
    const { found, expected, messages } = problems(`model M {
      input a: [seq, 4]
      input c: [len, 4]
      x = a -> conv1d(4, 3)
      s = <|add(a, x)|>
      t = <|concatenate(a, c)|>
      u = concatenate(a, c, axis: 1)
      v = <|dot(a, c, axes: 1)|>
      output s, t, u, v
    }`);
    expect(found).toEqual([
      ["NN3002", expected[0]],
      ["NN3002", expected[1]],
      ["NN3002", expected[2]],
    ]);
    expect(messages[0]).toBe(
      "'add' cannot merge these inputs: [seq, 4] and [seq - 2, 4] have sizes at axis 1 that cannot be proven equal",
    );
    expect(messages[1]).toMatch(/at axis 1 that cannot be proven equal, which is not the concatenation axis/);
    // tfjs sees null and null, builds the add, and fails only when it runs.
    const input = tf.input({ shape: [null, 4] });
    const conv = tf.layers.conv1d({ filters: 4, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
    const added = tf.model({ inputs: input, outputs: tf.layers.add().apply([input, conv]) as tf.SymbolicTensor });
    expect(added.outputs[0]!.shape).toEqual([null, null, 4]);
    expect(() => tf.tidy(() => added.predict(tf.ones([1, 6, 4])))).toThrow();
    added.dispose();
  });

  it("flatten over a symbolic axis asks for a fixed size and suggests global pooling", () => {
    const { found, expected, messages } = problems(`model M {
      input tokens: [seq] int32
      embedding(100, 8)
      <|flatten()|>
    }`);
    expect(found).toEqual([["NN3006", expected[0]]]);
    expect(messages[0]).toMatch(/\[seq, 8\].*global_average_pooling1d\(\)/);
  });

  it("a reshape whose element count cannot be proven", () => {
    const { found, expected } = problems(`model M {
      input x: [seq, 6]
      a = x -> reshape(<|[len, 6]|>)
      b = x -> reshape(<|[-1, 4]|>)
      c = x -> reshape(<|[seq, 3, 3]|>)
      d = x -> reshape(<|[seq, -1]|>)
      output a, b, c, d
    }`);
    expect(found).toEqual([
      ["NN3007", expected[0]],
      ["NN3007", expected[1]],
      ["NN3004", expected[2]],
      ["NN3007", expected[3]],
    ]);
  });
});
