/**
 * `text(...)` as a `RecordReader`: the rows are read whole (text-rows.ts); the vocabulary
 * is fitted by `fit(rows)` on the training rows only (batches.ts calls it with the rows the split keeps for
 * training, before any batch is read), or given (`RecordOptions.vocabulary`: the training data's, for
 * validation data, `nnc evaluate` and `nnc predict`). Then every row is kept as its token ids (its text let go),
 * and a batch
 * becomes a table: id sequences (`int`, padded per batch unless `sequence_length` fixes them) or one
 * `[max_tokens]` vector a row.
 */
import type { IrCall } from "../../compiler/ir/index.js";
import { dataLimits, type DataLimits } from "./files.js";
import type { SequenceFeature, Table } from "./index.js";
import { noteLabels, type RecordOptions, type RecordReader } from "./record-reader.js";
import { readTextRows, type TextRows, type TextSpec } from "./text-rows.js";
import { TokenIds } from "./text-ids.js";
import {
  checkTextLength,
  TokenIndex,
  textLimits,
  textTokens,
  VocabularyFit,
  type TextLimits,
  type TextSettings,
  type Vocabulary,
} from "./text-vectorize.js";

/**
 * What a run saves as `vocabulary.json`: the text column (field) read, how texts were vectorized and the
 * vocabulary fitted on the training rows.
 */
export interface SavedVocabulary extends Vocabulary {
  readonly column: string;
  readonly settings: TextSettings;
}

/** How a text source is read: with the training data's vocabulary, or (absent) fitting one (`fit`). */
export interface TextOptions extends RecordOptions {
  readonly vocabulary?: SavedVocabulary;
}

/** A text source's reader: `fit` fits the vocabulary on the rows at `training`, once, before any `read`. */
export interface TextReader extends RecordReader {
  fit(training: readonly number[]): SavedVocabulary;
}

/**
 * Fits `reader`'s vocabulary on the training rows (`training`: their indices) when it reads a `text(...)`
 * source without one; undefined for any other reader.
 */
export function fitVocabulary(reader: RecordReader, training: readonly number[]): SavedVocabulary | undefined {
  const fit = (reader as Partial<TextReader>).fit;
  return fit ? fit.call(reader, training) : undefined;
}

/** The vectorization `text(...)` asks for, with Keras's defaults. */
export function textSettings(source: IrCall): TextSettings {
  const args = source.args;
  const sequenceLength = args["sequence_length"];
  return {
    maxTokens: Number(args["max_tokens"]),
    sequenceLength: typeof sequenceLength === "number" ? sequenceLength : null,
    standardize: (args["standardize"] as TextSettings["standardize"] | undefined) ?? "lower_and_strip_punctuation",
    split: (args["split"] as TextSettings["split"] | undefined) ?? "whitespace",
    ngrams: typeof args["ngrams"] === "number" ? args["ngrams"] : 1,
    outputMode: (args["output_mode"] as TextSettings["outputMode"] | undefined) ?? "int",
  };
}

/** The columns a `text(...)` call reads; none of the labels for rows to predict on (`labelled` false). */
export function textSpec(source: IrCall, labelled: boolean): TextSpec {
  const label = source.args["label"];
  const labels = source.args["labels"];
  const columns = !labelled
    ? []
    : typeof label === "string"
      ? [{ output: "", column: label }]
      : Object.entries((labels ?? {}) as Record<string, string>).map(([output, column]) => ({ output, column }));
  return {
    text: String(source.args["text"]),
    labels: columns,
    missing: source.args["missing"] === "drop" ? "drop" : "error",
  };
}

