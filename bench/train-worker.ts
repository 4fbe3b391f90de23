/**
 * One training measurement in a fresh process, so that backends, kernels and memory never leak between
 * measurements:
 *
 *   node --import tsx bench/train-worker.ts FRAMEWORK MODEL SECONDS ROUNDS
 *
 * FRAMEWORK is `nnc` (nnc's own training path: the spec checked by the compiler and trained by
 * `trainModel`, as `nnc train` does, on the backend nnc picks), `nnc-predict` (what `nnc predict` does with a
 * saved run of the model: `predictRun` over an .npy file of rows, outputs to class names and probabilities),
 * `tfjs-cpu` (the model hand-written in tfjs, default settings) or `tfjs-wasm` (the same on plain
 * @tensorflow/tfjs-backend-wasm, without nnc's kernels). Warm-up steps are excluded; each round lasts about
 * SECONDS. Prints one JSON line: samples/s per round.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { benchModels, predictRows, type BenchModel, type ModelName } from "./models.js";
import { syntheticData, writeSyntheticNpy } from "./lib.js";

export interface TrainMeasurement {
  readonly rates: number[];
  readonly backend: string;
  readonly note?: string;
}

const [framework, modelName, secondsText, roundsText] = process.argv.slice(2);
const bench = benchModels[modelName as ModelName];
if (!bench || !framework)
  throw new Error("usage: train-worker.ts nnc|tfjs-cpu|tfjs-wasm mlp|convnet|lstm SECONDS ROUNDS");
const seconds = Number(secondsText ?? 1);
const rounds = Number(roundsText ?? 5);

const result =
  framework === "nnc"
    ? await measureNnc(bench)
    : framework === "nnc-predict"
      ? await measurePredict(bench)
      : await measureTfjs(bench, framework);
process.stdout.write(JSON.stringify(result) + "\n");

/**
 * nnc: a calibration run of ten steps estimates the speed, then a run of 1 + ROUNDS epochs, each about
 * SECONDS long; an epoch's time is the time between two of the progress lines `trainModel` writes.
 */
async function measureNnc(model: BenchModel): Promise<TrainMeasurement> {
  const { checkSource } = await import("../src/compiler/index.js");
  const runtime = await import("../src/runtime/index.js");
  const { stepWork } = await import("../src/runtime/step-work.js");
  const dir = mkdtempSync(join(tmpdir(), "nnc-bench-train-"));
  try {
    const file = join(dir, "model.nn");
    writeFileSync(file, model.spec);
    const checked = checkSource(model.spec, file);
    if (!checked.program) throw new Error(checked.diagnostics.map((d) => d.message).join("; "));
    const ir = checked.program.models[0]!;
    const trainIr = checked.program.trains[0]!;
    // The backend as `nnc train` starts it for this model (its step's work picks the wasm build's threads).
    const backend = await runtime.initBackend(undefined, stepWork(ir, model.batch));
    const epochTimes = async (steps: number, epochs: number): Promise<number[]> => {
      writeSyntheticNpy(dir, model, steps * model.batch);
      const stamps: number[] = [];
      const output = new Writable({
        write(chunk, _encoding, done) {
          if (String(chunk).startsWith("epoch ")) stamps.push(performance.now());
          done();
        },
      });
      // A run folder of its own: nnc does not write into a folder holding other files (here, the data); the
      // calibration run is replaced by the measured one.
      await runtime.trainModel(ir, trainIr, { epochs, output, runDir: join(dir, "run"), overwrite: true });
      return stamps.slice(1).map((t, i) => (t - stamps[i]!) / 1000);
    };
    // Ten steps, not two: an epoch's time includes the checkpoint written at its end (tens of ms, more when
    // the disk is busy), which would otherwise pass for steps and size the measured epochs far too short.
    const calibration = await epochTimes(10, 2);
    const stepSeconds = calibration[0]! / 10;
    const steps = Math.max(1, Math.round(seconds / stepSeconds));
    const times = await epochTimes(steps, rounds + 1);
    return { rates: times.map((t) => (steps * model.batch) / t), backend };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * nnc predict: a run saved by `trainModel` (one short epoch), loaded as `nnc predict` loads it, then
 * `predictRun` over `predictRows` rows of an .npy file, timed whole (reading the file, the forward passes in
 * batches of 256, the table of class names and probabilities), after one warm-up call.
 */
async function measurePredict(model: BenchModel): Promise<TrainMeasurement> {
  const { checkSource } = await import("../src/compiler/index.js");
  const runtime = await import("../src/runtime/index.js");
  const backend = await runtime.initBackend();
  const dir = mkdtempSync(join(tmpdir(), "nnc-bench-predict-"));
  try {
    const checked = checkSource(model.spec, join(dir, "model.nn"));
    if (!checked.program) throw new Error(checked.diagnostics.map((d) => d.message).join("; "));
    writeSyntheticNpy(dir, model, 2 * model.batch);
    const runDir = join(dir, "run");
    await runtime.trainModel(checked.program.models[0]!, checked.program.trains[0]!, {
      epochs: 1,
      output: new Writable({ write: (_chunk, _encoding, done) => done() }),
      runDir,
    });
    const rows = predictRows[modelName as ModelName];
    writeSyntheticNpy(dir, model, rows);
    const run = await runtime.loadRun(runDir);
    const predict = () => runtime.predictRun(run, join(dir, "x.npy"));
    predict();
    const rates: number[] = [];
    while (rates.length < rounds) {
      const t = performance.now();
      let calls = 0;
      do {
        predict();
        calls++;
      } while (performance.now() - t < seconds * 1000);
      rates.push((calls * rows) / ((performance.now() - t) / 1000));
    }
    return { rates, backend };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tfjs: `trainOnBatch` on one fixed synthetic batch, after warm-up, in rounds of about SECONDS. */
async function measureTfjs(model: BenchModel, which: string): Promise<TrainMeasurement> {
  const tf = await import("@tensorflow/tfjs");
  if (which === "tfjs-wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
    if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialize");
  } else {
    await tf.setBackend("cpu");
  }
  const net = model.tfjs(tf);
  const data = syntheticData(model, model.batch);
  const x =
    model.vocabulary > 0
      ? tf.tensor(data.x, [model.batch, ...model.inputShape], "int32")
      : tf.tensor(data.x, [model.batch, ...model.inputShape]);
  const y =
    model.classes === 2
      ? tf.tensor2d(Float32Array.from(data.labels), [model.batch, 1])
      : tf.oneHot(tf.tensor1d(data.labels, "int32"), model.classes);
  const step = async () => {
    await net.trainOnBatch(x, y);
  };
  const started = performance.now();
  await step();
  let t = performance.now();
  await step();
  const stepSeconds = (performance.now() - t) / 1000;
  const steps = Math.max(1, Math.round(seconds / stepSeconds));
  const rates = steps === 1 ? [model.batch / stepSeconds] : [];
  // A slow backend gets fewer rounds so that one measurement stays within about a minute: at least two,
  // or only the timed step above when a step takes over 10 s (tfjs's cpu backend on the convnet).
  const least = stepSeconds > 10 ? 1 : 2;
  while (rates.length < rounds && (rates.length < least || performance.now() - started < 60_000)) {
    t = performance.now();
    for (let i = 0; i < steps; i++) await step();
    rates.push((steps * model.batch) / ((performance.now() - t) / 1000));
  }
  return { rates, backend: tf.getBackend() };
}
