/**
 * What reading a data source by index gives (`RecordReader`) and the helpers its readers share; records.ts
 * opens a source with the reader that fits it.
 */
import { checkEmbeddingIds, type ModelIds } from "./embedding-ids.js";
import type { DataLimits } from "./files.js";
import { featureCount, sizeOf, type ArrayTargets, type Normalization, type Table } from "./index.js";
import { decimalValue } from "./values.js";

export interface RecordOptions {
  /** Files larger than this many bytes are streamed. Default: 256 MiB. */
  readonly streamAbove?: number;
  /** Records per chunk in a streamed file's first pass. Default: 4096. */
  readonly chunkRows?: number;
  /**
   * The training data's scaling, for data the model does not train on (validation, evaluation): applied
   * whatever the source's own `normalize:` says; null: not scaled. Absent: fitted as `normalize:` says.
   */
  readonly normalization?: Normalization | null;
  /** Whether the loss needs numeric targets (regression): the first label that is not a number is noted. */
  readonly numericTargets: boolean;
  /** With labels per output: the outputs whose loss needs numeric targets. */
  readonly numericOutputs?: ReadonlySet<string>;
  /** Whether labels are read: false for a model that reproduces its input (`target:`). */
  readonly labelled?: boolean;
  /** The record, whole-file and JSON depth limits; limits.ts's unless a test lowers them. */
  readonly limits?: DataLimits;
  /** The model's inputs read by an embedding, whose ids the first pass checks (embedding-ids.ts). */
  readonly embeddingIds?: ModelIds;
}

/** A data source's rows, read by index; `close` when done. */
export interface RecordReader {
  /** The source as shown in messages. */
  readonly source: string;
  readonly rows: number;
  /** Whether the file is read batch by batch (true) or was read whole. */
  readonly streamed: boolean;
  /**
   * The first line of each distinct label, for a classifier; for regression, of the first label that is not
   * a number, if any. Checking these checks every row's label.
   */
  readonly labelLines: ReadonlyMap<string, number>;
  /** `labelLines` of each output, for a source with labels per output (`Table.outputs`), in the table's order. */
  readonly outputLabelLines?: readonly ReadonlyMap<string, number>[];
  /** Rows left out for a missing value (`missing: drop`). */
  readonly dropped: number;
  /** Files left out as unreadable (images()' `corrupt: skip`): how many, and the line the caller prints. */
  readonly skipped?: { readonly count: number; readonly notice: string };
  /** A table with no rows: the source's columns, shape and scaling. */
  readonly layout: Table;
  /** Targets of more than one value per example (`Table.targets`), of every row: read whole, checked before training. */
  readonly targets?: ArrayTargets;
  /**
   * The rows at `indices`, in that order, scaled as `normalize:` says. With `into` (room for that many rows of
   * features at least), a reader may write the features there rather than into a new array: the table then
   * holds a view of `into`, valid until `into` is written again.
   */
  read(indices: readonly number[], into?: Float32Array): Table;
  /** The most rows this reader has held at once. */
  readonly peakRows: number;
  close(): void;
}

/** Room for `size` features: the start of `into` when it has that many (see `RecordReader.read`), else a new array. */
export function featureRoom(size: number, into: Float32Array | undefined): Float32Array {
  return into && into.length >= size ? into.subarray(0, size) : new Float32Array(size);
}

/** The rows of `table` at `indices`, as a table of their own; its features written into `into` when given. */
export function rowsOf(table: Table, indices: readonly number[], into?: Float32Array): Table {
  const width = featureCount(table);
  const features = featureRoom(indices.length * width, into);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    features.set(table.features.subarray(row * width, (row + 1) * width), i * width);
  }
  return {
    ...table,
    features,
    labels: table.labels.length === 0 ? [] : indices.map((row) => table.labels[row]!),
    lines: indices.map((row) => table.lines[row]!),
    ...(table.weights ? { weights: Float32Array.from(indices, (row) => table.weights![row]!) } : {}),
    ...(table.targets ? { targets: targetRows(table.targets, indices) } : {}),
    ...(table.outputs
      ? {
          outputs: table.outputs.map((o) => ({
            ...o,
            labels: o.labels.length === 0 ? [] : indices.map((row) => o.labels[row]!),
            ...(o.targets ? { targets: targetRows(o.targets, indices) } : {}),
          })),
        }
      : {}),
    ...(table.sequences
      ? { sequences: table.sequences.map((s) => ({ ...s, rows: indices.map((row) => s.rows[row]!) })) }
      : {}),
  };
}

/**
 * Notes the first line of each distinct label of `table` (see `RecordReader.labelLines`), per output too; and,
 * in the same pass, checks the ids fed to an embedding.
 */
export function noteLabels(
  table: Table,
  lines: Map<string, number>,
  outputLines: Map<string, number>[],
  options: RecordOptions,
): void {
  if (options.embeddingIds) checkEmbeddingIds(table, options.embeddingIds);
  table.labels.forEach((label, row) => noteLabel(lines, label, table.lines[row]!, options.numericTargets));
  table.outputs?.forEach((output, k) => {
    const numeric = options.numericOutputs?.has(output.output) ?? false;
    const map = (outputLines[k] ??= new Map());
    output.labels.forEach((label, row) => noteLabel(map, label, table.lines[row]!, numeric));
  });
}

/** The targets of the rows at `indices`, in that order. */
export function targetRows(targets: ArrayTargets, indices: readonly number[]): ArrayTargets {
  const width = sizeOf(targets.shape);
  const values = new Float32Array(indices.length * width);
  indices.forEach((row, i) => values.set(targets.values.subarray(row * width, (row + 1) * width), i * width));
  return { ...targets, values };
}

export function noteLabel(lines: Map<string, number>, label: string, line: number, numericTargets: boolean): void {
  if (numericTargets ? decimalValue(label) !== undefined || lines.size > 0 : lines.has(label)) return;
  lines.set(label, line);
}
