/**
 * The raw rows of a `text(...)` source: one text per row (the `text:` column of a CSV file, or field of a JSON
 * Lines file, by the file's extension; a `.txt` file for `nnc predict`, one text per line) and its labels,
 * read whole, through csv.ts's and json.ts's readers. A missing text or label (an empty CSV cell, a JSON field
 * absent or null) is NN4006 at its row, or with `missing: drop` the row is left out and counted; so is a CSV
 * row of another number of fields than the header; a JSON text that is not a string is NN4006. Text cells keep
 * their spaces (pandas's reading); the file is UTF-8, its byte order mark dropped.
 */
import * as path from "node:path";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { eachCsvRow, hasAllFields, headerColumns } from "./csv.js";
import { dataLimits, LineMeter, readWholeDataFile, type DataLimits } from "./files.js";
import { arrayRecords, eachLineRecord, isJsonArray, type JsonRecord } from "./json.js";
import type { TextLimits } from "./text-vectorize.js";
import { describeJson, missingHint } from "./values.js";

/** Which columns a text source reads: the text, the labels (by output, `""` for `label:`), missing values. */
export interface TextSpec {
  readonly text: string;
  readonly labels: readonly { readonly output: string; readonly column: string }[];
  readonly missing: "error" | "drop";
}

/** A text source's rows as read: the texts, each label column's labels, the line of each row. */
export interface TextRows {
  readonly source: string;
  readonly texts: string[];
  /** One list per label column of `TextSpec.labels`, a label per row. */
  readonly labels: string[][];
  readonly lines: number[];
  readonly dropped: number;
}

/** The file extensions a text source reads, by format. */
const formats: Readonly<Record<string, "csv" | "json" | "lines">> = {
  ".csv": "csv",
  ".json": "json",
  ".jsonl": "json",
  ".ndjson": "json",
  ".txt": "lines",
};

/**
 * Reads `file` (absolute) as `spec` says. `.txt` (one text per line, no labels) is read only when `lines` is
 * allowed (predict's input). NN4005 for another extension.
 */
export function readTextRows(
  file: string,
  spec: TextSpec,
  limits: DataLimits & Pick<TextLimits, "rows">,
  lines = false,
): TextRows {
  const source = displayPath(file);
  const format = formats[path.extname(file).toLowerCase()];
  if (format === undefined || (format === "lines" && !lines)) {
    const reason = `text() reads a .csv, .json or .jsonl file${lines ? " (or a .txt file, one text per line)" : ""}`;
    throw new NncUserError("NN4005", { path: source, reason });
  }
  const bytes = readWholeDataFile(file, source, limits.wholeBytes, "split the file into several");
  new LineMeter(source, limits.recordBytes).feed(bytes);
  const rows = new RowsBuilder(source, spec, limits.rows);
  const text = decodeText(bytes, source);
  if (format === "lines") {
    text.split(/\r\n|\n|\r/).forEach((line, i) => {
      if (line.trim() !== "") rows.add(i + 1, `${source}:${i + 1}`, line, []);
    });
  } else if (format === "csv") readCsv(text, source, spec, limits, rows);
  else readJson(text, source, spec, limits, rows);
  if (rows.texts.length === 0) {
    const reason = rows.dropped ? `every row has a missing value (${rows.dropped} dropped)` : "the file has no rows";
    throw new NncUserError("NN4005", { path: source, reason });
  }
  return rows;
}

/** Rows as they are read; a missing value is an error or a dropped row, as `missing:` says. */
class RowsBuilder implements TextRows {
  readonly texts: string[] = [];
  readonly labels: string[][];
  readonly lines: number[] = [];
  dropped = 0;

  constructor(
    readonly source: string,
    private readonly spec: TextSpec,
    private readonly limit: number,
  ) {
    this.labels = spec.labels.map(() => []);
  }

