/**
 * examples/auto_mpg.nn and examples/denoising_autoencoder.nn trained briefly on their bundled data, on the
 * wasm backend, into run folders: the regression's predicted.svg reports a validation MAE in miles per gallon
 * well below what predicting the mean does (computed here from the data file); the autoencoder saves
 * reconstructions.png, and its code is what `nnc predict --output code` gives.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { initBackend, loadRun, predictRun, trainModel } from "../src/runtime/index.js";
import { examplesDir } from "./helpers/example-data.js";
import { scratchFolder } from "./helpers/runs.js";

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
const { dir: scratch } = scratchFolder("nnc-example-pictures-");
const pngMagic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks examples/`file` and trains it for `epochs` into `run`, saved as nnc train saves it. */
async function trainExample(file: string, run: string, epochs: number) {
  const { program, diagnostics } = checkFile(join(examplesDir, file));
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const train = program!.trains[0]!;
  const model = program!.models.find((m) => m.name === train.model)!;
  const trained = await trainModel(model, train, { epochs, output: quiet, runDir: run });
  trained.model.dispose();
  return { model, history: trained.history };
}

beforeAll(() => initBackend("wasm"));

describe("examples/auto_mpg.nn", () => {
  it("predicts mpg far better than the mean, as predicted.svg shows in mpg", async () => {
    const run = join(scratch, "auto-mpg");
    const { history } = await trainExample("auto_mpg.nn", run, 20);
    const svg = readFileSync(join(run, "predicted.svg"), "utf8");
    const mae = Number(/mean absolute error ([0-9.e-]+)/.exec(svg)![1]);
    // Predicting the mean for every car: the mean absolute deviation of the mpg of the cars kept.
    const features = ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Year"];
    const mpg = readFileSync(join(examplesDir, "data", "auto-mpg", "cars.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, number | null>)
      .filter((car) => [...features, "Miles_per_Gallon"].every((key) => car[key] !== null))
      .map((car) => car["Miles_per_Gallon"]!);
    expect(mpg).toHaveLength(392);
    const mean = mpg.reduce((a, b) => a + b, 0) / mpg.length;
    const baseline = mpg.reduce((sum, v) => sum + Math.abs(v - mean), 0) / mpg.length;
    expect(baseline).toBeCloseTo(6.55, 2);
    expect(mae).toBeLessThan(baseline / 2);
    // The picture's MAE is training's val_mae, which training reports in mpg too (normalize_target undone),
    // while the loss stays on the standardised targets.
    expect(mae).toBeCloseTo(history.at(-1)!["val_mae"]!, 2);
    expect(svg).toContain("79 validation rows");
  }, 60_000);
});

describe("examples/denoising_autoencoder.nn", () => {
  it("trains one epoch, saves reconstructions.png, and gives its code to nnc predict --output", async () => {
    const run = join(scratch, "denoiser");
    const { model } = await trainExample("denoising_autoencoder.nn", run, 1);
    expect([...readFileSync(join(run, "reconstructions.png")).subarray(0, 8)]).toEqual(pngMagic);
    const saved = await loadRun(run);
    const images = join(examplesDir, "data", "fashion-mnist", "slice-test-images-idx3-ubyte.gz");
    const code = predictRun(saved, images, { spec: model, name: "code" });
    // 7x7x8 per image, after a ReLU and max pooling: never negative.
    expect(code.columns).toHaveLength(392);
    expect(code.columns[391]).toBe("code_391");
    expect(code.rows.length).toBeGreaterThan(0);
    expect(code.rows.every((row) => row.every((v) => typeof v === "number" && v >= 0))).toBe(true);
  }, 60_000);
});
