/**
 * The metrics nnc computes over a whole epoch rather than as a mean of per-batch figures, as Keras's stateful
 * metrics are: each batch gives sums (true positives, squared errors, ...), the epoch adds them up, and the
 * figure follows from the totals. A mean of per-batch precisions is not the epoch's precision (a batch with no
 * predicted positive would count as 0), nor is a mean of per-batch AUCs its AUC.
 *
 * All follow Keras's defaults: a prediction is positive above 0.5 (precision, recall); a label is positive
 * when it is not 0; AUC is `keras.metrics.AUC()`: 200 thresholds, the ROC curve, the trapezoids of
 * `summation_method="interpolation"`; R2 is `keras.metrics.R2Score()`, each output column's score then their
 * mean; RMSE is the square root of the epoch's mean squared error.
 */
import * as tf from "@tensorflow/tfjs";

export interface EpochMetric {
  /** The batch's sums, a 1-D tensor whose length depends only on the output's shape. */
  stats(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor1D;
  /** The figure from the sums added up over the epoch. */
  result(sums: readonly number[]): number;
}

/** Keras's `divide_no_nan`: 0 where the denominator is 0. */
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Keras's thresholds for `num_thresholds=200`: just below 0, i/199 for i = 1..198, just above 1. */
const aucThresholds = [-1e-7, ...Array.from({ length: 198 }, (_, i) => (i + 1) / 199), 1 + 1e-7];

/** Labels (not 0) and predictions (above 0.5) as 0/1 floats, flattened. */
function positives(yTrue: tf.Tensor, yPred: tf.Tensor): { actual: tf.Tensor; predicted: tf.Tensor } {
  const actual = tf.cast(tf.notEqual(yTrue, 0), "float32").flatten();
  const predicted = tf.cast(tf.greater(yPred, 0.5), "float32").flatten();
  return { actual, predicted };
}

/** [true positives, predicted positives, actual positives] of a batch: what precision and recall are ratios of. */
function confusion(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const { actual, predicted } = positives(yTrue, yPred);
    return tf.stack([tf.sum(tf.mul(actual, predicted)), tf.sum(predicted), tf.sum(actual)]) as tf.Tensor1D;
  });
}

const precision: EpochMetric = { stats: confusion, result: ([tp, predicted]) => ratio(tp!, predicted!) };

const recall: EpochMetric = { stats: confusion, result: ([tp, , actual]) => ratio(tp!, actual!) };

const auc: EpochMetric = {
  // [true positives at each threshold (200), false positives at each (200), positives, negatives]
  stats: (yTrue, yPred) =>
    tf.tidy(() => {
      const actual = tf.cast(tf.notEqual(yTrue, 0), "float32").reshape([1, -1]);
      const negative = tf.sub(1, actual);
      const above = tf.cast(tf.greater(yPred.reshape([-1, 1]), tf.tensor2d([aucThresholds])), "float32");
      return tf.concat([
        tf.matMul(actual, above).flatten(),
        tf.matMul(negative, above).flatten(),
        tf.stack([tf.sum(actual), tf.sum(negative)]),
      ]) as tf.Tensor1D;
    }),
  result: (sums) => {
    const n = aucThresholds.length;
    const positive = sums[2 * n]!;
    const negative = sums[2 * n + 1]!;
    const recallAt = (t: number) => ratio(sums[t]!, positive);
    const falsePositiveRateAt = (t: number) => ratio(sums[n + t]!, negative);
    let area = 0;
    for (let t = 0; t + 1 < n; t++) {
      area += (falsePositiveRateAt(t) - falsePositiveRateAt(t + 1)) * ((recallAt(t) + recallAt(t + 1)) / 2);
    }
    return area;
  },
};

const rootMeanSquaredError: EpochMetric = {
  // [sum of squared errors, values]
  stats: (yTrue, yPred) =>
    tf.tidy(() => tf.stack([tf.sum(tf.squaredDifference(yTrue, yPred)), tf.scalar(yPred.size)]) as tf.Tensor1D),
  result: ([squares, count]) => Math.sqrt(ratio(squares!, count!)),
};

const r2: EpochMetric = {
  // [examples, then per output column: sum of targets, sum of their squares, sum of squared errors]
  stats: (yTrue, yPred) =>
    tf.tidy(() => {
      const rows = yPred.shape[0]!;
      const y = yTrue.reshape([rows, -1]);
      const p = yPred.reshape([rows, -1]);
      return tf.concat([
        tf.tensor1d([rows]),
        tf.sum(y, 0),
        tf.sum(tf.square(y), 0),
        tf.sum(tf.squaredDifference(y, p), 0),
      ]) as tf.Tensor1D;
    }),
  result: (sums) => {
    const rows = sums[0]!;
    const columns = (sums.length - 1) / 3;
    let total = 0;
    for (let j = 0; j < columns; j++) {
      const sum = sums[1 + j]!;
      const squares = sums[1 + columns + j]!;
      const errors = sums[1 + 2 * columns + j]!;
      const score = 1 - errors / (squares - (sum * sum) / rows);
      // Keras: a column whose targets are all equal scores 0 rather than -inf.
      total += Number.isFinite(score) || Number.isNaN(score) ? score : 0;
    }
    return total / columns;
  },
};

/** The epoch metrics by their Keras names (train-options.ts's metrics without a tfjs metric). */
export const epochMetrics: Readonly<Record<string, EpochMetric>> = {
  precision,
  recall,
  auc,
  root_mean_squared_error: rootMeanSquaredError,
  rmse: rootMeanSquaredError,
  r2,
};
