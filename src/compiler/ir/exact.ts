/**
 * Sizes, parameter counts and MACs are whole numbers that nnc must count exactly: a double holds every whole
 * number up to 2^53 - 1 and rounds the ones past it, so a shape past it would print as `Infinity` or compare
 * equal to a different one. Each layer's figures are checked here as the checker computes them; one past the
 * limit is an error (NN3012) at the layer. Totals over many layers that may legitimately pass it (MACs) are
 * added up as BigInt instead.
 */
import type { ParamCount, Shape } from "./index.js";
import { affineOf } from "./shapes.js";

/**
 * What part of a layer's result is past 2^53 - 1, as a phrase for NN3012's message ("the number of elements
 * in the output"); undefined when everything is exact.
 */
export function inexactPart(outputs: readonly Shape[], params: ParamCount, macs: number | null): string | undefined {
  for (const shape of outputs) {
    const problem = inexactShape(shape);
    if (problem) return `${problem} in the output`;
  }
  const { trainable, nonTrainable } = params;
  if (![trainable, nonTrainable, trainable + nonTrainable].every(Number.isSafeInteger)) return "the parameter count";
  if (macs !== null && !Number.isSafeInteger(macs)) return "the count of multiply-accumulates";
  return undefined;
}

/**
 * Why a shape is not exact: a size past 2^53 - 1 (or a symbolic size with such a coefficient), or more
 * elements than that per sample (no tensor that large can exist, and counting them would round).
 */
export function inexactShape(shape: Shape): string | undefined {
  let elements = 1;
  for (const d of shape) {
    if (typeof d === "number") {
      if (!Number.isSafeInteger(d)) return "a size";
      elements *= d;
      if (!Number.isSafeInteger(elements)) return "the number of elements";
    } else if (typeof d === "string") {
      const form = affineOf(d)!;
      if (![form.constant, ...form.terms.map(([, c]) => c)].every(Number.isSafeInteger)) return "a size";
    }
  }
  return undefined;
}

/** The sum of whole numbers, exactly; null when any is unknown. */
export function exactSum(counts: readonly (number | null | undefined)[]): bigint | null {
  let sum = 0n;
  for (const count of counts) {
    if (count === null || count === undefined) return null;
    sum += BigInt(count);
  }
  return sum;
}

/** A BigInt as a number when that is exact, so JSON and tests see plain numbers in every usual case. */
export function plainWhenSafe(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