  /** Adds a row; `text` or a label undefined is missing (`what` names the column). */
  add(line: number, where: string, text: string | undefined, labels: readonly (string | undefined)[]): void {
    const missing = text === undefined ? this.spec.text : this.spec.labels[labels.indexOf(undefined)]?.column;
    if (missing !== undefined) {
      if (this.spec.missing === "drop") {
        this.dropped++;
        return;
      }
      throw new NncUserError("NN4006", { where, reason: `'${missing}' is missing` }, missingHint);
    }
    if (this.texts.length >= this.limit) {
      const reason = `more than ${this.limit} rows, the most nnc reads from one text source`;
      throw new NncUserError("NN4021", { where, reason }, "split the file, or train on part of it");
    }
    this.texts.push(text!);
    labels.forEach((label, k) => this.labels[k]!.push(label!));
    this.lines.push(line);
  }
}

function readCsv(text: string, source: string, spec: TextSpec, limits: DataLimits, rows: RowsBuilder): void {
  let columns: string[] | null = null;
  let textAt = 0;
  let labelsAt: number[] = [];
  const cell = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);
  // Text cells keep their spaces, as pandas keeps them; header names and labels are trimmed.
  eachCsvRow(
    text,
    source,
    limits.recordBytes,
    ({ record, info }) => {
      if (columns === null) {
        columns = record.map((name) => name.trim());
        const index = headerColumns({ record: columns, info }, source);
        textAt = index(spec.text, "text");
        labelsAt = spec.labels.map(({ column }) => index(column, "label"));
        return;
      }
      const where = `${source}:${info.lines}`;
      if (!hasAllFields(record, columns, where, spec.missing === "drop")) {
        rows.dropped++;
        return;
      }
      const labels = labelsAt.map((index) => cell(record[index]!.trim()));
      rows.add(info.lines, where, cell(record[textAt]), labels);
    },
    true,
  );
}

function readJson(text: string, source: string, spec: TextSpec, limits: DataLimits, rows: RowsBuilder): void {
  const add = (record: JsonRecord) => {
    const value = record.value[spec.text];
    if (value !== undefined && value !== null && typeof value !== "string") {
      const reason = `field '${spec.text}' is ${describeJson(value)}, not a string of text`;
      throw new NncUserError("NN4006", { where: record.where, reason });
    }
    const labels = spec.labels.map(({ column }) => {
      const label = record.value[column];
      if (label === undefined || label === null) return undefined;
      if (typeof label === "string" || typeof label === "number" || typeof label === "boolean") return String(label);
      const reason = `label '${column}' is ${describeJson(label)}; a label is a string, a number or a boolean`;
      throw new NncUserError("NN4006", { where: record.where, reason });
    });
    rows.add(record.line, record.where, value ?? undefined, labels);
  };
  if (isJsonArray(text)) arrayRecords(text, source, limits.jsonDepth).forEach(add);
  else eachLineRecord(text, source, limits, add);
}

/**
 * A text file's bytes as text, its UTF-8 byte order mark dropped. Bytes that are not UTF-8 (a Latin-1 file)
 * would become U+FFFD tokens, and a NUL a token's character: both are NN4006 at the first line holding one.
 */
export function decodeText(bytes: Buffer, source: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const reason = "not UTF-8 text (the file may be in another encoding, such as Latin-1)";
    throw new NncUserError(
      "NN4006",
      { where: `${source}:${firstLine(bytes, undecodable)}`, reason },
      "save it as UTF-8",
    );
  }
  if (text.includes("\0")) {
    const reason = "a NUL character, which text does not hold (is this a binary file?)";
    throw new NncUserError("NN4006", { where: `${source}:${firstLine(bytes, (line) => line.includes(0))}`, reason });
  }
  return text;
}

function undecodable(line: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(line);
    return false;
  } catch {
    return true;
  }
}

/** The 1-based number of the first line of `bytes` that `bad` holds true of (only called when one does). */
function firstLine(bytes: Buffer, bad: (line: Buffer) => boolean): number {
  let line = 1;
  for (let start = 0; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end < 0 ? bytes.length : end;
    if (bad(bytes.subarray(start, stop))) return line;
    start = stop + 1;
  }
  return line;
}
