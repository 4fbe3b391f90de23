/**
 * nnc's kernels for the wasm backend against tfjs's cpu backend, the oracle: each kernel runs on both with
 * the same inputs, over random shapes, strides, paddings ('same', 'valid', explicit), dilations and batch
 * sizes, and must agree to 1e-4 relative without leaving a tensor or a wasm buffer behind.
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { wasmKernelNames } from "../../src/runtime/wasm/register.js";
import { prepareBackends, relativeError, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

const seed = 20261128;
const runs = 60;
const tolerance = 1e-4;

type Shape4 = [number, number, number, number];

interface Input {
  readonly shape: number[];
  readonly dtype?: "float32" | "int32";
  /** Values, or a seed to draw them from (uniform in [-1, 1)). */
  readonly values: number | number[];
}

/** Deterministic values in [-1, 1) from a seed (a linear congruential generator). */
function valuesFrom(seed: number, size: number): Float32Array {
  const values = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Runs the kernel on the current backend; the wasm run must leave no tensor and no buffer behind. */
function runKernel(name: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap): Float32Array {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [key, input] of Object.entries(inputs)) {
    const size = input.shape.reduce((a, b) => a * b, 1);
    const values = typeof input.values === "number" ? valuesFrom(input.values, size) : input.values;
    tensors[key] = tf.tensor(values, input.shape, input.dtype ?? "float32");
  }
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.backend().numDataIds();
  const result = tf.engine().runKernel(name, tensors, attrs) as tf.Tensor | tf.Tensor[];
  // A kernel with several outputs (Unpack, SplitV): their shapes and values one after the other.
  const values = Array.isArray(result)
    ? Float32Array.from(result.flatMap((r) => [r.rank, ...r.shape, ...r.dataSync()]))
    : Float32Array.from(result.dataSync());
  tf.dispose(result);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(tf.backend().numDataIds()).toBe(buffersBefore);
  tf.dispose(Object.values(tensors));
  return values;
}

/**
 * The kernel's result on wasm relative to the cpu backend's, or to `reference`'s: a computation on the cpu
 * backend that must give the same values.
 */
async function disagreement(
  name: string,
  inputs: Record<string, Input>,
  attrs: tf.NamedAttrMap,
  reference: () => Float32Array = () => runKernel(name, inputs, attrs),
): Promise<number> {
  await useBackend("cpu");
  const expected = reference();
  await useBackend("wasm");
  const actual = runKernel(name, inputs, attrs);
  await useBackend("cpu");
  return relativeError(actual, expected);
}

const padding = fc.oneof(
  fc.constantFrom("same" as const, "valid" as const),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
);

/** A 2D convolution's geometry: input [b, h, w, ci], filter [kh, kw, ci, co], strides, pad, dilations. */
const convolution = (options: { dilations: boolean; channelsFirst: boolean }) =>
  fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      inChannels: fc.integer({ min: 1, max: 3 }),
      outChannels: fc.integer({ min: 1, max: 3 }),
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      extra: fc.tuple(fc.nat(5), fc.nat(5)),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      dilations: options.dilations
        ? fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }))
        : fc.constant([1, 1] as [number, number]),
      pad: padding,
      channelsFirst: options.channelsFirst ? fc.boolean() : fc.constant(false),
      seed: fc.nat(),
    })
    // tfjs computes gradients for strides > 1 or dilations > 1, never both.
    .filter((c) => (c.strides[0] === 1 && c.strides[1] === 1) || (c.dilations[0] === 1 && c.dilations[1] === 1))
    .map((c) => {
      const reach = c.kernel.map((k, i) => (k - 1) * c.dilations[i]! + 1);
      const nhwc: Shape4 = [c.batch, reach[0]! + c.extra[0], reach[1]! + c.extra[1], c.inChannels];
      const rows = [c.pad[0], c.pad[1]];
      const cols = [c.pad[2], c.pad[3]];
      // An explicit padding lists the axes in the layout's order.
      const explicit = c.channelsFirst ? [[0, 0], [0, 0], rows, cols] : [[0, 0], rows, cols, [0, 0]];
      const pad = typeof c.pad === "string" ? c.pad : (explicit as tf.backend_util.ExplicitPadding);
      const nhwcPad =
        typeof c.pad === "string" ? c.pad : ([[0, 0], rows, cols, [0, 0]] as tf.backend_util.ExplicitPadding);
      return { ...c, nhwc, pad, nhwcPad };
    });

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A filter's shape with dilation-1 zeros between its taps. */
function spreadFilterShape([kh, kw, ci, cm]: Shape4, [dh, dw]: [number, number]): Shape4 {
  return [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, cm];
}

/** Filter values placed at the taps of the spread filter, zeros between. */
function withGaps(values: Float32Array, shape: Shape4, dilations: [number, number]): number[] {
  const spread = spreadFilterShape(shape, dilations);
  const out = new Array<number>(size(spread)).fill(0);
  const depth = shape[2] * shape[3];
  for (let i = 0; i < shape[0]; i++) {
    for (let j = 0; j < shape[1]; j++) {
      for (let d = 0; d < depth; d++) {
        out[(i * dilations[0] * spread[1] + j * dilations[1]) * depth + d] = values[(i * shape[1] + j) * depth + d]!;
      }
    }
  }
  return out;
}

