/**
 * tfjs-layers' categorical crossentropy (per example: -sum(target * log(clip(output / sum(output)))) over the
 * last axis) with its gradient in one pass on the wasm backend. tfjs differentiates the loss kernel by kernel,
 * about 27 kernels a step (Neg, Multiply, Cast, RealDiv, the clip's GreaterEqual, LessEqual, LogicalAnd,
 * Select, the division's Square, Sum, Neg, an Add, ...), each with the engine's bookkeeping, for a [batch,
 * classes] tensor that is tiny next to the model; here one loop over the wasm heap does the same float32
 * operations in the same order, so the gradient is tfjs's bit for bit. The forward pass is tfjs's own kernels.
 * On any other backend, or a target that is not float32, it is tfjs's loss as it is.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** tfjs-layers' epsilon(), the clip's bounds as the kernels see them (float32). */
const epsilon = 1e-7;
const [low, high] = [Math.fround(epsilon), Math.fround(1 - epsilon)];

/** How many gradients ran fused (for tests: a fused path that never runs is not tested). */
export const crossentropyCounts = { fused: 0 };

/** The loss per example: target and output [..., classes], the result [...]. */
export function categoricalCrossentropy(target: tf.Tensor, output: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== "wasm" || target.dtype !== "float32" || output.dtype !== "float32" || output.rank < 1) {
    return tf.metrics.categoricalCrossentropy(target, output);
  }
  return fused(target, output);
}

const fused = tf.customGrad((target, output, save) => {
  const [t, p] = [target as tf.Tensor, output as tf.Tensor];
  const axis = p.rank - 1;
  // tfjs-layers' forward pass, kernel for kernel.
  const sums = tf.sum(p, axis, true);
  const clipped = tf.clipByValue(tf.div(p, sums), epsilon, 1 - epsilon);
  const logs = tf.log(clipped);
  const value = tf.neg(tf.sum(tf.mul(tf.cast(t, "float32"), logs), axis));
  (save as (tensors: tf.Tensor[]) => void)([t, p, sums, logs]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      gradients(dy, saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]),
  };
});

/**
 * The gradients for the target and the output, as tfjs's chain computes them, per example i and class j:
 *   dm = -dy_i (Neg, then Sum's gradient: times ones);  dlog = dm * t;  dq = dlog / clip(q) where q = p / s
 *   when eps <= q <= 1 - eps, else 0 (the clip's gradient);  ds_i = -((sum_j dq * p) / s_i^2) (the division's
 *   gradient for s, summed in order as the Sum kernel sums);  dp = dq / s_i + ds_i;  dt = dm * log(clip(q)).
 * (Float32 operations done in doubles and rounded once give the float32 result: see fused-adam.ts.)
 */
function gradients(dy: tf.Tensor, [t, p, s, logs]: [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]): tf.Tensor[] {
  const backend = tf.backend() as BackendWasm;
  const classes = p.shape[p.rank - 1]!;
  const rows = p.size / classes;
  const [dt, dp] = [backend.makeOutput(t.shape, "float32"), backend.makeOutput(p.shape, "float32")];
  // The views last: allocating may grow the heap, which empties older views.
  const heap = (x: tf.TensorInfo) => backend.typedArrayFromHeap(x) as Float32Array;
  const [dys, ts, ps, ss, ls, dts, dps] = [dy, t, p, s, logs, dt, dp].map(heap) as Float32Array[] as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const f = Math.fround;
  const dq = new Float32Array(classes);
  for (let i = 0; i < rows; i++) {
    const dm = -dys[i]!;
    const si = ss[i]!;
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const at = i * classes + j;
      const q = f(ps[at]! / si);
      const clipped = Math.min(Math.max(q, low), high);
      dq[j] = q >= low && q <= high ? f(f(dm * ts[at]!) / clipped) : 0;
      sum = f(sum + f(dq[j]! * ps[at]!));
      dts[at] = f(dm * ls[at]!);
    }
    const ds = -f(sum / f(si * si));
    for (let j = 0; j < classes; j++) dps[i * classes + j] = f(f(dq[j]! / si) + ds);
  }
  crossentropyCounts.fused++;
  return [dt, dp].map((info) => tf.engine().makeTensorFromTensorInfo(info, backend));
}
