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
import { closeSync, createReadStream, readSync } from "node:fs";
import { pipeline, Transform } from "node:stream";
import { parse } from "csv-parse";
import type { IrCall } from "../../compiler/ir/index.js";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { csvLayout, csvOptions, csvSyntaxError, csvTable, parseCsvRows, type CsvLayout, type Row } from "./csv.js";
import { dataLimits, LineMeter, openDataFile, recordTooLarge, type DataLimits } from "./files.js";
import { checkImages, idxLayout, isGzip, readLabels } from "./idx.js";
import { applyNormalization, featureCount, loadTable, NormalizationFit, type Normalization, type Table } from "./index.js";
import { isJsonArray, jsonFeatureNames, jsonTable, parseJsonLine, type JsonRecord } from "./json.js";
import { checkFeatures, checkFinite, npyLayout, readTargets, type ArrayLayout } from "./npy.js";
import { decimalValue } from "./values.js";

export interface RecordOptions {
  /** Files larger than this many bytes are streamed. Default: 256 MiB. */
  readonly streamAbove?: number;
  /** Records per chunk in a streamed file's first pass. Default: 4096. */
  readonly chunkRows?: number;
  /** The training data's scaling, for data the model does not train on (validation). */
  readonly normalization?: Normalization;
  /** Whether the loss needs numeric targets (regression): the first label that is not a number is noted. */
  readonly numericTargets: boolean;
  /** The record, whole-file and JSON depth limits; limits.ts's unless a test lowers them. */
  readonly limits?: DataLimits;
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
  /** A table with no rows: the source's columns, shape and scaling. */
  readonly layout: Table;
  /** The rows at `indices`, in that order, scaled as `normalize:` says. */
  read(indices: readonly number[]): Table;
  /** The most rows this reader has held at once. */
  readonly peakRows: number;
  close(): void;
}

export const defaultStreamAbove = 256 * 1024 * 1024;

