/**
 * buildModel from hand-written IR: a functional graph with two branches merged, a nested layer, the IR's
 * names kept. tfjs itself is the oracle for shapes and parameter counts.
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import type { IrLayer, IrModel, TfjsLayer } from "../../src/compiler/ir/index.js";
import { checkSource } from "../../src/compiler/index.js";
import { buildModel, initBackend } from "../../src/runtime/index.js";

const at = { file: "m.nn", span: { start: 0, end: 1 } };
function layer(name: string, tfjs: TfjsLayer, inputs: string[], outputShape: (number | null)[]): IrLayer {
  return {
    name,
    kind: tfjs.factory,
    tfjs: { factory: tfjs.factory, config: { ...tfjs.config, name } },
    inputs: inputs.map((node) => ({ node, index: 0 })),
    outputShapes: [outputShape],
    params: { trainable: 0, nonTrainable: 0 },
    location: at,
  };
}

const model: IrModel = {
  name: "TwoBranches",
  inputs: [
    { name: "tokens", shape: [5, 3], dtype: "float32", location: at },
    { name: "extra", shape: [2], dtype: "float32", location: at },
  ],
  layers: [
    layer(
      "encoder",
      { factory: "bidirectional", config: { layer: { factory: "lstm", config: { units: 4 } } } },
      ["tokens"],
      [8],
    ),
    layer("side", { factory: "dense", config: { units: 6, activation: "relu" } }, ["extra"], [6]),
    layer("merged", { factory: "concatenate", config: { axis: -1 } }, ["encoder", "side"], [14]),
    layer("head", { factory: "dense", config: { units: 3, activation: "softmax" } }, ["merged"], [3]),
  ],
  outputs: [{ node: "head", index: 0 }],
  location: at,
};

describe("buildModel", () => {
  it("builds the graph with the IR's names, inputs and output shapes", async () => {
    await initBackend();
    const built = buildModel(model);
    expect(built.name).toBe("TwoBranches");
    expect(built.inputs.map((i) => i.shape)).toEqual([
      [null, 5, 3],
      [null, 2],
    ]);
    expect(built.layers.map((l) => l.name)).toEqual(["tokens", "extra", "encoder", "side", "merged", "head"]);
    for (const irLayer of model.layers) {
      expect(built.getLayer(irLayer.name).outputShape).toEqual([null, ...irLayer.outputShapes[0]!]);
    }
    // bidirectional(lstm(4)) over 3 features: 2 * 4 * (4 * (3 + 4 + 1)); dense 2->6; dense 14->3.
    expect(built.countParams()).toBe(2 * 4 * 4 * 8 + (2 * 6 + 6) + (14 * 3 + 3));
    const prediction = built.predict([tf.zeros([1, 5, 3]), tf.zeros([1, 2])]) as tf.Tensor;
    expect(prediction.shape).toEqual([1, 3]);
  });
});

describe("a tensor given twice to one layer (NN5010)", () => {
  const build = (body: string) => {
    const { program } = checkSource(`model M {\n  input x: [4]\n  h = x -> dense(4)\n${body}\n}`, "m.nn");
    return buildModel(program!.models[0]!);
  };

  it("fails in tfjs's predict when another layer reads it too, as the lint warns, and not with a copy", async () => {
    await initBackend("cpu");
    expect(() => build("  a = add(h, h)\n  b = add(a, h)\n  output b").predict(tf.ones([2, 4]))).toThrow();
    const copied = build("  h2 = h -> activation(linear)\n  a = add(h, h2)\n  b = add(a, h)\n  output b");
    expect((copied.predict(tf.ones([2, 4])) as tf.Tensor).shape).toEqual([2, 4]);
  });
});
