/**
 * Figure names. Keras logs each metric under the name it was given (`accuracy`, `val_accuracy`); tfjs logs
 * the metric `accuracy` as `acc` and others under their tfjs identifier (`mse`, `categoricalAccuracy`).
 * nnc speaks Keras's names, so callbacks, progress and history translate here, in one place.
 */
import type * as tf from "@tensorflow/tfjs";
import { metrics as tfjsMetrics } from "../compiler/registry/train-options.js";

/** Figures under their Keras names: `{ loss: 0.12, accuracy: 0.95 }`. */
export type Figures = Readonly<Record<string, number>>;

/** `[Keras name, tfjs log key]` for every figure, in the order Keras prints them: loss, metrics, then `val_`. */
export function figureNames(metrics: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [["loss", "loss"]];
  for (const name of metrics) {
    const id = tfjsMetrics[name]!;
    pairs.push([name, id === "accuracy" ? "acc" : id]);
  }
  return [...pairs, ...pairs.map(([keras, tfjs]): [string, string] => [`val_${keras}`, `val_${tfjs}`])];
}

/** The key tfjs logs a Keras figure under; a name that is not a figure of this run is kept as it is. */
export function tfjsFigureName(keras: string, metrics: readonly string[]): string {
  return figureNames(metrics).find(([name]) => name === keras)?.[1] ?? keras;
}

/** tfjs logs -> figures under their Keras names, in Keras's order. */
export function kerasFigures(logs: tf.Logs | undefined, names: readonly [string, string][]): Figures {
  const renamed: Record<string, number> = {};
  for (const [keras, tfjs] of names) {
    const value = logs?.[tfjs];
    if (value !== undefined) renamed[keras] = value;
  }
  return renamed;
}
