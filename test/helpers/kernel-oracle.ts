/**
 * One tfjs kernel run on the wasm backend and on the cpu backend, the oracle, with the same inputs: how far
 * apart the results are, and that the wasm run leaves no tensor and no wasm buffer behind.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { relativeError, useBackend } from "./wasm.js";

/** fast-check's seed and runs for the kernel properties, and the relative error they allow. */
export const seed = 20261128;
export const runs = 60;
export const tolerance = 1e-4;

export type Shape4 = [number, number, number, number];

export interface Input {
  readonly shape: number[];
  readonly dtype?: "float32" | "int32";
  /** Values, or a seed to draw them from (uniform in [-1, 1)). */
  readonly values: number | number[];
}

/** Deterministic values in [-1, 1) from a seed (a linear congruential generator). */
export function valuesFrom(seed: number, size: number): Float32Array {
  const values = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Runs the kernel on the current backend; the wasm run must leave no tensor and no buffer behind. */
export function runKernel(name: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap): Float32Array {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [key, input] of Object.entries(inputs)) {
    const size = input.shape.reduce((a, b) => a * b, 1);
    const values = typeof input.values === "number" ? valuesFrom(input.values, size) : input.values;
    tensors[key] = tf.tensor(values, input.shape, input.dtype ?? "float32");
  }
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.backend().numDataIds();
  const result = tf.engine().runKernel(name, tensors, attrs) as tf.Tensor | tf.Tensor[];
  // A kernel with several outputs (Unpack, SplitV): their shapes and values one after the other.
  const values = Array.isArray(result)
    ? Float32Array.from(result.flatMap((r) => [r.rank, ...r.shape, ...r.dataSync()]))
    : Float32Array.from(result.dataSync());
  tf.dispose(result);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(tf.backend().numDataIds()).toBe(buffersBefore);
  tf.dispose(Object.values(tensors));
  return values;
}

/**
 * The kernel's result on wasm relative to the cpu backend's, or to `reference`'s: a computation on the cpu
 * backend that must give the same values.
 */
export async function disagreement(
  name: string,
  inputs: Record<string, Input>,
  attrs: tf.NamedAttrMap,
  reference: () => Float32Array = () => runKernel(name, inputs, attrs),
): Promise<number> {
  await useBackend("cpu");
  const expected = reference();
  await useBackend("wasm");
  const actual = runKernel(name, inputs, attrs);
  await useBackend("cpu");
  return relativeError(actual, expected);
}

/** The number of elements of a shape. */
export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
