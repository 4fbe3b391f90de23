/**
 * `test:` of a train block: a data source evaluated once when training ends, with the weights the run keeps
 * (the last epoch's, or the best epoch's that `restore_best_weights` restored), as Keras's
 * `model.evaluate(x_test, y_test)` after `fit`. It is read as `nnc evaluate` reads data for a saved run, by the
 * same code (evaluate-run.ts): the training features and scaling, the training classes (a label outside them is
 * an error, found before the first step by `checkTest`), the block's loss, metrics and batch size. Unweighted, as Keras's evaluate without sample weights.
 * Its figures are saved in the run as `test.json` and come back with the run (`TrainedRun.test`).
 */
import type { IrTrain } from "../compiler/ir/index.js";
import type { TrainingBatches } from "./data/batches.js";
import { evaluateRun, openEvaluation, type EvaluateOptions } from "./evaluate-run.js";
import type { SavedRun } from "./saved-run.js";
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
  const result = await evaluateRun(savedRun(model, data), train, train.test, { ...options, compiled: figures });
  return { source: result.source, rows: result.rows, figures: result.figures };
}

/**
 * Opens the block's `test` source and checks it as `evaluateTest` will read it (its file, its features, its
 * labels among the training classes), before the first step: a mistake there would otherwise surface only
 * when training is over.
 */
export async function checkTest(
  model: tf.LayersModel,
  train: Omit<IrTrain, "location">,
  data: TrainingBatches,
  options: EvaluateOptions,
): Promise<void> {
  if (!train.test) return;
  const { reader } = await openEvaluation(savedRun(model, data), train, train.test, options);
  reader.close();
}

/** The run being trained as evaluate-run.ts takes a saved one. */
function savedRun(model: tf.LayersModel, data: TrainingBatches): SavedRun {
  return { shownAs: "", files: [], model, labels: data.labels, preprocessing: data.preprocessing };
}

/** `test on data/test.csv (30 rows): test_loss: 0.1234 - test_accuracy: 0.9667`, the line `nnc train` ends with. */
export function testLine(test: TestResult): string {
  const figures = Object.entries(test.figures).map(([name, value]) => `test_${name}: ${value.toFixed(4)}`);
  return `test on ${test.source} (${test.rows} row${test.rows === 1 ? "" : "s"}): ${figures.join(" - ")}`;
}
