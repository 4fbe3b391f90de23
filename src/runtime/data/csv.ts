/**
 * CSV data: a header row, then one example per row. The feature columns (by default every column but the
 * label) are numeric. The whole file is checked before anything is returned, and the first problem is
 * reported with the file, its 1-based line number and the column.
 */
import { CsvError, parse } from "csv-parse/sync";
import { displayPath } from "../../compiler/render.js";
import { didYouMean } from "../../compiler/suggest.js";
import { NncUserError, readDataFile } from "../errors.js";
import type { Table } from "./index.js";

interface Row {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/**
 * Reads `file` (absolute) with `label` as the target column, or without targets (`null`: rows to predict
 * on, where a label column, if present, is ignored). `features` picks the feature columns in that order; by
 * default every column but the label is one. Columns that are neither are not read.
 */
export function readCsv(file: string, label: string | null, features?: readonly string[]): Table {
  const source = displayPath(file);
  const rows = parseRows(file, source);
  const [header, ...body] = rows;
  if (!header) throw new NncUserError("NN4005", { path: source, reason: "the file is empty; expected a header row" });
  if (body.length === 0) throw new NncUserError("NN4005", { path: source, reason: "the file has a header but no rows" });
  const columns = header.record;
  const labelIndex = label === null ? -1 : columns.indexOf(label);
  if (label !== null && labelIndex < 0) {
    throw new NncUserError(
      "NN4006",
      { where: `${source}:${header.info.lines}`, reason: `no label column '${label}'; the columns are ${columns.join(", ")}` },
      didYouMean(label, columns),
    );
  }
  const featureNames = features ?? columns.filter((_, i) => i !== labelIndex);
  const featureColumns = featureNames.map((name) => {
    const index = columns.indexOf(name);
    if (index < 0) {
      const reason = `no feature column '${name}'; the columns are ${columns.join(", ")}`;
      throw new NncUserError("NN4006", { where: source, reason }, didYouMean(name, columns));
    }
    return index;
  });
  const values = new Float32Array(body.length * featureNames.length);
  const labels: string[] = [];
  body.forEach(({ record, info }, row) => {
    const where = `${source}:${info.lines}`;
    if (record.length !== columns.length) {
      const missing = record.length < columns.length ? ` (no value for '${columns[record.length]}')` : "";
      const reason = `expected ${columns.length} fields, got ${record.length}${missing}`;
      throw new NncUserError("NN4006", { where, reason });
    }
    if (labelIndex >= 0) {
      const field = record[labelIndex]!;
      if (field === "") throw new NncUserError("NN4006", { where, reason: `column '${label}': the label is empty` });
      labels.push(field);
    }
    featureColumns.forEach((column, i) => {
      const field = record[column]!;
      const value = Number(field);
      if (field === "" || !Number.isFinite(value)) {
        const reason = `column '${columns[column]}': ${field === "" ? "the value is empty" : `'${field}' is not a number`}`;
        throw new NncUserError("NN4006", { where, reason });
      }
      values[row * featureNames.length + i] = value;
    });
  });
  const lines = body.map((row) => row.info.lines);
  return { source, featureNames, features: values, labelName: label ?? "", labels, lines };
}

function parseRows(file: string, source: string): Row[] {
  const text = readDataFile(file, source).toString("utf8");
  try {
    // Field counts are checked row by row above, to name the row and the missing column.
    return parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as unknown as Row[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    throw new NncUserError("NN4006", { where: `${source}:${line ?? 1}`, reason: error.message.replace(/ at line \d+$/, "") });
  }
}
