/**
 * The gradients of 2D convolutions for the wasm backend, which lacks Conv2DBackpropFilter and the depthwise
 * ones and computes Conv2DBackpropInput with a slow direct loop. Each is written as one forward convolution
 * or product that the backend runs fast (XNNPACK):
 *
 * - filter gradient: dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*s + kh*d - pad, ., ci] * dy[b,oh,ow,co], a
 *   convolution of x with dy as the filter once the batch becomes the channel axis: stride d, dilation s;
 *   or, for few input channels, x's patches (transposed) times dy;
 * - input gradient: a convolution of dy, with s-1 zeros inserted between its rows and columns, by the
 *   filter flipped in both spatial axes (and input and output channels swapped), dilation d.
 *
 * NHWC is the layout computed; NCHW inputs (channels_first) are transposed to it and back. The wasm backend
 * also gives wrong filter gradients from Conv3DBackpropFilterV2 for strides > 1, so none goes through it.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelScope, reshape, transpose, type Attrs, type Info } from "./wasm-ops.js";

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];
type Pair = [number, number];
type Rounding = "floor" | "round" | "ceil" | undefined;

interface KernelArgs {
  readonly inputs: Record<string, Info>;
  readonly backend: unknown;
  readonly attrs?: Attrs;
}

const toNhwc = [0, 2, 3, 1];
const toNchw = [0, 3, 1, 2];

const pair = (value: number | number[] | undefined): Pair =>
  value === undefined ? [1, 1] : typeof value === "number" ? [value, value] : [value[0]!, value[1]!];

/**
 * The forward convolution's geometry in NHWC: sizes, strides, dilations and the padding each side (explicit
 * paddings are written in the layout's axis order, so an NCHW one is reordered).
 */
function geometry(xShape: Shape4, filterShape: Shape4, attrs: Attrs, depthwise: boolean): tf.backend_util.Conv2DInfo {
  const pad = attrs.pad as Pad;
  const nchw = attrs.dataFormat === "NCHW";
  const nhwcPad = Array.isArray(pad) && nchw ? ([pad[0], pad[2], pad[3], pad[1]] as typeof pad) : pad;
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    pair(attrs.strides as number | number[]),
    pair(attrs.dilations as number | number[] | undefined),
    nhwcPad,
    attrs.dimRoundingMode as Rounding,
    depthwise,
  );
}

/**
 * x arranged for the filter gradient's convolution over one axis: the rows (or columns) it reads, as
 * [start, end) of x, and the zero padding before and after them.
 */
function window(size: number, pad: number, filter: number, dilation: number, out: number, stride: number) {
  const extent = (filter - 1) * dilation + (out - 1) * stride + 1;
  const end = Math.min(size, extent - pad);
  return { end, before: pad, after: extent - pad - end };
}

/** The rows and the columns of x the filter gradient's convolution reads (see `window`). */
function windows(info: tf.backend_util.Conv2DInfo) {
  return {
    rows: window(
      info.inHeight,
      info.padInfo.top,
      info.filterHeight,
      info.dilationHeight,
      info.outHeight,
      info.strideHeight,
    ),
    cols: window(
      info.inWidth,
      info.padInfo.left,
      info.filterWidth,
      info.dilationWidth,
      info.outWidth,
      info.strideWidth,
    ),
  };
}

/** x cut to the rows and columns the forward convolution read (a 'valid' one may skip the last ones). */
function cropped(scope: KernelScope, x: Info, height: number, width: number): Info {
  const [b, h, w, c] = x.shape as Shape4;
  if (height === h && width === w) return x;
  return scope.run("Slice", { x }, { begin: [0, 0, 0, 0], size: [b, height, width, c] });
}

function explicitPads(rows: { before: number; after: number }, cols: { before: number; after: number }) {
  return [
    [0, 0],
    [rows.before, rows.after],
    [cols.before, cols.after],
    [0, 0],
  ] as tf.backend_util.ExplicitPadding;
}

