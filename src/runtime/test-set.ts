/**
 * `test:` of a train block: a data source evaluated once when training ends, with the weights the run keeps
 * (the last epoch's, or the best epoch's that `restore_best_weights` restored), as Keras's
 * `model.evaluate(x_test, y_test)` after `fit`. It is read as `nnc evaluate` reads data for a saved run, by the
 * same code (evaluate-run.ts): the training features and scaling, the training classes (a label outside them is
 * an error), the block's loss, metrics and batch size. Unweighted, as Keras's evaluate without sample weights.
 * Its figures are saved in the run as `test.json` and come back with the run (`TrainedRun.test`).
 */
import type { IrTrain } from "../compiler/ir/index.js";
import type { TrainingBatches } from "./data/batches.js";
import { evaluateRun, type EvaluateOptions } from "./evaluate-run.js";
import type { Figures } from "./figures.js";
import type { EpochFigures } from "./metrics.js";
import type * as tf from "@tensorflow/tfjs";

/** What `test.json` holds: the test data, its rows, and the figures under Keras's names (`loss`, `accuracy`). */
export interface TestResult {
  readonly source: string;
  readonly rows: number;
  readonly figures: Figures;
}

/** Evaluates `model` (trained on `data`, compiled with `figures`) on the block's `test` source; null without one. */
export async function evaluateTest(
  model: tf.LayersModel,
  train: Omit<IrTrain, "location">,
  data: TrainingBatches,
  figures: EpochFigures,
  options: EvaluateOptions,
): Promise<TestResult | null> {
  if (!train.test) return null;
  const run = { shownAs: "", files: [], model, labels: data.labels, preprocessing: data.preprocessing };
  const result = await evaluateRun(run, train, train.test, { ...options, compiled: figures });
  return { source: result.source, rows: result.rows, figures: result.figures };
}

/** `test on data/test.csv (30 rows): test_loss: 0.1234 - test_accuracy: 0.9667`, the line `nnc train` ends with. */
export function testLine(test: TestResult): string {
  const figures = Object.entries(test.figures).map(([name, value]) => `test_${name}: ${value.toFixed(4)}`);
  return `test on ${test.source} (${test.rows} rows): ${figures.join(" - ")}`;
}
