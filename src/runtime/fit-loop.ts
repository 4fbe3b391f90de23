/**
 * The training loop of `nnc train` and of every module `nnc compile` emits: batches from `TrainingBatches`,
 * one `trainOnBatch` per step (given the examples' weights under `class_weight` or `sample_weight:`: see
 * sample-weights.ts), the callbacks at the points where tfjs's `fit` calls them, and the epoch's figures
 * averaged over its examples as `fit` averages them (`loss`, `acc`, then `val_loss`, `val_acc`), or computed
 * from the epoch's sums (precision, auc, ...: `EpochFigures`, metrics.ts). With `normalize_target`, the errors
 * in the targets' units (mae, rmse, mse, training and `val_` alike) are logged in them, as `nnc evaluate`
 * reports them; the sums stay on the standardised targets, and the loss is as trained.
 *
 * It is ours rather than `fit`'s so that training can stop after any step and continue from there: the
 * position (`LoopPoint`) is epoch, step, the seeded generator's state and the epoch's partial sums, which
 * with the weights, the optimizer and the callbacks' state is everything a resumed run needs to take the
 * same steps with the same random numbers as a run that was never stopped.
 */
import * as tf from "@tensorflow/tfjs";
import type { TrainingBatches } from "./data/batches.js";
import { inTargetUnits, targetUnitFactors, tfjsFigureName } from "./figures.js";
import { evaluateBatch, type EpochFigures } from "./metrics.js";
import { setTrainingStep } from "./layers/layer-random.js";
import { permutation, type SeededRandom } from "./random.js";
import { batchWeights, trainStep, type ClassWeightTable } from "./sample-weights.js";

/** Where a run is: the next step to take, and what it needs to take it as an unbroken run would. */
export interface LoopPoint {
  /** 0-based epoch of the next step. */
  readonly epoch: number;
  /** 0-based step within the epoch; 0 at an epoch's start. */
  readonly step: number;
  /** The generator's state now. */
  readonly random: number;
  /** The generator's state when this epoch began, before its shuffle (the shuffle is drawn again). */
  readonly epochRandom: number;
  /**
   * The epoch's figures so far, each summed over its examples (tfjs keys), and the epoch metrics' sums
   * (`<key>#<i>`).
   */
  readonly sums: Readonly<Record<string, number>>;
  /** Examples trained on so far in this epoch. */
  readonly seen: number;
}

/** One finished epoch's figures under tfjs's keys (`loss`, `acc`, `val_loss`, `lr`). */
export type EpochLogs = Readonly<Record<string, number>>;

export interface LoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  /** How a step's results become figures (`compileForTraining` returns it). */
  readonly figures: EpochFigures;
  /** Called in order; a `tf.History` is added last. */
  readonly callbacks: readonly (tf.Callback | tf.CustomCallback)[];
  /** Each output's weight per class (`class_weight`); a row's own weight comes with its batch (`sample_weight:`). */
  readonly classWeights?: ClassWeightTable | null;
  /** The seeded generator that is `Math.random` while the run lasts. */
  readonly random: SeededRandom;
  /** When aborted, the loop stops after the current step, saves a checkpoint and returns. */
  readonly signal?: AbortSignal;
  /** Continues a stopped run: its position, its finished epochs, and what puts its state back. */
  readonly resume?: {
    readonly point: LoopPoint;
    readonly history: readonly EpochLogs[];
    readonly restore: () => Promise<void>;
  };
  /** Saves a checkpoint at `point` (after each epoch, and when stopped). */
  readonly checkpoint?: (point: LoopPoint, history: readonly EpochLogs[]) => Promise<void>;
}

export interface LoopResult {
  readonly history: tf.History;
  readonly epochs: readonly EpochLogs[];
  /** Where the run stopped when the signal aborted it before its end; null when it ran to its end. */
  readonly interrupted: LoopPoint | null;
}

