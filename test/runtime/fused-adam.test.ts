/**
 * Adam's in-place update on wasm (src/runtime/wasm/fused-adam.ts) against tfjs's own AdamOptimizer: a small
 * model (a conv2d, an embedding, dense layers) trained a few steps equals, weights and optimizer state
 * (`getWeights`), tfjs's update on wasm bit for bit and the cpu backend's within 1e-5; so with other betas,
 * epsilon and rate, a rate changed between steps (as nnc's schedules do), and a restore from `getWeights`
 * (a checkpoint) followed by more steps. What it leaves to tfjs (a missing gradient, another backend) gives
 * tfjs's numbers, and a tensor sharing a weight's memory (a tf.clone) keeps its values.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { setRate } from "../../src/runtime/schedule-callbacks.js";
import { fuseAdam, fusedAdamCounts, kernelFor } from "../../src/runtime/wasm/fused-adam.js";
import { prepareBackends, relativeError, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

const batch = 8;

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = (state / 2147483648) * 2 - 1;
  }
  return out;
}

/** An image branch (conv2d) and a token branch (embedding) joined by dense layers, with fixed weights. */
function makeModel(): tf.LayersModel {
  const image = tf.input({ shape: [6, 6, 2] });
  const ids = tf.input({ shape: [5] });
  const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: "relu" }).apply(image) as tf.SymbolicTensor;
  const embedded = tf.layers.embedding({ inputDim: 10, outputDim: 4 }).apply(ids) as tf.SymbolicTensor;
  const joined = tf.layers
    .concatenate()
    .apply([
      tf.layers.flatten().apply(conv) as tf.SymbolicTensor,
      tf.layers.flatten().apply(embedded) as tf.SymbolicTensor,
    ]) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 8, activation: "tanh" }).apply(joined) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3 }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [image, ids], outputs: output });
  const weights = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    return tf.tensor(values(tf.util.sizeFromShape(shape), 7 + i), shape);
  });
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

type AdamArgs = [number, number?, number?, number?];

interface Run {
  weights: Float32Array[];
  /** The optimizer's `getWeights`: the step count, then the moments. */
  slots: Float32Array[];
}

interface Options {
  readonly backend: "cpu" | "wasm";
  readonly fused: boolean;
  readonly adam?: AdamArgs;
  readonly steps?: number;
  /** A rate set before the step of this index (as a schedule does). */
  readonly rateAt?: { step: number; rate: number };
  /** After this many steps, the model and optimizer are rebuilt from their saved weights (a resume). */
  readonly restoreAt?: number;
}

async function snapshot(model: tf.LayersModel, optimizer: tf.Optimizer): Promise<Run> {
  const slots = await optimizer.getWeights();
  return {
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    slots: slots.map((s) => Float32Array.from(s.tensor.dataSync())),
  };
}

/** Trains the model `steps` batches with Adam (`fused`: through fuseAdam) on `backend`. */
async function train(options: Options): Promise<Run> {
  await useBackend(options.backend);
  const adam = (): tf.Optimizer => {
    const optimizer = tf.train.adam(...(options.adam ?? [0.01]));
    return options.fused ? fuseAdam(optimizer) : optimizer;
  };
  let model = makeModel();
  let optimizer = adam();
  model.compile({ optimizer, loss: "meanSquaredError" });
  for (let step = 0; step < (options.steps ?? 5); step++) {
    if (options.restoreAt === step) {
      // A checkpoint: copies of the weights and the optimizer's state, put into a new model and optimizer.
      const saved = model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape));
      const state = (await optimizer.getWeights()).map((s) => ({
        name: s.name,
        tensor: tf.tensor(s.tensor.dataSync(), s.tensor.shape, s.tensor.dtype),
      }));
      model.dispose();
      optimizer.dispose();
      model = makeModel();
      optimizer = adam();
      model.compile({ optimizer, loss: "meanSquaredError" });
      model.setWeights(saved);
      // The optimizer's moments made from tensors still held (as a restore's are): they share their memory.
      await optimizer.setWeights(state);
      tf.dispose(saved);
    }
    if (options.rateAt?.step === step) setRate(optimizer, options.rateAt.rate);
    const x = [
      tf.tensor(values(batch * 72, 100 + step), [batch, 6, 6, 2]),
      tf.tensor(
        Array.from(values(batch * 5, 200 + step), (u) => Math.floor((u + 1) * 5)),
        [batch, 5],
      ),
    ];
    const y = tf.tensor(values(batch * 3, 300 + step), [batch, 3]);
    await model.trainOnBatch(x, y);
    tf.dispose([...x, y]);
  }
  const run = await snapshot(model, optimizer);
  model.dispose();
  optimizer.dispose();
  return run;
}

