/**
 * A train block's data as batches for the training loop: the rows are opened for reading by index
 * (`records.ts`: whole or streamed), every check that could fail a training step runs before the first
 * one, and each batch becomes tensors only when the loop asks for it.
 */
import * as tf from "@tensorflow/tfjs";
import { lossesOf } from "../../compiler/ir/index.js";
import { losses } from "../../compiler/registry/train-options.js";
import { NncUserError } from "../errors.js";
import { permutation } from "../random.js";
import type { Labels } from "../save.js";
import { featureCount, type Table } from "./index.js";
import { openRecords, type RecordReader } from "./records.js";
import { encodeArrayTargets, toDataset } from "./tensors.js";
import type { DataSettings, Preprocessing } from "./training-data.js";

export interface BatchOptions {
  /** Files larger than this many bytes are streamed (see records.ts). */
  readonly streamAbove?: number;
  /** Records per chunk in a streamed file's first pass. */
  readonly chunkRows?: number;
}

/** A batch's inputs (one tensor, or one per input of a model of several) and targets. */
export type Batch = [tf.Tensor | tf.Tensor[], tf.Tensor];

export interface TrainingBatches {
  /** Rows trained on; a `validation_split` holds out the rest, the last rows of the (shuffled) order. */
  readonly trainingRows: number;
  /** Rows validated on: held out, or from the `validation:` source; 0 without validation. */
  readonly validationRows: number;
  readonly labels: Labels | null;
  readonly preprocessing: Preprocessing;
  /**
   * `[x, y]` for the training rows at `positions` (0 to trainingRows - 1), `x` one tensor per input of a model
   * of several; the caller disposes them.
   */
  training(positions: readonly number[]): Batch;
  /** `[x, y]` for the validation rows at `positions` (0 to validationRows - 1). */
  validation(positions: readonly number[]): Batch;
  /** Whether the training data is streamed rather than held in memory. */
  readonly streamed: boolean;
  /** The most rows held in memory at once, over the training and validation data. */
  peakRows(): number;
  close(): void;
}

/**
 * Opens the data `settings` names for `model` (built and compiled). With `shuffle`, the rows are put in a
 * random order once, with `Math.random` (seeded in a seeded run), before the split: validation takes the
 * last rows, and rows sorted by class would otherwise give a one-class validation set. Throws
 * `NncUserError` when the data is missing, malformed or does not fit the model.
 */
export async function openTrainingData(
  model: tf.LayersModel,
  settings: DataSettings,
  options: BatchOptions = {},
): Promise<TrainingBatches> {
  const encoding = losses[lossesOf(settings)[0]!]!.targets;
  const numericTargets = encoding === "value";
  const reader = await openRecords(settings.data, { ...options, numericTargets });
  const rows = reader.rows;
  const trainingRows = Math.floor(rows * (1 - settings.validationSplit));
  if (trainingRows === 0 || (settings.validationSplit > 0 && trainingRows === rows)) {
    reader.close();
    throw new NncUserError("NN4007", {
      detail: `${reader.source} has ${rows} rows: too few to hold out validation_split ${settings.validationSplit} of them`,
    });
  }
  let held: RecordReader | null = null;
  try {
    const classes = checkLabels(reader, model, encoding);
    const { layout } = reader;
    if (settings.validation) {
      // Validation rows are scaled with the training data's statistics, as they will be after training.
      const normalization = layout.normalization;
      held = await openRecords(settings.validation, {
        ...options,
        numericTargets,
        ...(normalization ? { normalization } : {}),
      });
      checkLabels(held, model, encoding, classes ?? undefined);
    }
    const order = settings.shuffle ? permutation(rows, Math.random) : [...Array(rows).keys()];
    const batch = (from: RecordReader, indices: readonly number[]): Batch => {
      const dataset = toDataset(from.read(indices), model, encoding, [...indices.keys()], classes ?? undefined);
      return [dataset.x, dataset.y];
    };
    const validation = held;
    return {
      trainingRows,
      validationRows: validation ? validation.rows : rows - trainingRows,
      labels: classes ? { column: layout.labelName, classes } : null,
      preprocessing: {
        source: settings.data.name,
        label: layout.labelName,
        features: layout.featureNames,
        normalization: layout.normalization ?? null,
        ...(settings.data.name === "idx" ? { scale: settings.data.args["scale"] !== false } : {}),
        ...(layout.inputs ? { inputs: layout.inputs.map((input) => input.name) } : {}),
      },
      training: (positions) =>
        batch(
          reader,
          positions.map((p) => order[p]!),
        ),
      validation: (positions) =>
        validation
          ? batch(validation, positions)
          : batch(
              reader,
              positions.map((p) => order[trainingRows + p]!),
            ),
      streamed: reader.streamed,
      peakRows: () => Math.max(reader.peakRows, validation?.peakRows ?? 0),
      close: () => {
        reader.close();
        validation?.close();
      },
    };
  } catch (error) {
    reader.close();
    held?.close();
    throw error;
  }
}

/**
 * Runs every label check of `toDataset` (and the input shape check) on one row per distinct label, which
 * checks them all without holding the data: the model's input and output fit, regression targets are
 * numbers, validation (or evaluation) labels are training classes. Returns the classes (null for regression).
 */
export function checkLabels(
  reader: RecordReader,
  model: tf.LayersModel,
  encoding: "one-hot" | "class-index" | "value",
  knownClasses?: readonly string[],
): readonly string[] | null {
  // Targets of several values per example are held whole: all of them are checked at once.
  const labels = reader.targets ? [] : [...reader.labelLines.keys()];
  const probe: Table = {
    ...reader.layout,
    features: new Float32Array(labels.length * featureCount(reader.layout)),
    labels,
    lines: [...reader.labelLines.values()],
  };
  const dataset = toDataset(probe, model, encoding, [...labels.keys()], knownClasses);
  tf.dispose([dataset.x, dataset.y]);
  return reader.targets ? encodeArrayTargets(reader.targets, model, encoding).classes : dataset.classes;
}
