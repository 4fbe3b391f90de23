/**
 * Figure names. Keras logs each metric under the name it was given (`accuracy`, `val_accuracy`), and with
 * several outputs under the output's name (`kind_loss`, `val_price_mae`); tfjs logs the metric `accuracy` as
 * `acc`, others under their tfjs identifier (`mse`), and with several outputs prefixes its output layer's name
 * (`dense_Dense2_loss`). The training loop logs under tfjs's keys; `compileForTraining` (metrics.ts) pairs
 * each with its Keras name by position, and callbacks, progress, the CSV log and the history translate
 * here, in one place.
 */
import type * as tf from "@tensorflow/tfjs";
import { metrics, type MetricFigure } from "../compiler/registry/train-options.js";
import type { TargetScaling } from "./data/targets.js";
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

/**
 * With `normalize_target`, the factor that puts each figure of a metric in its output's targets' units (its
 * registry entry's `unitPower`): the standard deviation for mae and rmse, its square for mse (exact, since
 * the shift cancels in a difference), under the figure's key (`key(price_mae)`, the Keras name by default)
 * and its `val_` key. Figures of other metrics and of outputs without scaling are left out.
 */
export function targetUnitFactors(
  figures: readonly MetricFigure[],
  scaling: readonly (TargetScaling | null)[] | undefined,
  key: (figure: string) => string = (figure) => figure,
): ReadonlyMap<string, number> {
  const factors = new Map<string, number>();
  for (const { figure, output, metric } of figures) {
    const power = metrics[metric]?.unitPower;
    const scale = scaling?.[output]?.scale;
    if (power === undefined || scale === undefined) continue;
    factors.set(key(figure), scale ** power);
    factors.set(`val_${key(figure)}`, scale ** power);
  }
  return factors;
}

/** `figures` with each one `factors` names multiplied by its factor (`targetUnitFactors`). */
export function inTargetUnits<F extends Readonly<Record<string, number>>>(
  figures: F,
  factors: ReadonlyMap<string, number>,
): F {
  if (factors.size === 0) return figures;
  return Object.fromEntries(
    Object.entries(figures).map(([name, value]) => [name, value * (factors.get(name) ?? 1)]),
  ) as F;
}
