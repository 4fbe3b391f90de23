/**
 * The arithmetic of `nnc data`'s summary (data-summary.ts): running statistics, a histogram of lengths, and
 * the hash that finds repeated rows.
 */
import { sizeOf, type Table } from "./data/index.js";
import type { SequenceSummary, Statistics } from "./data-summary.js";
import { maxOf, minOf } from "../compiler/base/arrays.js";

/** Running min, max, sum and sum of squares (in doubles). */
export class Moments {
  private count = 0;
  private sum = 0;
  private squares = 0;
  private min = Infinity;
  private max = -Infinity;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count++;
    this.sum += value;
    this.squares += value * value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  done(): Statistics {
    if (this.count === 0) return { count: 0, min: 0, mean: 0, std: 0, max: 0 };
    const mean = this.sum / this.count;
    const std = this.max === this.min ? 0 : Math.sqrt(Math.max(this.squares / this.count - mean * mean, 0));
    // Values are float32: 7 significant digits say all they hold (4.3, not 4.300000190734863).
    const [min, max] = [float32Digits(this.min), float32Digits(this.max)];
    return { count: this.count, min, mean: float32Digits(mean), std: float32Digits(std), max };
  }
}

function float32Digits(value: number): number {
  return Number(value.toPrecision(7));
}

/** Rows by length in at most 10 bins of whole lengths, from the shortest to the longest. */
export function histogram(byLength: ReadonlyMap<number, number>): SequenceSummary["histogram"] {
  if (byLength.size === 0) return [];
  const lengths = [...byLength.keys()];
  const [lo, hi] = [minOf(lengths), maxOf(lengths)];
  const width = Math.max(1, Math.ceil((hi - lo + 1) / 10));
  const bins = Array.from({ length: Math.ceil((hi - lo + 1) / width) }, (_, b) => ({
    from: lo + b * width,
    to: Math.min(hi, lo + (b + 1) * width - 1),
    rows: 0,
  }));
  for (const [length, rows] of byLength) bins[Math.floor((length - lo) / width)]!.rows += rows;
  return bins;
}

/**
 * A 53-bit hash of a row's features (as read), labels and sequences: two 32-bit FNV-1a lanes over the values'
 * bits. Rows with equal hashes are counted as equal (a false match is about one in 2^53 per pair).
 */
export function rowHash(table: Table, row: number, features: Float32Array): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const mix = (word: number) => {
    a = Math.imul(a ^ word, 16777619);
    b = Math.imul(b ^ word, 0x5bd1e995) ^ (b >>> 15);
  };
  const bitsOf = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (const word of bitsOf(features)) mix(word);
  for (const s of table.sequences ?? []) {
    mix(0xffffffff);
    for (const word of bitsOf(s.rows[row]!)) mix(word);
  }
  const labels = table.outputs ? table.outputs.map((o) => o.labels[row] ?? "") : [table.labels[row] ?? ""];
  for (const label of labels) {
    mix(0xfffffffe);
    for (let i = 0; i < label.length; i++) mix(label.charCodeAt(i));
  }
  for (const targets of outputTargets(table, row)) for (const word of bitsOf(targets)) mix(word);
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/** Each output's targets on `row` when they are several values per example (`Table.targets`); else none. */
export function outputTargets(table: Table, row: number): Float32Array[] {
  const all = table.outputs ? table.outputs.map((o) => o.targets) : [table.targets];
  return all.map((targets) => {
    if (!targets) return new Float32Array(0);
    const width = sizeOf(targets.shape);
    return targets.values.subarray(row * width, (row + 1) * width);
  });
}
