/**
 * `nnc summary`'s extensions beyond Keras: each layer's parameter memory (float32 bytes) and multiply-
 * accumulates per sample (MACs), and their totals. Expected MACs are computed here from each layer's shapes
 * and tfjs config with the textbook formulas, not copied from the implementation or typed in by hand.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile, checkSource } from "../src/compiler/index.js";
import type { IrLayer, IrModel, Shape } from "../src/compiler/ir/index.js";
import { formatSummary, summarize } from "../src/compiler/emit/summary.js";
import { nnc } from "./helpers/cli.js";

const examples = join(import.meta.dirname, "..", "examples");

function model(file: string): IrModel {
  const result = checkFile(join(examples, file));
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models[0]!;
}

const prod = (sizes: readonly (number | string | null)[]) => sizes.reduce<number>((a, d) => a * (d as number), 1);
const pair = (k: unknown) => (typeof k === "number" ? [k, k] : (k as number[]));

/** The MACs a Keras-style counter gives a layer: a product of weights and inputs is one MAC. */
function expectedMacs(layer: IrLayer, input: Shape): number {
  const config = layer.tfjs.config as Record<string, unknown>;
  const output = layer.outputShapes[0]!;
  switch (layer.kind) {
    case "conv2d": // each output position: a kh x kw x channels window for each filter
      return (
        prod(output.slice(0, -1)) * prod(pair(config["kernelSize"])) * prod(input.slice(-1)) * Number(config["filters"])
      );
    case "dense": // each input feature times each unit
      return prod(input) * Number(config["units"]);
    default:
      return 0;
  }
}

/** Each layer's input shape, from the model's inputs and the layers before it. */
function inputShapes(ir: IrModel): Shape[] {
  const shapes = new Map<string, readonly Shape[]>(ir.inputs.map((i) => [i.name, [i.shape]]));
  return ir.layers.map((layer) => {
    shapes.set(layer.name, layer.outputShapes);
    const ref = layer.inputs[0]!;
    return shapes.get(ref.node)![ref.index]!;
  });
}

describe("MACs and memory", () => {
  it.each(["lenet5.nn", "mnist_convnet.nn", "vgg16.nn"])("%s: per layer and in total, as the formulas give", (file) => {
    const ir = model(file);
    const summary = summarize(ir);
    const inputs = inputShapes(ir);
    const expected = ir.layers.map((layer, i) => expectedMacs(layer, inputs[i]!));
    expect(summary.layers.map((l) => l.macs)).toEqual(expected);
    expect(summary.macs).toBe(expected.reduce((a, b) => a + b, 0));
    expect(summary.layers.map((l) => l.bytes)).toEqual(summary.layers.map((l) => 4 * l.params));
    expect(summary.bytes).toBe(4 * summary.totalParams);
  });

  it("counts the usual LeNet-5 and MNIST convnet figures", () => {
    // LeNet-5: C1 28*28*5*5*1*6, C3 10*10*5*5*6*16, dense 400*120, 120*84, 84*10.
    const lenet = 28 * 28 * 25 * 6 + 10 * 10 * 25 * 6 * 16 + 400 * 120 + 120 * 84 + 84 * 10;
    expect(summarize(model("lenet5.nn")).macs).toBe(lenet);
    const mnist = 26 * 26 * 9 * 32 + 11 * 11 * 9 * 32 * 64 + 1600 * 10;
    expect(summarize(model("mnist_convnet.nn")).macs).toBe(mnist);
  });

  it("counts recurrent, wrapped and product layers; unknown when a size is not fixed", () => {
    const source = `
model Seq {
  input x: [10, 8]
  a = x -> time_distributed(dense(4))
  b = x -> bidirectional(lstm(3, return_sequences: true), merge_mode: sum)
  c = dot(a, b, axes: 1)
  output c
}
model Open {
  input tokens: [seq] int32
  embedding(100, 8)
  gru(4)
}`;
    const result = checkSource(source, "summary.nn");
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const [seq, open] = result.program!.models.map(summarize);
    const lstm = 10 * 4 * (8 * 3 + 3 * 3);
    expect(seq!.layers.map((l) => [l.kind, l.macs])).toEqual([
      ["time_distributed", 10 * 8 * 4],
      ["bidirectional", 2 * lstm],
      // [10, 4] . [10, 3] along the steps: a [4, 3] output, each a sum of 10 products
      ["dot", 4 * 3 * 10],
    ]);
    expect(open!.layers.map((l) => l.macs)).toEqual([0, null]);
    expect(open!.macs).toBeNull();
    expect(formatSummary(open!)).toContain("MACs per sample: unknown");
  });

  it("shows memory and MACs in the table", () => {
    const table = formatSummary(summarize(model("mnist_convnet.nn")));
    const header = table.split("\n")[2]!;
    expect(header).toMatch(/Param #.*Memory.*MACs/);
    expect(table).toContain(" MACs per sample: 2,440,960 (2.44M)");
    expect(table).toMatch(/conv2d_1 \(conv2d\).*18,496.*72\.25 KB.*2\.23M/);
  });
});

describe("nnc summary --format json", () => {
  it("keeps the contract's fields and adds macs and bytes", () => {
    const result = nnc(["summary", join(examples, "lenet5.nn"), "--format", "json"]);
    expect(result.status).toBe(0);
    const { models } = JSON.parse(result.stdout) as { models: Record<string, unknown>[] };
    const [m] = models;
    expect(Object.keys(m!)).toEqual(
      expect.arrayContaining([
        "name",
        "totalParams",
        "trainableParams",
        "nonTrainableParams",
        "inputs",
        "outputs",
        "layers",
        "macs",
        "bytes",
      ]),
    );
    expect(m!["bytes"]).toBe(4 * 61_706);
    for (const layer of m!["layers"] as Record<string, unknown>[]) {
      expect(Object.keys(layer)).toEqual(
        expect.arrayContaining(["name", "kind", "outputShape", "params", "macs", "bytes"]),
      );
      expect(layer["bytes"]).toBe(4 * (layer["params"] as number));
    }
    expect((m!["layers"] as { macs: number }[]).reduce((a, l) => a + l.macs, 0)).toBe(m!["macs"]);
  });
});