function expectSame(actual: Run, expected: Run, tolerance: number): void {
  expect(actual.weights.length).toBe(expected.weights.length);
  expect(actual.slots.length).toBe(expected.slots.length);
  actual.weights.forEach((w, i) => expect(relativeError(w, expected.weights[i]!)).toBeLessThanOrEqual(tolerance));
  actual.slots.forEach((s, i) => expect(relativeError(s, expected.slots[i]!)).toBeLessThanOrEqual(tolerance));
}

/** Runs `options` fused on wasm, checks how many updates ran fused, and compares with tfjs's on wasm and on cpu. */
async function compare(options: Omit<Options, "backend" | "fused">, inPlace: number): Promise<void> {
  const before = fusedAdamCounts.fused;
  const fused = await train({ ...options, backend: "wasm", fused: true });
  expect(fusedAdamCounts.fused - before).toBe(inPlace);
  const plain = await train({ ...options, backend: "wasm", fused: false });
  const cpu = await train({ ...options, backend: "cpu", fused: false });
  expectSame(fused, plain, 0);
  expectSame(fused, cpu, 1e-5);
  // The weights moved: equal runs of an update that does nothing would prove nothing.
  const start = await train({ ...options, steps: 0, backend: "wasm", fused: false });
  expect(relativeError(fused.weights[0]!, start.weights[0]!)).toBeGreaterThan(1e-3);
}

describe("Adam's fused update on wasm", () => {
  it("equals tfjs's update (default betas and epsilon)", async () => {
    await compare({}, 5);
  });

  it("equals tfjs's update with other betas, epsilon and rate", async () => {
    await compare({ adam: [0.003, 0.8, 0.95, 1e-4], steps: 6 }, 6);
  });

  it("reads the learning rate at every step (a schedule's change)", async () => {
    await compare({ rateAt: { step: 2, rate: 0.05 } }, 5);
  });

  it("continues from a restored state as the unbroken run does", async () => {
    await compare({ restoreAt: 3, steps: 6 }, 6);
    const unbroken = await train({ backend: "wasm", fused: true, steps: 6 });
    const resumed = await train({ backend: "wasm", fused: true, steps: 6, restoreAt: 3 });
    // setWeights recomputes tfjs's powers of beta from the step count: a rounding away, not more.
    expectSame(resumed, unbroken, 1e-5);
  });

  it("keeps a tensor that shares a weight's memory as it was", async () => {
    await useBackend("wasm");
    const run = async (fused: boolean, share: boolean) => {
      const weight = tf.tidy(() => tf.variable(tf.tensor(values(12, 1), [3, 4])));
      const bias = tf.tidy(() => tf.variable(tf.tensor(values(4, 2), [4])));
      const optimizer = fused ? fuseAdam(tf.train.adam(0.1)) : tf.train.adam(0.1);
      // nnc's Identity kernel shares the memory (as early stopping's copy of the best weights does).
      const kept = share ? tf.clone(weight) : null;
      const counts = { ...fusedAdamCounts };
      for (let step = 0; step < 2; step++) {
        const grads = { [weight.name]: tf.tensor(values(12, 10 + step), [3, 4]), [bias.name]: tf.ones([4]) };
        optimizer.applyGradients(grads);
        tf.dispose(Object.values(grads));
      }
      const result = {
        weight: weight.dataSync().slice(),
        bias: bias.dataSync().slice(),
        kept: kept?.dataSync().slice(),
        fused: fusedAdamCounts.fused - counts.fused,
        fallback: fusedAdamCounts.fallback - counts.fallback,
      };
      tf.dispose([weight, bias, kept ?? []].flat());
      optimizer.dispose();
      return result;
    };
    const plain = await run(false, false);
    const shared = await run(true, true);
    expect([shared.fallback, shared.fused]).toEqual([0, 2]);
    expect(shared.kept).toEqual(values(12, 1));
    expect(shared.weight).toEqual(plain.weight);
    expect(shared.bias).toEqual(plain.bias);
  });

  it("leaves a missing gradient and other backends to tfjs's update, with its numbers", async () => {
    const run = async (backend: "cpu" | "wasm", fused: boolean) => {
      await useBackend(backend);
      const a = tf.tidy(() => tf.variable(tf.tensor(values(6, 1), [6])));
      const b = tf.tidy(() => tf.variable(tf.tensor(values(6, 2), [6])));
      const optimizer = fused ? fuseAdam(tf.train.adam(0.1)) : tf.train.adam(0.1);
      const counts = { ...fusedAdamCounts };
      for (let step = 0; step < 2; step++) {
        // tfjs skips b (no gradient) at the first step and updates it at the second.
        const g = tf.tensor(values(6, 10 + step), [6]);
        optimizer.applyGradients({ [a.name]: g, [b.name]: step === 0 ? (null as unknown as tf.Tensor) : g });
        g.dispose();
      }
      const result = {
        a: a.dataSync().slice(),
        b: b.dataSync().slice(),
        slots: (await optimizer.getWeights()).map((s) => s.tensor.dataSync().slice()),
        fused: fusedAdamCounts.fused - counts.fused,
      };
      tf.dispose([a, b]);
      optimizer.dispose();
      return result;
    };
    const plain = await run("wasm", false);
    const fused = await run("wasm", true);
    expect(fused.fused).toBe(1);
    expect(fused).toEqual({ ...plain, fused: 1 });
    const cpu = await run("cpu", true);
    expect(cpu.fused).toBe(0);
    expect(relativeError(cpu.a, plain.a)).toBeLessThanOrEqual(1e-6);
    expect(relativeError(cpu.b, plain.b)).toBeLessThanOrEqual(1e-6);
  });

  it("leaves no tensors behind", async () => {
    await useBackend("wasm");
    const w = tf.tidy(() => tf.variable(tf.tensor(values(20, 1), [4, 5])));
    const optimizer = fuseAdam(tf.train.adam(0.01));
    const g = tf.tensor(values(20, 2), [4, 5]);
    optimizer.applyGradients({ [w.name]: g });
    const [tensors, bytes] = [tf.memory().numTensors, tf.memory().numBytes];
    const before = fusedAdamCounts.fused;
    optimizer.applyGradients({ [w.name]: g });
    expect(fusedAdamCounts.fused - before).toBe(1);
    expect([tf.memory().numTensors, tf.memory().numBytes]).toEqual([tensors, bytes]);
    tf.dispose([w, g]);
    optimizer.dispose();
  });
});

