/**
 * Adam's update on the wasm backend in one pass per variable. tfjs's `AdamOptimizer.applyGradients`
 * (tfjs-core's dist/optimizers/adam_optimizer.js) runs about ten kernels per variable and allocates as many
 * tensors (a fifth of an MLP's training step on wasm); here one loop per variable, a small wasm SIMD function
 * over the backend's own memory, reads the weight, the gradient and both moments and writes the three new ones.
 *
 * The loop does tfjs's operations in their order, each a float32 operation as the backend's kernels do them,
 * so the result equals tfjs's update on wasm bit for bit. The state stays tfjs's (the moments in
 * `accumulatedFirstMoment` / `accumulatedSecondMoment` with tfjs's names, `accBeta1`, `accBeta2`, the step
 * count), so `getWeights`, `setWeights` and nnc's checkpoints see no difference. The results go to new memory
 * that the variables are then assigned, as tfjs's update does, never over the old: the wasm backend caches
 * packed weights by tensor (XNNPACK's matmul and conv operators keep them until the tensor is freed), and
 * another tensor may share a variable's memory (a `tf.clone`, which nnc's Identity makes without a copy, as
 * early stopping's copy of the best weights). Anything unusual (another backend, a missing gradient, another
 * dtype, no wasm memory to be found) runs tfjs's own update for the whole call.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { backendMemory, isShared, moduleBinary, op, simd } from "./wasm-binary.js";

type Slot = { originalName: string; variable: tf.Variable };

/** What `applyGradients` reads of tfjs's AdamOptimizer (its fields are protected or private in the types). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (Slot | undefined)[];
  accumulatedSecondMoment: (Slot | undefined)[];
  incrementIterations(): void;
}

type Gradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];

/** How many updates ran fused and how many fell back to tfjs's (for tests: a fused path that never runs is not tested). */
export const fusedAdamCounts = { fused: 0, fallback: 0 };

/**
 * Makes an optimizer from `tf.train.adam` update on the wasm heap when the backend is wasm; any other optimizer
 * is returned as it is. Replaces the instance's `applyGradients` (used by `minimize`, so by `fit`).
 */
export function fuseAdam(optimizer: tf.Optimizer): tf.Optimizer {
  // Exactly tfjs's class: a subclass may change the update.
  if ((optimizer.constructor as unknown) !== tf.AdamOptimizer) return optimizer;
  const original = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (gradients: Gradients) => {
    if (tf.getBackend() === "wasm" && applyFused(optimizer as unknown as AdamState, gradients)) {
      fusedAdamCounts.fused++;
    } else {
      fusedAdamCounts.fallback++;
      original(gradients);
    }
  };
  return optimizer;
}

/** One variable's update: its weight, its gradient and its moments. */
interface Update {
  readonly value: tf.Variable;
  readonly gradient: tf.Tensor;
  readonly m: tf.Variable;
  readonly v: tf.Variable;
}

