/**
 * One model's per-step profile in a fresh process (bench/profile.ts runs it and prints the table):
 *
 *   node --import tsx bench/profile-worker.ts MODEL STEPS
 *
 * Where a training step's time goes when `nnc train` trains a bench model (bench/models.ts) on synthetic
 * `.npy` data through `trainModel`, as bench/train-worker.ts measures it, against bare `trainOnBatch` on one
 * fixed batch of the same model: the kernels by op (tf.profile), the optimizer's update, what is left for
 * tfjs's dispatch, nnc's batch preparation, the loop's work between steps and at epoch ends, garbage
 * collection and the tensor count. It wraps `LayersModel.prototype.trainOnBatch` to time the steps inside
 * `trainModel` without changing what runs. Prints one JSON line (`StepProfile`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { Writable } from "node:stream";
import * as tf from "@tensorflow/tfjs";
import { checkSource } from "../src/compiler/index.js";
import { buildModel } from "../src/runtime/build.js";
import { initBackend } from "../src/runtime/backend.js";
import { stepWork } from "../src/runtime/step-work.js";
import { openTrainingData } from "../src/runtime/data/batches.js";
import { makeOptimizer } from "../src/runtime/fine-tune.js";
import { compileForTraining } from "../src/runtime/metrics.js";
import { permutation, seededRandom } from "../src/runtime/random.js";
import { trainModel } from "../src/runtime/run-training.js";
import { writeSyntheticNpy } from "./lib.js";
import { benchModels, type ModelName } from "./models.js";

/** Garbage collection in a phase, per step: how many collections and their milliseconds. */
export interface GcFigures {
  readonly count: number;
  readonly ms: number;
  /** Of those, the full (mark-compact) collections. */
  readonly majorCount: number;
  readonly majorMs: number;
}

export interface KernelFigure {
  readonly name: string;
  /** Kernel milliseconds per step. */
  readonly ms: number;
  readonly calls: number;
}

export interface StepProfile {
  readonly model: string;
  readonly title: string;
  readonly backend: string;
  readonly batch: number;
  /** Steps per epoch of the `trainModel` run, and timed steps of bare `trainOnBatch`. */
  readonly steps: number;
  /** `trainModel`'s epochs after the first (warm-up) one, per step unless said otherwise. */
  readonly nnc: {
    readonly stepMs: number;
    /** This process's CPU time per step (all threads): what a busy machine disturbs least. */
    readonly cpuMs: number;
    readonly samplesPerSecond: number;
    /** Inside `trainOnBatch`. */
    readonly trainOnBatchMs: number;
    /** Between two steps of an epoch: batch preparation, figures, callbacks. */
    readonly betweenStepsMs: number;
    /** From an epoch's last step to the next one's first (epoch figures, checkpoint, shuffle), per epoch. */
    readonly epochEndMs: number;
    readonly gc: GcFigures;
    /** `tf.memory().numTensors` at the measured epochs' first and last progress lines. */
    readonly tensors: readonly [number, number];
    readonly epochsMeasured: number;
  };
  /** `trainOnBatch` on one fixed batch of the same model, compiled as nnc compiles it. */
  readonly bare: {
    readonly stepMs: number;
    readonly cpuMs: number;
    readonly samplesPerSecond: number;
    /** Wall time inside the optimizer's `applyGradients`. */
    readonly optimizerMs: number;
    readonly gc: GcFigures;
    readonly tensors: readonly [number, number];
  };
  /** tf.profile over `profiledSteps` bare steps, per step. */
  readonly kernels: {
    readonly ms: number;
    /** The profiled steps' wall time, profiling's own bookkeeping included. */
    readonly wallMs: number;
    readonly calls: number;
    /** The kernels run inside `applyGradients`. */
    readonly optimizerMs: number;
    readonly optimizerCalls: number;
    readonly byOp: readonly KernelFigure[];
    readonly profiledSteps: number;
  };
  /** nnc's batch preparation alone (`TrainingBatches.training` and disposing the batch), per step. */
  readonly feeding: { readonly ms: number; readonly cpuMs: number; readonly gc: GcFigures };
}

const [modelName, stepsText] = process.argv.slice(2);
const bench = benchModels[modelName as ModelName];
if (!bench) throw new Error(`usage: profile-worker.ts MODEL STEPS (a model of bench/models.ts, not ${modelName})`);
const steps = Math.max(2, Number(stepsText ?? 30));

