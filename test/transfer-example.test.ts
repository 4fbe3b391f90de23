/**
 * examples/transfer.nn, Keras's transfer-learning recipe on Fashion-MNIST, as written: its data is what
 * test/helpers/transfer-data.ts makes; the base (transfer_base.nn) trains, then Transfer (its features frozen,
 * a new head, then fine-tuning) and Scratch (the same network from nothing) on 200 images of five new classes,
 * with two seeds, on the wasm backend. Transfer ends higher on average, as the example's comment says with
 * the figures measured here; `nnc evaluate` and `nnc predict` read the transferred run.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { initBackend, trainModel } from "../src/runtime/index.js";
import { nnc } from "./helpers/cli.js";
import { scratchFolder } from "./helpers/runs.js";
import { examplesDir, transferData } from "./helpers/transfer-data.js";

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
const { dir } = scratchFolder("nnc-transfer-example-");

beforeAll(async () => {
  await initBackend("wasm");
  for (const file of ["transfer_base.nn", "transfer.nn"]) cpSync(join(examplesDir, file), join(dir, file));
  mkdirSync(join(dir, "data"));
  cpSync(join(examplesDir, "data", "transfer"), join(dir, "data", "transfer"), { recursive: true });
});

describe("examples/transfer.nn", () => {
  it.each([...transferData()].map(([path, content]) => [path, content] as const))(
    "examples/%s holds what test/helpers/transfer-data.ts makes",
    (path, content) => {
      // Compared inflated: another zlib may compress the same bytes differently.
      expect(gunzipSync(readFileSync(join(examplesDir, path))).equals(gunzipSync(content))).toBe(true);
    },
  );

  it("transferred features beat the same network trained from scratch on 200 images", async () => {
    const base = checkFile(join(dir, "transfer_base.nn")).program!;
    const trained = await trainModel(base.models[0]!, base.trains[0]!, {
      output: quiet,
      runDir: join(dir, "runs", "FashionBase"),
    });
    trained.model.dispose();
    const { program, diagnostics } = checkFile(join(dir, "transfer.nn"));
    expect(diagnostics).toEqual([]);
    const accuracy: Record<string, number[]> = { Transfer: [], Scratch: [] };
    for (const seed of [1, 2]) {
      for (const name of ["Transfer", "Scratch"]) {
        const train = program!.trains.find((t) => t.model === name)!;
        const model = program!.models.find((m) => m.name === name)!;
        const runDir = seed === 1 ? { runDir: join(dir, "runs", name) } : {};
        const run = await trainModel(model, { ...train, seed }, { output: quiet, ...runDir });
        expect(run.history).toHaveLength(5);
        accuracy[name]!.push(run.history.at(-1)!["val_accuracy"]!);
        run.model.dispose();
      }
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    // Loosely, as the example's comment says (0.855 against 0.833 here): the exact figures depend on the
    // machine's floating point (wasm's SIMD kernels), the comparison does not.
    expect(mean(accuracy["Transfer"]!)).toBeGreaterThan(mean(accuracy["Scratch"]!));
    expect(mean(accuracy["Transfer"]!)).toBeGreaterThan(0.8);

    // nnc evaluate reads the transferred run on the validation source: the last epoch's figure.
    const cli = (args: string[]) => nnc(args, { cwd: dir, timeout: 120_000 });
    const evaluated = cli([
      "evaluate",
      "transfer.nn",
      "--model",
      "runs/Transfer",
      "--format",
      "json",
      "--backend",
      "wasm",
    ]);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout.slice(evaluated.stdout.indexOf("{")))["accuracy"]).toBeCloseTo(
      accuracy["Transfer"]![0]!,
      6,
    );
    const images = join("data", "transfer", "test-images-idx3-ubyte.gz");
    const predicted = cli([
      "predict",
      "transfer.nn",
      "--model",
      "runs/Transfer",
      "--input",
      images,
      "--backend",
      "wasm",
    ]);
    expect(predicted.status, predicted.stderr).toBe(0);
    const rows = predicted.stdout.trim().split("\n");
    expect(rows[0]).toBe("predicted,p_5,p_6,p_7,p_8,p_9");
    expect(rows).toHaveLength(517);
    expect(existsSync(join(dir, "runs", "Transfer", "model.json"))).toBe(true);
  }, 180_000);
});
