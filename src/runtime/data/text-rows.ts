/**
 * The raw rows of a `text(...)` source: one text per row (the `text:` column of a CSV file, or field of a JSON
 * Lines file, by the file's extension; a `.txt` file for `nnc predict`, one text per line) and its labels,
 * read whole. A missing text or label (an empty CSV cell, a JSON field absent or null) is NN4006 at its row,
 * or with `missing: drop` the row is left out and counted; a JSON text that is not a string is NN4006.
 */
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { didYouMean } from "../../compiler/diagnostics/suggest.js";
import { NncUserError } from "../errors.js";
import { csvOptions, csvSyntaxError, type Row } from "./csv.js";
import { dataLimits, LineMeter, readWholeDataFile, type DataLimits } from "./files.js";
import { isJsonArray, parseJsonLine, type JsonRecord } from "./json.js";
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
  const text = bytes.toString("utf8");
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
  let columns: { text: number; labels: number[] } | null = null;
  const cell = (record: readonly string[], index: number) => {
    const value = record[index];
    return value === undefined || value === "" ? undefined : value;
  };
  try {
    parse(text, {
      ...csvOptions(limits.recordBytes),
      on_record: (row: unknown) => {
        const { record, info } = row as Row;
        const where = `${source}:${info.lines}`;
        if (columns === null) columns = csvColumns(record, where, spec);
        else
          rows.add(
            info.lines,
            where,
            cell(record, columns.text),
            columns.labels.map((index) => cell(record, index)),
          );
        return null;
      },
    });
  } catch (error) {
    throw csvSyntaxError(error, source, limits.recordBytes);
  }
}

/** The header's text and label columns; NN4006 at the header for one it does not have. */
function csvColumns(header: readonly string[], where: string, spec: TextSpec): { text: number; labels: number[] } {
  const index = (column: string, what: string) => {
    const found = header.indexOf(column);
    if (found >= 0) return found;
    const reason = `no ${what} column '${column}'; the columns are ${header.join(", ")}`;
    throw new NncUserError("NN4006", { where, reason }, didYouMean(column, header));
  };
  return { text: index(spec.text, "text"), labels: spec.labels.map(({ column }) => index(column, "label")) };
}

function readJson(text: string, source: string, spec: TextSpec, limits: DataLimits, rows: RowsBuilder): void {
  const records: JsonRecord[] = [];
  if (isJsonArray(text)) {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (error) {
      throw new NncUserError("NN4006", { where: source, reason: `not valid JSON (${(error as Error).message})` });
    }
    if (!Array.isArray(items)) throw new NncUserError("NN4006", { where: source, reason: "expected an array" });
    // A JSON array's records are objects written inline: each is checked as a line of JSON Lines is.
    items.forEach((item, i) =>
      records.push({
        ...parseJsonLine(JSON.stringify(item), source, i + 1, limits.jsonDepth),
        where: `${source}: record ${i + 1}`,
      }),
    );
  } else {
    text.split("\n").forEach((raw, i) => {
      if (raw.trim() !== "") records.push(parseJsonLine(raw, source, i + 1, limits.jsonDepth));
    });
  }
  for (const record of records) {
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
  }
}
