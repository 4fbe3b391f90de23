/**
 * CSV and JSON Lines files larger than `streamAbove` bytes, read in two passes (see records.ts's file comment):
 * a first pass in chunks of `chunkRows` records checks every record, fits `normalize:` statistics, collects the
 * class labels and notes where each record starts; afterwards a batch is read back by seeking to its records.
 */
import { closeSync, createReadStream, readSync } from "node:fs";
import { pipeline, Transform } from "node:stream";
import { parse } from "csv-parse";
import type { IrCall } from "../../compiler/ir/index.js";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { csvLayout, csvOptions, csvSyntaxError, csvTable, parseCsvRows, type CsvLayout, type Row } from "./csv.js";
import { LineMeter, openDataFile, recordTooLarge, type DataLimits } from "./files.js";
import { applyNormalization, NormalizationFit, tableSpec, type Table, type TableSpec } from "./index.js";
import { jsonLayout, jsonTable, parseJsonLine, type JsonRecord } from "./json.js";
import { noteLabels, rowsOf, type RecordOptions, type RecordReader } from "./record-reader.js";
import type { RowsLayout } from "./rows.js";

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
export async function streamedReader(
  source: IrCall,
  fd: number,
  options: RecordOptions,
  limits: DataLimits,
): Promise<RecordReader> {
  const file = String(source.args["path"]);
  const shown = displayPath(file);
  const chunkRows = options.chunkRows ?? 4096;
  const spec = tableSpec(source, options.labelled !== false);
  const settings = { file, source: shown, spec, chunkRows, limits };
  const format = source.name === "csv" ? csvFormat(settings) : jsonFormat(settings);
  const mode = source.args["normalize"] as "standard" | "minmax" | undefined;
  const index: RecordIndex = { starts: new Float64Array(1024), lines: new Int32Array(1024), count: 0 };
  const labelLines = new Map<string, number>();
  const outputLabelLines: Map<string, number>[] = [];
  let fit: NormalizationFit | null = null;
  let layout: Table | null = null;
  let peakRows = 0;
  let dropped = 0;
  // With `missing: drop`, the records kept, by index (4 bytes each); without, every record is.
  let kept: number[] | null = null;
  let scanned = 0;
  await format.scan(index, (table) => {
    peakRows = Math.max(peakRows, table.lines.length);
    if (table.dropped) {
      kept ??= Array.from({ length: scanned }, (_, i) => i);
      dropped += table.dropped;
    }
    if (kept) {
      const lines = new Set(table.lines);
      for (let i = scanned; i < index.count; i++) if (lines.has(index.lines[i]!)) kept.push(i);
    }
    scanned = index.count;
    if (table.lines.length === 0) return;
    layout ??= rowsOf(table, []);
    noteLabels(table, labelLines, outputLabelLines, options);
    if (mode && options.normalization === undefined) {
      fit ??= new NormalizationFit(mode, table.featureNames.length);
      fit.add(table);
    }
  });
  const records = kept as number[] | null;
  if (index.count === 0 || !layout)
    throw new NncUserError("NN4005", {
      path: shown,
      reason: dropped > 0 ? `every record has a missing value (${dropped} dropped)` : "the file has no records",
    });
  const normalization =
    options.normalization === undefined
      ? mode
        ? (fit as NormalizationFit | null)!.result()
        : undefined
      : (options.normalization ?? undefined);
  const reader = {
    source: shown,
    rows: records ? records.length : index.count,
    streamed: true,
    labelLines,
    ...((layout as Table).outputs ? { outputLabelLines } : {}),
    dropped,
    layout: normalization ? { ...(layout as Table), normalization } : (layout as Table),
    peakRows,
    read(rows: readonly number[]): Table {
      reader.peakRows = Math.max(reader.peakRows, rows.length);
      const indices = records ? rows.map((row) => records[row]!) : rows;
      const texts = indices.map((i) => {
        const buffer = Buffer.alloc(index.starts[i + 1]! - index.starts[i]!);
        readSync(fd, buffer, 0, buffer.length, index.starts[i]!);
        return buffer.toString("utf8");
      });
      const table = format.parse(
        texts,
        indices.map((i) => index.lines[i]!),
      );
      return normalization ? applyNormalization(table, normalization) : table;
    },
    close: () => closeSync(fd),
  };
  return reader;
}

/** What a streamed format needs to know: the file, how it is shown, what it reads, the limits. */
interface StreamSettings {
  readonly file: string;
  readonly source: string;
  readonly spec: TableSpec;
  readonly chunkRows: number;
  readonly limits: DataLimits;
}

/** The file's bytes, from its own descriptor (checked as a regular file), in pieces of up to 1 MiB. */
function filePieces(settings: StreamSettings) {
  const { fd } = openDataFile(settings.file, settings.source);
  return createReadStream(settings.file, { fd, highWaterMark: 1024 * 1024 });
}

function csvFormat(settings: StreamSettings): StreamFormat {
  const { source, spec, chunkRows, limits } = settings;
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
            layout = csvLayout(row, source, spec);
            continue;
          }
          addRecord(index, start, end, row.info.lines);
          rows.push(row);
          if (rows.length === chunkRows) [chunk(csvTable(layout, rows)), (rows = [])];
        }
      } catch (error) {
        throw csvSyntaxError(error, source, limits.recordBytes);
      }
      if (!layout)
        throw new NncUserError("NN4005", { path: source, reason: "the file is empty; expected a header row" });
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
  const { source, spec, chunkRows, limits } = settings;
  let layout: RowsLayout | null = null;
  const table = (records: JsonRecord[]) =>
    jsonTable(records, (layout ??= jsonLayout(records[0]!, source, spec)), limits);
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
