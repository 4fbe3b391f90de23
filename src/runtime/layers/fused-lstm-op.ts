/**
 * A whole LSTM sequence, forward and backward, as one operation with its own gradient, for the wasm backend.
 *
 * tfjs's LSTM steps an LSTMCell per time step, about 140 kernels a step forward and back (matrix products,
 * a split, activations, products and sums, each with its gradient); on wasm each costs ~17 us of engine and
 * dispatch overhead, far more than its arithmetic. Here the input projection of all steps is one matrix
 * product, each step is one product `h @ recurrentKernel` plus one wasm function over the gates, and the
 * backward pass is one product per step (`dz @ recurrentKernel^T`) plus four products over all steps at the
 * end (the gradients of the kernel, the recurrent kernel and the input), all by the backend's own kernels on
 * `TensorInfo`s, outside the engine.
 *
 * The math is tfjs's LSTMCell: gates in the order i, f, c, o; `c = f * c' + i * tanh(z_c)`, `h = o * tanh(c)`;
 * the recurrent activation is the sigmoid or tfjs's hard sigmoid (`clip(0.2 z + 0.5, 0, 1)`). A step's gate
 * arithmetic is one wasm SIMD function over the backend's memory (../wasm/lstm-step.ts). Without a gradient to
 * take (`lstmInference`: predict, evaluate), nothing of the steps is kept.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { lstmStep, type LstmStepKind } from "../wasm/lstm-step.js";
import { originalKernel, type Info } from "../wasm/wasm-ops.js";

export interface FusedLstmSettings {
  readonly units: number;
  /** The recurrent activation is tfjs's hard sigmoid, not the sigmoid. */
  readonly hardSigmoid: boolean;
  /** Steps run from the last to the first (tfjs's `goBackwards`); outputs stay in the order run. */
  readonly goBackwards: boolean;
  /** The output holds the hidden state after every step, not only after the last. */
  readonly sequences: boolean;
  /** The output ends with the cell state after the last step. */
  readonly state: boolean;
}

/**
 * Runs the backend's kernels on `TensorInfo`s and frees what they made, except the results kept as tensors.
 * Each intermediate is freed as soon as it is no longer needed, so the per-step products never pile up.
 */
class Kernels {
  private readonly made = new Set<Info>();

  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: Record<string, Info>, attrs: tf.NamedAttrMap = {}, kernel = originalKernel(name)): Info {
    const result = kernel({ inputs, attrs, backend: this.backend }) as Info;
    this.made.add(result);
    return result;
  }

  /** `a @ b` for 2D `a` `[m, k]` and `b` `[k, n]`: `[1, m, n]`. */
  matMul(a: Info, b: Info): Info {
    const left = this.reshape(a, [1, ...a.shape.slice(-2)]);
    const right = this.reshape(b, [1, ...b.shape.slice(-2)]);
    // nnc's product where it registered one (wasm/fast-kernels.ts: XNNPACK's numbers, its right side read as it
    // lies instead of packed, and in the threaded build shared with the pool's worker), else the backend's.
    const current = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
    const attrs = { transposeA: false, transposeB: false };
    const product = this.run("BatchMatMul", { a: left, b: right }, attrs, current);
    this.free(left);
    this.free(right);
    return product;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run("Reshape", { x }, { shape });
  }

  /** A 2D `x` transposed. */
  transpose(x: Info): Info {
    return this.run("Transpose", { x: x }, { perm: [1, 0] });
  }

  /** A new float32 tensor holding `values`. */
  upload(values: Float32Array, shape: number[]): Info {
    const info = this.allocate(shape);
    this.view(info).set(values);
    return info;
  }

  /** A new float32 tensor holding the values of `info`. */
  copy(info: Info): Info {
    const result = this.allocate(info.shape);
    this.view(result).set(this.view(info));
    return result;
  }

  /** A new float32 tensor, its values unset. */
  allocate(shape: number[]): Info {
    const info = this.backend.makeOutput(shape, "float32");
    this.made.add(info);
    return info;
  }

  /** The values of `info` in place: valid until the next allocation (the heap may grow and move). */
  view(info: Info): Float32Array {
    return this.backend.typedArrayFromHeap(info) as Float32Array;
  }

  free(info: Info): void {
    if (this.made.delete(info)) this.backend.disposeData(info.dataId);
  }

  /** `info` (reshaped to `shape`) as a tensor the engine owns. */
  keep(info: Info, shape: number[]): tf.Tensor {
    const shaped = this.reshape(info, shape);
    this.made.delete(shaped);
    return tf.engine().makeTensorFromTensorInfo(shaped);
  }

  /** Frees every intermediate not kept. */
  release(): void {
    for (const info of this.made) this.backend.disposeData(info.dataId);
    this.made.clear();
  }
}

