/**
 * `nnc data`: what a train block's data holds, read exactly as `nnc train` reads it (the model built under
 * the block's seed, then `openTrainingData`: the same rows, the same shuffle and split), a chunk of rows at a
 * time, so a streamed file is never held whole. The facts are plain data (`DataSummary`); the CLI prints them
 * as text or JSON, and `data-warnings.ts` reads them for what deserves a warning.
 */
import { randomInt } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { lossesOf, type IrModel, type IrTrain } from "../compiler/ir/index.js";
import { isImageShape } from "../compiler/registry/image-shapes.js";
import { losses } from "../compiler/registry/train-options.js";
import { buildModel } from "./build.js";
import { openTrainingData, type BatchOptions, type TrainingBatches } from "./data/batches.js";
import { embeddingIds } from "./data/embedding-ids.js";
import { featureCount, sizeOf, type Table } from "./data/index.js";
import { histogram, Moments, outputTargets, rowHash } from "./data-stats.js";
import { dataWarnings, type DataWarning } from "./data-warnings.js";
import { seededRandom, withRandom, withReplaced } from "./random.js";
import { outputClasses } from "./save.js";

/** Min, mean, (population) standard deviation and max of some values. */
export interface Statistics {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly std: number;
  readonly max: number;
}

/** One class of an output: its rows in the training part and in the validation part. */
export interface ClassCount {
  readonly name: string;
  readonly training: number;
  readonly validation: number;
}

/** What an output is trained on: classes, values (regression), several values per example, or the input. */
export type OutputSummary = { readonly name: string; readonly column: string } & (
  | {
      readonly kind: "classes";
      readonly classes: readonly ClassCount[];
      /** For targets of several classes per example (a class per step): their shape; counts are of steps. */
      readonly perStep?: readonly number[];
    }
  | { readonly kind: "values"; readonly values: Statistics }
  | { readonly kind: "arrays"; readonly shape: readonly number[]; readonly values: Statistics }
  | { readonly kind: "input"; readonly input: string }
);

/** A named feature column (csv, json) and its values over the training rows, in the data's units. */
export interface ColumnSummary extends Statistics {
  readonly name: string;
}

/** An input fed whole arrays (idx, npy, image folders): the shape of one example and all its values. */
export interface ArraySummary {
  readonly input: string;
  readonly shape: readonly number[];
  /** Whether the model input is an image's (`imageShape`). */
  readonly image: boolean;
  readonly values: Statistics;
  /** For ids read by an embedding (the padding, 0, among them): as `SequenceSummary.vocabulary`. */
  readonly vocabulary?: Vocabulary;
}

/** The ids an embedding reads: how many distinct ids occur, the largest, and the embedding's input_dim. */
export interface Vocabulary {
  readonly distinct: number;
  readonly largest: number;
  readonly inputDim: number;
}

/** A feature whose examples are sequences of any length: their lengths, and the ids an embedding reads. */
export interface SequenceSummary {
  readonly input: string;
  readonly field: string;
  readonly lengths: Statistics;
  /** Rows by length: `[from, to]` (inclusive) and the rows whose length is in it. */
  readonly histogram: readonly { readonly from: number; readonly to: number; readonly rows: number }[];
  /** For ids read by an embedding. */
  readonly vocabulary?: Vocabulary;
}

/** Rows whose features and labels repeat an earlier row's: how many, and the first few (line, and the earlier line). */
export interface Duplicates {
  readonly training: number;
  /** Validation rows equal to a training row (with validation_split, a line of the same file). */
  readonly validationOfTraining: number;
  /** The first few of each part: the row's line, and the line of the training row it repeats. */
  readonly examples: readonly { readonly line: number; readonly sameAs: number; readonly part: Part }[];
}

type Part = "training" | "validation";

