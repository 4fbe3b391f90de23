/**
 * Kernels the wasm backend computes slowly or lacks, other than the convolution gradients:
 *
 * - BatchMatMul and _FusedMatMul with a transposed operand: the backend's own kernel is about 10x slower
 *   with transposeA or transposeB than an explicit Transpose followed by the untransposed product, and every
 *   dense layer's gradient asks for one (its _FusedMatMul also mishandles a bias on batched products); and
 *   BatchMatMul by gemm.ts where its shape allows, which skips XNNPACK's packing of B and a transpose of A;
 * - MaxPoolGrad (in pooling-gradients.ts, re-exported here);
 * - UnsortedSegmentSum (the gradient of a gather, so of an embedding): missing from the backend;
 * - ResizeNearestNeighborGrad (up_sampling2d's gradient): the backend's own is wrong.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { GemmPool } from "./gemm-pool.js";
import { gemmCounts, gemmFor } from "./gemm.js";
import { requestedThreads } from "./threads.js";
import { backendMemory, isShared } from "./wasm-binary.js";
import { KernelScope, reshape, transpose, type Attrs, type Info } from "./wasm-ops.js";

export { maxPoolGrad } from "./pooling-gradients.js";

interface KernelArgs {
  readonly inputs: Record<string, Info>;
  readonly backend: unknown;
  readonly attrs?: Attrs;
}

/** x with its last two axes swapped. */
function swapLastAxes(scope: KernelScope, x: Info): Info {
  const perm = x.shape.map((_, axis) => axis);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return transpose(scope, x, perm);
}

/**
 * BatchMatMul by gemm.ts (which reads a transposed A as it lies) where it can, else with its transposes made
 * explicit by the backend's own untransposed kernel.
 */
