/**
 * Weighted training steps, as Keras's `fit(class_weight=, sample_weight=)` takes them: each example's loss is
 * multiplied by its weight (its class's weight for each weighted output, times its row's `sample_weight:`
 * value), and the step's loss is the mean of the weighted losses over the batch, which is what Keras reports
 * (its `sum_over_batch_size` reduction: the weights are not renormalised). Metrics stay unweighted, as Keras's
 * `metrics=` are, and validation and test figures are unweighted too.
 *
 * tfjs's `trainOnBatch` takes no weights, but the train function it runs does: `makeTrainFunction` reads one
 * weight tensor per output after the inputs and targets (what tfjs's own `fit` passes for `classWeight`), and
 * multiplies each output's per-example losses by it before their mean. A step with weights calls that
 * function, as `trainOnBatch` does; a step without any is `trainOnBatch` itself.
 */
import * as tf from "@tensorflow/tfjs";
import type { ClassWeights, IrCall, IrTrain } from "../compiler/ir/index.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { didYouMean } from "../compiler/diagnostics/suggest.js";
import type { Batch, TrainingBatches } from "./data/batches.js";
import { NncUserError } from "./errors.js";
import { outputClasses } from "./save.js";

/** Each output's weight per class index (null: the output is not class-weighted), in output order. */
export type ClassWeightTable = readonly (Float32Array | null)[];

/** The parts of a LayersModel a weighted step uses; tfjs keeps them protected. */
interface TrainInternals {
  standardizeUserDataXY(x: tf.Tensor | tf.Tensor[], y: tf.Tensor | tf.Tensor[]): [tf.Tensor[], tf.Tensor[]];
  makeTrainFunction(): (data: (tf.Tensor | null)[]) => tf.Scalar[];
}

/** The data a source's labels come from, as messages show it: a csv's or json's file, idx's labels, npy's y. */
export function labelSource(source: IrCall): string {
  const file = source.args["path"] ?? source.args["labels"] ?? source.args["y"];
  return typeof file === "string" ? displayPath(file) : `the ${source.name}() data`;
}

/** Each output's `class_weight`, in output order; null for an output without. */
export function classWeightsOf(train: Pick<IrTrain, "classWeight" | "outputs">): (ClassWeights | null)[] {
  const setting = train.classWeight;
  const outputs = train.outputs && train.outputs.length > 1 ? train.outputs : null;
  if (!setting) return (outputs ?? [""]).map(() => null);
  if (!outputs) return [setting as ClassWeights];
  const byOutput = setting as Readonly<Record<string, ClassWeights>>;
  return outputs.map((output) => (Object.hasOwn(byOutput, output) ? byOutput[output]! : null));
}

/**
 * The class weights of `train` for the classes of `data`, per class index: a named class that is not among
 * the data's classes is NN4060, before the first step; `balanced` counts each class on the training rows
 * (scikit-learn's `n_samples / (n_classes * count)`), and a class with no training rows (an empty image
 * folder, a class held out whole by validation_split) is NN4007, as scikit-learn raises. Null when no output
 * is class-weighted.
 */
export function classWeightTable(
  model: tf.LayersModel,
  train: Pick<IrTrain, "classWeight" | "outputs">,
  data: TrainingBatches,
  source: string,
): ClassWeightTable | null {
  const settings = classWeightsOf(train);
  if (settings.every((s) => s === null)) return null;
  const names = train.outputs ?? [""];
  const classes = settings.map((setting, k) => {
    if (setting === null) return null;
    const found = outputClasses(data.labels, names[k] ?? "");
    const rank = model.outputs[k]!.shape.length;
    if (!found || rank > 2) {
      const which = names[k] ? `output '${names[k]}'` : "the model's output";
      const why = found ? `has ${rank - 1} axes of targets per example` : "has no classes";
      throw new NncUserError("NN4007", {
        detail: `class_weight weighs one class per example, but ${which} ${why} in ${source}`,
      });
    }
    return found.classes;
  });
  const counts = settings.some((s) => s === "balanced") ? classCounts(data, classes) : null;
  return settings.map((setting, k) => {
    const known = classes[k];
    if (setting === null || !known) return null;
    const table = new Float32Array(known.length).fill(1);
    if (setting === "balanced") {
      const count = counts![k]!;
      // As scikit-learn's compute_class_weight refuses it: a class without training rows has no balanced weight.
      const empty = count.findIndex((n) => n === 0);
      if (empty >= 0) {
        const which = names[k] ? ` of output '${names[k]}'` : "";
        throw new NncUserError("NN4007", {
          detail: `class_weight: balanced weighs each class by its training rows, but class '${known[empty]}'${which} has none in ${source}`,
        });
      }
      count.forEach((n, c) => (table[c] = data.trainingRows / (known.length * n)));
      return table;
    }
    for (const [name, weight] of Object.entries(setting)) {
      const index = known.indexOf(name);
      if (index < 0) {
        const output = names[k] ? ` of output '${names[k]}'` : "";
        const args = { name, output, source, classes: known.join(", ") };
        throw new NncUserError("NN4060", args, didYouMean(name, known));
      }
      table[index] = weight;
    }
    return table;
  });
}