/** Conv2DBackpropFilter: inputs x, dy; attrs strides, pad, dataFormat, dimRoundingMode, filterShape. */
export function conv2DBackpropFilter({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const nchw = attrs.dataFormat === "NCHW";
  const x = nchw ? transpose(scope, inputs.x!, toNhwc) : inputs.x!;
  const dy = nchw ? transpose(scope, inputs.dy!, toNhwc) : inputs.dy!;
  const filterShape = attrs.filterShape as Shape4;
  const info = geometry(x.shape as Shape4, filterShape, attrs, false);
  if (patchesFirst(info)) {
    const patches = transposedPatches(scope, x, info);
    const [kh, kw, ci, co] = filterShape;
    const rows = reshape(scope, dy, [1, info.batchSize * info.outHeight * info.outWidth, co]);
    const product = scope.run("BatchMatMul", { a: patches, b: rows }, { transposeA: false, transposeB: false });
    return scope.finish(reshape(scope, product, [kh, kw, ci, co]));
  }
  const { rows, cols } = windows(info);
  if (rows.end <= 0 || cols.end <= 0) return scope.finish(scope.zeros(filterShape));
  // [ci, h, w, b] convolved with [oh, ow, b, co] gives [ci, kh, kw, co].
  const xT = transpose(scope, cropped(scope, x, rows.end, cols.end), [3, 1, 2, 0]);
  const dyT = transpose(scope, dy, [1, 2, 0, 3]);
  const gradient = scope.run(
    "Conv2D",
    { x: xT, filter: dyT },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: explicitPads(rows, cols),
      dataFormat: "NHWC",
    },
  );
  return scope.finish(transpose(scope, gradient, [1, 2, 0, 3]));
}

/**
 * Whether the filter gradient is computed as patches^T @ dy (see `transposedPatches`) rather than as a
 * convolution: when the patches are few per output pixel (few input channels, as a first layer has), so
 * building them costs less than the convolution's transposes of dy, and XNNPACK's convolution with dy
 * as a filter of oh x ow taps is slow (the convnet's [3, 3, 1, 32] gradient: 7 ms, its product ~1 ms). With
 * many channels (its [3, 3, 32, 64] one) the patches cost more than the convolution.
 */
function patchesFirst(info: tf.backend_util.Conv2DInfo): boolean {
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  return pixels > 0 && info.filterHeight * info.filterWidth * info.inChannels <= 64;
}

/**
 * The patches of x the forward convolution read, transposed: [1, kh*kw*ci, b*oh*ow], row (i, j, c) holding
 * x[b, oh*s + i*d - pad, ow*s + j*d - pad, c] (0 in the padding) for every output pixel, so that one
 * product with dy as [b*oh*ow, co] gives the filter gradient in the filter's own layout.
 */
function transposedPatches(scope: KernelScope, x: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const pixels = batchSize * outHeight * outWidth;
  const patches = scope.zeros([1, filterHeight * filterWidth * channels, pixels]);
  const to = scope.heap(patches) as Float32Array;
  const from = scope.heap(x) as Float32Array;
  const rowStride = inWidth * channels;
  let at = 0;
  for (let i = 0; i < filterHeight; i++) {
    for (let j = 0; j < filterWidth; j++) {
      for (let c = 0; c < channels; c++) {
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const h = oh * strideHeight + i * dilationHeight - top;
            if (h < 0 || h >= inHeight) {
              at += outWidth;
              continue;
            }
            const row = (n * inHeight + h) * rowStride + c;
            for (let ow = 0; ow < outWidth; ow++, at++) {
              const w = ow * strideWidth + j * dilationWidth - left;
              if (w >= 0 && w < inWidth) to[at] = from[row + w * channels]!;
            }
          }
        }
      }
    }
  }
  return patches;
}

/**
 * dy with stride-1 zeros between its rows and columns and the padding that makes a stride-1 convolution by
 * the flipped filter give x's size: a new tensor when the stride or a negative padding needs one, else dy
 * itself with the padding for the convolution to add.
 */
function spreadGradient(scope: KernelScope, dy: Info, info: tf.backend_util.Conv2DInfo) {
  const top = (info.filterHeight - 1) * info.dilationHeight - info.padInfo.top;
  const left = (info.filterWidth - 1) * info.dilationWidth - info.padInfo.left;
  const [b, oh, ow, c] = dy.shape as Shape4;
  const spreadH = (oh - 1) * info.strideHeight + 1;
  const spreadW = (ow - 1) * info.strideWidth + 1;
  const bottom = info.inHeight + info.padInfo.top - spreadH;
  const right = info.inWidth + info.padInfo.left - spreadW;
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
  if (stride1 && Math.min(top, left, bottom, right) >= 0) {
    return { dy, pad: explicitPads({ before: top, after: bottom }, { before: left, after: right }) };
  }
  const height = top + spreadH + bottom;
  const width = left + spreadW + right;
  const spread = scope.zeros([b, height, width, c]);
  const to = scope.heap(spread);
  const from = scope.heap(dy);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      const row = top + i * info.strideHeight;
      if (row < 0 || row >= height) continue;
      for (let j = 0; j < ow; j++) {
        const col = left + j * info.strideWidth;
        if (col < 0 || col >= width) continue;
        const source = ((n * oh + i) * ow + j) * c;
        to.set(from.subarray(source, source + c), ((n * height + row) * width + col) * c);
      }
    }
  }
  return { dy: spread, pad: "valid" as const };
}

