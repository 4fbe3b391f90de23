/**
 * Writing small wasm modules byte by byte (nnc's loops over the wasm backend's own memory: fused-adam.ts,
 * gemm.ts): the opcodes they use, and a module of one exported function over an imported memory.
 */

/** Opcodes; `simd(op)` for the 0xfd-prefixed SIMD ones. */
export const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  getLocal: 0x20,
  setLocal: 0x21,
  i32Const: 0x41,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  i32GeU: 0x4f,
  void: 0x40,
  i32: 0x7f,
  f32: 0x7d,
  v128: 0x7b,
} as const;

/** A SIMD instruction: the 0xfd prefix and its opcode as LEB128. */
export function simd(code: number): number[] {
  return [0xfd, ...leb(code)];
}

/** SIMD opcodes (the numbers after 0xfd). */
export const simdOp = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  splat: 0x13,
  sqrt: 0xe3,
  add: 0xe4,
  mul: 0xe6,
  div: 0xe7,
} as const;

/** A memory access's immediate: log2 of the alignment and a constant byte offset. */
export function memarg(offset = 0, align = 0): number[] {
  return [align, ...leb(offset)];
}

/** An unsigned LEB128 number, as wasm writes sizes. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
  return out;
}

/** A signed LEB128 number (i32.const's immediate). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * A module importing `env.memory` (shared when `shared`: the threaded build's) and exporting one function
 * `exported` with parameters `params` (value types), no result, locals `locals` (runs of [count, type])
 * and the instructions `body` (without the final `end`).
 */
export function moduleBinary(
  shared: boolean,
  exported: string,
  params: readonly number[],
  locals: readonly (readonly [number, number])[],
  body: readonly number[],
): Uint8Array<ArrayBuffer> {
  const code = [...leb(locals.length), ...locals.flatMap(([count, type]) => [...leb(count), type]), ...body, op.end];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => [text.length, ...Array.from(text, (ch) => ch.charCodeAt(0))];
  // A shared memory must declare a maximum: 65536 pages (4 GiB), the most there is.
  const limits = shared ? [0x03, 0x00, 0x80, 0x80, 0x04] : [0x00, 0x00];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, ...leb(params.length), ...params, 0x00]),
    ...section(2, [0x01, ...name("env"), ...name("memory"), 0x02, ...limits]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...name(exported), 0x00, 0x00]),
    ...section(10, [0x01, ...leb(code.length), ...code]),
  ]);
}

/** The wasm memory of the wasm backend (`backend.wasm`), or null when it is not to be found. */
export function backendMemory(wasm: unknown): WebAssembly.Memory | null {
  const module = wasm as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Whether `memory` is shared (the threaded build's). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
}
