/**
 * Automatic layer names (Keras's `dense`, `dense_1`, ...) never take a name the user wrote for another layer,
 * even one written further down or inside a block: a pasted Keras model (DenseNet121 names its last activation
 * `relu`) must check as written.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";

function layerNames(text: string): string[] {
  const result = checkSource(text, "m.nn");
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models[0]!.layers.map((l) => l.name);
}

describe("automatic layer names", () => {
  it("skip a name written further down the model", () => {
    const names = layerNames(`
model M {
  input x: [4]
  relu()
  dense(3)
  relu(name: "relu")
}`);
    expect(names).toEqual(["relu_1", "dense", "relu"]);
  });

  it("skip a name written inside a block the model calls", () => {
    const names = layerNames(`
block head()(x) {
  return x -> dense(2, name: "dense")
}
model M {
  input x: [4]
  dense(3)
  head()
}`);
    expect(names).toEqual(["dense_1", "dense"]);
  });

  it("skip a name a block call passes to a parameter, and names in blocks that blocks call", () => {
    const names = layerNames(`
block act(label)(x) {
  return x -> relu(name: label)
}
block head()(x) {
  return x -> dense(2, name: "dense")
}
block both()(x) {
  return x -> head()
}
model M {
  input x: [4]
  relu()
  dense(3)
  act("relu")
  both()
}`);
    expect(names).toEqual(["relu_1", "dense_1", "relu", "dense"]);
  });

  it("still refuse a written name used twice (NN2008)", () => {
    const { diagnostics } = checkSource(
      `
model M {
  input x: [4]
  dense(3, name: "fc")
  dense(3, name: "fc")
}`,
      "m.nn",
    );
    expect(diagnostics.map((d) => d.code)).toEqual(["NN2008"]);
  });
});
