/**
 * `nnc predict` on an .npy file of no rows: one line (NN4007), not tfjs's "batchSize is required to be a
 * positive integer" with a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import { initBackend, loadRun, predictRun, trainModel } from "../../src/runtime/index.js";
import { writeNpy } from "../../bench/lib.js";
import { userError } from "../helpers/data-files.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-predict-empty-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("refuses an .npy file of no rows in one line", async () => {
  await initBackend("cpu");
  const spec = `model Tiny {
  input x: [3]
  dense(2, activation: softmax)
}
train Tiny {
  data: npy(x: "x.npy", y: "y.npy")
  loss: sparse_categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 4
}
`;
  writeFileSync(join(dir, "tiny.nn"), spec);
  writeNpy(
    join(dir, "x.npy"),
    [8, 3],
    Float32Array.from({ length: 24 }, (_, i) => i / 24),
  );
  writeNpy(
    join(dir, "y.npy"),
    [8],
    Int32Array.from({ length: 8 }, (_, i) => i % 2),
  );
  const program = checkSource(spec, join(dir, "tiny.nn")).program!;
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  await trainModel(program.models[0]!, program.trains[0]!, { output: quiet, runDir: join(dir, "run") });
  const run = await loadRun(join(dir, "run"));
  writeNpy(join(dir, "none.npy"), [0, 3], new Float32Array(0));
  const error = await userError(() => predictRun(run, join(dir, "none.npy")));
  expect(error.code).toBe("NN4007");
  expect(error.message).toMatch(/none\.npy has no rows to predict for/);
});
