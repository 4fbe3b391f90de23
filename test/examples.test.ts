/**
 * Every example checks, the published architectures have their published parameter counts, and tfjs builds
 * the same shapes and counts from the compiled IR.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import type { IrModel } from "../src/compiler/ir.js";
import { summarize } from "../src/compiler/summary.js";
import { buildModel, initBackend } from "../src/runtime/index.js";

const examples = join(import.meta.dirname, "..", "examples");
const files = readdirSync(examples).filter((f) => f.endsWith(".nn"));

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
  ])("%s has the published total of %i parameters", (file, total) => {
    const [model] = modelsOf(file);
    expect(summarize(model!).totalParams).toBe(total);
  });

  // VGG16's 138M weights take seconds and half a gigabyte to initialise; its layers are covered one by one
  // in layers.test.ts.
  it.each(files.filter((f) => f !== "vgg16.nn"))("%s: tfjs builds the same shapes and counts", async (file) => {
    await initBackend();
    for (const ir of modelsOf(file)) {
      const model = buildModel(ir);
      expect(model.countParams()).toBe(summarize(ir).totalParams);
      for (const layer of ir.layers) {
        const built = model.getLayer(layer.name);
        expect([layer.name, built.outputShape]).toEqual([layer.name, [null, ...layer.outputShapes[0]!.map((d) => (typeof d === "number" ? d : null))]]);
        expect([layer.name, built.countParams()]).toEqual([layer.name, layer.params.trainable + layer.params.nonTrainable]);
      }
      model.dispose();
    }
  });
});
