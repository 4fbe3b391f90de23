/**
 * Layers with their own `seed` (random_flip, gaussian_noise) draw per training step (layer-random.ts), so a
 * run stopped mid-epoch and resumed from its checkpoint ends with the weights of a run that was never stopped.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, trainModel, type TrainedRun } from "../../src/runtime/index.js";
import { quiet } from "../helpers/ir.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-seeded-resume-"));

beforeAll(async () => {
  await initBackend("cpu");
});

/** A 2x2 one-channel image per row, flipped and noised by layers with their own seed. */
function spec(name: string, layerSeed: number) {
  const rows = Array.from({ length: 24 }, (_, i) => {
    const pixels = [(i * 7) % 10, (i * 3) % 10, (i * 5) % 10, (i * 9) % 10].map((v) => v / 10);
    return [...pixels, pixels[0]! > pixels[1]! ? "l" : "r"].join(",");
  });
  writeFileSync(join(dir, `${name}.csv`), ["a,b,c,d,y", ...rows].join("\n") + "\n");
  writeFileSync(
    join(dir, `${name}.nn`),
    `model M {
  input x: [4]
  reshape([2, 2, 1])
  random_flip(horizontal, seed: ${layerSeed})
  flatten()
  gaussian_noise(0.1, seed: ${layerSeed})
  dense(2, activation: softmax)
}
train M {
  data: csv("${name}.csv", label: "y")
  loss: categorical_crossentropy
  optimizer: sgd(learning_rate: 0.5)
  epochs: 3
  batch_size: 8
  shuffle: true
  seed: 3
}\n`,
  );
  const checked = checkFile(join(dir, `${name}.nn`));
  expect(checked.diagnostics).toEqual([]);
  return [checked.program!.models[0]!, checked.program!.trains[0]!] as const;
}

const weights = (run: TrainedRun) => run.model.getWeights().flatMap((w) => Array.from(w.dataSync()));

describe("layers with their own seed and --resume", () => {
  it("a run stopped after its first step and resumed ends as an unbroken run", async () => {
    const [model, block] = spec("resume", 1);
    const whole = await trainModel(model, block, { output: quiet });
    const runDir = join(dir, "resumed");
    const controller = new AbortController();
    controller.abort();
    const first = await trainModel(model, block, { output: quiet, runDir, signal: controller.signal });
    expect(first.interrupted).toMatchObject({ epoch: 0, step: 1 });
    const resumed = await trainModel(model, block, { output: quiet, runDir, resume: true });
    expect(weights(resumed)).toEqual(weights(whole));
    resumed.history.forEach((epoch, i) => expect(epoch["loss"]).toBe(whole.history[i]!["loss"]));
    // The layers' draws shape the weights: another layer seed trains to others.
    const [otherModel, otherBlock] = spec("other", 2);
    expect(weights(await trainModel(otherModel, otherBlock, { output: quiet }))).not.toEqual(weights(whole));
  });
});