/** Adam's step in one wasm loop per variable; false (having changed nothing tfjs's update would not) when tfjs's must run. */
function applyFused(adam: AdamState, gradients: Gradients): boolean {
  const backend = tf.backend() as BackendWasm;
  // As tfjs names and orders them: a moment is the i-th in the order the gradients come.
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  const values: tf.Variable[] = [];
  const grads: tf.Tensor[] = [];
  for (let i = 0; i < names.length; i++) {
    const value = tf.engine().registeredVariables[names[i]!];
    const gradient = Array.isArray(gradients) ? gradients[i]!.tensor : gradients[names[i]!];
    // tfjs skips a variable without a gradient (after making its moments): its own update does that.
    if (value === undefined || value.isDisposed || !value.trainable || value.dtype !== "float32") return false;
    if (gradient == null || gradient.isDisposed || gradient.dtype !== "float32") return false;
    if (!tf.util.arraysEqual(gradient.shape, value.shape)) return false;
    const m = adam.accumulatedFirstMoment[i]?.variable;
    const v = adam.accumulatedSecondMoment[i]?.variable;
    for (const moment of [m, v]) {
      if (moment && (moment.dtype !== "float32" || moment.size !== value.size || moment.isDisposed)) return false;
    }
    values.push(value);
    grads.push(gradient);
  }
  for (const acc of [adam.accBeta1, adam.accBeta2]) {
    if (acc.isDisposed || acc.dtype !== "float32" || acc.size !== 1) return false;
  }
  const kernel = simdKernel(backend);
  if (kernel === null) return false;
  // The moments a first step makes, exactly as tfjs does (in the same order, so with the same variable ids).
  const updates: Update[] = [];
  names.forEach((name, i) => {
    const value = values[i]!;
    adam.accumulatedFirstMoment[i] ??= {
      originalName: `${name}/m`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    adam.accumulatedSecondMoment[i] ??= {
      originalName: `${name}/v`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    const m = adam.accumulatedFirstMoment[i]!.variable;
    const v = adam.accumulatedSecondMoment[i]!.variable;
    updates.push({ value, gradient: grads[i]!, m, v });
  });
  // New memory for every result, assigned as tfjs's update assigns: a variable's old memory is never written.
  // The wasm backend keys caches on a tensor's data (XNNPACK's packed matmul and conv weights), and another
  // tensor may share it (a tf.clone, which nnc's Identity makes without a copy).
  const olds = [adam.accBeta1, adam.accBeta2];
  for (const u of updates) olds.push(u.value, u.m, u.v);
  const news = olds.map((t) => backend.makeOutput(t.shape, "float32"));
  // The heap views last: allocating may grow the heap, which empties older views.
  const heap = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const [acc1, acc2] = [heap(olds[0]!), heap(olds[1]!)];
  const f = Math.fround;
  // tfjs's scalars, each a float32 tensor: `sub(1, accBeta)`, `mul(m, beta1)`, `mul(g, 1 - beta1)`, ...
  const c = {
    b1: f(adam.beta1),
    k1: f(1 - adam.beta1),
    b2: f(adam.beta2),
    k2: f(1 - adam.beta2),
    d1: f(1 - acc1[0]!),
    d2: f(1 - acc2[0]!),
    eps: f(adam.epsilon),
    rate: f(-adam.learningRate),
  };
  heap(news[0]!)[0] = acc1[0]! * c.b1;
  heap(news[1]!)[0] = acc2[0]! * c.b2;
  const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  const scalars = [c.b1, c.k1, c.b2, c.k2, c.d1, c.d2, c.eps, c.rate] as const;
  updates.forEach((u, i) => {
    const j = 2 + 3 * i;
    const [value, m, v, value2, m2, v2] = [olds[j]!, olds[j + 1]!, olds[j + 2]!, news[j]!, news[j + 1]!, news[j + 2]!];
    // Four at a time in wasm, the last few here.
    const four = value.size - (value.size % 4);
    kernel(at(u.gradient), at(value), at(m), at(v), at(value2), at(m2), at(v2), four * 4, ...scalars);
    const tail = (t: tf.TensorInfo) => heap(t).subarray(four);
    step(
      tail(u.gradient),
      { value: tail(value), m: tail(m), v: tail(v) },
      { value: tail(value2), m: tail(m2), v: tail(v2) },
      c,
    );
  });
  tf.tidy(() => {
    olds.forEach((variable, i) => {
      const result = tf.engine().makeTensorFromTensorInfo(news[i]!, backend);
      (variable as tf.Variable).assign(result);
      result.dispose();
    });
  });
  adam.incrementIterations();
  return true;
}

type Moments = { value: Float32Array; m: Float32Array; v: Float32Array };

/**
 * tfjs's expressions, one rounding per kernel:
 *   m' = m*b1 + g*(1-b1);  v' = v*b2 + square(g)*(1-b2)
 *   value' = ((m'/(1-accB1)) / (sqrt(v'/(1-accB2)) + eps)) * -rate + value
 * (Products of float32s are exact in doubles and a double sum, quotient or square root rounded to float32 is
 * the float32 operation's result, so fround after each is the kernel's number.)
 */
function step(
  g: Float32Array,
  from: Moments,
  to: Moments,
  c: { b1: number; k1: number; b2: number; k2: number; d1: number; d2: number; eps: number; rate: number },
): void {
  const f = Math.fround;
  const { b1, k1, b2, k2, d1, d2, eps, rate } = c;
  const { value, m, v } = from;
  const [value2, m2, v2] = [to.value, to.m, to.v];
  for (let k = 0; k < value.length; k++) {
    const gk = g[k]!;
    const mk = f(f(m[k]! * b1) + f(gk * k1));
    const vk = f(f(v[k]! * b2) + f(f(gk * gk) * k2));
    m2[k] = mk;
    v2[k] = vk;
    const denominator = f(f(Math.sqrt(f(vk / d2))) + eps);
    value2[k] = f(f(f(mk / d1) / denominator) * rate) + value[k]!;
  }
}

export type Kernel = (
  g: number,
  value: number,
  m: number,
  v: number,
  value2: number,
  m2: number,
  v2: number,
  bytes: number,
  ...scalars: readonly [number, number, number, number, number, number, number, number]
) => void;

/** The loop below in wasm, one per memory (the plain build's, or the threaded build's shared one). */
const kernels = new WeakMap<WebAssembly.Memory, Kernel | null>();

/**
 * `step` as a wasm function over the backend's own memory, four floats at a time: the f32x4 operations are
 * IEEE float32 operations, as the backend's kernels' (XNNPACK's) are, so the numbers are the same; a loop in
 * JavaScript, a double-precision division at a time, is no faster than tfjs's ten kernels. Null when the
 * memory is not to be found or the module does not start (tfjs's update runs then).
 */
function simdKernel(backend: BackendWasm): Kernel | null {
  const memory = backendMemory(backend.wasm);
  return memory === null ? null : kernelFor(memory);
}

/** The kernel over `memory` (exported for tests: the threaded build's memory is shared). */
export function kernelFor(memory: WebAssembly.Memory): Kernel | null {
  if (kernels.has(memory)) return kernels.get(memory)!;
  let kernel: Kernel | null = null;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(adamBinary(isShared(memory))), {
      env: { memory },
    });
    kernel = instance.exports["adam"] as Kernel;
  } catch {
    kernel = null;
  }
  kernels.set(memory, kernel);
  return kernel;
}

