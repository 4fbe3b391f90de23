/**
 * Rows of a data source read by index, so training never needs more of a file in memory than a batch.
 *
 * A small file is read whole (`loadTable`) and rows are copied out of it. A file larger than
 * `streamAbove` bytes is streamed: a first pass reads it in chunks of `chunkRows` records, checking every
 * record as the whole-file readers do, fitting `normalize:` statistics, collecting the class labels and
 * noting where each record starts; afterwards a batch is read back by seeking to its records. Shuffling is
 * then a permutation of record indices, not a shuffle buffer: a streamed run and an in-memory run with the
 * same seed see the same rows in the same batches, at the cost of 12 bytes per record (offset and line) and
 * random reads. `npy` and uncompressed `idx` files have records of one size, so they are read by offset, after
 * a first pass that checks float arrays for values that are not finite. Read whole, up to `wholeBytes`: a
 * JSON array, and gzip-compressed IDX.
 */
import { closeSync, readSync } from "node:fs";
import type { IrCall } from "../../compiler/ir/index.js";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { dataLimits, openDataFile, type DataLimits } from "./files.js";
import { checkImages, idxLayout, isGzip, readLabels } from "./idx.js";
import { loadTable, npyFeatureFiles, npyTargetFiles, sizeOf, type Table } from "./index.js";
import { isJsonArray } from "./json.js";
import {
  checkFeatures,
  checkFinite,
  npyLayout,
  npyTargets,
  readSampleWeights,
  sameRows,
  type ArrayLayout,
} from "./npy.js";
import { featureRoom, noteLabels, rowsOf, targetRows, type RecordOptions, type RecordReader } from "./record-reader.js";
import { streamedReader } from "./streamed-records.js";
import { textReader, type TextOptions } from "./text.js";
import { openImages } from "./images.js";

export type { RecordOptions, RecordReader } from "./record-reader.js";

export const defaultStreamAbove = 256 * 1024 * 1024;

/** Opens a data source for reading by index: whole when small, streamed when large (see the file comment). */
export async function openRecords(source: IrCall, options: TextOptions): Promise<RecordReader> {
  // Raw text is read whole and vectorized (text.ts).
  if (source.name === "text") return textReader(source, options);
  if (source.name === "images") return openImages(source, options);
  const limits = options.limits ?? dataLimits;
  const streamAbove = options.streamAbove ?? defaultStreamAbove;
  const opened: OpenFile[] = [];
  try {
    for (const [name, file] of sourceFiles(source)) {
      const shown = displayPath(file);
      const { fd, size } = openDataFile(file, shown);
      opened.push({ name, fd, size, shown });
    }
    const large = opened.some((file) => file.size > streamAbove);
    const head = large ? fileHead(opened[0]!.fd) : Buffer.alloc(0);
    if (
      !large ||
      (source.name === "json" && isJsonArray(head.toString("utf8"))) ||
      (source.name === "idx" && isGzip(head))
    ) {
      opened.forEach((file) => closeSync(file.fd));
      opened.length = 0;
      return memoryReader(loadTable(source, options.normalization, limits, options.labelled !== false), options);
    }
    if (source.name === "npy" || source.name === "idx") return arrayReader(source, opened, options, limits);
    return await streamedReader(source, opened[0]!.fd, options, limits);
  } catch (error) {
    opened.forEach((file) => closeSync(file.fd));
    throw error;
  }
}

/**
 * The files a source reads its features from, by the name of the model input each feeds (`x` for a source
 * of one file): one file, but one per input for `npy(x: inputs(...))`.
 */
function sourceFiles(source: IrCall): [string, string][] {
  if (source.name === "npy") {
    const x = npyFeatureFiles(source);
    return typeof x === "string" ? [["x", x]] : Object.entries(x);
  }
  return [["x", String(source.args[{ csv: "path", json: "path", idx: "images" }[source.name] ?? "path"])]];
}

/** How many examples a data source holds, read (and checked) record by record. */
export async function countRows(source: IrCall): Promise<number> {
  const reader = await openRecords(source, { numericTargets: false });
  reader.close();
  return reader.rows;
}

function memoryReader(table: Table, options: RecordOptions): RecordReader {
  const labelLines = new Map<string, number>();
  const outputLabelLines: Map<string, number>[] = [];
  noteLabels(table, labelLines, outputLabelLines, options);
  return {
    source: table.source,
    rows: table.lines.length,
    streamed: false,
    labelLines,
    ...(table.outputs ? { outputLabelLines } : {}),
    dropped: table.dropped ?? 0,
    layout: rowsOf(table, []),
    ...(table.targets ? { targets: table.targets } : {}),
    read: (indices, into) => rowsOf(table, indices, into),
    peakRows: table.lines.length,
    close: () => undefined,
  };
}

/** The first 64 KiB of an open file: enough for any header nnc reads. */
function fileHead(fd: number): Buffer {
  const head = Buffer.alloc(65536);
  return head.subarray(0, readSync(fd, head, 0, head.length, 0));
}

/** A data file opened for reading: the model input it feeds, its descriptor, size and name in messages. */
interface OpenFile {
  readonly name: string;
  readonly fd: number;
  readonly size: number;
  readonly shown: string;
}

/**
 * `npy` or (uncompressed) `idx` files read by offset: every record has the same size, so batches are read
 * where they are; a first pass checks float values. The labels (one small value per record, or a few per
 * step of a sequence) are read whole. With one file per model input, a row takes a record from each.
 */
