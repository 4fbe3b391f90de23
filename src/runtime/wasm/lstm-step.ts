/**
 * One LSTM time step's gate arithmetic as a small wasm SIMD function over the wasm backend's own memory, for
 * nnc's fused LSTM (src/runtime/layers/fused-lstm-op.ts): after the step's product `h @ recurrentKernel`, for
 * every row and unit, the gate sums `z = xz + hz + bias`, the activations, the new cell state and hidden state.
 * In JavaScript, with the backend's Sigmoid kernel for the activations, this took five times as long as the
 * step's product; here it takes less than half as long as the product.
 *
 * The math is tfjs's LSTMCell: gates in the order i, f, c, o; `c = f * c' + i * tanh(z_c)`, `h = o * tanh(c)`;
 * the recurrent activation is the sigmoid or tfjs's hard sigmoid (`clip(0.2 z + 0.5, 0, 1)`). `tanh` is Eigen's
 * rational approximation for float (`generic_fast_tanh_float`: within 5e-7 of tanh), the sigmoid
 * `0.5 tanh(z / 2) + 0.5`. Four units at a time; the units past the last multiple of four by the same code on
 * single floats. A module is built per layer width and kind of step (`LstmStepKind`): the gates' offsets in a
 * row are then constants, and a step writes only what its caller reads.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { backendMemory, isShared, leb, memarg, moduleBinary, op, simd, simdOp, sleb } from "./wasm-binary.js";

/** What a step function is built for. */
export interface LstmStepKind {
  readonly units: number;
  /** The recurrent activation is tfjs's hard sigmoid, not the sigmoid. */
  readonly hard: boolean;
  /** The step writes its activated gates and `tanh(c)` (for a backward pass). */
  readonly keep: boolean;
  /** The step writes its hidden state into a sequence too. */
  readonly sequence: boolean;
}

/**
 * `step(xz, xzStride, hz, bias, cPrev, cNext, h, gates, cellTanh, hSeq, hSeqStride, rows)`: byte offsets into
 * the backend's memory, for `rows` rows of `units` units. Row `b` reads its gate inputs at
 * `xz + b * xzStride` and `hz + b * 16 units` (i, f, c, o, `units` floats each), the bias (`4 units` floats)
 * and the cell state at `cPrev + b * 4 units`; it writes the cell state to `cNext` and the hidden state to `h`
 * (laid out as `cPrev`; either may be the same memory as `cPrev`); with `keep`, the activated gates to `gates`
 * (laid out as `hz`) and `tanh(c)` to `cellTanh`; with `sequence`, the hidden state to `hSeq + b * hSeqStride`.
 */
export type LstmStep = (
  xz: number,
  xzStride: number,
  hz: number,
  bias: number,
  cPrev: number,
  cNext: number,
  h: number,
  gates: number,
  cellTanh: number,
  hSeq: number,
  hSeqStride: number,
  rows: number,
) => void;

/** The steps built, by memory (the plain build's, or the threaded build's shared one) and kind. */
const steps = new WeakMap<WebAssembly.Memory, Map<string, LstmStep | null>>();

/**
 * The step of `kind` over the backend's memory, or null when the memory is not to be found or the module
 * does not start.
 */
export function lstmStep(backend: BackendWasm, kind: LstmStepKind): LstmStep | null {
  const memory = backendMemory(backend.wasm);
  return memory === null ? null : lstmStepFor(memory, kind);
}

/** The step over `memory` (exported for tests: the threaded build's memory is shared). */
export function lstmStepFor(memory: WebAssembly.Memory, kind: LstmStepKind): LstmStep | null {
  const built = steps.get(memory) ?? new Map<string, LstmStep | null>();
  steps.set(memory, built);
  const key = `${kind.units} ${kind.hard} ${kind.keep} ${kind.sequence}`;
  if (built.has(key)) return built.get(key)!;
  let step: LstmStep | null = null;
  try {
    const binary = stepBinary(kind, isShared(memory));
    step = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } }).exports["step"] as LstmStep;
  } catch {
    step = null;
  }
  built.set(key, step);
  return step;
}

