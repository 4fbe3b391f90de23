/**
 * Compiling a model for a train block: one loss per output in output order, each scaled by its
 * `loss_weights` entry (tfjs's compile has no loss weights, so the weight is inside the loss function, and the
 * total tfjs minimizes is Keras's weighted sum), and each output's metrics. What comes back, `EpochFigures`,
 * turns what tfjs returns for a step or an evaluation into figures: each output's loss unweighted (as Keras
 * reports it), the tfjs metrics averaged over the examples, and the epoch metrics (epoch-metrics.ts) computed
 * from sums that hidden tfjs metrics gather from the very targets and predictions tfjs scores the step with.
 */
import * as tf from "@tensorflow/tfjs";
import { lossesOf, metricsOf, type IrTrain } from "../compiler/ir/index.js";
import { figureNames, losses, metricFigures, metrics, type MetricFigure } from "../compiler/registry/train-options.js";
import { epochMetrics, type EpochMetric } from "./epoch-metrics.js";
import { categoricalCrossentropy } from "./wasm/categorical-crossentropy.js";

/** What compiling needs of a train block. */
export type CompileSettings = Pick<IrTrain, "loss" | "metrics" | "outputs" | "lossWeights">;

/** `[Keras name, log key]`: a figure and the key the training loop logs it under (tfjs's, `kind_acc`). */
export type FigureNames = readonly (readonly [string, string])[];

type LossOrMetric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** A compiled model's figures: their names, and how a step's or an evaluation's results become them. */
export interface EpochFigures {
  /** Every figure in Keras's order (`loss`, `kind_loss`, ..., `kind_accuracy`, ...), then the same with `val_`. */
  readonly names: FigureNames;
  /** The metrics' figures under their Keras names, each with its output and metric (`names` has their keys). */
  readonly metricFigures: readonly MetricFigure[];
  /** One step's or evaluation's results (`model.metricsNames` order) under their log keys, per-output losses unweighted. */
  values(results: readonly number[]): Record<string, number>;
  /** Adds what the epoch metrics gathered during the last step or evaluation to `sums` (keys `<log key>#<i>`). */
  gather(sums: Record<string, number>): Promise<void>;
  /** The figures from `sums` over `rows` examples: `values` times rows summed, and the epoch metrics' sums. */
  figures(sums: Readonly<Record<string, number>>, rows: number): Record<string, number>;
  /** Whether a log key is one of the epoch metrics (a running figure, not one step's). */
  overEpoch(key: string): boolean;
}

/** Keras's `Huber(delta=1.0)`: per example, the mean over the last axis of tfjs's element-wise huber loss. */
function huber(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.losses.huberLoss(yTrue, yPred, undefined, 1, tf.Reduction.NONE), -1));
}

/** A function with the name tfjs logs it under (tfjs takes a metric function's `name`). */
function named<F extends LossOrMetric>(fn: F, name: string): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/**
 * Keras's `accuracy` for an output: binary for one unit or binary_crossentropy, sparse for
 * sparse_categorical_crossentropy, else categorical, as tfjs decides it from the loss function (which a weight
 * wraps, so nnc decides it here). Logged as `acc`, tfjs's key.
 */
function accuracyFor(loss: string, units: number | null): LossOrMetric {
  const m = tf.metrics;
  if (units === 1 || loss === "binary_crossentropy") return named((y, p) => m.binaryAccuracy(y, p), "acc");
  if (loss === "sparse_categorical_crossentropy") return named((y, p) => m.sparseCategoricalAccuracy(y, p), "acc");
  return named((y, p) => m.categoricalAccuracy(y, p), "acc");
}

/**
 * The loss tfjs is given for tfjs's name of one: a function for Huber (tfjs has none by that name) and for
 * categorical crossentropy over more than one class (its gradient in one pass on wasm:
 * wasm/categorical-crossentropy.ts; with one unit tfjs's own check that refuses it stays), else the name.
 */
function lossFunction(tfjsName: string, units: number | null): string | LossOrMetric {
  if (tfjsName === "huber") return huber;
  if (tfjsName === "categoricalCrossentropy" && units !== 1) return categoricalCrossentropy;
  return tfjsName;
}

/**
 * Compiles `model` with `settings`' losses, weights and metrics (an `optimizer` that `nnc evaluate` never
 * steps may be "sgd"), and returns how its results become figures.
 */
