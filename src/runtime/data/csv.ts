/**
 * CSV data: a header row, then one example per row. The feature columns (by default every column but the
 * label) are numeric: decimal numbers, finite as 32-bit floats (values.ts). Column names are unique, so
 * that a name means one column. The whole file is checked before anything is returned, and the first
 * problem is reported with the file, its 1-based line number and the column.
 */
import { CsvError, parse } from "csv-parse/sync";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { didYouMean } from "../../compiler/diagnostics/suggest.js";
import { NncUserError } from "../errors.js";
import { dataLimits, LineMeter, readWholeDataFile, recordTooLarge, type DataLimits } from "./files.js";
import type { Table, TableSpec } from "./index.js";
import { rowsLayout, TableRows, type RowsLayout } from "./rows.js";
import { sampleWeightOf } from "./sample-weight.js";
import { cellNumber, missingHint } from "./values.js";

/** A parsed CSV record and the line it ends on (csv-parse's `info.lines`). */
export interface Row {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** How a file's columns map to features and labels, decided once from its header. */
export interface CsvLayout {
  readonly source: string;
  readonly columns: readonly string[];
  readonly labelIndices: readonly number[];
  /** The `sample_weight:` column; null without one. */
  readonly weightIndex: number | null;
  readonly featureColumns: readonly number[];
  readonly rows: RowsLayout;
}

/** Reads `file` (absolute) as `spec` says: its label columns, its features (per input), missing values. */
export function readCsvTable(file: string, spec: TableSpec, limits: DataLimits = dataLimits): Table {
  const source = displayPath(file);
  const bytes = readWholeDataFile(
    file,
    source,
    limits.wholeBytes,
    "split the file, or train on it: training streams a large CSV",
  );
  new LineMeter(source, limits.recordBytes).feed(bytes);
  // Row by row: the parsed rows of a whole file, held together, take some 50 times the file's size.
  let rows: CsvRows | null = null;
  eachCsvRow(bytes.toString("utf8"), source, limits.recordBytes, (row) => {
    if (rows) rows.add(row);
    else rows = new CsvRows(csvLayout(row, source, spec));
  });
  const table = (rows as CsvRows | null)?.table();
  if (!table) throw new NncUserError("NN4005", { path: source, reason: "the file is empty; expected a header row" });
  if (table.lines.length === 0)
    throw new NncUserError("NN4005", {
      path: source,
      reason: table.dropped
        ? `every row has a missing value (${table.dropped} dropped)`
        : "the file has a header but no rows",
    });
  return table;
}

/**
 * The layout a header row gives; NN4006 when a label or a feature column is not there, or when two
 * columns have one name (whichever a name picked, the other would silently never be read).
 */
export function csvLayout(header: Row, source: string, spec: TableSpec): CsvLayout {
  const columns = header.record;
  const columnIndex = headerColumns(header, source);
  const labelIndices = spec.labels.map(({ column }) => columnIndex(column, "label"));
  const weightIndex = spec.weight === undefined ? null : columnIndex(spec.weight, "sample weight");
  const rows = rowsLayout(source, spec, columns, () => false);
  if (typeof rows === "string")
    throw new NncUserError("NN4006", { where: `${source}:${header.info.lines}`, reason: rows });
  const featureColumns = rows.featureNames.map((name) => {
    const index = columns.indexOf(name);
    if (index < 0) {
      const reason = `no feature column '${name}'; the columns are ${columns.join(", ")}`;
      throw new NncUserError("NN4006", { where: source, reason }, didYouMean(name, columns));
    }
    return index;
  });
  return { source, columns, labelIndices, weightIndex, featureColumns, rows };
}

/**
 * A header row's column lookup, `(column, what) => index`: NN4006 at the header when two columns have one name
 * (whichever a name picked, the other would silently never be read) or when a column asked for is not there.
 */
export function headerColumns(header: Row, source: string): (column: string, what: string) => number {
  const columns = header.record;
  const where = `${source}:${header.info.lines}`;
  const firstOf = new Map<string, number>();
  columns.forEach((name, index) => {
    const first = firstOf.get(name);
    if (first !== undefined) {
      const reason = `columns ${first + 1} and ${index + 1} are both named '${name}'`;
      throw new NncUserError("NN4006", { where, reason }, "give each column its own name");
    }
    firstOf.set(name, index);
  });
  return (column, what) => {
    const index = columns.indexOf(column);
    if (index < 0) {
      const reason = `no ${what} column '${column}'; the columns are ${columns.join(", ")}`;
      throw new NncUserError("NN4006", { where, reason }, didYouMean(column, columns));
    }
    return index;
  };
}

/**
 * Whether a body row has the header's number of fields: false for a short row under `missing: drop` (the row
 * is dropped); otherwise NN4006 at `where` naming the counts (and the first column without a value).
 */
export function hasAllFields(record: readonly string[], columns: readonly string[], where: string, drop: boolean) {
  if (record.length === columns.length) return true;
  if (drop && record.length < columns.length) return false;
  const missing = record.length < columns.length ? ` (no value for '${columns[record.length]}')` : "";
  throw new NncUserError("NN4006", {
    where,
    reason: `expected ${columns.length} fields, got ${record.length}${missing}`,
  });
}

/** Body rows -> a table, checking every field; the first problem names its line and column. */
export function csvTable(layout: CsvLayout, body: readonly Row[]): Table {
  const rows = new CsvRows(layout, body.length);
  body.forEach((row) => rows.add(row));
  return rows.table();
}

/** A table built a row at a time, each row checked as it is added. */
class CsvRows {
  private readonly rows: TableRows;

