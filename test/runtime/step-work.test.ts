/**
 * A training step's work as `nnc train` tells the backend of it (src/runtime/step-work.ts): the forward
 * multiply-accumulates of a batch and, of those, the fully connected layers' products, read from the checked
 * model with no tfjs.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import { stepWork } from "../../src/runtime/step-work.js";

function model(body: string) {
  const checked = checkSource(`model M {\n${body}\n}\n`, "m.nn");
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return checked.program!.models[0]!;
}

describe("stepWork", () => {
  it("counts an MLP's work as products, a batch's worth", () => {
    const mlp = model("input x: [784]\ndense(256, activation: relu)\ndense(256, activation: relu)\ndense(10)");
    const perSample = 784 * 256 + 256 * 256 + 256 * 10;
    expect(stepWork(mlp, 128)).toEqual({ macs: 128 * perSample, productMacs: 128 * perSample });
  });

  it("counts a convnet's convolutions as work but not as products", () => {
    const convnet = model(
      "input image: [28, 28, 1]\nconv2d(32, kernel_size: [3, 3])\nflatten()\ndense(10, activation: softmax)",
    );
    const convolution = 26 * 26 * 32 * 9;
    const dense = 26 * 26 * 32 * 10;
    expect(stepWork(convnet, 2)).toEqual({ macs: 2 * (convolution + dense), productMacs: 2 * dense });
  });

  it("is unknown when a layer's work depends on the data (a sequence of any length)", () => {
    expect(stepWork(model("input steps: [?, 8]\nlstm(4)\ndense(1)"), 16)).toBeUndefined();
  });
});