export function compileForTraining(
  model: tf.LayersModel,
  settings: CompileSettings,
  optimizer: tf.Optimizer | string,
): EpochFigures {
  const lossNames = lossesOf(settings);
  if (lossNames.length !== model.outputs.length) {
    throw new Error(`compileForTraining: ${lossNames.length} losses for ${model.outputs.length} outputs`);
  }
  const several = model.outputs.length > 1;
  // Two outputs of one layer (an LSTM's output and its state) share tfjs's output name, under which tfjs keys
  // their metrics and logs their figures; the later ones get the output's position too.
  const taken = new Set<string>();
  model.outputNames.forEach((name, i) => {
    if (taken.has(name)) model.outputNames[i] = `${name}_${i}`;
    taken.add(model.outputNames[i]!);
  });
  const outputNames = settings.outputs ?? [""];
  const weights = outputNames.map((output) => settings.lossWeights?.[output] ?? 1);
  const pending = new Map<string, tf.Tensor>();
  const gathered = new Map<string, EpochMetric>();
  const perOutput = metricsOf(settings).map((names, i) =>
    names.map((name): string | LossOrMetric => {
      const metric = epochMetrics[name];
      if (name === "accuracy") return accuracyFor(lossNames[i]!, model.outputs[i]!.shape.at(-1) ?? null);
      if (!metric) return metrics[name]!.tfjs!;
      const key = several ? `${model.outputNames[i]}_${name}` : name;
      gathered.set(key, metric);
      // tfjs calls this with the step's targets and predictions; what it returns (0) is replaced by the figure.
      return named((yTrue, yPred) => {
        const stats = tf.tidy(() => metric.stats(tf.cast(yTrue, "float32"), tf.cast(yPred, "float32")));
        pending.get(key)?.dispose();
        pending.set(key, tf.keep(stats));
        return tf.zeros([1]);
      }, name);
    }),
  );
  const metricsByLayer = Object.fromEntries(model.outputNames.map((name, i) => [name, perOutput[i]!]));
  const compile = (loss: (string | LossOrMetric)[]) =>
    model.compile({ optimizer, loss: loss as string[], metrics: metricsByLayer as unknown as string[] });
  compile(lossNames.map((name, i) => lossFunction(losses[name]!.tfjs, model.outputs[i]!.shape.at(-1) ?? null)));
  if (weights.some((w) => w !== 1)) {
    // Again with each loss as tfjs resolved it, times its weight.
    compile(
      model.lossFunctions.map((fn, i) =>
        weights[i] === 1 ? fn : (y: tf.Tensor, p: tf.Tensor) => tf.tidy(() => tf.mul(fn(y, p), weights[i]!)),
      ),
    );
  }
  const keras = figureNames(settings.outputs, settings.metrics);
  const keys = model.metricsNames;
  if (keras.length !== keys.length) {
    throw new Error(`compileForTraining: figures ${keras.join(", ")} but tfjs logs ${keys.join(", ")}`);
  }
  const pairs = keras.map((name, i): [string, string] => [name, keys[i]!]);
  const names = [...pairs, ...pairs.map(([k, t]): [string, string] => [`val_${k}`, `val_${t}`])];
  // The per-output losses are tfjs's results 1..n when there are several outputs; weighted inside the loss.
  const scale = keys.map((_, i) => (several && i >= 1 && i <= weights.length ? weights[i - 1]! : 1));
  return {
    names,
    metricFigures: metricFigures(settings.outputs, settings.metrics),
    values: (results) => Object.fromEntries(keys.map((key, i) => [key, results[i]! / scale[i]!])),
    gather: async (sums) => {
      for (const [key, stats] of pending) {
        const values = await stats.data();
        stats.dispose();
        values.forEach((v, j) => (sums[`${key}#${j}`] = (sums[`${key}#${j}`] ?? 0) + v));
      }
      pending.clear();
    },
    figures: (sums, rows) =>
      Object.fromEntries(
        keys.map((key) => {
          const metric = gathered.get(key);
          if (!metric) return [key, (sums[key] ?? NaN) / rows];
          const stats: number[] = [];
          for (let j = 0; `${key}#${j}` in sums; j++) stats.push(sums[`${key}#${j}`]!);
          return [key, metric.result(stats)];
        }),
      ),
    overEpoch: (key) => gathered.has(key),
  };
}

/**
 * `model.evaluate` on one batch, its results in `model.metricsNames` order. tfjs 4's test function returns the
 * running total of the outputs' losses once per output (`[l0, l0 + l1, ...]`) before the per-output losses and
 * metrics; its last running total is the loss.
 */
export async function evaluateBatch(
  model: tf.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  y: tf.Tensor | tf.Tensor[],
): Promise<number[]> {
  const output = model.evaluate(x, y, { batchSize: Array.isArray(x) ? x[0]!.shape[0]! : x.shape[0]! });
  const scalars = Array.isArray(output) ? output : [output];
  const values = await Promise.all(scalars.map(async (s) => (await s.data())[0]!));
  tf.dispose(scalars);
  const outputs = model.outputs.length;
  return [values[outputs - 1]!, ...values.slice(outputs)];
}