export interface DataSummary {
  readonly model: string;
  readonly source: string;
  /** The `validation:` source, when the block names one (else the split holds rows of `source` out). */
  readonly validationSource: string | null;
  readonly streamed: boolean;
  readonly rows: {
    readonly training: number;
    readonly validation: number;
    readonly dropped: { readonly training: number; readonly validation: number };
  };
  readonly split: { readonly validationSplit: number; readonly shuffle: boolean; readonly seed: number | null };
  readonly normalize: string | null;
  /** Whether the block weighs classes (`class_weight:`), which answers an imbalance. */
  readonly classWeight: boolean;
  readonly outputs: readonly OutputSummary[];
  readonly columns: readonly ColumnSummary[];
  readonly arrays: readonly ArraySummary[];
  readonly sequences: readonly SequenceSummary[];
  readonly duplicates: Duplicates;
  readonly warnings: readonly DataWarning[];
}

/** The data a train block opens for the model, as training opens it, and the model built for it. */
export interface OpenedData {
  readonly model: tf.LayersModel;
  readonly data: TrainingBatches;
  readonly seed: number;
  close(): void;
}

/**
 * Builds `ir` and opens `train`'s data as `nnc train` does: under the block's seed (or a random one), the
 * model first (its initialisers draw from the same generator), so the shuffle and split are training's.
 * Weights from other runs are not loaded: they change no row. Throws `NncUserError` as training would.
 */
export async function openAsTrained(ir: IrModel, train: IrTrain, options: BatchOptions = {}): Promise<OpenedData> {
  const seed = train.seed ?? randomInt(2 ** 32);
  return withRandom(seededRandom(seed), async () => {
    const model = quietly(() => buildModel({ ...ir, loads: [] }));
    try {
      const data = await openTrainingData(model, train, options);
      return { model, data, seed, close: () => (data.close(), model.dispose()) };
    } catch (error) {
      model.dispose();
      throw error;
    }
  });
}

/**
 * `task` with console.warn silenced: building the model only draws its initial weights (for the shuffle that
 * follows), and tfjs's notes on them ("Orthogonal initializer ... Slowness may result") are not about the data.
 */
function quietly<T>(task: () => T): T {
  return withReplaced(console, "warn", () => undefined, task);
}

/**
 * Values read at a time, unless told (16 MB of float32): rows of a multi_hot text input of a million values
 * are read a few at a time, rows of four features a million at a time.
 */
const defaultChunkValues = 2 ** 22;
/** Training rows kept for finding repeats at most (a hash and a line each): later rows are compared with these only. */
export const hashedRowsLimit = 5_000_000;
/** Duplicated lines listed at most. */
const listedDuplicates = 5;

/**
 * Reads every training and validation row once, a chunk of about `chunkValues` values (at least one row) at a
 * time, and gathers the summary's facts.
 */
