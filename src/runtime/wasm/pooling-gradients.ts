/**
 * MaxPoolGrad for the wasm backend (the backend has none that is fast): dx gets each dy value at its
 * window's first maximum, as the cpu backend decides it: the first pixel in the window's row-major order
 * that is strictly greater than every pixel before it, starting from -Infinity (so a window of only NaN or
 * -Infinity passes no gradient on).
 *
 * Pooling whose window equals its stride (max_pooling2d's default, so nearly every convnet's) has windows
 * that never overlap: each input pixel gets its value written once, with no zero fill and no scattered
 * additions, in one pass per window. Any other pooling takes the general path, which zero-fills dx and adds
 * dy at each window's maximum (overlapping windows can share one).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelScope, type Attrs, type Info } from "./wasm-ops.js";

interface KernelArgs {
  readonly inputs: Record<string, Info>;
  readonly backend: unknown;
  readonly attrs?: Attrs;
}

type PoolInfo = tf.backend_util.Conv2DInfo;

/** MaxPoolGrad: inputs dy, input, output; attrs filterSize, strides, pad, dimRoundingMode. NHWC. */
export function maxPoolGrad({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const input = inputs.input!;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const tiled = info.filterHeight === info.strideHeight && info.filterWidth === info.strideWidth;
  // Not scope.zeros: the tiled path writes every pixel a window covers, and fills only when some are not.
  const dx = scope.backend.makeOutput(input.shape.slice(), "float32");
  // Typed as what they are (float32): one array type keeps the loops below monomorphic.
  const gradient = scope.heap(dx) as Float32Array;
  const x = scope.heap(input) as Float32Array;
  const dy = scope.heap(inputs.dy!) as Float32Array;
  if (!tiled || !covers(info)) gradient.fill(0);
  if (tiled) tiledGrad(x, dy, gradient, info);
  else overlappingGrad(x, dy, gradient, info);
  return scope.finish(dx);
}

/** Whether the (non-overlapping) windows cover every input pixel: no rows or columns left over. */
function covers(info: PoolInfo): boolean {
  const rows = info.outHeight * info.strideHeight - info.padInfo.top;
  const cols = info.outWidth * info.strideWidth - info.padInfo.left;
  return rows >= info.inHeight && cols >= info.inWidth;
}

/**
 * Windows that tile the input (window == stride): per window and channel, find the first maximum, then
 * write dy there and 0 on the window's other pixels.
 */
function tiledGrad(x: Float32Array, dy: Float32Array, gradient: Float32Array, info: PoolInfo): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, inChannels: channels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowStride = inWidth * channels;
  const bits = new Int32Array(gradient.buffer, gradient.byteOffset, gradient.length);
  const dyBits = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  let out = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = Math.max(0, oh * strideHeight - top);
      const rowEnd = Math.min(inHeight, oh * strideHeight - top + filterHeight);
      for (let ow = 0; ow < outWidth; ow++, out += channels) {
        const colStart = Math.max(0, ow * strideWidth - left);
        const colEnd = Math.min(inWidth, ow * strideWidth - left + filterWidth);
        if (rowStart >= rowEnd || colStart >= colEnd) continue;
        const first = image + rowStart * rowStride + colStart * channels;
        const lastRow = first + (rowEnd - rowStart) * rowStride;
        const rowLength = (colEnd - colStart) * channels;
        if (rowEnd - rowStart === 2 && colEnd - colStart === 2) {
          if (twoByTwo(x, dyBits, bits, first, rowStride, channels, out)) continue;
        }
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let row = first + c; row < lastRow; row += rowStride) {
            const end = row + rowLength;
            for (let p = row; p < end; p += channels) {
              const value = x[p]!;
              if (value > best) {
                best = value;
                at = p;
              }
            }
          }
          const g = dy[out + c]!;
          for (let row = first + c; row < lastRow; row += rowStride) {
            const end = row + rowLength;
            for (let p = row; p < end; p += channels) gradient[p] = p === at ? g : 0;
          }
        }
      }
    }
  }
}

/**
 * One full 2x2 window (max_pooling2d's default), without branches: the data of a relu's output makes a
 * branch on which pixel wins as good as random, and its mispredictions cost more than the arithmetic. A
 * pixel wins if no earlier one is as large and no later one larger (and it is above -Infinity); exactly
 * one wins unless a NaN is in the window or all four are -Infinity, which the general loop then decides.
 * dy's bits are copied (masked), not multiplied, so an infinite dy leaves exact zeros beside it.
 */
function twoByTwo(
  x: Float32Array,
  dyBits: Int32Array,
  bits: Int32Array,
  first: number,
  rowStride: number,
  channels: number,
  out: number,
): boolean {
  let exact = true;
  for (let c = 0; c < channels; c++) {
    const a = first + c;
    const b = a + channels;
    const d = a + rowStride;
    const e = d + channels;
    const va = x[a]!;
    const vb = x[b]!;
    const vd = x[d]!;
    const ve = x[e]!;
    const wa = +(va >= vb) & +(va >= vd) & +(va >= ve) & +(va > -Infinity);
    const wb = +(vb > va) & +(vb >= vd) & +(vb >= ve);
    const wd = +(vd > va) & +(vd > vb) & +(vd >= ve);
    const we = +(ve > va) & +(ve > vb) & +(ve > vd);
    exact = exact && wa + wb + wd + we === 1;
    const g = dyBits[out + c]!;
    bits[a] = g & -wa;
    bits[b] = g & -wb;
    bits[d] = g & -wd;
    bits[e] = g & -we;
  }
  return exact;
}

/**
 * Any other pooling (windows that overlap or leave gaps), on a zero-filled dx: the maxima of all channels
 * of a window are found together, pixel by pixel, so the reads are contiguous; dy is added at each.
 */
function overlappingGrad(x: Float32Array, dy: Float32Array, gradient: Float32Array, info: PoolInfo): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, inChannels: channels } = info;
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  let out = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = Math.max(0, oh * info.strideHeight - info.padInfo.top);
      const rowEnd = Math.min(inHeight, oh * info.strideHeight - info.padInfo.top + info.filterHeight);
      for (let ow = 0; ow < outWidth; ow++, out += channels) {
        const colStart = Math.max(0, ow * info.strideWidth - info.padInfo.left);
        const colEnd = Math.min(inWidth, ow * info.strideWidth - info.padInfo.left + info.filterWidth);
        if (rowStart >= rowEnd || colStart >= colEnd) continue;
        best.fill(-Infinity);
        where.fill(-1);
        for (let h = rowStart; h < rowEnd; h++) {
          for (let w = colStart; w < colEnd; w++) {
            const pixel = ((n * inHeight + h) * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[pixel + c]!;
              if (value > best[c]!) {
                best[c] = value;
                where[c] = pixel + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const at = where[c]!;
          if (at >= 0) gradient[at] += dy[out + c]!;
        }
      }
    }
  }
}