/** How many training rows each class has, per class-weighted output (read in batches of 4096 rows). */
function classCounts(data: TrainingBatches, classes: readonly (readonly string[] | null)[]): (number[] | null)[] {
  const counts = classes.map((list) => (list ? new Array<number>(list.length).fill(0) : null));
  for (let from = 0; from < data.trainingRows; from += 4096) {
    const positions = Array.from({ length: Math.min(4096, data.trainingRows - from) }, (_, i) => from + i);
    const batch = data.training(positions);
    try {
      const ys = Array.isArray(batch[1]) ? batch[1] : [batch[1]];
      counts.forEach((count, k) => classIndices(ys[k]!).forEach((c) => count && (count[c] = (count[c] ?? 0) + 1)));
    } finally {
      tf.dispose([batch[0], batch[1]]);
    }
  }
  return counts;
}

/** Each example's class index in targets `y`: one-hot rows (argmax), class indices, or a binary 0/1 column. */
function classIndices(y: tf.Tensor): Int32Array {
  const indices = tf.tidy(() =>
    y.rank === 2 && y.shape[1]! > 1 ? tf.argMax(y, -1) : tf.cast(tf.round(tf.reshape(y, [-1])), "int32"),
  );
  const values = indices.dataSync() as Int32Array;
  indices.dispose();
  return values;
}

/**
 * Each output's weights for one batch: its class weights for the examples' classes (from targets `y`) times
 * the rows' sample weights; null for an output with neither, and null for the batch when no output has any.
 */
export function batchWeights(
  y: Batch[1],
  classWeights: ClassWeightTable | null,
  rowWeights: Float32Array | undefined,
): (Float32Array | null)[] | null {
  if (!classWeights && !rowWeights) return null;
  const ys = Array.isArray(y) ? y : [y];
  return ys.map((target, k) => {
    const table = classWeights?.[k] ?? null;
    if (!table) return rowWeights ?? null;
    const classes = classIndices(target);
    return Float32Array.from(classes, (c, i) => (table[c] ?? 1) * (rowWeights?.[i] ?? 1));
  });
}

/**
 * One training step on `x`, `y` with each output's example weights (`weights`, from `batchWeights`): tfjs's
 * train function, as `trainOnBatch` runs it, given the weights too. Returns what `trainOnBatch` returns.
 */
export async function trainStep(
  model: tf.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  y: tf.Tensor | tf.Tensor[],
  weights: readonly (Float32Array | null)[] | null,
): Promise<number | number[]> {
  if (weights === null) return model.trainOnBatch(x, y);
  const internals = trainInternals(model);
  const [inputs, targets] = internals.standardizeUserDataXY(x, y);
  // Shaped as the output's per-example losses, [batch] or [batch, 1, ...]: a sequence output's steps share it.
  const tensors = weights.map((w, k) => {
    if (w === null) return null;
    const rank = model.outputs[k]!.shape.length - 1;
    return tf.tensor(w, [w.length, ...Array<number>(Math.max(rank - 1, 0)).fill(1)]);
  });
  try {
    const results = internals.makeTrainFunction()([...inputs, ...targets, ...tensors]);
    const values: number[] = [];
    for (const result of results) values.push((await result.data())[0]!);
    tf.dispose(results);
    return values.length === 1 ? values[0]! : values;
  } finally {
    tf.dispose(tensors.filter((t): t is tf.Tensor => t !== null));
    disposeNew(inputs, x);
    disposeNew(targets, y);
  }
}

/**
 * The protected parts of `model` a weighted step calls (a tf.Sequential's are those of the LayersModel it
 * wraps, its `.model`, to which its trainOnBatch hands over). They are tfjs 4.22's internals, which is why
 * package.json pins `@tensorflow/tfjs` to 4.22.x: a tfjs without them is an internal error that says so, not
 * a "cannot read properties of undefined" at the first weighted step.
 */
export function trainInternals(model: tf.LayersModel): TrainInternals {
  const trained = model instanceof tf.Sequential ? (model as unknown as { model?: tf.LayersModel }).model : model;
  const internals = trained as unknown as Partial<TrainInternals> | undefined;
  const missing = [
    ...(trained === undefined ? ["Sequential.model"] : []),
    ...(typeof internals?.standardizeUserDataXY !== "function" ? ["standardizeUserDataXY"] : []),
    ...(typeof internals?.makeTrainFunction !== "function" ? ["makeTrainFunction"] : []),
  ];
  if (missing.length > 0) {
    throw new Error(
      `internal error: weighted training needs tfjs 4.22's LayersModel internals, but this @tensorflow/tfjs ` +
        `(layers ${tf.version_layers}) lacks ${missing.join(", ")}; install nnc's pinned @tensorflow/tfjs ~4.22.0`,
    );
  }
  return internals as TrainInternals;
}

/** Disposes the tensors of `made` that standardizing created rather than passed through from `given`. */
function disposeNew(made: readonly tf.Tensor[], given: tf.Tensor | tf.Tensor[]): void {
  const kept = new Set(Array.isArray(given) ? given : [given]);
  tf.dispose(made.filter((t) => !kept.has(t)));
}