export function summarizeData(opened: OpenedData, train: IrTrain, chunkValues = defaultChunkValues): DataSummary {
  const { model, data } = opened;
  const first = data.tables.training([]);
  const chunkRows = Math.max(1, Math.floor(chunkValues / Math.max(1, featureCount(first))));
  const outputNames = train.outputs ?? [""];
  const ids = embeddingIds(model).ids;
  const counts = outputNames.map(() => new Map<string, [number, number]>());
  const values = outputNames.map(() => new Moments());
  const columnWidth = first.featureNames.length > 0 && !first.exampleShape && !first.inputs ? featureCount(first) : 0;
  const columns = Array.from({ length: columnWidth }, () => new Moments());
  const arrays = arrayParts(first).map((part) => ({
    ...part,
    values: new Moments(),
    ids: ids.find((id) => id.name === part.input || (part.input === "" && id.index === 0)),
    seen: new Set<number>(),
    largest: -1,
  }));
  const sequences = (first.sequences ?? []).map((s) => ({
    input: s.input,
    field: s.field,
    lengths: new Moments(),
    byLength: new Map<number, number>(),
    ids: s.width === 1 ? ids.find((id) => id.name === s.input || (s.input === "" && id.index === 0)) : undefined,
    seen: new Set<number>(),
    largest: -1,
  }));
  const hashes = new Map<number, number>();
  const duplicates = { training: 0, validationOfTraining: 0, examples: [] as Duplicates["examples"][number][] };
  const normalization = first.normalization;

  const known = outputNames.map((name) => outputClasses(data.labels, name));
  const oneHot = lossesOf(train).map((loss) => losses[loss]?.targets === "one-hot");
  const tally = (k: number, label: string, part: Part) => {
    const count = counts[k]!.get(label) ?? [0, 0];
    count[part === "training" ? 0 : 1]++;
    counts[k]!.set(label, count);
  };
  const readPart = (part: Part, rows: number) => {
    for (let from = 0; from < rows; from += chunkRows) {
      const positions = Array.from({ length: Math.min(chunkRows, rows - from) }, (_, k) => from + k);
      const table = part === "training" ? data.tables.training(positions) : data.tables.validation(positions);
      const width = featureCount(table);
      for (let row = 0; row < positions.length; row++) {
        const features = table.features.subarray(row * width, (row + 1) * width);
        outputNames.forEach((name, k) => {
          const label = labelOf(table, name, row);
          if (label === undefined) return;
          tally(k, label, part);
          if (part === "training") values[k]!.add(Number(label));
        });
        outputTargets(table, row).forEach((targets, k) => {
          const classes = known[k];
          if (classes)
            for (const label of stepClasses(targets, oneHot[k]!, classes.classes.length)) tally(k, label, part);
          else if (part === "training") for (const v of targets) values[k]!.add(v);
        });
        if (part === "training") {
          for (let c = 0; c < columnWidth; c++) {
            const scale = normalization?.scale[c];
            const raw =
              normalization && scale !== undefined
                ? scale === 0
                  ? normalization.shift[c]!
                  : features[c]! * scale + normalization.shift[c]!
                : features[c]!;
            columns[c]!.add(raw);
          }
          for (const array of arrays) {
            for (let j = array.offset; j < array.offset + array.size; j++) {
              array.values.add(features[j]!);
              if (array.ids) (array.seen.add(features[j]!), (array.largest = Math.max(array.largest, features[j]!)));
            }
          }
          sequences.forEach((s, i) => {
            const steps = table.sequences![i]!.rows[row]!;
            const length = steps.length / table.sequences![i]!.width;
            s.lengths.add(length);
            s.byLength.set(length, (s.byLength.get(length) ?? 0) + 1);
            if (s.ids) for (const id of steps) (s.seen.add(id), (s.largest = Math.max(s.largest, id)));
          });
        }
        const hash = rowHash(table, row, features);
        const line = table.lines[row]!;
        const earlier = hashes.get(hash);
        if (earlier === undefined) {
          if (part === "training" && hashes.size < hashedRowsLimit) hashes.set(hash, line);
          continue;
        }
        if (part === "training") duplicates.training++;
        else duplicates.validationOfTraining++;
        if (duplicates.examples.filter((e) => e.part === part).length < listedDuplicates)
          duplicates.examples.push({ line, sameAs: earlier, part });
      }
    }
  };
  readPart("training", data.trainingRows);
  readPart("validation", data.validationRows);

  const outputs = outputNames.map((name, k): OutputSummary => {
    const column = outputColumn(first, name);
    if (train.target) return { name, column, kind: "input", input: train.target };
    const shape = targetShape(first, name);
    const classesOf = known[k];
    if (classesOf) {
      const classes = classesOf.classes.map((label) => {
        const [training, validation] = counts[k]!.get(label) ?? [0, 0];
        return { name: label, training, validation };
      });
      return { name, column: classesOf.column, kind: "classes", classes, ...(shape ? { perStep: shape } : {}) };
    }
    if (shape) return { name, column, kind: "arrays", shape, values: values[k]!.done() };
    return { name, column, kind: "values", values: values[k]!.done() };
  });
  const summary: Omit<DataSummary, "warnings"> = {
    model: model.name,
    source: first.source,
    validationSource: train.validation ? data.tables.validation([]).source : null,
    streamed: data.streamed,
    rows: { training: data.trainingRows, validation: data.validationRows, dropped: data.dropped },
    split: { validationSplit: train.validationSplit, shuffle: train.shuffle, seed: train.seed },
    normalize: normalization?.mode ?? null,
    classWeight: Boolean(train.classWeight),
    outputs,
    columns: columns.map((m, c) => ({ name: first.featureNames[c] ?? `x_${c}`, ...m.done() })),
    arrays: arrays.map(({ input, shape, values: m, seen, largest, ids }) => {
      const index = input ? model.inputNames.indexOf(input) : 0;
      // An image as the model receives it (idx's 28x28 pixels as 28x28x1, as images() reads them).
      const image = imageShape(model.inputs[index]!.shape.slice(1));
      return {
        input: model.inputNames[index]!,
        shape: image ?? shape,
        image: image !== null,
        values: m.done(),
        ...(ids ? { vocabulary: { distinct: seen.size, largest, inputDim: ids.inputDim } } : {}),
      };
    }),
    sequences: sequences.map((s) => ({
      input: s.input || model.inputNames[0]!,
      field: s.field,
      lengths: s.lengths.done(),
      histogram: histogram(s.byLength),
      ...(s.ids ? { vocabulary: { distinct: s.seen.size, largest: s.largest, inputDim: s.ids.inputDim } } : {}),
    })),
    duplicates,
  };
  return { ...summary, warnings: dataWarnings(summary) };
}

