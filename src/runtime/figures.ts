/**
 * Figure names. Keras logs each metric under the name it was given (`accuracy`, `val_accuracy`), and with
 * several outputs under the output's name (`kind_loss`, `val_price_mae`); tfjs logs the metric `accuracy` as
 * `acc`, others under their tfjs identifier (`mse`), and with several outputs prefixes its output layer's name
 * (`dense_Dense2_loss`). The training loop logs under tfjs's keys; `compileForTraining` (metrics.ts) pairs
 * each with its Keras name by position, and callbacks, progress, the CSV log and the history translate
 * here, in one place.
 */
import type * as tf from "@tensorflow/tfjs";
import type { FigureNames } from "./metrics.js";

export type { FigureNames } from "./metrics.js";

/** Figures under their Keras names: `{ loss: 0.12, accuracy: 0.95 }`. */
export type Figures = Readonly<Record<string, number>>;

/** The key tfjs logs a Keras figure under; a name that is not a figure of this run is kept as it is. */
export function tfjsFigureName(keras: string, names: FigureNames): string {
  return names.find(([name]) => name === keras)?.[1] ?? keras;
}

/** tfjs logs -> figures under their Keras names, in Keras's order. */
export function kerasFigures(logs: tf.Logs | undefined, names: FigureNames): Figures {
  const renamed: Record<string, number> = {};
  for (const [keras, tfjs] of names) {
    const value = logs?.[tfjs];
    if (value !== undefined) renamed[keras] = value;
  }
  return renamed;
}