  constructor(
    private readonly layout: CsvLayout,
    capacity?: number,
  ) {
    this.rows = new TableRows(layout.rows, capacity);
  }

  add({ record, info }: Row): void {
    const { source, columns, labelIndices, weightIndex, featureColumns } = this.layout;
    const where = `${source}:${info.lines}`;
    const drop = this.layout.rows.spec.missing === "drop";
    if (!hasAllFields(record, columns, where, drop)) return this.rows.drop();
    const read = [...labelIndices, ...featureColumns, ...(weightIndex === null ? [] : [weightIndex])];
    if (drop && read.some((i) => record[i] === "")) return this.rows.drop();
    const labels = labelIndices.map((i) => {
      if (record[i] === "")
        throw new NncUserError("NN4006", { where, reason: `column '${columns[i]}': the label is empty` }, missingHint);
      return record[i]!;
    });
    const weight =
      weightIndex === null ? undefined : sampleWeightOf(record[weightIndex], where, `column '${columns[weightIndex]}'`);
    this.rows.add(
      info.lines,
      labels,
      (i) => {
        const column = featureColumns[i]!;
        return cellNumber(record[column]!, where, `column '${columns[column]}'`);
      },
      undefined,
      weight,
    );
  }

  table(): Table {
    return this.rows.table();
  }
}

/**
 * csv-parse's options, the same for a whole file and for records read back one by one. `max_record_size`
 * bounds a record that spans lines (a quoted field with newlines), which measuring lines does not.
 */
export function csvOptions(recordBytes: number) {
  return {
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // A file whose lines end in \r\n and \n both: one ending only would merge the other's lines into a field.
    record_delimiter: ["\r\n", "\n", "\r"] as string[],
    trim: true,
    bom: true,
    max_record_size: recordBytes,
  } as const;
}

/** Parses CSV text into rows; a syntax error is NN4006 at its line, a record past `recordBytes` NN4021. */
export function parseCsvRows(text: string, source: string, recordBytes: number): Row[] {
  const rows: Row[] = [];
  eachCsvRow(text, source, recordBytes, (row) => rows.push(row));
  return rows;
}

/**
 * Calls `each` with every row of CSV text as it is parsed, without keeping them; errors as `parseCsvRows`.
 * `keepSpaces` keeps the spaces around a field (text() does, as pandas does) rather than trimming them.
 */
export function eachCsvRow(
  text: string,
  source: string,
  recordBytes: number,
  each: (row: Row) => void,
  keepSpaces = false,
): void {
  try {
    // Field counts are checked row by row in csvTable, to name the row and the missing column.
    parse(text, {
      ...csvOptions(recordBytes),
      ...(keepSpaces ? { trim: false, relax_quotes: true } : {}),
      on_record: (row: unknown) => {
        each(row as Row);
        return null;
      },
    });
  } catch (error) {
    throw csvSyntaxError(error, source, recordBytes);
  }
}

/** csv-parse's error as NN4006 (NN4021 for a record past `recordBytes`) at its line; anything else is rethrown as it is. */
export function csvSyntaxError(error: unknown, source: string, recordBytes: number): unknown {
  if (!(error instanceof CsvError)) return error;
  const line = (error as CsvError & { lines?: number }).lines ?? 1;
  if (error.code === "CSV_MAX_RECORD_SIZE") return recordTooLarge(source, line, recordBytes);
  return new NncUserError("NN4006", { where: `${source}:${line}`, reason: error.message.replace(/ at line \d+$/, "") });
}