/**
 * The operation: `(x [B, T, F], kernel [F, 4U], recurrentKernel [U, 4U], bias [4U], h0 [B, U], c0 [B, U])` ->
 * `[B, K, U]` (`lstmOutputRows`): the hidden state after each step in the order the steps ran (with
 * `sequences`; else after the last step only), then with `state` the cell state after the last step. Its
 * gradient comes from the same pass: the gates and states of every step stay in JavaScript arrays for it. The
 * backend must be wasm and `lstmStep` must have a kernel for it.
 */
export function fusedLstm(settings: FusedLstmSettings): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: unknown[]) => {
    const [x, kernel, recurrent, bias, h0, c0] = args as tf.Tensor[];
    const save = args[6] as tf.GradSaveFunc;
    const pass = forward(settings, x!, kernel!, recurrent!, bias!, h0!, c0!, true);
    // The engine keeps saved tensors alive for the backward pass; the inputs themselves may be disposed
    // by then (an earlier layer's output, freed when the model's forward pass ends).
    save([x!, kernel!, recurrent!]);
    return {
      value: pass.output,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        backward(settings, pass.steps!, saved[0]!, saved[1]!, saved[2]!, dy),
    };
  }) as (...inputs: tf.Tensor[]) => tf.Tensor;
}

/**
 * `fusedLstm`'s output without its gradient, for a forward pass no gradient is taken of (predict, evaluate):
 * nothing of the steps is kept.
 */
export function lstmInference(settings: FusedLstmSettings): (...inputs: tf.Tensor[]) => tf.Tensor {
  return (x, kernel, recurrent, bias, h0, c0) =>
    forward(settings, x!, kernel!, recurrent!, bias!, h0!, c0!, false).output;
}

/**
 * Whether the operation runs on the current backend (wasm, with its step function), recording its steps for
 * a backward pass (`fusedLstm`) or not (`lstmInference`).
 */
export function fusedLstmRuns(settings: FusedLstmSettings, record: boolean): boolean {
  return lstmStep(tf.backend() as BackendWasm, stepKind(settings, record)) !== null;
}

function stepKind(settings: FusedLstmSettings, record: boolean): LstmStepKind {
  return { units: settings.units, hard: settings.hardSigmoid, keep: record, sequence: settings.sequences };
}

/** K, the rows per sample of the operation's output. */
export function lstmOutputRows(settings: FusedLstmSettings, steps: number): number {
  return (settings.sequences ? steps : 1) + (settings.state ? 1 : 0);
}

/** What the forward pass keeps of its steps for the backward one. */
interface Steps {
  /** Activated gates i, f, c, o of step `s` (in the order run), row `b`: `(s * B + b) * 4U`. */
  readonly gates: Float32Array;
  /** Cell state after step `s`: `(s * B + b) * U`; `c0` first, so step `s` is at `s + 1`. */
  readonly cells: Float32Array;
  /** `tanh` of the cell state after step `s`: `(s * B + b) * U`. */
  readonly cellTanh: Float32Array;
  /** Hidden state after step `s`, laid out as `cells` (`h0` first). */
  readonly hidden: Float32Array;
}

/**
 * The forward pass: the input projection of all steps as one product, then per step the product
 * `h @ recurrentKernel` and `lstmStep`'s gate arithmetic, which writes the states in place and the hidden
 * state of a step straight into the output. With `record`, a copy of each step's gates and states for the
 * backward pass.
 */