/** Reads a `text(...)` source for training, validation or evaluation (see the file comment). */
export function textReader(
  source: IrCall,
  options: TextOptions,
  limits: TextLimits = textLimits,
  lines = false,
): RecordReader {
  const data: DataLimits = options.limits ?? dataLimits;
  const spec = textSpec(source, options.labelled !== false);
  const rows = readTextRows(String(source.args["path"]), spec, { ...data, rows: limits.rows }, lines);
  const given = options.vocabulary;
  const settings = given?.settings ?? textSettings(source);
  const labelled = labelTable(rows, spec, settings, null);
  const labelLines = new Map<string, number>();
  const outputLabelLines: Map<string, number>[] = [];
  noteLabels(labelled, labelLines, outputLabelLines, { ...options, embeddingIds: undefined });
  const where = (row: number) => `${rows.source}:${rows.lines[row]}`;
  // Only token ids are kept, never token strings: the vocabulary is counted from the training rows' tokens one
  // row at a time, then every row is tokenized again into ids and its text let go (see TokenIds).
  rows.texts.forEach((text, row) => checkTextLength(text, where(row), limits));
  let ids: TokenIds | null = null;
  let index: TokenIndex | null = null;
  const use = (vocabulary: Vocabulary) => {
    index = new TokenIndex(vocabulary, settings);
    ids = new TokenIds(rows.source, limits.totalTokens);
    rows.texts.forEach((text, row) => ids!.push(index!.ids(textTokens(text, settings, where(row), limits))));
    rows.texts.length = 0;
  };
  const reader: RecordReader & Partial<TextReader> = {
    source: rows.source,
    rows: rows.texts.length,
    streamed: false,
    labelLines,
    ...(labelled.outputs ? { outputLabelLines } : {}),
    dropped: rows.dropped,
    layout: labelTable({ ...rows, texts: [], labels: rows.labels.map(() => []), lines: [] }, spec, settings, []),
    peakRows: rows.texts.length,
    fit(training: readonly number[]): SavedVocabulary {
      if (ids) throw new Error("textReader: the vocabulary is fitted once, or given");
      const fit = new VocabularyFit(settings, rows.source, limits);
      for (const row of training) fit.add(textTokens(rows.texts[row]!, settings, where(row), limits));
      const vocabulary = { column: spec.text, settings, ...fit.result() };
      use(vocabulary);
      return vocabulary;
    },
    read(indices: readonly number[]): Table {
      if (!ids || !index) throw new Error("textReader: read before the vocabulary was fitted");
      const chosen = indices.map((row) => ids!.row(row));
      const table = labelTable(rows, spec, settings, indices);
      if (settings.outputMode === "int") {
        const sequence: SequenceFeature = {
          input: "",
          field: spec.text,
          width: 1,
          rows: chosen.map((row) => Float32Array.from(row)),
        };
        return { ...table, sequences: [sequence] };
      }
      const width = settings.maxTokens;
      const features = new Float32Array(indices.length * width);
      chosen.forEach((row, i) => index!.encode(row, features.subarray(i * width, (i + 1) * width)));
      return { ...table, features };
    },
    close: () => undefined,
  };
  if (given) {
    use(given);
    delete reader.fit;
  }
  return reader;
}

/**
 * The texts of `file` (absolute) to predict on, vectorized with a run's `vocabulary` a batch at a time
 * (`read`): a .csv, .json or .jsonl file with the training text column (other columns ignored), or a .txt file
 * of one text per line.
 */
export function predictionReader(
  file: string,
  vocabulary: SavedVocabulary,
  limits: TextLimits = textLimits,
): RecordReader {
  const source: IrCall = { name: "text", args: { path: file, text: vocabulary.column } };
  return textReader(source, { numericTargets: false, labelled: false, vocabulary }, limits, true);
}

/**
 * A table of the rows at `indices` (all rows for null) with their labels and lines, its features empty: a
 * sequence field without rows (`int`), or a `[max_tokens]` example shape.
 */
function labelTable(rows: TextRows, spec: TextSpec, settings: TextSettings, indices: readonly number[] | null): Table {
  const pick = <T>(list: readonly T[]) => (indices === null ? [...list] : indices.map((row) => list[row]!));
  const perOutput = spec.labels.length > 0 && spec.labels[0]!.output !== "";
  const shape = settings.outputMode === "int" ? {} : { exampleShape: [settings.maxTokens] };
  return {
    source: rows.source,
    featureNames: [],
    ...shape,
    features: new Float32Array(0),
    labelName: perOutput ? "" : (spec.labels[0]?.column ?? ""),
    labels: perOutput || spec.labels.length === 0 ? [] : pick(rows.labels[0]!),
    lines: pick(rows.lines),
    ...(perOutput
      ? {
          outputs: spec.labels.map(({ output, column }, k) => ({
            output,
            labelName: column,
            labels: pick(rows.labels[k]!),
          })),
        }
      : {}),
    ...(settings.outputMode === "int" ? { sequences: [{ input: "", field: spec.text, width: 1, rows: [] }] } : {}),
    ...(rows.dropped ? { dropped: rows.dropped } : {}),
  };
}
