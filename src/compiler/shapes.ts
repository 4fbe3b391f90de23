/**
 * Pure shape arithmetic, the same formulas tfjs-layers uses, extended to symbolic and unknown sizes.
 * Nothing here reports or throws: callers decide what an impossible size means.
 */
import type { Dim, Shape } from "./ir.js";

export type Padding = "valid" | "same" | "causal" | "full";

/** Length of a convolution or pooling output along one axis (tfjs `convOutputLength`). */
export function convOutputLength(input: Dim, kernel: number, padding: Padding, stride: number, dilation = 1): Dim {
  if (typeof input !== "number") {
    return (padding === "same" || padding === "causal") && stride === 1 ? input : null;
  }
  const effectiveKernel = kernel + (kernel - 1) * (dilation - 1);
  let length: number;
  switch (padding) {
    case "same":
    case "causal":
      length = input;
      break;
    case "valid":
      length = input - effectiveKernel + 1;
      break;
    case "full":
      length = input + effectiveKernel - 1;
      break;
  }
  return Math.floor((length + stride - 1) / stride);
}

/** Length of a transposed convolution output along one axis (tfjs `deconvLength`). */
export function deconvLength(input: Dim, stride: number, kernel: number, padding: Padding): Dim {
  if (typeof input !== "number") return null;
  switch (padding) {
    case "valid":
      return input * stride + Math.max(kernel - stride, 0);
    case "full":
      return input * stride - (stride + kernel - 2);
    default:
      return input * stride;
  }
}

/** Number of elements, or null when a size is not a fixed number. */
export function elementCount(shape: Shape): number | null {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return null;
    n *= d;
  }
  return n;
}

/** True when every size is a fixed number. */
export function isFullyKnown(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === "number");
}

/** Two sizes that are provably equal: the same number or the same symbol. */
export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

/** `n` as a pair: `3` -> `[3, 3]`, `[3, 5]` stays. */
export function pair(value: number | readonly number[]): [number, number] {
  return typeof value === "number" ? [value, value] : [value[0]!, value[1] ?? value[0]!];
}

/**
 * One axis of an elementwise merge (tfjs `computeElementwiseOpOutputShape`): a size of 1 broadcasts, equal
 * sizes stay, and a size that cannot be proven is unknown. `"mismatch"` when the sizes provably differ: two
 * different numbers, or two different symbols.
 */
export function broadcastDim(a: Dim, b: Dim): Dim | "mismatch" {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === null || b === null) return null;
  if (a === b) return a;
  return typeof a === typeof b ? "mismatch" : null;
}

/** The sum of sizes along a concatenation axis: unknown unless every size is a number. */
export function sumDims(dims: readonly Dim[]): Dim {
  let total = 0;
  for (const d of dims) {
    if (typeof d !== "number") return null;
    total += d;
  }
  return total;
}