/** Opens a data source for reading by index: whole when small, streamed when large (see the file comment). */
export async function openRecords(source: IrCall, options: RecordOptions): Promise<RecordReader> {
  const file = String(source.args[{ csv: "path", json: "path", npy: "x", idx: "images" }[source.name] ?? "path"]);
  const limits = options.limits ?? dataLimits;
  const shown = displayPath(file);
  const { fd, size } = openDataFile(file, shown);
  const head = size > (options.streamAbove ?? defaultStreamAbove) ? fileHead(fd) : null;
  if (!head || (source.name === "json" && isJsonArray(head.toString("utf8"))) || (source.name === "idx" && isGzip(head))) {
    closeSync(fd);
    return memoryReader(loadTable(source, options.normalization, limits), options.numericTargets);
  }
  try {
    if (source.name === "npy" || source.name === "idx") return arrayReader(source, { fd, size, head, shown }, options, limits);
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

/** The rows of `table` at `indices`, as a table of their own. */
export function rowsOf(table: Table, indices: readonly number[]): Table {
  const width = featureCount(table);
  const features = new Float32Array(indices.length * width);
  indices.forEach((row, i) => features.set(table.features.subarray(row * width, (row + 1) * width), i * width));
  return {
    ...table,
    features,
    labels: table.labels.length === 0 ? [] : indices.map((row) => table.labels[row]!),
    lines: indices.map((row) => table.lines[row]!),
  };
}

function noteLabel(lines: Map<string, number>, label: string, line: number, numericTargets: boolean): void {
  if (numericTargets ? decimalValue(label) !== undefined || lines.size > 0 : lines.has(label)) return;
  lines.set(label, line);
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
        for (let j = 0; j < width; j++) features[k * width + j] = Number(layout.get(view, j * layout.itemBytes)) * factor;
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

/** Where each record is: `starts[i]` to `starts[i + 1]` bytes, ending on line `lines[i]`. */
interface RecordIndex {
  starts: Float64Array;
  lines: Int32Array;
  count: number;
}

function addRecord(index: RecordIndex, start: number, end: number, line: number): void {
  if (index.count + 1 >= index.starts.length) {
    const starts = new Float64Array(index.starts.length * 2);
    starts.set(index.starts);
    const lines = new Int32Array(index.lines.length * 2);
    lines.set(index.lines);
    [index.starts, index.lines] = [starts, lines];
  }
  index.starts[index.count] = start;
  index.starts[index.count + 1] = end;
  index.lines[index.count] = line;
  index.count++;
}

/** A streamed file's format: how a chunk of records becomes a table, and how records are read back. */
interface StreamFormat {
  /** Calls `chunk` with each chunk of records (as a table) and notes each record in `index`. */
  scan(index: RecordIndex, chunk: (table: Table) => void): Promise<void>;
  /** Records read back: the text of each (its bytes) and the line it ends on -> a table. */
  parse(texts: readonly string[], lines: readonly number[]): Table;
}

/** A CSV or JSON Lines file (open as `fd`, for reading records back) streamed: see the file comment. */
async function streamedReader(source: IrCall, fd: number, options: RecordOptions, limits: DataLimits): Promise<RecordReader> {
  const file = String(source.args["path"]);
  const shown = displayPath(file);
  const chunkRows = options.chunkRows ?? 4096;
  const label = String(source.args["label"]);
  const features = source.args["features"] as string[] | undefined;
  const settings = { file, source: shown, label, features, chunkRows, limits };
  const format = source.name === "csv" ? csvFormat(settings) : jsonFormat(settings);
  const mode = source.args["normalize"] as "standard" | "minmax" | undefined;
  const index: RecordIndex = { starts: new Float64Array(1024), lines: new Int32Array(1024), count: 0 };
  const labelLines = new Map<string, number>();
  let fit: NormalizationFit | null = null;
  let layout: Table | null = null;
  let peakRows = 0;
  await format.scan(index, (table) => {
    peakRows = Math.max(peakRows, table.labels.length);
    layout ??= rowsOf(table, []);
    table.labels.forEach((label, row) => noteLabel(labelLines, label, table.lines[row]!, options.numericTargets));
    if (mode && !options.normalization) {
      fit ??= new NormalizationFit(mode, table.featureNames.length);
      fit.add(table);
    }
  });
  if (index.count === 0 || !layout) throw new NncUserError("NN4005", { path: shown, reason: "the file has no records" });
  const normalization = mode ? (options.normalization ?? (fit as NormalizationFit | null)!.result()) : undefined;
  const reader = {
    source: shown,
    rows: index.count,
    streamed: true,
    labelLines,
    layout: normalization ? { ...(layout as Table), normalization } : (layout as Table),
    peakRows,
    read(indices: readonly number[]): Table {
      reader.peakRows = Math.max(reader.peakRows, indices.length);
      const texts = indices.map((i) => {
        const buffer = Buffer.alloc(index.starts[i + 1]! - index.starts[i]!);
        readSync(fd, buffer, 0, buffer.length, index.starts[i]!);
        return buffer.toString("utf8");
      });
      const table = format.parse(texts, indices.map((i) => index.lines[i]!));
      return normalization ? applyNormalization(table, normalization) : table;
    },
    close: () => closeSync(fd),
  };
  return reader;
}

/** What a streamed format needs to know: the file, how it is shown, the label and features, the limits. */
interface StreamSettings {
  readonly file: string;
  readonly source: string;
  readonly label: string;
  readonly features: string[] | undefined;
  readonly chunkRows: number;
  readonly limits: DataLimits;
}

/** The file's bytes, from its own descriptor (checked as a regular file), in pieces of up to 1 MiB. */
function filePieces(settings: StreamSettings) {
  const { fd } = openDataFile(settings.file, settings.source);
  return createReadStream(settings.file, { fd, highWaterMark: 1024 * 1024 });
}

function csvFormat(settings: StreamSettings): StreamFormat {
  const { source, label, features, chunkRows, limits } = settings;
  let layout: CsvLayout | null = null;
  return {
    async scan(index, chunk) {
      // Lines are measured before csv-parse sees them (see LineMeter); pipeline, unlike pipe, hands an error
      // in any stage to the loop below, and its callback has nothing left to do.
      const meter = new LineMeter(source, limits.recordBytes);
      const measured = new Transform({
        transform(piece: Buffer, _encoding, done) {
          try {
            meter.feed(piece);
            done(null, piece);
          } catch (error) {
            done(error as Error);
          }
        },
      });
      const parser = pipeline(filePieces(settings), measured, parse(csvOptions(limits.recordBytes)), () => undefined);
      let rows: Row[] = [];
      let end = 0;
      try {
        for await (const row of parser as AsyncIterable<Row & { info: { bytes: number } }>) {
          const start = end;
          end = row.info.bytes;
          if (!layout) {
            layout = csvLayout(row, source, label, features);
            continue;
          }
          addRecord(index, start, end, row.info.lines);
          rows.push(row);
          if (rows.length === chunkRows) [chunk(csvTable(layout, rows)), (rows = [])];
        }
      } catch (error) {
        throw csvSyntaxError(error, source, limits.recordBytes);
      }
      if (!layout) throw new NncUserError("NN4005", { path: source, reason: "the file is empty; expected a header row" });
      if (rows.length > 0) chunk(csvTable(layout, rows));
    },
    parse(texts, lines) {
      // Each text holds one record (and maybe empty lines before it); a newline keeps the last one apart.
      const rows = parseCsvRows(texts.join("\n"), source, limits.recordBytes).map((row, i) => ({
        record: row.record,
        info: { lines: lines[i]! },
      }));
      return csvTable(layout!, rows);
    },
  };
}

function jsonFormat(settings: StreamSettings): StreamFormat {
  const { source, label, features, chunkRows, limits } = settings;
  let names: string[] | null = null;
  const table = (records: JsonRecord[]) => jsonTable(records, source, label, (names ??= jsonFeatureNames(records[0]!, label, features)));
  const record = (text: string, line: number) => parseJsonLine(text, source, line, limits.jsonDepth);
  return {
    async scan(index, chunk) {
      let records: JsonRecord[] = [];
      let line = 0;
      let offset = 0;
      let carry: Buffer = Buffer.alloc(0);
      for await (const piece of filePieces(settings) as AsyncIterable<Buffer>) {
        const buffer: Buffer = carry.length > 0 ? Buffer.concat([carry, piece]) : piece;
        let from = 0;
        for (let at = buffer.indexOf(10); at >= 0; at = buffer.indexOf(10, from)) {
          line++;
          if (at - from > limits.recordBytes) throw recordTooLarge(source, line, limits.recordBytes);
          const text = buffer.toString("utf8", from, at);
          if (text.trim() !== "") {
            addRecord(index, offset + from, offset + at + 1, line);
            records.push(record(text, line));
            if (records.length === chunkRows) [chunk(table(records)), (records = [])];
          }
          from = at + 1;
        }
        offset += from;
        carry = buffer.subarray(from);
        // A line without its end yet is held whole: past the limit it is an error, not more memory.
        if (carry.length > limits.recordBytes) throw recordTooLarge(source, line + 1, limits.recordBytes);
      }
      const last = carry.toString("utf8");
      if (last.trim() !== "") {
        addRecord(index, offset, offset + carry.length, ++line);
        records.push(record(last, line));
      }
      if (records.length > 0) chunk(table(records));
    },
    parse(texts, lines) {
      return table(texts.map((text, i) => record(text, lines[i]!)));
    },
  };
}
