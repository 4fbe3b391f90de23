/**
 * With `target: input` the targets are the input's values, of the output's shape, not one label per row: the
 * label checks (NN4025, NN4027) and the classifier lints (NN5008) do not apply, and an autoencoder of an RGB
 * image with sigmoid outputs and binary_crossentropy (pixels in [0, 1]) checks clean and trains.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { initBackend, trainModel } from "../src/runtime/index.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-target-input-"));
const columns = Array.from({ length: 8 * 8 * 3 }, (_, i) => `p${i}`);
const rows = Array.from({ length: 8 }, (_, r) => columns.map((_, c) => (((r * 31 + c * 17) % 100) / 100).toFixed(2)));
writeFileSync(join(dir, "pixels.csv"), [columns.join(","), ...rows.map((row) => row.join(","))].join("\n") + "\n");
writeFileSync(
  join(dir, "ae.nn"),
  `model Ae {
  input image: [8, 8, 3]
  code = image -> conv2d(4, 3, padding: same, activation: relu)
  code -> conv2d(3, 3, padding: same, activation: sigmoid)
}
train Ae {
  data: csv("pixels.csv")
  target: input
  loss: binary_crossentropy
  optimizer: adam
  epochs: 2
  batch_size: 4
  seed: 1
}
`,
);

describe("target: input with a loss over classes", () => {
  beforeAll(() => initBackend("cpu"));

  it("checks clean and trains: the targets are the pixels, of the output's shape", async () => {
    const { program, diagnostics } = checkFile(join(dir, "ae.nn"));
    expect(diagnostics).toEqual([]);
    const train = program!.trains[0]!;
    const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
    const run = await trainModel(program!.models[0]!, train, { output: quiet });
    expect(run.history).toHaveLength(2);
    for (const epoch of run.history) expect(Number.isFinite(epoch["loss"])).toBe(true);
    run.model.dispose();
  });
});
