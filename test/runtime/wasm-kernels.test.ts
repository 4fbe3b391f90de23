/**
 * nnc's kernels for the wasm backend against tfjs's cpu backend, the oracle: each kernel runs on both with
 * the same inputs, over random shapes and batch sizes, and must agree to 1e-4 relative (the kernels that only
 * move values: exactly) without leaving a tensor or a wasm buffer behind. The convolution gradients are in
 * wasm-conv-gradients.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { wasmKernelNames } from "../../src/runtime/wasm/register.js";
import { prepareBackends, useBackend } from "../helpers/wasm.js";
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

beforeAll(prepareBackends);

describe("wasm replacement kernels", () => {
  const product = fc.record({
    batch: fc.oneof(fc.constant([] as number[]), fc.tuple(fc.integer({ min: 1, max: 3 }))),
    // A right-hand side shared by the whole batch (as a dense layer on a sequence has), or one per matrix.
    shared: fc.boolean(),
    m: fc.integer({ min: 1, max: 9 }),
    k: fc.integer({ min: 1, max: 9 }),
    n: fc.integer({ min: 1, max: 9 }),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    seed: fc.nat(),
  });
  type Product = typeof product extends fc.Arbitrary<infer T> ? T : never;
  const operands = (p: Product) => ({
    a: { shape: [...p.batch, ...(p.transposeA ? [p.k, p.m] : [p.m, p.k])], values: p.seed },
    b: {
      shape: [...(p.shared ? p.batch.map(() => 1) : p.batch), ...(p.transposeB ? [p.n, p.k] : [p.k, p.n])],
      values: p.seed + 1,
    },
  });

  it("BatchMatMul with and without transposes agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(product, async (p) => {
        const attrs = { transposeA: p.transposeA, transposeB: p.transposeB };
        expect(await disagreement("BatchMatMul", operands(p), attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("_FusedMatMul (bias, activation, transposes) agrees with the cpu backend", async () => {
    const fused = fc.record({
      p: product,
      activation: fc.constantFrom("linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu"),
      bias: fc.constantFrom("none", "vector", "column"),
    });
    await fc.assert(
      fc.asyncProperty(fused, async ({ p, activation, bias }) => {
        const biasShape = bias === "vector" ? [p.n] : [p.m, 1];
        const inputs = {
          ...operands(p),
          ...(bias === "none" ? {} : { bias: { shape: biasShape, values: p.seed + 2 } }),
        };
        const attrs = { transposeA: p.transposeA, transposeB: p.transposeB, activation, leakyreluAlpha: 0.2 };
        expect(await disagreement("_FusedMatMul", inputs, attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("MaxPoolGrad agrees with the cpu backend", async () => {
    const pooling = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      channels: fc.integer({ min: 1, max: 5 }),
      size: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      extra: fc.tuple(fc.nat(6), fc.nat(6)),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      pad: fc.constantFrom("same" as const, "valid" as const),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(pooling, async (p) => {
        const shape: Shape4 = [p.batch, p.size[0] + p.extra[0], p.size[1] + p.extra[1], p.channels];
        const values = Array.from(
          valuesFrom(
            p.seed,
            shape.reduce((a, b) => a * b, 1),
          ),
        );
        const output = tf.tidy(() => tf.maxPool(tf.tensor4d(values, shape), p.size, p.strides, p.pad));
        const inputs = {
          dy: { shape: output.shape, values: p.seed + 1 },
          input: { shape, values },
          output: { shape: output.shape, values: Array.from(output.dataSync()) },
        };
        output.dispose();
        const attrs = { filterSize: p.size, strides: p.strides, pad: p.pad };
        expect(await disagreement("MaxPoolGrad", inputs, attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("UnsortedSegmentSum agrees with the cpu backend, ids out of range dropped", async () => {
    const segments = fc.record({
      rows: fc.integer({ min: 1, max: 12 }),
      width: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
      numSegments: fc.integer({ min: 1, max: 6 }),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(segments, async (s) => {
        const ids = Array.from(valuesFrom(s.seed, s.rows), (v) => Math.floor((v + 1) * s.numSegments));
        const inputs = {
          x: { shape: [s.rows, ...s.width], values: s.seed + 1 },
          segmentIds: { shape: [s.rows], dtype: "int32" as const, values: ids },
        };
        expect(await disagreement("UnsortedSegmentSum", inputs, { numSegments: s.numSegments })).toBeLessThan(
          tolerance,
        );
      }),
      { seed, numRuns: runs },
    );
  });

  it("ResizeNearestNeighborGrad agrees with the cpu backend", async () => {
    const resize = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      depth: fc.integer({ min: 1, max: 4 }),
      // Not 1: with alignCorners the cpu backend's gradient loops forever over a one-pixel axis.
      input: fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 })),
      output: fc.tuple(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 })),
      alignCorners: fc.boolean(),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(resize, async (r) => {
        const inputs = {
          images: { shape: [r.batch, ...r.input, r.depth], values: r.seed },
          dy: { shape: [r.batch, ...r.output, r.depth], values: r.seed + 1 },
        };
        // The cpu backend's gradient ignores halfPixelCenters (tfjs's layers never set it), so it is not drawn;
        // it also reads dy at the wrong offset for every image after the first, so it runs one image at a time.
        const attrs = { alignCorners: r.alignCorners, halfPixelCenters: false };
        const reference = () => {
          const all = Array.from(valuesFrom(r.seed + 1, size(inputs.dy.shape)));
          const image = size(inputs.dy.shape) / r.batch;
          const one = (n: number) => ({
            images: { shape: [1, ...r.input, r.depth], values: r.seed },
            dy: { shape: [1, ...r.output, r.depth], values: all.slice(n * image, (n + 1) * image) },
          });
          return Float32Array.from(
            Array.from({ length: r.batch }, (_, n) =>
              Array.from(runKernel("ResizeNearestNeighborGrad", one(n), attrs)),
            ).flat(),
          );
        };
        expect(await disagreement("ResizeNearestNeighborGrad", inputs, attrs, reference)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  const piece = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      begin: fc.tuple(...shape.map((n) => fc.integer({ min: 0, max: n - 1 }))),
      // A size of -1 means "to the end", as tf.slice allows.
      fraction: fc.tuple(...shape.map(() => fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1, noNaN: true })))),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      dtype: fc.constantFrom("float32" as const, "int32" as const),
      seed: fc.nat(),
    }),
  );
  type Piece = typeof piece extends fc.Arbitrary<infer T> ? T : never;
  const input = (p: Piece) => ({
    shape: p.shape,
    dtype: p.dtype,
    values: p.dtype === "int32" ? Array.from(valuesFrom(p.seed, size(p.shape)), (v) => Math.round(v * 100)) : p.seed,
  });

  it("Slice (reading its input in place) agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(piece, async (p) => {
        const sizes = p.fraction.map((f, i) =>
          f === -1 ? -1 : Math.max(1, Math.round(f * (p.shape[i]! - p.begin[i]!))),
        );
        expect(await disagreement("Slice", { x: input(p) }, { begin: p.begin, size: sizes })).toBe(0);
      }),
      { seed, numRuns: runs },
    );
  });

  it("Unpack (tf.unstack) agrees with the cpu backend, on every axis", async () => {
    await fc.assert(
      fc.asyncProperty(piece, async (p) => {
        expect(await disagreement("Unpack", { value: input(p) }, { axis: p.axis })).toBe(0);
      }),
      { seed, numRuns: runs },
    );
  });

  it("SplitV (tf.split) into sizes or equal parts agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(piece, fc.boolean(), async (p, equal) => {
        const axis = (p.axis + p.shape.length) % p.shape.length;
        const n = p.shape[axis]!;
        const cut = Math.max(1, Math.round(p.fraction[axis] === -1 ? n / 2 : p.fraction[axis]! * n));
        const parts = equal ? n : cut < n ? [cut, -1] : [n];
        expect(await disagreement("SplitV", { x: input(p) }, { numOrSizeSplits: parts, axis: p.axis })).toBe(0);
      }),
      { seed, numRuns: runs },
    );
  });

  it("Identity (tf.clone) shares its input's memory and frees it with the last tensor that holds it", async () => {
    await fc.assert(
      fc.asyncProperty(piece, async (p) => {
        expect(await disagreement("Identity", { x: input(p) }, {})).toBe(0);
      }),
      { seed, numRuns: runs },
    );
    await useBackend("wasm");
    const x = tf.tensor([1, 2, 3]);
    const buffers = tf.backend().numDataIds();
    const y = x.clone();
    expect(tf.backend().numDataIds()).toBe(buffers);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.backend().numDataIds()).toBe(buffers - 1);
    await useBackend("cpu");
  });

  it("every kernel nnc registers is tested here", () => {
    expect([...wasmKernelNames].sort()).toEqual(
      [
        "BatchMatMul",
        "Conv2DBackpropFilter",
        "Conv2DBackpropInput",
        "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
        "MaxPoolGrad",
        "ResizeNearestNeighborGrad",
        "Slice",
        "SplitV",
        "Unpack",
        "UnsortedSegmentSum",
        "_FusedMatMul",
        "Identity",
        // MaxPoolGrad's edges and Sum: wasm-pooling-sum.test.ts.
        "Sum",
      ].sort(),
    );
  });
});