/** Trains `model` (compiled) on `data` as `options` say. */
export async function trainLoop(
  model: tf.LayersModel,
  data: TrainingBatches,
  options: LoopOptions,
): Promise<LoopResult> {
  const { epochs, batchSize, random, figures } = options;
  const steps = Math.ceil(data.trainingRows / batchSize);
  const factors = targetUnitFactors(figures.metricFigures, data.preprocessing?.targetScaling, (figure) =>
    tfjsFigureName(figure, figures.names),
  );
  const history = new tf.History();
  const callbacks = [...options.callbacks, history];
  for (const callback of callbacks) {
    callback.setModel(model);
    callback.setParams({ epochs, steps, samples: data.trainingRows, batchSize });
  }
  model.stopTraining = false;
  for (const callback of callbacks) await callback.onTrainBegin();
  const records: EpochLogs[] = [];
  let point: LoopPoint = { epoch: 0, step: 0, random: random.state, epochRandom: random.state, sums: {}, seen: 0 };
  if (options.resume) {
    point = options.resume.point;
    for (const logs of options.resume.history) records.push(logs);
    for (const [epoch, logs] of records.entries()) await history.onEpochEnd(epoch, { ...logs });
    await options.resume.restore();
  }
  const stopping = () => options.signal?.aborted === true;
  for (let epoch = point.epoch; epoch < epochs && !model.stopTraining; epoch++) {
    random.state = point.epochRandom;
    const order = options.shuffle ? permutation(data.trainingRows, random) : [...Array(data.trainingRows).keys()];
    if (point.step > 0) random.state = point.random;
    for (const callback of callbacks) await callback.onEpochBegin(epoch);
    const sums = { ...point.sums };
    let seen = point.seen;
    for (let step = point.step; step < steps; step++) {
      const positions = order.slice(step * batchSize, (step + 1) * batchSize);
      const logs: tf.Logs = { batch: step, size: positions.length };
      for (const callback of callbacks) await callback.onBatchBegin(step, logs);
      const [x, y, rowWeights] = data.training(positions);
      setTrainingStep(epoch * steps + step); // layers with their own seed draw from it (layer-random.ts)
      let outputs: number | number[];
      try {
        outputs = await trainStep(model, x, y, batchWeights(y, options.classWeights ?? null, rowWeights));
      } finally {
        tf.dispose([x, y]);
      }
      const values = figures.values(Array.isArray(outputs) ? outputs : [outputs]);
      for (const [name, value] of Object.entries(values)) sums[name] = (sums[name] ?? 0) + value * positions.length;
      Object.assign(logs, inTargetUnits(values, factors));
      await figures.gather(sums);
      seen += positions.length;
      // An epoch metric shows its figure so far, as Keras's progress bar does; the others this step's.
      const running = inTargetUnits(figures.figures(sums, seen), factors);
      for (const name of Object.keys(running)) if (figures.overEpoch(name)) logs[name] = running[name]!;
      point = { ...point, step: step + 1, random: random.state, sums: { ...sums }, seen };
      for (const callback of callbacks) await callback.onBatchEnd(step, logs);
      await yieldNow();
      if (stopping() && step + 1 < steps) {
        await options.checkpoint?.(point, records);
        return { history, epochs: records, interrupted: point };
      }
    }
    const epochFigures = figures.figures(sums, seen);
    if (data.validationRows > 0) Object.assign(epochFigures, await validate(model, data, batchSize, figures));
    const logs: Record<string, number> = inTargetUnits(epochFigures, factors);
    for (const callback of callbacks) await callback.onEpochEnd(epoch, logs);
    records.push({ ...logs });
    point = { epoch: epoch + 1, step: 0, random: random.state, epochRandom: random.state, sums: {}, seen: 0 };
    await options.checkpoint?.(point, records);
    if (stopping() && epoch + 1 < epochs && !model.stopTraining)
      return { history, epochs: records, interrupted: point };
  }
  for (const callback of callbacks) await callback.onTrainEnd();
  return { history, epochs: records, interrupted: null };
}

let lastYield = 0;

/**
 * Lets the event loop run, at most every 50 ms: a step's promises resolve without it, so without this a
 * Ctrl-C would be seen only at the next file write, the end of the epoch.
 */
async function yieldNow(): Promise<void> {
  if (performance.now() - lastYield < 50) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastYield = performance.now();
}

/** `val_` figures over the validation rows, in batches, averaged over examples as `fit` does. */
async function validate(
  model: tf.LayersModel,
  data: TrainingBatches,
  batchSize: number,
  figures: EpochFigures,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (let from = 0; from < data.validationRows; from += batchSize) {
    const positions = [...Array(Math.min(batchSize, data.validationRows - from)).keys()].map((i) => from + i);
    const [x, y] = data.validation(positions);
    try {
      const values = figures.values(await evaluateBatch(model, x, y));
      for (const [name, value] of Object.entries(values)) sums[name] = (sums[name] ?? 0) + value * positions.length;
      await figures.gather(sums);
    } finally {
      tf.dispose([x, y]);
    }
  }
  const logs = figures.figures(sums, data.validationRows);
  return Object.fromEntries(Object.entries(logs).map(([name, value]) => [`val_${name}`, value]));
}
