/**
 * Resuming a transfer run (a model that calls `Base(weights: "runs/Base", ...)`): the checkpoint holds every
 * weight, the base's copied layers too, so the base run's weights are not read again and need not be there.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { initBackend, loadRun, trainModel } from "../src/runtime/index.js";
import { twoBlobsCsv } from "./helpers/data-files.js";
import { scratchFolder, trainRun } from "./helpers/runs.js";

const { dir, file } = scratchFolder("nnc-transfer-resume-");
const training = `loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.01)
  batch_size: 16
  epochs: 2
  seed: 3`;

beforeAll(async () => {
  await initBackend();
  file("blobs.csv", twoBlobsCsv(64, 1));
  file(
    "base.nn",
    `model Base {
  input p: [2]
  features = p -> dense(8, activation: relu)
  features -> dense(2, activation: softmax)
}
train Base {
  data: csv("blobs.csv", label: "side")
  ${training}
}
`,
  );
  await trainRun(join(dir, "base.nn"), join(dir, "runs", "Base"));
}, 60_000);

it("resumes from its checkpoint without the base run's weights", async () => {
  const spec = file(
    "small.nn",
    `import { Base } from "./base.nn"

model Small {
  input p: [2]
  features = p -> Base(weights: "runs/Base", until: features, trainable: false)
  features -> dense(2, activation: softmax)
}
train Small {
  data: csv("blobs.csv", label: "side")
  ${training}
}
`,
  );
  const { program, diagnostics } = checkFile(spec);
  expect(diagnostics).toEqual([]);
  const model = program!.models.find((m) => m.name === "Small")!;
  const train = program!.trains[0]!;
  const runDir = join(dir, "runs", "Small");
  const stop = new AbortController();
  const output = {
    write: (text: string) => (text.startsWith("epoch 1/") ? stop.abort() : undefined, true),
  } as unknown as NodeJS.WritableStream;
  const stopped = await trainModel(model, train, { runDir, epochs: 4, signal: stop.signal, output });
  expect(stopped.interrupted).not.toBeNull();
  stopped.model.dispose();
  rmSync(join(dir, "runs", "Base", "weights.bin"));
  const resumed = await trainModel(model, train, { runDir, resume: true, output: { write: () => true } as never });
  expect(resumed.interrupted).toBeNull();
  expect(resumed.history.map((record) => record.epoch)).toEqual([1, 2, 3, 4]);
  resumed.model.dispose();
  expect((await loadRun(runDir)).model.getLayer("Base/dense").getWeights()).toHaveLength(2);
}, 60_000);
