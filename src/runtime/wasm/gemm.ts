/**
 * A matrix product C = A B of float32 matrices on the wasm backend's memory, with B read as it lies (row
 * major, [k, n]) instead of packed first. The backend's BatchMatMul hands B to XNNPACK as a fully connected
 * layer's weights, which XNNPACK repacks into its own layout when it first sees the tensor, in one thread, by
 * a scalar loop; in training every product's B is new (the weights after each Adam step, a gradient, a
 * transpose), so every product paid that packing (for the MLP's first layer, 784x256 floats each step).
 *
 * The loop is XNNPACK's own (its 4x8 wasm SIMD kernel): four rows of A times eight columns of B, each output
 * summed over k in order by a float32 multiply and a float32 add from 0 (XNNPACK's clamp to [-inf, inf] changes
 * nothing, a NaN included). So C is XNNPACK's C bit for bit; it is used where those rows and columns divide
 * the product: m a multiple of 4, n of 8.
 */
import { memarg, moduleBinary, op, simd, simdOp, sleb } from "./wasm-binary.js";

/**
 * gemm(a, b, c, k, n, rowFrom, rowTo, aRow, aStep): byte offsets of A (m rows of k), B [k, n] and C [m, n];
 * rows rowFrom..rowTo of C. A's element (row, j) is at a + row * aRow + j * aStep (bytes): A [m, k] has
 * aRow = 4k, aStep = 4, and A given transposed, as [k, m], aRow = 4, aStep = 4m, which sums the same
 * products in the same order as a transpose of it would.
 */
export type Gemm = (...args: [number, number, number, number, number, number, number, number, number]) => void;

/** Products computed here, and of those shared with a pool's workers (for tests: a path never taken is not tested). */
export const gemmCounts = { products: 0, pooled: 0 };

/** The kernel, one per memory (the plain build's, or the threaded build's shared one). */
const kernels = new WeakMap<WebAssembly.Memory, Gemm | null>();

/** The kernel over `memory`; null when the module does not start here. */
export function gemmFor(memory: WebAssembly.Memory, shared: boolean): Gemm | null {
  if (kernels.has(memory)) return kernels.get(memory)!;
  let kernel: Gemm | null = null;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(gemmBinary(shared)), { env: { memory } });
    kernel = instance.exports["gemm"] as Gemm;
  } catch {
    kernel = null;
  }
  kernels.set(memory, kernel);
  return kernel;
}

/** The module's bytes (exported for the worker that runs the same loop on its share of the rows). */
export function gemmBinary(shared: boolean): Uint8Array<ArrayBuffer> {
  const { getLocal, setLocal, i32Const, i32Add, i32Mul, i32Shl, i32GeU, brIf, br, block, loop, end } = op;
  const get = (local: number) => [getLocal, local];
  const set = (local: number) => [setLocal, local];
  const [load, store, loadSplat] = [simd(simdOp.load), simd(simdOp.store), simd(simdOp.load32Splat)];
  const [add, mul] = [simd(simdOp.add), simd(simdOp.mul)];
  const zeros = [...simd(simdOp.const), ...new Array<number>(16).fill(0)];
  // Parameters 0-8; i32 locals 9-19; v128 locals 20-30.
  const [a, b, c, k, n, rowFrom, rowTo, aRow, aStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [rowBytes, bBytes, j, i, pa, pb, bEnd, pc] = [9, 10, 11, 12, 13, 17, 18, 19];
  const acc = (row: number, half: number) => 20 + 2 * row + half;
  const [vb0, vb1, va] = [28, 29, 30];
  const rows = [0, 1, 2, 3];
  const body = [
    ...[...get(n), i32Const, 2, i32Shl, ...set(rowBytes), ...get(k), ...get(rowBytes), i32Mul, ...set(bBytes)],
    ...[i32Const, 0, ...set(j)],
    ...[block, op.void, loop, op.void, ...get(j), ...get(rowBytes), i32GeU, brIf, 1],
    ...[...get(rowFrom), ...set(i)],
    ...[block, op.void, loop, op.void, ...get(i), ...get(rowTo), i32GeU, brIf, 1],
    // The four rows of A, B's eight columns from j down to its end, zero sums.
    ...[...get(a), ...get(i), ...get(aRow), i32Mul, i32Add, ...set(pa)],
    ...[1, 2, 3].flatMap((r) => [...get(pa + r - 1), ...get(aRow), i32Add, ...set(pa + r)]),
    ...[...get(b), ...get(j), i32Add, ...set(pb), ...get(pb), ...get(bBytes), i32Add, ...set(bEnd)],
    ...rows.flatMap((r) => [...zeros, ...set(acc(r, 0)), ...zeros, ...set(acc(r, 1))]),
    ...[block, op.void, loop, op.void, ...get(pb), ...get(bEnd), i32GeU, brIf, 1],
    ...[...get(pb), ...load, ...memarg(), ...set(vb0), ...get(pb), ...load, ...memarg(16), ...set(vb1)],
    ...rows.flatMap((r) => [
      ...[...get(pa + r), ...loadSplat, ...memarg(), ...set(va)],
      ...[...get(acc(r, 0)), ...get(va), ...get(vb0), ...mul, ...add, ...set(acc(r, 0))],
      ...[...get(acc(r, 1)), ...get(va), ...get(vb1), ...mul, ...add, ...set(acc(r, 1))],
      ...[...get(pa + r), ...get(aStep), i32Add, ...set(pa + r)],
    ]),
    ...[...get(pb), ...get(rowBytes), i32Add, ...set(pb), br, 0, end, end],
    // C's four rows of eight at (i, j).
    ...[...get(c), ...get(i), ...get(rowBytes), i32Mul, i32Add, ...get(j), i32Add, ...set(pc)],
    ...rows.flatMap((r) => [
      ...[0, 1].flatMap((half) => [...get(pc), ...get(acc(r, half)), ...store, ...memarg(16 * half)]),
      ...[...get(pc), ...get(rowBytes), i32Add, ...set(pc)],
    ]),
    ...[...get(i), i32Const, ...sleb(4), i32Add, ...set(i), br, 0, end, end],
    ...[...get(j), i32Const, ...sleb(32), i32Add, ...set(j), br, 0, end, end],
  ];
  const locals = [[11, op.i32] as const, [11, op.v128] as const];
  return moduleBinary(shared, "gemm", new Array<number>(9).fill(op.i32), locals, body);
}
