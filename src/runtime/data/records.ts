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
import { loadTable, type Table } from "./index.js";
import { isJsonArray } from "./json.js";
import { checkFeatures, checkFinite, npyLayout, readTargets, type ArrayLayout } from "./npy.js";
import { noteLabel, rowsOf, type RecordOptions, type RecordReader } from "./record-reader.js";
import { streamedReader } from "./streamed-records.js";

export type { RecordOptions, RecordReader } from "./record-reader.js";

export const defaultStreamAbove = 256 * 1024 * 1024;

/** Opens a data source for reading by index: whole when small, streamed when large (see the file comment). */
export async function openRecords(source: IrCall, options: RecordOptions): Promise<RecordReader> {
  const file = String(source.args[{ csv: "path", json: "path", npy: "x", idx: "images" }[source.name] ?? "path"]);
  const limits = options.limits ?? dataLimits;
  const shown = displayPath(file);
  const { fd, size } = openDataFile(file, shown);
  const head = size > (options.streamAbove ?? defaultStreamAbove) ? fileHead(fd) : null;
  if (
    !head ||
    (source.name === "json" && isJsonArray(head.toString("utf8"))) ||
    (source.name === "idx" && isGzip(head))
  ) {
    closeSync(fd);
    return memoryReader(loadTable(source, options.normalization, limits), options.numericTargets);
  }
  try {
    if (source.name === "npy" || source.name === "idx")
      return arrayReader(source, { fd, size, head, shown }, options, limits);
    return await streamedReader(source, fd, options, limits);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** How many examples a data source holds, read (and checked) record by record. */
export async function countRows(source: IrCall): Promise<number> {
  const reader = await openRecords(source, { numericTargets: false });
  reader.close();
  return reader.rows;
}

function memoryReader(table: Table, numericTargets: boolean): RecordReader {
  const labelLines = new Map<string, number>();
  table.labels.forEach((label, row) => noteLabel(labelLines, label, table.lines[row]!, numericTargets));
  return {
    source: table.source,
    rows: table.labels.length,
    streamed: false,
    labelLines,
    layout: rowsOf(table, []),
    read: (indices) => rowsOf(table, indices),
    peakRows: table.labels.length,
    close: () => undefined,
  };
}

/** The first 64 KiB of an open file: enough for any header nnc reads. */
function fileHead(fd: number): Buffer {
  const head = Buffer.alloc(65536);
  return head.subarray(0, readSync(fd, head, 0, head.length, 0));
}

/** An array file opened for reading by offset: its descriptor, size, first bytes and name in messages. */
interface OpenArray {
  readonly fd: number;
  readonly size: number;
  readonly head: Buffer;
  readonly shown: string;
}

/**
 * An `npy` or (uncompressed) `idx` file read by offset: every record has the same size, so batches are
 * read where they are; a first pass checks float values. The labels (one small value per record) are read
 * whole.
 */
function arrayReader(source: IrCall, opened: OpenArray, options: RecordOptions, limits: DataLimits): RecordReader {
  const { fd, size, head, shown } = opened;
  const images = source.name === "idx";
  const layout = images ? idxLayout(head, size, shown) : npyLayout(head, size, shown);
  if (images) checkImages(layout.shape, shown);
  else checkFeatures(layout.shape, shown);
  const [rows, ...exampleShape] = layout.shape as [number, ...number[]];
  const labelsFile = String(source.args[images ? "labels" : "y"]);
  const labels = images ? readLabels(labelsFile, rows, shown, limits) : readTargets(labelsFile, rows, shown, limits);
  if (layout.floating) scanFinite(fd, layout, shown);
  const factor = images && source.args["scale"] !== false ? 1 / 255 : 1;
  const width = exampleShape.reduce((a, b) => a * b, 1);
  const recordBytes = width * layout.itemBytes;
  const table = (features: Float32Array, indices: readonly number[]): Table => ({
    source: shown,
    featureNames: [],
    exampleShape,
    features,
    labelName: images ? "label" : "y",
    labels: indices.map((i) => labels[i]!),
    lines: indices.map((i) => i + 1),
  });
  const labelLines = new Map<string, number>();
  labels.forEach((label, row) => noteLabel(labelLines, label, row + 1, options.numericTargets));
  const reader = {
    source: shown,
    rows,
    streamed: true,
    labelLines,
    layout: table(new Float32Array(0), []),
    peakRows: 0,
    read(indices: readonly number[]): Table {
      reader.peakRows = Math.max(reader.peakRows, indices.length);
      const features = new Float32Array(indices.length * width);
      const buffer = Buffer.alloc(recordBytes);
      const view = new DataView(buffer.buffer, buffer.byteOffset, recordBytes);
      indices.forEach((index, k) => {
        readSync(fd, buffer, 0, recordBytes, layout.dataOffset + index * recordBytes);
        for (let j = 0; j < width; j++)
          features[k * width + j] = Number(layout.get(view, j * layout.itemBytes)) * factor;
      });
      return table(features, indices);
    },
    close: () => closeSync(fd),
  };
  return reader;
}

/** NN4020 for the first value of a float array file (open as `fd`) that is not finite; read in 1 MiB pieces. */
function scanFinite(fd: number, layout: ArrayLayout, source: string): void {
  const count = layout.shape.reduce((a, b) => a * b, 1);
  const perPiece = Math.floor((1024 * 1024) / layout.itemBytes);
  const buffer = Buffer.alloc(perPiece * layout.itemBytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  const values = new Float32Array(perPiece);
  for (let first = 0; first < count; first += perPiece) {
    const n = Math.min(perPiece, count - first);
    readSync(fd, buffer, 0, n * layout.itemBytes, layout.dataOffset + first * layout.itemBytes);
    for (let i = 0; i < n; i++) values[i] = Number(layout.get(view, i * layout.itemBytes));
    checkFinite(values.subarray(0, n), first, view, layout, source, "x");
  }
}