/**
 * The filter [kh, kw, a, b] flipped in both spatial axes, as [kh, kw, b, a] when `swap` (a conv2d filter
 * for the input gradient) or as [kh, kw, a*b, 1] (a depthwise filter, one channel per input-multiplier pair).
 */
function flippedFilter(scope: KernelScope, filter: Info, swap: boolean): Info {
  const [kh, kw, a, b] = filter.shape as Shape4;
  const flipped = scope.zeros(swap ? [kh, kw, b, a] : [kh, kw, a * b, 1]);
  const to = scope.heap(flipped);
  const from = scope.heap(filter);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const source = (i * kw + j) * a * b;
      const target = ((kh - 1 - i) * kw + (kw - 1 - j)) * a * b;
      if (!swap) {
        to.set(from.subarray(source, source + a * b), target);
        continue;
      }
      for (let p = 0; p < a; p++) {
        for (let q = 0; q < b; q++) to[target + q * a + p] = from[source + p * b + q]!;
      }
    }
  }
  return flipped;
}

/** Conv2DBackpropInput: inputs dy, filter; attrs inputShape, strides, pad, dataFormat, dimRoundingMode. */
export function conv2DBackpropInput({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const nchw = attrs.dataFormat === "NCHW";
  const dy = nchw ? transpose(scope, inputs.dy!, toNhwc) : inputs.dy!;
  const given = attrs.inputShape as Shape4;
  const inputShape = (nchw ? [given[0], given[2], given[3], given[1]] : given) as Shape4;
  const filter = inputs.filter!;
  const info = geometry(inputShape, filter.shape as Shape4, attrs, false);
  const spread = spreadGradient(scope, dy, info);
  const dx = scope.run(
    "Conv2D",
    { x: spread.dy, filter: flippedFilter(scope, filter, true) },
    { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: spread.pad, dataFormat: "NHWC" },
  );
  return scope.finish(nchw ? transpose(scope, dx, toNchw) : dx);
}

/** DepthwiseConv2dNativeBackpropInput: inputs dy, filter; attrs inputShape, strides, dilations, pad, dimRoundingMode. */
export function depthwiseConv2dBackpropInput({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const filter = inputs.filter!;
  const inputShape = attrs.inputShape as Shape4;
  const info = geometry(inputShape, filter.shape as Shape4, attrs, true);
  const spread = spreadGradient(scope, inputs.dy!, info);
  // Every input channel c gets the sum over its multipliers m of dy[c*m'+m] convolved with filter[c, m].
  const perOutput = scope.run(
    "DepthwiseConv2dNative",
    { x: spread.dy, filter: flippedFilter(scope, filter, false) },
    { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: spread.pad },
  );
  const multiplier = filter.shape[3]!;
  if (multiplier === 1) return scope.finish(perOutput);
  const split = reshape(scope, perOutput, [...inputShape, multiplier]);
  return scope.finish(scope.run("Sum", { x: split }, { axis: [4], keepDims: false }));
}

/** DepthwiseConv2dNativeBackpropFilter: inputs x, dy; attrs filterShape, strides, dilations, pad, dimRoundingMode. */
export function depthwiseConv2dBackpropFilter({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const x = inputs.x!;
  const dy = inputs.dy!;
  const filterShape = attrs.filterShape as Shape4;
  const info = geometry(x.shape as Shape4, filterShape, attrs, true);
  const { rows, cols } = windows(info);
  // Every tap reads only padding (an explicit padding wider than the filter): the gradient is zero.
  if (rows.end <= 0 || cols.end <= 0) return scope.finish(scope.zeros(filterShape));
  const [b, , , channels] = x.shape as Shape4;
  const [kh, kw, , multiplier] = filterShape;
  // One image whose channels are the (batch, channel) pairs, depthwise-convolved with dy as the filter:
  // [1, h, w, b*c] by [oh, ow, b*c, m] gives [1, kh, kw, b*c*m]; the batch is then summed out.
  const xT = transpose(scope, cropped(scope, x, rows.end, cols.end), [1, 2, 0, 3]);
  const images = reshape(scope, xT, [1, rows.end, cols.end, b * channels]);
  const dyT = transpose(scope, dy, [1, 2, 0, 3]);
  const kernels = reshape(scope, dyT, [info.outHeight, info.outWidth, b * channels, multiplier]);
  const perImage = scope.run(
    "DepthwiseConv2dNative",
    { x: images, filter: kernels },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: explicitPads(rows, cols),
    },
  );
  const byImage = reshape(scope, perImage, [kh, kw, b, channels * multiplier]);
  const summed = scope.run("Sum", { x: byImage }, { axis: [2], keepDims: false });
  return scope.finish(reshape(scope, summed, filterShape));
}