describe("the wasm loop", () => {
  it("runs over a shared memory (the threaded build's) with tfjs's rounding", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const kernel = kernelFor(memory)!;
    expect(kernel).not.toBeNull();
    // Seven arrays of 9 floats (8 in wasm, 1 left), 64 bytes apart.
    const n = 9;
    const arrays = Array.from({ length: 7 }, (_, i) => new Float32Array(memory.buffer, i * 64, n));
    const [g, value, m, v, value2, m2, v2] = arrays as [Float32Array, ...Float32Array[]];
    g.set(values(n, 1).map((x) => x * 0.1));
    value.set(values(n, 2));
    m.set(values(n, 3).map((x) => x * 0.01));
    v.set(values(n, 4).map((x) => x * x * 1e-4));
    const f = Math.fround;
    const [b1, b2, acc1, acc2, eps, rate] = [0.9, 0.999, f(0.9 ** 3), f(0.999 ** 3), 1e-7, 0.01].map(f);
    const [k1, k2, d1, d2] = [f(1 - 0.9), f(1 - 0.999), f(1 - acc1!), f(1 - acc2!)];
    kernel(0, 64, 128, 192, 256, 320, 384, 32, b1!, k1, b2!, k2, d1, d2, eps!, f(-rate!));
    for (let k = 0; k < 8; k++) {
      // tfjs's kernels, one float32 rounding each.
      const mk = f(f(m[k]! * b1!) + f(g[k]! * k1));
      const vk = f(f(v[k]! * b2!) + f(f(g[k]! * g[k]!) * k2));
      const step = f(f(f(mk / d1) / f(f(Math.sqrt(f(vk / d2))) + eps!)) * f(-rate!));
      expect([m2![k], v2![k], value2![k]]).toEqual([mk, vk, f(step + value[k]!)]);
    }
    // The ninth is the caller's to do.
    expect([m2![8], v2![8], value2![8]]).toEqual([0, 0, 0]);
  });
});