/** The values of a spread filter's gradient at its taps. */
function atTaps(values: Float32Array, spread: Shape4, dilations: [number, number]): Float32Array {
  const depth = spread[2] * spread[3];
  const out: number[] = [];
  for (let i = 0; i < spread[0]; i += dilations[0]) {
    for (let j = 0; j < spread[1]; j += dilations[1]) {
      const at = (i * spread[1] + j) * depth;
      out.push(...values.subarray(at, at + depth));
    }
  }
  return Float32Array.from(out);
}

describe("wasm convolution gradients", () => {
  it("Conv2DBackpropFilter agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(convolution({ dilations: false, channelsFirst: true }), async (c) => {
        const filterShape: Shape4 = [...c.kernel, c.inChannels, c.outChannels];
        const info = tf.backend_util.computeConv2DInfo(c.nhwc, filterShape, c.strides, 1, c.nhwcPad);
        const [b, h, w, ci] = c.nhwc;
        const [, oh, ow, co] = info.outShape;
        const x = c.channelsFirst ? [b, ci, h, w] : [b, h, w, ci];
        const dy = c.channelsFirst ? [b, co, oh, ow] : [b, oh, ow, co];
        const dataFormat = c.channelsFirst ? "NCHW" : "NHWC";
        const inputs = { x: { shape: x, values: c.seed }, dy: { shape: dy, values: c.seed + 1 } };
        const attrs = { strides: c.strides, pad: c.pad, dataFormat, filterShape };
        expect(await disagreement("Conv2DBackpropFilter", inputs, attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("Conv2DBackpropInput agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(convolution({ dilations: false, channelsFirst: true }), async (c) => {
        const filterShape: Shape4 = [...c.kernel, c.inChannels, c.outChannels];
        const info = tf.backend_util.computeConv2DInfo(c.nhwc, filterShape, c.strides, 1, c.nhwcPad);
        const [b, h, w, ci] = c.nhwc;
        const [, oh, ow, co] = info.outShape;
        const inputShape = c.channelsFirst ? [b, ci, h, w] : [b, h, w, ci];
        const dy = c.channelsFirst ? [b, co, oh, ow] : [b, oh, ow, co];
        const dataFormat = c.channelsFirst ? "NCHW" : "NHWC";
        const inputs = { dy: { shape: dy, values: c.seed }, filter: { shape: filterShape, values: c.seed + 1 } };
        const attrs = { strides: c.strides, pad: c.pad, dataFormat, inputShape };
        expect(await disagreement("Conv2DBackpropInput", inputs, attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("DepthwiseConv2dNativeBackpropFilter agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(convolution({ dilations: true, channelsFirst: false }), async (c) => {
        const filterShape: Shape4 = [...c.kernel, c.inChannels, c.outChannels];
        const info = tf.backend_util.computeConv2DInfo(
          c.nhwc,
          filterShape,
          c.strides,
          c.dilations,
          c.nhwcPad,
          undefined,
          true,
        );
        const inputs = { x: { shape: c.nhwc, values: c.seed }, dy: { shape: info.outShape, values: c.seed + 1 } };
        const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad, filterShape };
        // The cpu backend ignores dilations in depthwise gradients (tfjs never asks for them): the reference
        // is the gradient of the undilated filter with zeros between its taps, read at the taps.
        const spread = spreadFilterShape(filterShape, c.dilations);
        const reference = () => {
          const dense = runKernel("DepthwiseConv2dNativeBackpropFilter", inputs, {
            ...attrs,
            dilations: [1, 1],
            filterShape: spread,
          });
          return atTaps(dense, spread, c.dilations);
        };
        expect(await disagreement("DepthwiseConv2dNativeBackpropFilter", inputs, attrs, reference)).toBeLessThan(
          tolerance,
        );
      }),
      { seed, numRuns: runs },
    );
  });

  it("DepthwiseConv2dNativeBackpropInput agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(convolution({ dilations: true, channelsFirst: false }), async (c) => {
        const filterShape: Shape4 = [...c.kernel, c.inChannels, c.outChannels];
        const info = tf.backend_util.computeConv2DInfo(
          c.nhwc,
          filterShape,
          c.strides,
          c.dilations,
          c.nhwcPad,
          undefined,
          true,
        );
        const inputs = {
          dy: { shape: info.outShape, values: c.seed },
          filter: { shape: filterShape, values: c.seed + 1 },
        };
        const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad, inputShape: c.nhwc };
        const spread = spreadFilterShape(filterShape, c.dilations);
        const spreadFilter = {
          shape: spread,
          values: withGaps(valuesFrom(c.seed + 1, size(filterShape)), filterShape, c.dilations),
        };
        const reference = () =>
          runKernel(
            "DepthwiseConv2dNativeBackpropInput",
            { ...inputs, filter: spreadFilter },
            { ...attrs, dilations: [1, 1] },
          );
        expect(await disagreement("DepthwiseConv2dNativeBackpropInput", inputs, attrs, reference)).toBeLessThan(
          tolerance,
        );
      }),
      { seed, numRuns: runs },
    );
  });
});

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

  const piece = fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 })
    .chain((shape) =>
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
      ].sort(),
    );
  });
});
