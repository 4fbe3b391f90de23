/**
 * The examples that come with their own tiny data sets (siamese.nn, seq2seq.nn, transformer_text.nn, tcn.nn,
 * imdb_bilstm.nn, whose 240 messages train in about 5 s after seq2seq's;
 * denoising_autoencoder.nn, fashion_augmented.nn and fashion_convnet.nn on the bundled Fashion-MNIST slice) train one epoch on it, as written, through the
 * runtime's training API (what `nnc train` calls), on the wasm backend (nnc's own choice without tfjs-node):
 * the data files are the ones test/helpers/example-data.ts makes, the spec checks, the model tfjs builds has
 * the spec's parameter count, and one epoch gives finite figures. Each epoch is 1 or 2 steps.
 *
 * seq2seq.nn trains at Keras's latent size of 256. tfjs's orthogonal initializer (the LSTMs' recurrent
 * kernels, 256x1024 each) is what makes that slow, and only on the cpu backend: measured here, one 256x1024
 * kernel took about 2 s on wasm and about 240 s on cpu (128x512: 0.4 s and 41 s), so on wasm the example
 * trains as written, with no smaller stand-in.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { initBackend, trainModel } from "../src/runtime/index.js";
import { exampleData, examplesDir } from "./helpers/example-data.js";

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

beforeAll(async () => {
  await initBackend("wasm");
});

describe("the examples' bundled data", () => {
  it.each([...exampleData()].map(([path, content]) => [path, content] as const))(
    "examples/%s is what test/helpers/example-data.ts makes",
    (path, content) => {
      const file = join(examplesDir, path);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file).equals(content)).toBe(true);
    },
  );
});

describe("examples that train on their bundled data", () => {
  it.each([
    ["siamese.nn", 14_113, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    ["seq2seq.nn", 718_173, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    ["transformer_text.nn", 657_758, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    ["tcn.nn", 6_372, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    ["imdb_bilstm.nn", 2_757_761, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    ["denoising_autoencoder.nn", 3_217, ["loss", "val_loss"]],
    ["fashion_augmented.nn", 12_810, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    ["fashion_convnet.nn", 34_826, ["loss", "accuracy", "val_loss", "val_accuracy"]],
    [
      "iris_two_outputs.nn",
      132,
      ["loss", "species_loss", "petal_loss", "species_accuracy", "petal_mae", "val_loss", "val_species_accuracy"],
    ],
  ] as const)(
    "%s trains one epoch as written (%i parameters)",
    async (file, params, figures) => {
      const { program, diagnostics } = checkFile(join(examplesDir, file));
      expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const train = program!.trains[0]!;
      const model = program!.models.find((m) => m.name === train.model)!;
      const run = await trainModel(model, train, { epochs: 1, output: quiet });
      try {
        expect(run.model.countParams()).toBe(params);
        expect(run.history).toHaveLength(1);
        const epoch = run.history[0]! as unknown as Record<string, number>;
        for (const figure of figures) expect([figure, Number.isFinite(epoch[figure])]).toEqual([figure, true]);
      } finally {
        run.model.dispose();
      }
    },
    60_000,
  );
});