const gcEntries: { start: number; ms: number; major: boolean }[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    gcEntries.push({ start: entry.startTime, ms: entry.duration, major: kind === constants.NODE_PERFORMANCE_GC_MAJOR });
  }
});
observer.observe({ entryTypes: ["gc"] });

/** Collections that started between `from` and `to` (performance.now() times), per step of `perSteps`. */
async function gcBetween(from: number, to: number, perSteps: number): Promise<GcFigures> {
  await new Promise((resolve) => setTimeout(resolve, 10)); // the observer is told in a later task
  const inside = gcEntries.filter((e) => e.start >= from && e.start < to);
  const major = inside.filter((e) => e.major);
  const ms = (entries: typeof inside) => entries.reduce((sum, e) => sum + e.ms, 0) / perSteps;
  return { count: inside.length / perSteps, ms: ms(inside), majorCount: major.length / perSteps, majorMs: ms(major) };
}

/** Times of every `trainOnBatch` call while `timing` is on: [start, end] pairs. */
const stepTimes: [number, number][] = [];
let timing = false;
const proto = tf.LayersModel.prototype as unknown as { trainOnBatch: tf.LayersModel["trainOnBatch"] };
const trainOnBatch = proto.trainOnBatch;
proto.trainOnBatch = async function (this: tf.LayersModel, x, y) {
  const start = performance.now();
  const result = await trainOnBatch.call(this, x, y);
  if (timing) stepTimes.push([start, performance.now()]);
  return result;
};

/** CPU milliseconds this process has used, user and system, over all its threads. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const dir = mkdtempSync(join(tmpdir(), "nnc-profile-"));
try {
  const file = join(dir, "model.nn");
  writeFileSync(file, bench.spec);
  writeSyntheticNpy(dir, bench, steps * bench.batch);
  const checked = checkSource(bench.spec, file);
  if (!checked.program) throw new Error(checked.diagnostics.map((d) => d.message).join("; "));
  const ir = checked.program.models[0]!;
  const trainIr = checked.program.trains[0]!;
  // The backend as `nnc train` starts it for this model (its step's work picks the wasm build's threads).
  const backend = await initBackend(undefined, stepWork(ir, bench.batch));
  const nnc = await profileTrainModel(ir, trainIr, dir);
  const { bare, kernels, feeding } = await profileBare(ir, trainIr);
  const profile: StepProfile = {
    model: modelName!,
    title: bench.title,
    backend,
    batch: bench.batch,
    steps,
    nnc,
    bare,
    kernels,
    feeding,
  };
  process.stdout.write(JSON.stringify(profile) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
  observer.disconnect();
}

/** `trainModel` for 4 epochs of `steps` steps; the first is warm-up, the others are measured. */
async function profileTrainModel(
  ir: Parameters<typeof trainModel>[0],
  trainIr: Parameters<typeof trainModel>[1],
  dir: string,
): Promise<StepProfile["nnc"]> {
  const stamps: { at: number; cpu: number; tensors: number }[] = [];
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (String(chunk).startsWith("epoch ")) {
        stamps.push({ at: performance.now(), cpu: cpuNow(), tensors: tf.memory().numTensors });
      }
      done();
    },
  });
  timing = true;
  await trainModel(ir, trainIr, { epochs: 4, output, runDir: join(dir, "run"), overwrite: true });
  timing = false;
  const from = stamps[0]!.at;
  const to = stamps.at(-1)!.at;
  const epochs = stamps.length - 1;
  const measured = stepTimes.filter(([start]) => start > from && start < to);
  stepTimes.length = 0;
  const inside = measured.reduce((sum, [start, end]) => sum + (end - start), 0);
  let between = 0;
  let epochEnds = 0;
  for (let k = 1; k < measured.length; k++) {
    const gap = measured[k]![0] - measured[k - 1]![1];
    if (k % steps === 0) epochEnds += gap;
    else between += gap;
  }
  const total = to - from;
  const stepCount = epochs * steps;
  return {
    stepMs: total / stepCount,
    cpuMs: (stamps.at(-1)!.cpu - stamps[0]!.cpu) / stepCount,
    samplesPerSecond: (stepCount * bench!.batch) / (total / 1000),
    trainOnBatchMs: inside / stepCount,
    betweenStepsMs: between / (stepCount - epochs),
    epochEndMs: (total - inside - between) / epochs,
    gc: await gcBetween(from, to, stepCount),
    tensors: [stamps[0]!.tensors, stamps.at(-1)!.tensors],
    epochsMeasured: epochs,
  };
}

