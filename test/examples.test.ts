/**
 * Every example checks, the published architectures have their published parameter counts, and tfjs builds
 * the same shapes and counts from the compiled IR.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import type { IrModel } from "../src/compiler/ir/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import { buildModel, initBackend } from "../src/runtime/index.js";

const examples = join(import.meta.dirname, "..", "examples");
const files = readdirSync(examples).filter((f) => f.endsWith(".nn"));

/**
 * The same layers with tfjs's orthogonal initializer swapped for a cheap one: tfjs's QR takes about 15 s per
 * LSTM kernel on the cpu backend, and initializers change neither shapes nor counts.
 */
function withCheapInitializers<T>(value: T): T {
  if (value === "orthogonal") return "glorotUniform" as T;
  if (Array.isArray(value)) return value.map(withCheapInitializers) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withCheapInitializers(v)])) as T;
}

function modelsOf(file: string): readonly IrModel[] {
  const result = checkFile(join(examples, file));
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models;
}

describe("examples", () => {
  it.each(files)("%s checks without errors", (file) => {
    expect(modelsOf(file).length).toBeGreaterThan(0);
  });

  it.each([
    ["mnist_convnet.nn", 34_826],
    ["lenet5.nn", 61_706],
    ["vgg16.nn", 138_357_544],
    ["vgg19.nn", 143_667_240],
    // keras.io/examples/nlp/bidirectional_lstm_imdb, model.summary()
    ["imdb_bilstm.nn", 2_757_761],
  ])("%s has the published total of %i parameters", (file, total) => {
    const [model] = modelsOf(file);
    expect(summarize(model!).totalParams).toBe(total);
  });

  it("imdb_bilstm.nn keeps the symbolic sequence length through embedding and the first LSTM", () => {
    const [model] = modelsOf("imdb_bilstm.nn");
    expect(model!.inputs[0]!.shape).toEqual(["seq"]);
    expect(model!.layers.map((l) => l.outputShapes[0])).toEqual([["seq", 128], ["seq", 128], [128], [1]]);
  });

  // The U-Net's oracle is tfjs building the architecture described in unet.nn's comment, layer by layer,
  // without nnc: the same total and output shape.
  it("unet.nn has the parameters and output shape of the same U-Net built with tfjs directly", async () => {
    await initBackend();
    const conv = (filters: number, x: tf.SymbolicTensor) =>
      tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu" }).apply(x) as tf.SymbolicTensor;
    const doubleConv = (filters: number, x: tf.SymbolicTensor) => conv(filters, conv(filters, x));
    const pool = (x: tf.SymbolicTensor) => tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    const up = (filters: number, x: tf.SymbolicTensor) =>
      tf.layers.conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: "same" }).apply(x) as tf.SymbolicTensor;
    const join = (a: tf.SymbolicTensor, b: tf.SymbolicTensor) =>
      tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    const image = tf.input({ shape: [128, 128, 3] });
    const e1 = doubleConv(32, image);
    const e2 = doubleConv(64, pool(e1));
    const e3 = doubleConv(128, pool(e2));
    const bottleneck = doubleConv(256, pool(e3));
    const d3 = doubleConv(128, join(up(128, bottleneck), e3));
    const d2 = doubleConv(64, join(up(64, d3), e2));
    const upsampled = tf.layers.upSampling2d({ size: [2, 2] }).apply(d2) as tf.SymbolicTensor;
    const d1 = doubleConv(
      32,
      join(tf.layers.conv2d({ filters: 32, kernelSize: 1 }).apply(upsampled) as tf.SymbolicTensor, e1),
    );
    const mask = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: "sigmoid" }).apply(d1) as tf.SymbolicTensor;
    const oracle = tf.model({ inputs: image, outputs: mask });

    const [model] = modelsOf("unet.nn");
    const summary = summarize(model!);
    expect(summary.totalParams).toBe(oracle.countParams());
    expect(summary.outputs.map((o) => o.shape)).toEqual([oracle.outputs[0]!.shape]);
    expect(model!.layers.filter((l) => l.kind === "concatenate")).toHaveLength(3);
    oracle.dispose();
  });

  // VGG16's and VGG19's 138M and 144M weights take seconds and half a gigabyte to initialise; their layers are
  // covered one by one in layers.test.ts.
  const large = ["vgg16.nn", "vgg19.nn"];
  it.each(files.filter((f) => !large.includes(f)))("%s: tfjs builds the same shapes and counts", async (file) => {
    await initBackend();
    for (const ir of modelsOf(file)) {
      // Without the weights a model call loads from a trained run (transfer.nn's): shapes and counts only.
      const model = buildModel(withCheapInitializers({ ...ir, loads: [] }));
      expect(model.countParams()).toBe(summarize(ir).totalParams);
      const uses = new Map<string, number>();
      for (const layer of ir.layers) {
        // A shared layer's later use is its owner's tfjs layer applied again (output `use`), with no weights.
        const owner = layer.shares ?? layer.name;
        const use = uses.get(owner) ?? 0;
        uses.set(owner, use + 1);
        const built = model.getLayer(owner);
        const outputs = [built.getOutputAt(use)].flat().map((t) => t.shape);
        expect([layer.name, outputs]).toEqual([
          layer.name,
          layer.outputShapes.map((shape) => [null, ...shape.map((d) => (typeof d === "number" ? d : null))]),
        ]);
        expect([layer.name, layer.shares ? 0 : built.countParams()]).toEqual([
          layer.name,
          layer.params.trainable + layer.params.nonTrainable,
        ]);
      }
      model.dispose();
    }
  });
});