export function batchMatMul({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const b = attrs.transposeB ? swapLastAxes(scope, inputs.b!) : inputs.b!;
  const product = gemm(scope, inputs.a!, attrs.transposeA === true, b);
  if (product !== null) return scope.finish(product);
  const a = attrs.transposeA ? swapLastAxes(scope, inputs.a!) : inputs.a!;
  return scope.finish(scope.run("BatchMatMul", { a, b }, { transposeA: false, transposeB: false }));
}

/** Products of at least this many multiply-accumulates are shared with the pool's workers (threaded build). */
const pooledWork = 2_000_000;

/** Per wasm memory: the pool over the threaded build's (null: none). */
const pools = new WeakMap<WebAssembly.Memory, GemmPool | null>();

/**
 * a b (a transposed when `transposeA`) by gemm.ts when both are float32 single matrices (any batch axes of
 * size 1), the product's rows a multiple of 4 and its columns of 8. Null when the product is not of that
 * kind, or the kernel cannot run here. (A batch of several matrices stays the backend's: its loop for
 * batches sums in another order, so its numbers stay.)
 */
function gemm(scope: KernelScope, a: Info, transposeA: boolean, b: Info): Info | null {
  const [k, n] = b.shape.slice(-2) as [number, number];
  const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  if (size(a.shape.slice(0, -2)) !== 1 || size(b.shape.slice(0, -2)) !== 1) return null;
  if (rows % 4 !== 0 || n % 8 !== 0 || k === 0 || rows === 0) return null;
  const memory = backendMemory(scope.backend.wasm);
  if (memory === null) return null;
  const pool = isShared(memory) && rows * k * n >= pooledWork ? poolFor(memory) : null;
  const kernel = gemmFor(memory, isShared(memory));
  if (kernel === null) return null;
  // Every value of the output is written: it needs no zeros.
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = scope.backend.makeOutput([...batch, rows, n], "float32");
  const at = (info: Info) => scope.backend.getMemoryOffset(info.dataId);
  const [aRow, aStep] = transposeA ? [4, 4 * rows] : [4 * k, 4];
  if (pool !== null) pool.run(at(a), at(b), at(out), rows, k, n, aRow, aStep);
  else kernel(at(a), at(b), at(out), k, n, 0, rows, aRow, aStep);
  gemmCounts.products++;
  if (pool !== null) gemmCounts.pooled++;
  return out;
}

/** The pool over the threaded build's memory, with the threads nnc was asked for (NNC_WASM_THREADS, else the cores). */
function poolFor(memory: WebAssembly.Memory): GemmPool | null {
  if (!pools.has(memory)) {
    const threads = requestedThreads();
    pools.set(memory, typeof threads === "number" && threads > 1 ? GemmPool.start(memory, threads) : null);
  }
  return pools.get(memory)!;
}

/**
 * _FusedMatMul (a product, a bias, an activation) with its transposes made explicit. The backend's own
 * kernel adds a rank-1 bias wrongly when the product has a batch of more than one matrix, and refuses any
 * other bias: a batch that shares one right-hand matrix becomes the rows of a single product, and any
 * other case is computed as product, Add and the activation's kernel.
 */
export function fusedMatMul({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const { a, b } = untransposed(scope, inputs, attrs);
  const flat = { ...attrs, transposeA: false, transposeB: false };
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (b.shape.length - 2 === 0 || size(b.shape.slice(0, -2)) === 1) {
    if ((inputs.bias?.shape.length ?? 1) <= 1) {
      const rows = reshape(scope, a, [1, size(a.shape.slice(0, -2)) * m, k]);
      const product = scope.run("_FusedMatMul", { ...inputs, a: rows, b: reshape(scope, b, [1, k, n]) }, flat);
      return scope.finish(reshape(scope, product, [...batch, m, n]));
    }
  }
  let result = scope.run("BatchMatMul", { a, b }, flat);
  if (inputs.bias) result = scope.run("Add", { a: result, b: inputs.bias });
  return scope.finish(activate(scope, result, inputs, attrs));
}

/** The operands of a product with the transposes the attributes ask for done. */
function untransposed(scope: KernelScope, inputs: Record<string, Info>, attrs: Attrs) {
  return {
    a: attrs.transposeA ? swapLastAxes(scope, inputs.a!) : inputs.a!,
    b: attrs.transposeB ? swapLastAxes(scope, inputs.b!) : inputs.b!,
  };
}

/** A fused product's activation, by the backend's kernel for it. */
function activate(scope: KernelScope, x: Info, inputs: Record<string, Info>, attrs: Attrs): Info {
  switch (attrs.activation ?? "linear") {
    case "linear":
      return x;
    case "relu":
      return scope.run("Relu", { x });
    case "relu6":
      return scope.run("Relu6", { x });
    case "elu":
      return scope.run("Elu", { x });
    case "sigmoid":
      return scope.run("Sigmoid", { x });
    case "leakyrelu":
      return scope.run("LeakyRelu", { x }, { alpha: attrs.leakyreluAlpha as number });
    case "prelu":
      return scope.run("Prelu", { x, alpha: inputs.preluActivationWeights! });
    default:
      throw new Error(`_FusedMatMul: unknown activation '${String(attrs.activation)}'`);
  }
}

const size = (shape: readonly number[]) => shape.reduce((total, d) => total * d, 1);

/** UnsortedSegmentSum: inputs x, segmentIds; attrs numSegments. Rows with an id out of range are dropped. */
export function unsortedSegmentSum({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const x = inputs.x!;
  const ids = inputs.segmentIds!;
  const segments = attrs.numSegments as number;
  const rows = ids.shape.reduce((size, d) => size * d, 1);
  const rowShape = x.shape.slice(ids.shape.length);
  const width = rowShape.reduce((size, d) => size * d, 1);
  const sums = scope.zeros([segments, ...rowShape], x.dtype === "int32" ? "int32" : "float32");
  const to = scope.heap(sums);
  const from = scope.heap(x);
  const segmentOf = scope.heap(ids);
  for (let row = 0; row < rows; row++) {
    const segment = segmentOf[row]!;
    if (segment < 0 || segment >= segments) continue;
    const source = row * width;
    const target = segment * width;
    for (let i = 0; i < width; i++) to[target + i] += from[source + i]!;
  }
  return scope.finish(sums);
}

/**
 * ResizeNearestNeighborGrad: inputs images, dy; attrs alignCorners, halfPixelCenters. The backend's own
 * kernel gives wrong gradients (up_sampling2d's); this one adds each dy pixel to the input pixel that the
 * forward resize copied it from, with the forward's rounding.
 */
export function resizeNearestNeighborGrad({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const scope = new KernelScope(backend as BackendWasm);
  const images = inputs.images!;
  const [batch, inHeight, inWidth, depth] = images.shape as [number, number, number, number];
  const [, outHeight, outWidth] = inputs.dy!.shape as [number, number, number, number];
  const rowOf = nearestSource(inHeight, outHeight, attrs);
  const colOf = nearestSource(inWidth, outWidth, attrs);
  const dx = scope.zeros(images.shape);
  const to = scope.heap(dx);
  const from = scope.heap(inputs.dy!);
  for (let n = 0; n < batch; n++) {
    for (let r = 0; r < outHeight; r++) {
      const targetRow = (n * inHeight + rowOf[r]!) * inWidth;
      for (let c = 0; c < outWidth; c++) {
        const target = (targetRow + colOf[c]!) * depth;
        const source = ((n * outHeight + r) * outWidth + c) * depth;
        for (let d = 0; d < depth; d++) to[target + d] += from[source + d]!;
      }
    }
  }
  return scope.finish(dx);
}

/** For each output index of a nearest-neighbour resize along one axis, the input index it copies. */
function nearestSource(inSize: number, outSize: number, attrs: Attrs): Int32Array {
  const corners = attrs.alignCorners === true && outSize > 1;
  const ratio = (corners ? inSize - 1 : inSize) / (corners ? outSize - 1 : outSize);
  const sources = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const exact = attrs.halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    const nearest = Math.min(inSize - 1, corners ? Math.round(exact) : Math.floor(exact));
    sources[i] = attrs.halfPixelCenters ? Math.max(0, nearest) : nearest;
  }
  return sources;
}