/** The label of output `name` on `row`: the one label column's, or the output's own; undefined for none. */
function labelOf(table: Table, name: string, row: number): string | undefined {
  const labels = table.outputs ? table.outputs.find((o) => o.output === name)?.labels : table.labels;
  return labels && labels.length > 0 ? labels[row] : undefined;
}

/**
 * The classes of one example's targets of several steps: a class index per value, or for a loss of one-hot
 * targets (the last axis as wide as the classes) the hot unit of each step.
 */
function stepClasses(targets: Float32Array, oneHot: boolean, classes: number): string[] {
  if (!oneHot || targets.length % classes !== 0) return [...targets].map(String);
  return Array.from({ length: targets.length / classes }, (_, step) =>
    String(targets.subarray(step * classes, (step + 1) * classes).indexOf(1)),
  );
}

function outputColumn(layout: Table, name: string): string {
  return layout.outputs?.find((o) => o.output === name)?.labelName ?? layout.labelName;
}

function targetShape(layout: Table, name: string): readonly number[] | undefined {
  return (layout.outputs ? layout.outputs.find((o) => o.output === name)?.targets : layout.targets)?.shape;
}

/** The parts of a row that are whole arrays: each input's (npy of several files), or the one example's. */
function arrayParts(layout: Table): { input: string; shape: readonly number[]; offset: number; size: number }[] {
  if (layout.inputs) {
    let offset = 0;
    return layout.inputs.flatMap((input) => {
      const size = input.shape.length > 0 ? sizeOf(input.shape) : 0;
      offset += size;
      return size > 0 ? [{ input: input.name, shape: input.shape, offset: offset - size, size }] : [];
    });
  }
  if (!layout.exampleShape) return [];
  return [{ input: "", shape: layout.exampleShape, offset: 0, size: sizeOf(layout.exampleShape) }];
}

/**
 * A model input's shape (without the batch) as an image's `[height, width, channels]`, by the registry's one
 * rule (`isImageShape`: grey, RGB or RGBA of a known size); null for any other shape.
 */
export function imageShape(shape: readonly (number | null)[]): [number, number, number] | null {
  return isImageShape(shape) ? (shape as [number, number, number]) : null;
}