function arrayReader(
  source: IrCall,
  files: readonly OpenFile[],
  options: RecordOptions,
  limits: DataLimits,
): RecordReader {
  const images = source.name === "idx";
  const parts = files.map((file) => {
    const head = fileHead(file.fd);
    const layout = images ? idxLayout(head, file.size, file.shown) : npyLayout(head, file.size, file.shown);
    if (images) checkImages(layout.shape, file.shown);
    else checkFeatures(layout.shape, file.shown);
    const recordBytes = sizeOf(layout.shape.slice(1)) * layout.itemBytes;
    return { ...file, layout, recordBytes, width: recordBytes / layout.itemBytes };
  });
  const rows = sameRows(parts.map((part) => ({ source: part.shown, shape: part.layout.shape })));
  const shown = parts.map((part) => part.shown).join(", ");
  const labelled = options.labelled !== false;
  const weightFile = images || !labelled ? undefined : source.args["sample_weight"];
  const weights = typeof weightFile === "string" ? readSampleWeights(weightFile, rows, shown, limits) : null;
  const targets: Pick<Table, "labelName" | "labels" | "targets" | "outputs"> = !labelled
    ? { labelName: "", labels: [] }
    : images
      ? { labelName: "label", labels: readLabels(String(source.args["labels"]), rows, shown, limits) }
      : npyTargets(npyTargetFiles(source), rows, shown, limits);
  const labels = targets.labels;
  for (const part of parts) if (part.layout.floating) scanFinite(part.fd, part.layout, part.shown, part.name);
  const factor = images && source.args["scale"] !== false ? 1 / 255 : 1;
  const width = parts.reduce((sum, part) => sum + part.width, 0);
  const shapes =
    !images && typeof npyFeatureFiles(source) !== "string"
      ? { inputs: parts.map((part) => ({ name: part.name, source: part.shown, shape: part.layout.shape.slice(1) })) }
      : { exampleShape: parts[0]!.layout.shape.slice(1) };
  const table = (features: Float32Array, indices: readonly number[]): Table => ({
    source: shown,
    featureNames: [],
    ...shapes,
    features,
    labelName: targets.labelName,
    labels: labels.length === 0 ? [] : indices.map((i) => labels[i]!),
    lines: indices.map((i) => i + 1),
    ...(weights ? { weights: Float32Array.from(indices, (i) => weights[i]!) } : {}),
    ...(targets.targets ? { targets: targetRows(targets.targets, indices) } : {}),
    ...(targets.outputs
      ? {
          outputs: targets.outputs.map((o) => ({
            ...o,
            labels: o.labels.length === 0 ? [] : indices.map((i) => o.labels[i]!),
            ...(o.targets ? { targets: targetRows(o.targets, indices) } : {}),
          })),
        }
      : {}),
  });
  const labelLines = new Map<string, number>();
  const outputLabelLines: Map<string, number>[] = [];
  const all = [...Array(rows).keys()];
  noteLabels(
    {
      ...table(new Float32Array(0), []),
      labels,
      lines: all.map((i) => i + 1),
      ...(targets.outputs ? { outputs: targets.outputs } : {}),
    },
    labelLines,
    outputLabelLines,
    options,
  );
  const buffers = parts.map((part) => Buffer.alloc(part.recordBytes));
  const reader = {
    source: shown,
    rows,
    streamed: true,
    labelLines,
    ...(targets.outputs ? { outputLabelLines } : {}),
    dropped: 0,
    layout: table(new Float32Array(0), []),
    ...(targets.targets ? { targets: targets.targets } : {}),
    peakRows: 0,
    read(indices: readonly number[], into?: Float32Array): Table {
      reader.peakRows = Math.max(reader.peakRows, indices.length);
      const features = featureRoom(indices.length * width, into);
      const bytes = new Uint8Array(features.buffer, features.byteOffset, features.byteLength);
      let offset = 0;
      parts.forEach(({ fd, layout, recordBytes, width: partWidth }, p) => {
        const buffer = buffers[p]!;
        const view = new DataView(buffer.buffer, buffer.byteOffset, recordBytes);
        // float32 records unscaled are read straight into the features, not value by value (a step reads a
        // batch of them).
        const asTheyAre = layout.array === Float32Array && factor === 1;
        indices.forEach((index, k) => {
          const at = layout.dataOffset + index * recordBytes;
          if (asTheyAre) {
            readSync(fd, bytes, (k * width + offset) * 4, recordBytes, at);
            return;
          }
          readSync(fd, buffer, 0, recordBytes, at);
          for (let j = 0; j < partWidth; j++)
            features[k * width + offset + j] = Number(layout.get(view, j * layout.itemBytes)) * factor;
        });
        offset += partWidth;
      });
      return table(features, indices);
    },
    close: () => parts.forEach((part) => closeSync(part.fd)),
  };
  return reader;
}

/** NN4020 for the first value of a float array file (open as `fd`) that is not finite; read in 1 MiB pieces. */
function scanFinite(fd: number, layout: ArrayLayout, source: string, name: string): void {
  const count = layout.shape.reduce((a, b) => a * b, 1);
  const perPiece = Math.floor((1024 * 1024) / layout.itemBytes);
  const buffer = Buffer.alloc(perPiece * layout.itemBytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  const values = new Float32Array(perPiece);
  for (let first = 0; first < count; first += perPiece) {
    const n = Math.min(perPiece, count - first);
    readSync(fd, buffer, 0, n * layout.itemBytes, layout.dataOffset + first * layout.itemBytes);
    for (let i = 0; i < n; i++) values[i] = Number(layout.get(view, i * layout.itemBytes));
    checkFinite(values.subarray(0, n), first, view, layout, source, name);
  }
}