function forward(
  settings: FusedLstmSettings,
  x: tf.Tensor,
  kernel: tf.Tensor,
  recurrent: tf.Tensor,
  bias: tf.Tensor,
  h0: tf.Tensor,
  c0: tf.Tensor,
  record: boolean,
): { output: tf.Tensor; steps?: Steps } {
  const [B, T, F] = x.shape as [number, number, number];
  const U = settings.units;
  const G = 4 * U;
  const K = lstmOutputRows(settings, T);
  const backend = tf.backend() as BackendWasm;
  const step = lstmStep(backend, stepKind(settings, record));
  if (step === null) throw new Error("the fused LSTM's step kernel did not start on this wasm backend");
  const kernels = new Kernels(backend);
  try {
    // Row `t * B + b` of the projection is step t of sample b: a step reads its rows in one block (as
    // `b * T + t`, each row of a step came from another place, and a step took a third longer).
    const timeMajor = kernels.run("Transpose", { x }, { perm: [1, 0, 2] });
    const rows = kernels.reshape(timeMajor, [T * B, F]);
    kernels.free(timeMajor);
    const projected = kernels.matMul(rows, kernel);
    kernels.free(rows);
    const h = kernels.copy(h0);
    const c = kernels.copy(c0);
    const gates = kernels.allocate([B, G]);
    const cellTanh = kernels.allocate([B, U]);
    const output = kernels.allocate([B, K, U]);
    const steps = record
      ? {
          gates: take(T * B * G),
          cells: take((T + 1) * B * U),
          cellTanh: take(T * B * U),
          hidden: take((T + 1) * B * U),
        }
      : undefined;
    steps?.cells.set(kernels.view(c0));
    steps?.hidden.set(kernels.view(h0));
    // Offsets into the heap stay where they are when it grows (views do not).
    const at = (info: Info) => backend.getMemoryOffset(info.dataId);
    const [hAt, cAt, gatesAt, tanhAt, outputAt] = [at(h), at(c), at(gates), at(cellTanh), at(output)];
    for (let s = 0; s < T; s++) {
      const t = settings.goBackwards ? T - 1 - s : s;
      const fromState = kernels.matMul(h, recurrent);
      const [xz, hz, sequence] = [at(projected) + t * B * G * 4, at(fromState), outputAt + s * U * 4];
      step(xz, G * 4, hz, at(bias), cAt, cAt, hAt, gatesAt, tanhAt, sequence, K * U * 4, B);
      kernels.free(fromState);
      if (steps) {
        steps.gates.set(kernels.view(gates), s * B * G);
        steps.cells.set(kernels.view(c), (s + 1) * B * U);
        steps.cellTanh.set(kernels.view(cellTanh), s * B * U);
        steps.hidden.set(kernels.view(h), (s + 1) * B * U);
      }
    }
    // The last hidden state (when the steps' were not written) and cell state, into their rows.
    const [out, hv, cv] = [kernels.view(output), kernels.view(h), kernels.view(c)];
    for (let b = 0; b < B; b++) {
      if (!settings.sequences) out.set(hv.subarray(b * U, (b + 1) * U), b * K * U);
      if (settings.state) out.set(cv.subarray(b * U, (b + 1) * U), (b * K + K - 1) * U);
    }
    return { output: kernels.keep(output, [B, K, U]), steps };
  } finally {
    kernels.release();
  }
}

/**
 * Large arrays by length, reused from one pass to the next: a training step of lstm(64) over 80 steps would
 * otherwise allocate (and the collector reclaim) about 20 MB. The forward pass's arrays return to the pool
 * when its backward pass is done with them.
 */
const pool = new Map<number, Float32Array[]>();

function take(length: number): Float32Array {
  return pool.get(length)?.pop() ?? new Float32Array(length);
}

function give(...arrays: Float32Array[]): void {
  for (const array of arrays) {
    const free = pool.get(array.length) ?? [];
    pool.set(array.length, free);
    if (free.length < 4) free.push(array);
  }
}