// Parameters, as `LstmStep` orders them.
const [XZ, XZ_STRIDE, HZ, BIAS, C_PREV, C_NEXT, H, GATES, CELL_TANH, H_SEQ, H_SEQ_STRIDE, ROWS] = Array.from(
  { length: 12 },
  (_, i) => i,
);
// i32 locals: the row, the byte offset in the row.
const [ROW, AT] = [12, 13];
/** The value locals of a lane type: the gates i, f, c, o, the cell state, its tanh, and tanh's two temporaries. */
const valueLocals = 8;
const VECTOR_BASE = 14;
const SCALAR_BASE = VECTOR_BASE + valueLocals;
const CONSTANT_BASE = SCALAR_BASE + valueLocals;

const { i32Add, i32Const } = op;
const get = (i: number) => [op.getLocal, ...leb(i)];
const set = (i: number) => [op.setLocal, ...leb(i)];

/** The opcodes the step uses for a lane type. */
interface Ops {
  /** Load and store at a constant offset from the address on the stack. */
  readonly load: (offset: number) => number[];
  readonly store: (offset: number) => number[];
  readonly add: number[];
  readonly mul: number[];
  readonly div: number[];
  /** Minimum and maximum (of numbers: NaN need not propagate, so the vectors' one-instruction kinds). */
  readonly min: number[];
  readonly max: number[];
  readonly float: (value: number) => number[];
  /** Bytes a group of lanes takes. */
  readonly width: number;
  /** The first of the lane type's value locals. */
  readonly base: number;
  readonly type: number;
}

const scalarOps: Ops = {
  load: (offset) => [0x2a, ...memarg(offset, 2)],
  store: (offset) => [0x38, ...memarg(offset, 2)],
  add: [0x92],
  mul: [0x94],
  div: [0x95],
  min: [0x96],
  max: [0x97],
  float: (value) => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  width: 4,
  base: SCALAR_BASE,
  type: op.f32,
};

/**
 * The four-lane opcodes. Constants are read from locals set once at the start (`constants`, in the order of
 * their locals from `CONSTANT_BASE` on).
 */
function vectorOps(constants: Map<number, number>): Ops {
  const local = (value: number) => {
    if (!constants.has(value)) constants.set(value, CONSTANT_BASE + constants.size);
    return get(constants.get(value)!);
  };
  return {
    load: (offset) => [...simd(simdOp.load), ...memarg(offset)],
    store: (offset) => [...simd(simdOp.store), ...memarg(offset)],
    add: simd(simdOp.add),
    mul: simd(simdOp.mul),
    div: simd(simdOp.div),
    min: simd(0xea),
    max: simd(0xeb),
    float: local,
    width: 16,
    base: VECTOR_BASE,
    type: op.v128,
  };
}

/** Eigen's `generic_fast_tanh_float`: the numerator's coefficients (x, x^3, ... x^13), the denominator's. */
const tanhNumerator = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
];
const tanhDenominator = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];
/** Where float32's tanh is 1. */
const tanhLimit = 7.90531110763549805;

