/**
 * For the attention and position tests: a spec checked by nnc and built by nnc's runtime, with the checker's
 * figures beside the built model.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import type { IrModel } from "../../src/compiler/ir/index.js";
import { buildModel } from "../../src/runtime/build.js";

export interface Built {
  readonly ir: IrModel;
  readonly model: tf.LayersModel;
}

/** Checks `model M { <inputs> <body> output <output> }` (no errors allowed) and builds it. */
export function buildSpec(inputs: string, body: string, output = "y"): Built {
  const text = `model M {\n${inputs}\n${body}\noutput ${output}\n}\n`;
  const checked = checkSource(text, "attention.nn");
  expect(
    checked.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`),
    text,
  ).toEqual([]);
  const ir = checked.program!.models[0]!;
  return { ir, model: buildModel(ir) };
}

/** The error codes nnc reports for a spec. */
export function errorCodes(inputs: string, body: string, output = "y"): string[] {
  const text = `model M {\n${inputs}\n${body}\noutput ${output}\n}\n`;
  return checkSource(text, "attention.nn")
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => d.code);
}

/** A tensor's values as nested arrays, for plain-loop references. */
export const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Element `[i, j, ...]` of a row-major array of `shape`. */
export function at(data: ArrayLike<number>, shape: readonly number[], ...index: number[]): number {
  let offset = 0;
  for (let a = 0; a < shape.length; a++) offset = offset * shape[a]! + index[a]!;
  return data[offset]!;
}

/** Softmax of a list of scores, with -1e9 where `allowed` is false (Keras's masked softmax). */
export function softmax(scores: readonly number[], allowed: readonly boolean[] = []): number[] {
  const masked = scores.map((s, i) => (allowed[i] === false ? -1e9 : s));
  const top = Math.max(...masked);
  const exps = masked.map((s) => Math.exp(s - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Expects two arrays of numbers to agree to `digits` decimals. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]!, `at ${i}`).toBeCloseTo(expected[i]!, digits);
}