/** The gradients of `x, kernel, recurrentKernel, bias, h0, c0` from `dy`, the gradient of the output. */
function backward(
  settings: FusedLstmSettings,
  pass: Steps,
  x: tf.Tensor,
  kernel: tf.Tensor,
  recurrent: tf.Tensor,
  dy: tf.Tensor,
): tf.Tensor[] {
  const [B, T, F] = x.shape as [number, number, number];
  const U = settings.units;
  const G = 4 * U;
  const hard = settings.hardSigmoid;
  const K = lstmOutputRows(settings, T);
  const { gates, cells, cellTanh, hidden } = pass;
  const kernels = new Kernels(tf.backend() as BackendWasm);
  const outputGradient = take(dy.size);
  // dz of every step, row `b * T + t` as the projection; and the hidden state each step started from.
  const dz = take(B * T * G);
  const previous = take(B * T * U);
  try {
    outputGradient.set(kernels.view(dy));
    const dh = new Float32Array(B * U);
    const dc = new Float32Array(B * U);
    const transposed = kernels.transpose(recurrent);
    const stepDz = kernels.upload(new Float32Array(B * G), [B, G]);
    for (let s = T - 1; s >= 0; s--) {
      const t = settings.goBackwards ? T - 1 - s : s;
      const stepView = kernels.view(stepDz);
      // The output's row of this step's hidden state and of its cell state, if it has one.
      const hRow = settings.sequences ? s : s === T - 1 ? 0 : -1;
      const cRow = settings.state && s === T - 1 ? K - 1 : -1;
      for (let b = 0; b < B; b++) {
        const gateRow = (s * B + b) * G;
        const before = (s * B + b) * U;
        const hOut = hRow < 0 ? -1 : (b * K + hRow) * U;
        const cOut = cRow < 0 ? -1 : (b * K + cRow) * U;
        const zRow = (b * T + t) * G;
        for (let j = 0; j < U; j++) {
          const i = gates[gateRow + j]!;
          const f = gates[gateRow + U + j]!;
          const g = gates[gateRow + 2 * U + j]!;
          const o = gates[gateRow + 3 * U + j]!;
          const tc = cellTanh[before + j]!;
          const dhj = dh[b * U + j]! + (hOut < 0 ? 0 : outputGradient[hOut + j]!);
          const dcj = dc[b * U + j]! + (cOut < 0 ? 0 : outputGradient[cOut + j]!) + dhj * o * (1 - tc * tc);
          const di = dcj * g * (hard ? (i > 0 && i < 1 ? 0.2 : 0) : i * (1 - i));
          const df = dcj * cells[before + j]! * (hard ? (f > 0 && f < 1 ? 0.2 : 0) : f * (1 - f));
          const dg = dcj * i * (1 - g * g);
          const dO = dhj * tc * (hard ? (o > 0 && o < 1 ? 0.2 : 0) : o * (1 - o));
          dc[b * U + j] = dcj * f;
          stepView[b * G + j] = dz[zRow + j] = di;
          stepView[b * G + U + j] = dz[zRow + U + j] = df;
          stepView[b * G + 2 * U + j] = dz[zRow + 2 * U + j] = dg;
          stepView[b * G + 3 * U + j] = dz[zRow + 3 * U + j] = dO;
          previous[(b * T + t) * U + j] = hidden[before + j]!;
        }
      }
      const fromState = kernels.matMul(stepDz, transposed);
      dh.set(kernels.view(fromState));
      kernels.free(fromState);
    }
    const biasGradient = new Float32Array(G);
    for (let row = 0; row < B * T; row++) {
      for (let k = 0; k < G; k++) biasGradient[k] += dz[row * G + k]!;
    }
    const dzAll = kernels.upload(dz, [B * T, G]);
    const xRows = kernels.transpose(kernels.reshape(x, [B * T, F]));
    const kernelGradient = kernels.matMul(xRows, dzAll);
    const previousRows = kernels.transpose(kernels.upload(previous, [B * T, U]));
    const recurrentGradient = kernels.matMul(previousRows, dzAll);
    const inputGradient = kernels.matMul(dzAll, kernels.transpose(kernel));
    return [
      kernels.keep(inputGradient, [B, T, F]),
      kernels.keep(kernelGradient, [F, G]),
      kernels.keep(recurrentGradient, [U, G]),
      tf.tensor(biasGradient, [G]),
      tf.tensor(dh, [B, U]),
      tf.tensor(dc, [B, U]),
    ];
  } finally {
    kernels.release();
    give(gates, cells, cellTanh, hidden, outputGradient, dz, previous);
  }
}