/** Bare `trainOnBatch` on one batch, tf.profile of a few steps, and the batch preparation alone. */
async function profileBare(
  ir: Parameters<typeof trainModel>[0],
  trainIr: Parameters<typeof trainModel>[1],
): Promise<Pick<StepProfile, "bare" | "kernels" | "feeding">> {
  const model = buildModel(ir);
  const optimizer = makeOptimizer(trainIr.optimizer);
  compileForTraining(model, trainIr, optimizer);
  const data = await openTrainingData(model, trainIr);
  const batch = bench!.batch;
  try {
    // Batch preparation alone, over one epoch's shuffled order.
    const order = permutation(data.trainingRows, seededRandom(1));
    const feedFrom = performance.now();
    const feedCpu = cpuNow();
    for (let step = 0; step < steps; step++) {
      const [x, y] = data.training(order.slice(step * batch, (step + 1) * batch));
      tf.dispose([x, y]);
    }
    const feedTo = performance.now();
    const feeding = {
      ms: (feedTo - feedFrom) / steps,
      cpuMs: (cpuNow() - feedCpu) / steps,
      gc: await gcBetween(feedFrom, feedTo, steps),
    };

    const [x, y] = data.training(order.slice(0, batch));
    let inOptimizer = 0;
    let marks: [number, number][] = [];
    const applyGradients = optimizer.applyGradients.bind(optimizer);
    const activeKernels = () =>
      (tf.engine().state as unknown as { activeProfile?: { kernels: unknown[] } }).activeProfile?.kernels.length ?? 0;
    optimizer.applyGradients = (gradients) => {
      const start = performance.now();
      const first = activeKernels();
      applyGradients(gradients);
      marks.push([first, activeKernels()]);
      inOptimizer += performance.now() - start;
    };
    for (let k = 0; k < 5; k++) await model.trainOnBatch(x, y);
    inOptimizer = 0;
    const tensorsBefore = tf.memory().numTensors;
    const from = performance.now();
    const cpu = cpuNow();
    for (let k = 0; k < steps; k++) await model.trainOnBatch(x, y);
    const to = performance.now();
    const cpuMs = (cpuNow() - cpu) / steps;
    const stepMs = (to - from) / steps;
    const bare = {
      stepMs,
      cpuMs,
      samplesPerSecond: batch / (stepMs / 1000),
      optimizerMs: inOptimizer / steps,
      gc: await gcBetween(from, to, steps),
      tensors: [tensorsBefore, tf.memory().numTensors] as const,
    };

    const profiledSteps = Math.min(steps, 5);
    marks = [];
    const profiledFrom = performance.now();
    const info = await tf.profile(async () => {
      for (let k = 0; k < profiledSteps; k++) await model.trainOnBatch(x, y);
    });
    const profiledMs = (performance.now() - profiledFrom) / profiledSteps;
    const byOp = new Map<string, { ms: number; calls: number }>();
    let optimizerMs = 0;
    let optimizerCalls = 0;
    info.kernels.forEach((kernel, i) => {
      const ms = Number(kernel.kernelTimeMs) || 0;
      const entry = byOp.get(kernel.name) ?? { ms: 0, calls: 0 };
      entry.ms += ms;
      entry.calls++;
      byOp.set(kernel.name, entry);
      if (marks.some(([first, end]) => i >= first && i < end)) {
        optimizerMs += ms;
        optimizerCalls++;
      }
    });
    const ops = [...byOp].map(([name, { ms, calls }]) => ({
      name,
      ms: ms / profiledSteps,
      calls: calls / profiledSteps,
    }));
    ops.sort((a, b) => b.ms - a.ms);
    tf.dispose([x, y]);
    return {
      bare,
      feeding,
      kernels: {
        ms: ops.reduce((sum, op) => sum + op.ms, 0),
        wallMs: profiledMs,
        calls: info.kernels.length / profiledSteps,
        optimizerMs: optimizerMs / profiledSteps,
        optimizerCalls: optimizerCalls / profiledSteps,
        byOp: ops,
        profiledSteps,
      },
    };
  } finally {
    data.close();
    model.dispose();
  }
}
