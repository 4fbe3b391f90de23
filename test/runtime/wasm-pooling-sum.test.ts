/**
 * The edges of nnc's MaxPoolGrad and Sum for the wasm backend against the cpu backend: ties (a relu's zeros
 * make whole windows equal; the cpu backend gives dy to the window's first maximum), NaN and -Infinity
 * (which the cpu backend never picks), windows that tile the input (the fast path) or overlap or leave gaps,
 * odd sizes, 'same' padding, one image, one channel and many; and sums over leading axes (a bias's
 * gradient, computed by average pooling) and over others (the backend's own).
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  disagreement,
  runKernel,
  runs,
  seed,
  size,
  tolerance,
  valuesFrom,
  type Shape4,
} from "../helpers/kernel-oracle.js";
import { prepareBackends, relativeError, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

/** Values in [-1, 1) quantized to `levels` steps (few levels: many ties), some replaced by `special`. */
function poolInput(seedValue: number, count: number, levels: number, special: number[]): number[] {
  const values = Array.from(valuesFrom(seedValue, count), (v) => Math.round(v * levels) / levels);
  const picks = valuesFrom(seedValue + 7, count);
  for (let i = 0; i < count && special.length > 0; i++) {
    if (picks[i]! > 0.8) values[i] = special[Math.floor((picks[i]! - 0.8) * 5 * special.length)] ?? special[0]!;
  }
  return values;
}

async function poolGradDisagreement(
  shape: Shape4,
  filterSize: [number, number],
  strides: [number, number],
  pad: "valid" | "same",
  values: number[],
  dySeed: number,
): Promise<number> {
  const output = tf.tidy(() => tf.maxPool(tf.tensor4d(values, shape), filterSize, strides, pad));
  const inputs = {
    dy: { shape: output.shape, values: dySeed },
    input: { shape, values },
    output: { shape: output.shape, values: Array.from(output.dataSync()) },
  };
  output.dispose();
  return disagreement("MaxPoolGrad", inputs, { filterSize, strides, pad });
}

describe("MaxPoolGrad on wasm, its edges", () => {
  it("agrees with the cpu backend on ties, NaN and -Infinity, tiling or not", async () => {
    const pooling = fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      channels: fc.constantFrom(1, 3, 8),
      window: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      // Mostly tiling (stride == window, the fast path), with a remainder or not.
      tiled: fc.integer({ min: 0, max: 3 }),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      extra: fc.tuple(fc.nat(5), fc.nat(5)),
      pad: fc.constantFrom("same" as const, "valid" as const),
      levels: fc.constantFrom(1, 2, 1000),
      special: fc.constantFrom([], [Number.NaN], [Number.NEGATIVE_INFINITY], [Number.NaN, Number.NEGATIVE_INFINITY]),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(pooling, async (p) => {
        const strides = p.tiled > 0 ? p.window : p.strides;
        const shape: Shape4 = [p.batch, p.window[0] + p.extra[0], p.window[1] + p.extra[1], p.channels];
        const values = poolInput(p.seed, size(shape), p.levels, [...p.special]);
        expect(await poolGradDisagreement(shape, p.window, strides, p.pad, values, p.seed + 1)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("gives each all-equal 2x2 window's gradient to its first pixel, many channels, odd sizes", async () => {
    for (const shape of [
      [1, 4, 4, 64],
      [2, 5, 7, 33],
      [3, 3, 3, 1],
    ] as Shape4[]) {
      const zeros = new Array<number>(size(shape)).fill(0);
      expect(await poolGradDisagreement(shape, [2, 2], [2, 2], "valid", zeros, 5)).toBeLessThan(tolerance);
      expect(await poolGradDisagreement(shape, [2, 2], [2, 2], "same", zeros, 6)).toBeLessThan(tolerance);
      const relu = Array.from(valuesFrom(9, size(shape)), (v) => Math.max(0, v));
      expect(await poolGradDisagreement(shape, [2, 2], [2, 2], "same", relu, 7)).toBeLessThan(tolerance);
    }
  });
});

describe("Sum on wasm", () => {
  it("agrees with the cpu backend over leading axes (pooled) and any others", async () => {
    const sums = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
      axes: fc.array(fc.nat(3), { maxLength: 3 }),
      leading: fc.integer({ min: 0, max: 3 }),
      keepDims: fc.boolean(),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(sums, async (s) => {
        const rank = s.shape.length;
        // Mostly leading axes (a bias's gradient), else whatever axes were drawn.
        const axes =
          s.leading > 0
            ? Array.from({ length: Math.min(s.leading, rank) }, (_, i) => i)
            : [...new Set(s.axes.filter((a) => a < rank))];
        const inputs = { x: { shape: s.shape, values: s.seed } };
        expect(await disagreement("Sum", inputs, { axis: axes, keepDims: s.keepDims })).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("sums a bias gradient's worth of rows, and NaN and infinities as the cpu backend does", async () => {
    const values = Array.from(valuesFrom(3, 2000 * 5));
    values[7] = Number.POSITIVE_INFINITY;
    values[13] = Number.NaN;
    values[21] = Number.NEGATIVE_INFINITY;
    values[26] = Number.POSITIVE_INFINITY;
    const inputs = { x: { shape: [40, 50, 5], values } };
    const attrs = { axis: [0, 1], keepDims: false };
    await useBackend("cpu");
    const expected = runKernel("Sum", inputs, attrs);
    await useBackend("wasm");
    const actual = runKernel("Sum", inputs, attrs);
    await useBackend("cpu");
    // Channel 0 finite, 1 NaN (-inf + inf), 2 +inf, 3 NaN, 4 finite.
    expect(Array.from(actual, (v) => (Number.isFinite(v) ? "finite" : v))).toEqual(
      Array.from(expected, (v) => (Number.isFinite(v) ? "finite" : v)),
    );
    const finiteOnes = [0, 4].map((i) => actual[i]!);
    expect(
      relativeError(
        finiteOnes,
        [0, 4].map((i) => expected[i]!),
      ),
    ).toBeLessThan(1e-5);
    const finite = { x: { shape: [8, 50, 50, 3], values: 11 } };
    expect(await disagreement("Sum", finite, { axis: [0, 1, 2], keepDims: true })).toBeLessThan(1e-5);
  });
});