/**
 * The wasm module: `adam(g, value, m, v, value2, m2, v2, bytes, b1, k1, b2, k2, d1, d2, eps, rate)`, byte
 * offsets into the imported memory and a byte count that is a multiple of 16; `step`'s loop as f32x4 operations.
 */
function adamBinary(shared: boolean): Uint8Array<ArrayBuffer> {
  const [getLocal, setLocal, i32Add, geU, brIf, br] = [0x20, 0x21, 0x6a, 0x4f, 0x0d, 0x0c];
  const [load, store] = [
    [...simd(0x00), 0x00, 0x00],
    [...simd(0x0b), 0x00, 0x00],
  ];
  const [splat, sqrt, add, mul, div] = [simd(0x13), simd(0xe3), simd(0xe4), simd(0xe6), simd(0xe7)];
  const get = (i: number) => [getLocal, i];
  // Params 0-6: the offsets, 7: bytes, 8-15: the scalars; locals 16: i, 17-24: the scalars splatted,
  // 25: g, 26: m', 27: v'.
  const at = (base: number) => [...get(base), ...get(16), i32Add];
  const body = [
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => [...get(8 + k), ...splat, setLocal, 17 + k]),
    ...[0x02, 0x40, 0x03, 0x40],
    ...[...get(16), ...get(7), geU, brIf, 1],
    ...[...at(0), ...load, setLocal, 25],
    // m' = m*b1 + g*k1
    ...[...at(2), ...load, ...get(17), ...mul, ...get(25), ...get(18), ...mul, ...add, setLocal, 26],
    // v' = v*b2 + (g*g)*k2
    ...[...at(3), ...load, ...get(19), ...mul, ...get(25), ...get(25), ...mul, ...get(20), ...mul, ...add],
    ...[setLocal, 27],
    ...[...at(5), ...get(26), ...store, ...at(6), ...get(27), ...store],
    // value' = ((m'/d1) / (sqrt(v'/d2) + eps)) * rate + value
    ...[...at(4), ...get(26), ...get(21), ...div, ...get(27), ...get(22), ...div, ...sqrt, ...get(23), ...add],
    ...[...div, ...get(24), ...mul, ...at(1), ...load, ...add, ...store],
    ...[...get(16), 0x41, 0x10, i32Add, setLocal, 16, br, 0],
    ...[0x0b, 0x0b],
  ];
  const params = [...new Array<number>(8).fill(op.i32), ...new Array<number>(8).fill(op.f32)];
  return moduleBinary(
    shared,
    "adam",
    params,
    [
      [1, op.i32],
      [11, op.v128],
    ],
    body,
  );
}