/** The body of one group of units (four or one, as `o` says) at byte offset AT of the current row. */
function group(o: Ops, kind: LstmStepKind): number[] {
  const units = kind.units;
  const [gI, gF, gC, gO, cell, cellTanh, x, x2] = Array.from({ length: valueLocals }, (_, i) => o.base + i);
  const u4 = 4 * units;
  /** Gate k's value (or the k-th block of `units`) of row `pointer` at AT. */
  const load = (pointer: number, k = 0) => [...get(pointer), ...get(AT), i32Add, ...o.load(k * u4)];
  const store = (pointer: number, k: number, local: number) => [
    ...[...get(pointer), ...get(AT), i32Add, ...get(local)],
    ...o.store(k * u4),
  ];
  /** `c0 + c1 y + c2 y^2 + ...` for y in local `y`, by Horner's rule. */
  const polynomial = (coefficients: number[], y: number) =>
    coefficients
      .slice(0, -1)
      .reverse()
      .reduce((code, c) => [...code, ...get(y), ...o.mul, ...o.float(c), ...o.add], o.float(coefficients.at(-1)!));
  /** tanh of the value on the stack. */
  const tanh = [
    ...[...o.float(tanhLimit), ...o.min, ...o.float(-tanhLimit), ...o.max, ...set(x)],
    ...[...get(x), ...get(x), ...o.mul, ...set(x2)],
    ...[...polynomial(tanhNumerator, x2), ...get(x), ...o.mul, ...polynomial(tanhDenominator, x2), ...o.div],
  ];
  const sigmoid = [...o.float(0.5), ...o.mul, ...tanh, ...o.float(0.5), ...o.mul, ...o.float(0.5), ...o.add];
  const hardSigmoid = [...o.float(0.2), ...o.mul, ...o.float(0.5), ...o.add, ...o.float(1), ...o.min];
  /** Gate k's sum z, then (into `local`) its activation. */
  const gate = (k: number, local: number, activation: "recurrent" | "tanh") => [
    ...[...load(XZ, k), ...load(HZ, k), ...o.add, ...load(BIAS, k), ...o.add],
    ...(activation === "tanh" ? tanh : kind.hard ? [...hardSigmoid, ...o.float(0), ...o.max] : sigmoid),
    ...set(local),
  ];
  return [
    ...gate(0, gI, "recurrent"),
    ...gate(1, gF, "recurrent"),
    ...gate(2, gC, "tanh"),
    ...gate(3, gO, "recurrent"),
    // c = f c' + i g
    ...[...get(gF), ...load(C_PREV), ...o.mul, ...get(gI), ...get(gC), ...o.mul, ...o.add, ...set(cell)],
    ...[...get(cell), ...tanh, ...set(cellTanh)],
    ...(kind.keep ? [gI, gF, gC, gO].flatMap((local, k) => store(GATES, k, local)) : []),
    ...store(C_NEXT, 0, cell),
    ...(kind.keep ? store(CELL_TANH, 0, cellTanh) : []),
    // h = o tanh(c), into gI
    ...[...get(gO), ...get(cellTanh), ...o.mul, ...set(gI)],
    ...store(H, 0, gI),
    ...(kind.sequence ? store(H_SEQ, 0, gI) : []),
  ];
}

/** The loop over the units of a row, `width` bytes at a time while they last. */
function unitLoop(o: Ops, kind: LstmStepKind): number[] {
  const i32GtU = 0x4b;
  return [
    ...[op.block, op.void, op.loop, op.void],
    // Leave when AT + width > 4 units.
    ...[...get(AT), i32Const, ...sleb(o.width), i32Add, i32Const, ...sleb(4 * kind.units), i32GtU, op.brIf, 1],
    ...group(o, kind),
    ...[...get(AT), i32Const, ...sleb(o.width), i32Add, ...set(AT), op.br, 0, op.end, op.end],
  ];
}

function stepBinary(kind: LstmStepKind, shared: boolean): Uint8Array<ArrayBuffer> {
  const units = kind.units;
  const advance = (pointer: number, by: number[]) => [...get(pointer), ...by, i32Add, ...set(pointer)];
  const constants = new Map<number, number>();
  const loops = [...unitLoop(vectorOps(constants), kind), ...unitLoop(scalarOps, kind)];
  const splat = simd(simdOp.splat);
  const body = [
    ...[...constants].flatMap(([value, local]) => [...scalarOps.float(value), ...splat, ...set(local)]),
    ...[op.block, op.void, op.loop, op.void],
    ...[...get(ROW), ...get(ROWS), op.i32GeU, op.brIf, 1],
    ...[i32Const, 0, ...set(AT)],
    ...loops,
    ...advance(XZ, get(XZ_STRIDE)),
    ...[HZ, GATES].flatMap((pointer) => advance(pointer, [i32Const, ...sleb(16 * units)])),
    ...[C_PREV, C_NEXT, H, CELL_TANH].flatMap((pointer) => advance(pointer, [i32Const, ...sleb(4 * units)])),
    ...advance(H_SEQ, get(H_SEQ_STRIDE)),
    ...advance(ROW, [i32Const, 1]),
    ...[op.br, 0, op.end, op.end],
  ];
  const { i32, f32, v128 } = op;
  const locals = [
    [2, i32],
    [valueLocals, v128],
    [valueLocals, f32],
    [constants.size, v128],
  ] as const;
  return moduleBinary(shared, "step", new Array<number>(12).fill(i32), locals, body);
}
