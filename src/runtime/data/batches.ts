/**
 * A train block's data as batches for the training loop: the rows are opened for reading by index
 * (`records.ts`: whole or streamed), every check that could fail a training step runs before the first
 * one, and each batch becomes tensors only when the loop asks for it.
 */
import * as tf from "@tensorflow/tfjs";
import { lossesOf, type IrCall } from "../../compiler/ir/index.js";
import { losses } from "../../compiler/registry/train-options.js";
import { NncUserError } from "../errors.js";
import { permutation } from "../random.js";
import type { Labels, OutputClasses } from "../save.js";
import { checkPad, embeddingIds } from "./embedding-ids.js";
import { featureCount, type Table } from "./index.js";
import { openRecords, type RecordOptions, type RecordReader } from "./records.js";
import { readAsTrained, type DataSettings, type Preprocessing } from "./training-data.js";
import { encodeArrayTargets, modelOutput, sortedClasses, type TargetScaling } from "./targets.js";
import { copiesTensorValues, toDataset, type TargetSettings } from "./tensors.js";
import { fitVocabulary } from "./text.js";
import { folderClasses, imageReading } from "./images.js";

export interface BatchOptions {
  /** Files larger than this many bytes are streamed (see records.ts). */
  readonly streamAbove?: number;
  /** Records per chunk in a streamed file's first pass. */
  readonly chunkRows?: number;
}

/**
 * A batch's inputs (one tensor, or one per input of a model of several) and targets (one tensor, or one per
 * output of a model of several, in the model's output order), and its rows' weights when the source has a
 * `sample_weight:` column.
 */
export type Batch = [tf.Tensor | tf.Tensor[], tf.Tensor | tf.Tensor[], Float32Array?];

export interface TrainingBatches {
  /** Rows trained on; a `validation_split` holds out the rest, the last rows of the (shuffled) order. */
  readonly trainingRows: number;
  /** Rows validated on: held out, or from the `validation:` source; 0 without validation. */
  readonly validationRows: number;
  readonly labels: Labels | null;
  readonly preprocessing: Preprocessing;
  /** Rows of the training data left out for a missing value (`missing: drop`), and of the validation data. */
  readonly dropped: { readonly training: number; readonly validation: number };
  /** Lines to print about the sources as they were opened: files `corrupt: skip` left out, training's first. */
  readonly notices: readonly string[];
  /**
   * `[x, y]` for the training rows at `positions` (0 to trainingRows - 1), `x` one tensor per input of a model
   * of several, `y` one per output; the caller disposes them.
   */
  training(positions: readonly number[]): Batch;
  /** `[x, y]` for the validation rows at `positions` (0 to validationRows - 1). */
  validation(positions: readonly number[]): Batch;
  /** The same rows as read, before they become tensors (features scaled as `normalize:` says): for `nnc data`. */
  readonly tables: {
    training(positions: readonly number[]): Table;
    validation(positions: readonly number[]): Table;
  };
  /** Whether the training data is streamed rather than held in memory. */
  readonly streamed: boolean;
  /** The most rows held in memory at once, over the training and validation data. */
  peakRows(): number;
  close(): void;
}

/**
 * How a train block's targets are made for `model`: each output's encoding (its loss's), the input reproduced
 * with `target:` (`input` resolved to the model's one input), the padding of sequences.
 */
export function targetSettings(
  model: tf.LayersModel,
  settings: Omit<DataSettings, "validationSplit" | "shuffle">,
  data: IrCall,
): TargetSettings {
  const encodings = lossesOf(settings).map((loss) => (losses[loss] ?? losses[lossesOf(settings)[0]!]!).targets);
  const named = settings.target && model.inputNames.includes(settings.target);
  const target = settings.target
    ? named || settings.target !== "input"
      ? settings.target
      : model.inputNames[0]!
    : null;
  const pad = data.args["pad"];
  // An image folder's classes are its sub-folders (or class_names), in Keras's order, those without images too.
  const folder = target ? null : folderClasses(data);
  return {
    ...(folder ? { classes: [folder] } : {}),
    encodings,
    ...(settings.outputs ? { outputs: settings.outputs } : {}),
    target,
    pad: typeof pad === "number" ? pad : 0,
  };
}

