/**
 * A train block's data source -> the tensors `model.fit` takes. `nnc train` and every module that
 * `nnc compile` emits load their data here, so both read, check, order and encode the rows the same way.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrTrain } from "../../compiler/ir.js";
import { losses } from "../../compiler/train-options.js";
import { NncUserError } from "../errors.js";
import { permutation } from "../random.js";
import type { Labels } from "../save.js";
import { loadTable, type Normalization } from "./index.js";
import { toDataset } from "./tensors.js";

/** What loading the data needs from a train block: the source, the loss (it decides the targets), the split. */
export type DataSettings = Pick<IrTrain, "data" | "loss" | "validationSplit" | "shuffle" | "validation">;

export interface TrainingData {
  /** `[rows, ...input shape]`. */
  readonly xs: tf.Tensor;
  /** `[rows, classes]` one-hot, or `[rows, 1]` class indices or values, as the loss wants them. */
  readonly ys: tf.Tensor;
  /** For a classifier, the class of each output index (see `toDataset` for the order); null for regression. */
  readonly labels: Labels | null;
  /** The rows fit trains on; it holds out the rest, the last rows, for validation. */
  readonly trainingRows: number;
  /** From a separate `validation` source: `[xs, ys]` for fit's `validationData`. */
  readonly validationData?: [tf.Tensor, tf.Tensor];
  /** What `nnc predict` needs to read new rows as these were read; saved as `preprocessing.json`. */
  readonly preprocessing: Preprocessing;
}

/** How training read its features, so that new data is read the same way (`preprocessing.json` of a run). */
export interface Preprocessing {
  /** The training data's source kind: `csv`, `json`, `idx` or `npy`. */
  readonly source: string;
  /** Its label column. */
  readonly label: string;
  /** Its feature columns, in the order the model sees them; empty for arrays (`idx`, `npy`). */
  readonly features: readonly string[];
  /** The scaling fitted on the training data (`normalize:`), or null. */
  readonly normalization: Normalization | null;
  /** For `idx` images: whether pixels were scaled to [0, 1] (`scale:`). */
  readonly scale?: boolean;
}

/**
 * Reads the data `settings` names and turns it into tensors for `model` (built, compiled or not). With
 * `shuffle`, the rows are shuffled once with `Math.random` (seeded in a seeded run): fit holds out the *last*
 * rows for validation before its own shuffle, and rows sorted by class would give a one-class validation
 * set. Throws `NncUserError` when the data is missing, malformed or does not fit the model; the caller
 * disposes the tensors.
 */
export function loadTrainingData(model: tf.LayersModel, settings: DataSettings): TrainingData {
  const table = loadTable(settings.data);
  const rows = table.labels.length;
  const trainingRows = Math.floor(rows * (1 - settings.validationSplit));
  if (trainingRows === 0 || (settings.validationSplit > 0 && trainingRows === rows)) {
    throw new NncUserError("NN4007", {
      detail: `${table.source} has ${rows} rows: too few to hold out validation_split ${settings.validationSplit} of them`,
    });
  }
  const order = settings.shuffle ? permutation(rows, Math.random) : [...table.labels.keys()];
  const dataset = toDataset(table, model, losses[settings.loss]!.targets, order);
  const labels = dataset.classes ? { column: table.labelName, classes: dataset.classes } : null;
  const preprocessing: Preprocessing = {
    source: settings.data.name,
    label: table.labelName,
    features: table.featureNames,
    normalization: table.normalization ?? null,
    ...(settings.data.name === "idx" ? { scale: settings.data.args["scale"] !== false } : {}),
  };
  if (!settings.validation) return { xs: dataset.x, ys: dataset.y, labels, trainingRows, preprocessing };
  try {
    // Validation rows are scaled with the training data's statistics, as they will be after training.
    const held = loadTable(settings.validation, table.normalization);
    const encoding = losses[settings.loss]!.targets;
    const validation = toDataset(held, model, encoding, [...held.labels.keys()], dataset.classes ?? undefined);
    const validationData: [tf.Tensor, tf.Tensor] = [validation.x, validation.y];
    return { xs: dataset.x, ys: dataset.y, labels, trainingRows, validationData, preprocessing };
  } catch (error) {
    tf.dispose([dataset.x, dataset.y]);
    throw error;
  }
}
