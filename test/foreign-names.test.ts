/**
 * Names users bring from Keras, tf.data and PyTorch (registry/foreign-names.ts): an unknown data source or layer
 * of that list is pointed at nnc's form, and no entry hides a name nnc has (it would never be shown).
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { layerNames } from "../src/compiler/registry/layers/index.js";
import { dataSources } from "../src/compiler/registry/data-sources.js";
import { foreignDataSources, foreignLayers } from "../src/compiler/registry/foreign-names.js";

const spec = (layer: string, data: string) =>
  `model M {\n  input x: [4]\n  ${layer}\n  dense(3, activation: softmax)\n}\ntrain M {\n  data: ${data}\n` +
  `  loss: categorical_crossentropy\n  optimizer: adam\n  epochs: 1\n  batch_size: 8\n}\n`;

const hints = (text: string) =>
  checkSource(text, "/tmp/foreign.nn").diagnostics.map((d) => [d.code, d.hint ?? ""] as const);

describe("names from Keras, tf.data and PyTorch", () => {
  it("points an unknown data source at nnc's", () => {
    expect(hints(spec("dense(4)", 'image_dataset_from_directory("photos")'))).toEqual([
      ["NN4004", foreignDataSources["image_dataset_from_directory"]],
    ]);
    expect(hints(spec("dense(4)", 'read_csv("a.csv")'))[0]![1]).toContain("csv(path, label: column)");
  });

  it("points a vectorization layer at the text data source", () => {
    expect(hints(spec("text_vectorization(max_tokens: 100)", 'csv("a.csv", label: "y")'))).toEqual([
      ["NN2001", foreignLayers["text_vectorization"]],
    ]);
  });

  it("prefers a did-you-mean to a foreign hint", () => {
    expect(hints(spec("Dense(4)", 'csv("a.csv", label: "y")'))).toEqual([["NN2001", "did you mean 'dense'?"]]);
  });

  it("renames a data source's argument written under Keras's name, with a fix", () => {
    const text = spec("dense(4)", 'images("photos", image_size: [28, 28])');
    const [found] = checkSource(text, "/tmp/foreign.nn").diagnostics;
    expect([found?.code, found?.hint]).toEqual(["NN2003", "Keras's 'image_size' is 'size' here"]);
    expect(found?.fixes?.[0]?.edits[0]?.newText).toBe("size");
  });

  it("names only arguments that exist, under names that do not", () => {
    for (const [name, source] of Object.entries(dataSources)) {
      const own = Object.keys((source.schema["properties"] as object | undefined) ?? {});
      for (const [keras, nnc] of Object.entries(source.kerasNames ?? {})) {
        expect(own, `${name}: ${keras}`).toContain(nnc);
        expect(own, `${name}: ${keras}`).not.toContain(keras);
      }
    }
  });

  it("holds no name nnc has", () => {
    for (const name of Object.keys(foreignDataSources)) expect(Object.keys(dataSources)).not.toContain(name);
    for (const name of Object.keys(foreignLayers)) expect(layerNames()).not.toContain(name);
  });
});