/** How the records of a source are read for `targets`: whether labels are read, and which must be numbers. */
export function recordOptions(targets: TargetSettings, outputs: readonly string[] | undefined): RecordOptions {
  const numericOutputs = new Set((outputs ?? []).filter((_, k) => targets.encodings[k] === "value"));
  return { numericTargets: targets.encodings[0] === "value", numericOutputs, labelled: !targets.target };
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
  const targets = targetSettings(model, settings, settings.data);
  const ids = embeddingIds(model);
  checkPad(targets.pad ?? 0, ids);
  const reading = { ...options, ...recordOptions(targets, settings.outputs), embeddingIds: ids };
  const reader = await openRecords(settings.data, reading);
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
    const classes = checkLabels(reader, model, targets);
    const order = settings.shuffle ? permutation(rows, Math.random) : [...Array(rows).keys()];
    // text(): the vocabulary is fitted on the training rows only, before any batch is read.
    const vocabulary = fitVocabulary(reader, order.slice(0, trainingRows));
    // With `target:` the targets are the input itself (NN4032 in a checked spec): nothing to scale.
    const scaling =
      settings.data.args["normalize_target"] && !targets.target
        ? targetScaling(reader, model, { ...targets, classes }, order.slice(0, trainingRows))
        : undefined;
    const fitted: TargetSettings = { ...targets, classes, ...(scaling ? { scaling } : {}) };
    const { layout } = reader;
    const preprocessing = { ...preprocessingOf(settings.data, layout, fitted), ...(vocabulary ? { vocabulary } : {}) };
    if (settings.validation) {
      // Validation rows are read as the training rows are: the training features by name (a file whose columns
      // come in another order reads the same), scaled with the training data's statistics (or not at all when
      // it is not scaled), whatever the validation source's own `features:` and `normalize:` say.
      held = await openRecords(readAsTrained(settings.validation, preprocessing), {
        ...reading,
        normalization: layout.normalization ?? null,
        ...(vocabulary ? { vocabulary } : {}),
      });
      checkLabels(held, model, fitted);
    }
    const scratch = new BatchScratch();
    const batch = ([from, indices]: [RecordReader, readonly number[]]): Batch => {
      const table = from.read(indices, scratch.features(from, indices.length));
      const dataset = toDataset(table, model, fitted, [...indices.keys()]);
      return table.weights ? [dataset.x, dataset.y, table.weights] : [dataset.x, dataset.y];
    };
    const validation = held;
    // Where the rows at `positions` of the training or validation part are: a reader and its record indices.
    const training = (positions: readonly number[]): [RecordReader, number[]] => [
      reader,
      positions.map((p) => order[p]!),
    ];
    const validating = (positions: readonly number[]): [RecordReader, number[]] =>
      validation ? [validation, [...positions]] : [reader, positions.map((p) => order[trainingRows + p]!)];
    const read = ([from, indices]: [RecordReader, readonly number[]]) => from.read(indices);
    return {
      trainingRows,
      validationRows: validation ? validation.rows : rows - trainingRows,
      labels: savedLabels(layout, classes, targets),
      preprocessing,
      dropped: { training: reader.dropped, validation: validation?.dropped ?? 0 },
      notices: [reader.skipped?.notice, validation?.skipped?.notice].filter((n) => n !== undefined),
      training: (positions) => batch(training(positions)),
      validation: (positions) => batch(validating(positions)),
      tables: {
        training: (positions) => read(training(positions)),
        validation: (positions) => read(validating(positions)),
      },
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
 * One array per reader that a batch's features are read into, batch after batch, when the backend copies a
 * tensor's values as it makes it (`copiesTensorValues`): a new array a step (400 KB for the MLP's batch of
 * 128 rows of 784 values) costs more than gathering the rows, in fresh pages to fault in and in garbage to
 * collect. The batch's table is dropped once its tensors are made, so nothing sees the array change.
 */
class BatchScratch {
  private readonly arrays = new Map<RecordReader, Float32Array>();

  /** Room for `rows` rows of `reader`'s features, or undefined: a new array each time. */
  features(reader: RecordReader, rows: number): Float32Array | undefined {
    const size = rows * featureCount(reader.layout);
    if (size === 0 || !copiesTensorValues()) return undefined;
    const array = this.arrays.get(reader);
    if (array && array.length >= size) return array;
    const grown = new Float32Array(size);
    this.arrays.set(reader, grown);
    return grown;
  }
}

/** What `labels.json` saves: one output's classes, or each classifying output's by name; null for none. */
function savedLabels(
  layout: Table,
  classes: readonly (readonly string[] | null)[],
  targets: TargetSettings,
): Labels | null {
  const names = targets.outputs ?? [];
  const columnOf = (k: number) => layout.outputs?.find((o) => o.output === names[k])?.labelName ?? layout.labelName;
  if (classes.length === 1) return classes[0] ? { column: columnOf(0), classes: classes[0] } : null;
  const outputs: Record<string, OutputClasses> = {};
  classes.forEach((list, k) => {
    if (list) outputs[names[k]!] = { column: columnOf(k), classes: list };
  });
  return Object.keys(outputs).length > 0 ? { outputs } : null;
}

/** How training read its data, for `preprocessing.json`. */
function preprocessingOf(data: IrCall, layout: Table, targets: TargetSettings): Preprocessing {
  const perInput = layout.inputs && (data.name === "csv" || data.name === "json");
  // Label columns (or files) by output, in the model's output order: the order predictions come in.
  const given = data.args["labels"] ?? (data.name === "npy" ? data.args["y"] : undefined);
  const named = typeof given === "object" && given !== null ? (given as Record<string, string>) : undefined;
  const labels = named && targets.outputs ? Object.fromEntries(targets.outputs.map((o) => [o, named[o]!])) : named;
  return {
    source: data.name,
    label: layout.labelName,
    features: layout.featureNames,
    normalization: layout.normalization ?? null,
    // A model of one input fed a sequence reads that field (which `featureNames` leaves out).
    ...(layout.sequences && !layout.inputs ? { sequence: layout.sequences[0]!.field } : {}),
    ...(data.name === "idx" ? { scale: data.args["scale"] !== false } : {}),
    ...(data.name === "images" ? { images: imageReading(data) } : {}),
    ...(layout.inputs ? { inputs: layout.inputs.map((input) => input.name) } : {}),
    ...(perInput ? { featuresPerInput: data.args["features"] as Record<string, string[]> } : {}),
    ...(labels && !targets.target ? { labels } : {}),
    ...(targets.scaling ? { targetScaling: targets.scaling } : {}),
    ...(targets.target ? { target: targets.target } : {}),
    ...(targets.pad ? { pad: targets.pad } : {}),
  };
}

/**
 * `normalize_target: standard`: each output trained on values gets its targets' mean and (population)
 * standard deviation over the training rows at `rows` (held-out rows are not looked at), read in batches.
 */
function targetScaling(
  reader: RecordReader,
  model: tf.LayersModel,
  targets: TargetSettings,
  rows: readonly number[],
): (TargetScaling | null)[] {
  const outputs = model.outputs.length;
  const sums = new Array<number>(outputs).fill(0);
  const squares = new Array<number>(outputs).fill(0);
  let count = new Array<number>(outputs).fill(0);
  const raw: TargetSettings = { ...targets, scaling: [] };
  for (let from = 0; from < rows.length; from += 4096) {
    const indices = rows.slice(from, from + 4096);
    const dataset = toDataset(reader.read(indices), model, raw, [...indices.keys()]);
    const ys = Array.isArray(dataset.y) ? dataset.y : [dataset.y];
    ys.forEach((y, k) => {
      if (targets.encodings[k] !== "value") return;
      const values = y.dataSync();
      values.forEach((v) => ((sums[k]! += v), (squares[k]! += v * v)));
      count[k]! += values.length;
    });
    tf.dispose([dataset.x, dataset.y]);
  }
  count = count.map((n) => Math.max(n, 1));
  return sums.map((sum, k) => {
    if (targets.encodings[k] !== "value") return null;
    const mean = sum / count[k]!;
    const variance = Math.max(squares[k]! / count[k]! - mean * mean, 0);
    return { mode: "standard", shift: mean, scale: Math.sqrt(variance) || 1 };
  });
}

/**
 * Runs every label check of `toDataset` (and the input shape check) on one row per distinct label of each
 * output, which checks them all without holding the data: the model's inputs and outputs fit, regression
 * targets are numbers, validation (or evaluation) labels are training classes (`targets.classes`). Returns
 * each output's classes (null for regression), in the model's output order.
 */
export function checkLabels(
  reader: RecordReader,
  model: tf.LayersModel,
  targets: TargetSettings,
): readonly (readonly string[] | null)[] {
  const { layout } = reader;
  if (targets.target || layout.outputs?.some((o) => o.targets)) return checkFirstRow(reader, model, targets);
  if (reader.targets) {
    // Targets of several values per example are held whole: all of them are checked at once.
    const dataset = toDataset(probeTable(layout, [], []), model, targets, []);
    tf.dispose([dataset.x, dataset.y]);
    return [encodeArrayTargets(reader.targets, modelOutput(model, 0), targets.encodings[0]!).classes];
  }
  // Each column's distinct labels and the line of each: one column, or one per output.
  const columns = layout.outputs ? (reader.outputLabelLines ?? []) : [reader.labelLines];
  const distinct = columns.map((lines) => [...lines.entries()]);
  const names = targets.outputs ?? [""];
  const classes = model.outputs.map((_, k) => {
    if (targets.classes?.[k] !== undefined) return targets.classes[k]!;
    if ((targets.encodings[k] ?? targets.encodings[0]) === "value") return null;
    const i = layout.outputs ? layout.outputs.findIndex((o) => o.output === names[k]) : 0;
    return i >= 0 ? sortedClasses(distinct[i]!.map(([label]) => label)) : null;
  });
  const known: TargetSettings = { ...targets, classes };
  // One probe per column: its distinct labels, the other columns' first label (or a number) on every row.
  distinct.forEach((entries, i) => {
    const rows = Math.max(entries.length, 1);
    const labelsOf = (j: number) =>
      j === i && entries.length > 0
        ? entries.map(([label]) => label)
        : Array<string>(rows).fill(distinct[j]![0]?.[0] ?? "0");
    const lines = entries.length > 0 ? entries.map(([, line]) => line) : [1];
    const probe = probeTable(
      layout,
      columns.map((_, j) => labelsOf(j)),
      lines,
    );
    const dataset = toDataset(probe, model, known, [...Array(rows).keys()]);
    tf.dispose([dataset.x, dataset.y]);
  });
  return classes;
}

/** A table of `lines.length` rows of `layout`'s columns, zero features, the labels of each column given. */
function probeTable(layout: Table, labels: readonly (readonly string[])[], lines: readonly number[]): Table {
  const rows = lines.length;
  return {
    ...layout,
    features: new Float32Array(rows * featureCount(layout)),
    labels: layout.outputs ? [] : (labels[0] ?? []),
    lines,
    ...(layout.outputs ? { outputs: layout.outputs.map((o, j) => ({ ...o, labels: labels[j]! })) } : {}),
    ...(layout.sequences
      ? {
          sequences: layout.sequences.map((s) => ({ ...s, rows: Array<Float32Array>(rows).fill(new Float32Array(0)) })),
        }
      : {}),
  };
}

/** The checks of `checkLabels` on the source's first row, where labels alone do not tell (`target:`, arrays). */
function checkFirstRow(
  reader: RecordReader,
  model: tf.LayersModel,
  targets: TargetSettings,
): readonly (readonly string[] | null)[] {
  const indices = [...Array(Math.min(reader.rows, 1)).keys()];
  const dataset = toDataset(reader.read(indices), model, targets, indices);
  tf.dispose([dataset.x, dataset.y]);
  return dataset.classes;
}
