/**
 * Sum over leading axes for the wasm backend. Its own Sum reduces only the innermost axes, so a sum over the
 * leading ones (a bias's gradient: dy [batch, h, w, channels] summed to [channels], every conv2d and dense
 * layer's, each step) first transposes the whole tensor: 4 ms of a convnet's 66 ms step went to it. Viewed
 * as one [1, rows, 1, channels] image, that sum is an average pooling over all its rows (XNNPACK's, one
 * pass) times the row count (unless a sum is not finite: see below). Any other sum, and any non-float32 one, is the backend's own.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelScope, originalKernel, reshape, type Attrs, type Info } from "./wasm-ops.js";

interface KernelArgs {
  readonly inputs: Record<string, Info>;
  readonly backend: unknown;
  readonly attrs?: Attrs;
}

const size = (shape: readonly number[]) => shape.reduce((total, d) => total * d, 1);

/** Sum: inputs x; attrs axis, keepDims. */
export function sum({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const x = inputs.x!;
  const rank = x.shape.length;
  const axes = [...new Set(tf.util.parseAxisParam(attrs.axis as number | number[], x.shape))].sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((axis, i) => axis === i);
  const rows = size(x.shape.slice(0, axes.length));
  const width = size(x.shape.slice(axes.length));
  // (XNNPACK pools windows of more than one pixel.)
  if (x.dtype !== "float32" || !leading || rows < 2 || width === 0) {
    return originalKernel("Sum")({ inputs, backend: backend as object, attrs }) as Info;
  }
  const scope = new KernelScope(backend as BackendWasm);
  const image = reshape(scope, x, [1, rows, 1, width]);
  const mean = scope.run("AvgPool", { x: image }, { filterSize: [rows, 1], strides: [1, 1], pad: "valid" });
  const values = scope.heap(mean) as Float32Array;
  let finite = true;
  for (let i = 0; i < width; i++) {
    values[i] = values[i]! * rows;
    finite = finite && Number.isFinite(values[i]);
  }
  // XNNPACK clamps its result, which turns a NaN (a NaN or opposite infinities summed) into -Infinity:
  // a sum that is not finite is the backend's own, which keeps NaN as NaN.
  if (!finite) return scope.finish(scope.run("Sum", { x }, attrs));
  const kept = x.shape.slice(axes.length);
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
  return scope.finish(reshape(scope, mean, shape));
}
