/**
 * nnc's convolution gradient kernels for the wasm backend against tfjs's cpu backend, the oracle: each runs on
 * both with the same inputs, over random shapes, strides, paddings ('same', 'valid', explicit), dilations and
 * batch sizes (and, for the filter gradient, few input channels or many: its two formulations), and must agree to 1e-4 relative without leaving a tensor or a wasm buffer behind. The other
 * kernels nnc replaces are in wasm-kernels.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareBackends } from "../helpers/wasm.js";
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

const padding = fc.oneof(
  fc.constantFrom("same" as const, "valid" as const),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
);

/** A 2D convolution's geometry: input [b, h, w, ci], filter [kh, kw, ci, co], strides, pad, dilations. */
const convolution = (options: { dilations: boolean; channelsFirst: boolean; inChannels?: [number, number] }) =>
  fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      inChannels: fc.integer({ min: options.inChannels?.[0] ?? 1, max: options.inChannels?.[1] ?? 3 }),
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

type Convolution = ReturnType<typeof convolution> extends fc.Arbitrary<infer C> ? C : never;

/** A convolution's shapes in its layout: the input, the gradient of the output, the filter and the layout's name. */
function layoutOf(c: Convolution) {
  const filterShape: Shape4 = [...c.kernel, c.inChannels, c.outChannels];
  const info = tf.backend_util.computeConv2DInfo(c.nhwc, filterShape, c.strides, 1, c.nhwcPad);
  const [b, h, w, ci] = c.nhwc;
  const [, oh, ow, co] = info.outShape;
  return {
    filterShape,
    x: c.channelsFirst ? [b, ci, h, w] : [b, h, w, ci],
    dy: c.channelsFirst ? [b, co, oh, ow] : [b, oh, ow, co],
    dataFormat: c.channelsFirst ? "NCHW" : "NHWC",
  };
}

/** A depthwise convolution's filter shape and output shape (channels last, dilations included). */
function depthwiseOf(c: Convolution): { filterShape: Shape4; outShape: number[] } {
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
  return { filterShape, outShape: info.outShape };
}

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
        const { filterShape, x, dy, dataFormat } = layoutOf(c);
        const inputs = { x: { shape: x, values: c.seed }, dy: { shape: dy, values: c.seed + 1 } };
        const attrs = { strides: c.strides, pad: c.pad, dataFormat, filterShape };
        expect(await disagreement("Conv2DBackpropFilter", inputs, attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: runs },
    );
  });

  it("Conv2DBackpropFilter with many input channels (a convolution, not patches times dy) agrees too", async () => {
    await fc.assert(
      fc.asyncProperty(convolution({ dilations: false, channelsFirst: true, inChannels: [65, 70] }), async (c) => {
        const { filterShape, x, dy, dataFormat } = layoutOf(c);
        const inputs = { x: { shape: x, values: c.seed }, dy: { shape: dy, values: c.seed + 1 } };
        const attrs = { strides: c.strides, pad: c.pad, dataFormat, filterShape };
        expect(await disagreement("Conv2DBackpropFilter", inputs, attrs)).toBeLessThan(tolerance);
      }),
      { seed, numRuns: 20 },
    );
  });

  it("Conv2DBackpropInput agrees with the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(convolution({ dilations: false, channelsFirst: true }), async (c) => {
        const { filterShape, x: inputShape, dy, dataFormat } = layoutOf(c);
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
        const { filterShape, outShape } = depthwiseOf(c);
        const inputs = { x: { shape: c.nhwc, values: c.seed }, dy: { shape: outShape, values: c.seed + 1 } };
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
        const { filterShape, outShape } = depthwiseOf(c);
        const inputs = {
          dy: { shape: outShape, values: c.seed },
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
