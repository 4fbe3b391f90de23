/**
 * The LSTM step's wasm function (src/runtime/wasm/lstm-step.ts) against the same step by tfjs's ops on the cpu
 * backend: the activated gates, the cell state, its tanh and the hidden state, for the sigmoid and the hard
 * sigmoid, for widths with and without units past the last multiple of four, on a plain and a shared memory
 * (the threaded build's). Inputs span the activations' saturated ends.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { lstmStepFor, type LstmStepKind } from "../../src/runtime/wasm/lstm-step.js";
import { prepareBackends, relativeError, useBackend } from "../helpers/wasm.js";

beforeAll(async () => {
  await prepareBackends();
  await useBackend("cpu");
});

/** Deterministic values in [-scale, scale). */
function values(count: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = ((state / 2147483648) * 2 - 1) * scale;
  }
  return out;
}

/** tfjs's LSTMCell step on cpu: gates [rows, 4U], cell state, tanh of it, hidden state. */
function expected(z: tf.Tensor2D, cPrev: tf.Tensor2D, units: number, hard: boolean): Float32Array[] {
  return tf.tidy(() => {
    const [zi, zf, zc, zo] = tf.split(z, 4, 1);
    const recurrent = (t: tf.Tensor) => (hard ? tf.clipByValue(tf.add(tf.mul(t, 0.2), 0.5), 0, 1) : tf.sigmoid(t));
    const [i, f, g, o] = [recurrent(zi!), recurrent(zf!), tf.tanh(zc!), recurrent(zo!)];
    const c = tf.add(tf.mul(f, cPrev), tf.mul(i, g));
    const h = tf.mul(o, tf.tanh(c));
    return [tf.concat([i, f, g, o], 1), c, tf.tanh(c), h].map((t) => t.dataSync() as Float32Array);
  });
}

/** Runs the step for `rows` rows on `memory` and compares every output with tfjs's. */
function check(memory: WebAssembly.Memory, kind: LstmStepKind, rows: number): void {
  const step = lstmStepFor(memory, kind)!;
  expect(step).not.toBeNull();
  const U = kind.units;
  const G = 4 * U;
  // The projection holds two steps per row (the step reads the second); the sequence two rows per row.
  const layout = { xz: 2 * rows * G, hz: rows * G, bias: G, c: rows * U, h: rows * U, gates: rows * G };
  const offsets: Record<string, number> = {};
  let end = 64;
  for (const [name, length] of [...Object.entries(layout), ["cellTanh", rows * U], ["sequence", 2 * rows * U]]) {
    offsets[name] = end;
    end += 4 * (length as number) + 64;
  }
  const heap = (name: string, length: number) => new Float32Array(memory.buffer, offsets[name], length);
  heap("xz", layout.xz).set(values(layout.xz, 1, 12));
  heap("hz", layout.hz).set(values(layout.hz, 2, 12));
  heap("bias", G).set(values(G, 3));
  heap("c", layout.c).set(values(layout.c, 4, 3));
  const z = tf.tidy(() => {
    const xz = tf.tensor(heap("xz", layout.xz), [rows, 2, G]).slice([0, 1, 0], [rows, 1, G]).reshape([rows, G]);
    return tf.add(tf.add(xz, tf.tensor(heap("hz", layout.hz), [rows, G])), tf.tensor(heap("bias", G)));
  }) as tf.Tensor2D;
  const cPrev = tf.tensor(heap("c", layout.c).slice(), [rows, U]) as tf.Tensor2D;
  const [gates, c, cellTanh, h] = expected(z, cPrev, U, kind.hard);
  tf.dispose([z, cPrev]);
  const o = offsets as Record<"xz" | "hz" | "bias" | "c" | "h" | "gates" | "cellTanh" | "sequence", number>;
  // The cell state is updated in place, as the fused LSTM does it.
  step(o.xz + G * 4, 2 * G * 4, o.hz, o.bias, o.c, o.c, o.h, o.gates, o.cellTanh, o.sequence, 2 * U * 4, rows);
  const tolerance = 2e-6;
  expect(relativeError(heap("c", rows * U), c!)).toBeLessThan(tolerance);
  expect(relativeError(heap("h", rows * U), h!)).toBeLessThan(tolerance);
  const kept = [heap("gates", layout.gates), heap("cellTanh", rows * U)];
  if (kind.keep) {
    expect(relativeError(kept[0]!, gates!)).toBeLessThan(tolerance);
    expect(relativeError(kept[1]!, cellTanh!)).toBeLessThan(tolerance);
  } else {
    expect(kept.every((array) => array.every((v) => v === 0))).toBe(true);
  }
  const sequence = heap("sequence", 2 * rows * U);
  for (let b = 0; b < rows; b++) {
    const written = sequence.subarray(2 * b * U, (2 * b + 1) * U);
    if (kind.sequence)
      expect(Array.from(written)).toEqual(Array.from(heap("h", rows * U).subarray(b * U, (b + 1) * U)));
    else expect(written.every((v) => v === 0)).toBe(true);
    // The row after each written one is left alone.
    expect(sequence.subarray((2 * b + 1) * U, (2 * b + 2) * U).every((v) => v === 0)).toBe(true);
  }
}

describe("the LSTM step in wasm equals tfjs's cell on cpu", () => {
  const plain = () => new WebAssembly.Memory({ initial: 2 });
  for (const units of [8, 6, 1]) {
    it(`sigmoid, ${units} units`, () => check(plain(), { units, hard: false, keep: true, sequence: true }, 5));
    it(`hard sigmoid, ${units} units`, () => check(plain(), { units, hard: true, keep: true, sequence: false }, 5));
  }
  it("without keeping the gates (inference)", () =>
    check(plain(), { units: 12, hard: false, keep: false, sequence: false }, 7));
  it("on a shared memory (the threaded build's)", () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    check(memory, { units: 6, hard: false, keep: true, sequence: true }, 3);
  });
});

it("saturates without NaN or infinities at the far ends", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const step = lstmStepFor(memory, { units: 4, hard: false, keep: true, sequence: false })!;
  const f = new Float32Array(memory.buffer);
  // xz: four gates at 1e30, -1e30, 1e30, -1e30 in turn; hz, bias, c: zero.
  const extremes = [1e30, -1e30, 100, -100];
  for (let k = 0; k < 16; k++) f[64 + k] = extremes[(k + Math.floor(k / 4)) % 4]!;
  step(256, 64, 512, 768, 1024, 1024, 1280, 1536, 1792, 0, 0, 1);
  const gates = f.subarray(1536 / 4, 1536 / 4 + 16);
  expect(gates.every(Number.isFinite)).toBe(true);
  expect(Array.from(gates).every((v) => Math.abs(v) <= 1)).toBe(true);
  // The sigmoid of 1e30 is 1 and of -1e30 is 0; tanh's are 1 and -1.
  expect(gates[0]).toBe(1);
  expect(gates[1]).toBe(0);
  expect(gates[8]).toBe(tf.tidy(() => tf.tanh(100).dataSync()[0]));
});
