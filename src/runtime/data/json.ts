/**
 * JSON data: one JSON object per line (JSON Lines), e.g. `{"x": 1.5, "y": -2, "species": "setosa"}`, or a
 * file holding one JSON array of such objects. The features are the numeric fields named by `features`, or
 * every field but the label, in the order of the first record. Problems name the file, the record (its line
 * in JSON Lines, its 1-based position in an array) and the field. A label is a string, a number or a boolean;
 * a feature a number, finite as a 32-bit float; no value nests deeper than `jsonDepth` levels.
 */
import { displayPath } from "../../compiler/diagnostics/render.js";
import { didYouMean } from "../../compiler/diagnostics/suggest.js";
import { NncUserError } from "../errors.js";
import { dataLimits, readWholeDataFile, recordTooLarge, type DataLimits } from "./files.js";
import type { Table } from "./index.js";
import { TableRows } from "./rows.js";
import { describeJson, nonFiniteError, tooDeepField } from "./values.js";

/** One JSON object read from a file, and where it was. */
export interface JsonRecord {
  /** Where the record is, for messages: `data.jsonl:3`, `data.json: record 3`. */
  readonly where: string;
  /** The line in JSON Lines, the position in an array. */
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/**
 * Reads `file` (absolute) with `label` as the target field, or without targets (`null`: records to predict
 * on, where a label field, if present, is ignored).
 */
export function readJsonLines(
  file: string,
  label: string | null,
  features: readonly string[] | undefined,
  limits: DataLimits = dataLimits,
): Table {
  const source = displayPath(file);
  const fix = "write large data as JSON Lines, one record per line, which training streams";
  const text = readWholeDataFile(file, source, limits.wholeBytes, fix).toString("utf8");
  let rows: JsonRows | null = null;
  const add = (record: JsonRecord) => {
    rows ??= new JsonRows(source, label, jsonFeatureNames(record, label, features));
    rows.add(record);
  };
  if (isJsonArray(text)) arrayRecords(text, source, limits.jsonDepth).forEach(add);
  else eachLineRecord(text, source, limits, add);
  const table = (rows as JsonRows | null)?.table();
  if (!table) throw new NncUserError("NN4005", { path: source, reason: "the file has no records" });
  return table;
}

/** Whether the text is one JSON array (read whole) rather than JSON Lines (one record per line). */
export function isJsonArray(text: string): boolean {
  return text.trimStart().startsWith("[");
}

/** The feature fields: those named by `features`, or every field of the first record but the label. */
export function jsonFeatureNames(
  first: JsonRecord,
  label: string | null,
  features: readonly string[] | undefined,
): string[] {
  return [...(features ?? Object.keys(first.value).filter((key) => key !== label))];
}

/** Records -> a table of the fields `names`, checking every one; the first problem names record and field. */
export function jsonTable(
  records: readonly JsonRecord[],
  source: string,
  label: string | null,
  names: readonly string[],
): Table {
  const rows = new JsonRows(source, label, names, records.length);
  records.forEach((record) => rows.add(record));
  return rows.table();
}

/** A table built a record at a time, each checked as it is added. */
class JsonRows {
  private readonly rows: TableRows;

  constructor(
    private readonly source: string,
    private readonly label: string | null,
    private readonly names: readonly string[],
    capacity?: number,
  ) {
    this.rows = new TableRows(names.length, capacity);
  }

  add({ where, line, value }: JsonRecord): void {
    const { label, names } = this;
    let target: string | null = null;
    if (label !== null) {
      const field = value[label];
      if (field === undefined || field === null || field === "") {
        throw new NncUserError(
          "NN4006",
          { where, reason: `no label field '${label}'` },
          didYouMean(label, Object.keys(value)),
        );
      }
      if (typeof field === "object") {
        // String() of an object is "[object Object]": every such record would be one class of that name.
        const reason = `field '${label}': the label is ${describeJson(field)}; a label is a string or a number`;
        throw new NncUserError("NN4006", { where, reason });
      }
      target = String(field);
    }
    this.rows.add(line, target, (column) => {
      const name = names[column]!;
      const field = value[name];
      if (typeof field !== "number") {
        const reason =
          field === undefined ? `no field '${name}'` : `field '${name}': ${describeJson(field)} is not a number`;
        throw new NncUserError(
          "NN4006",
          { where, reason },
          field === undefined ? didYouMean(name, Object.keys(value)) : undefined,
        );
      }
      const stored = Math.fround(field);
      if (!Number.isFinite(stored)) throw nonFiniteError(where, `field '${name}'`, field, true);
      return stored;
    });
  }

  table(): Table {
    return this.rows.table(this.source, this.names, this.label ?? "");
  }
}

/** Calls `each` with every record of JSON Lines text, in order; NN4021 for a line past the record limit. */
function eachLineRecord(text: string, source: string, limits: DataLimits, each: (record: JsonRecord) => void): void {
  text.split("\n").forEach((raw, i) => {
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a line that long can pass the limit, and is measured.
    if (raw.length * 3 > limits.recordBytes && Buffer.byteLength(raw) > limits.recordBytes) {
      throw recordTooLarge(source, i + 1, limits.recordBytes);
    }
    if (raw.trim() !== "") each(parseJsonLine(raw, source, i + 1, limits.jsonDepth));
  });
}

/**
 * One line of JSON Lines (`line` 1-based) as a record; NN4006 when it is not a JSON object, NN4021 when a
 * value in it nests deeper than `depthLimit`.
 */
export function parseJsonLine(raw: string, source: string, line: number, depthLimit: number): JsonRecord {
  const where = `${source}:${line}`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new NncUserError("NN4006", { where, reason: `not valid JSON (${(error as Error).message})` });
  }
  return { where, line, value: asObject(value, where, depthLimit) };
}

function arrayRecords(text: string, source: string, depthLimit: number): JsonRecord[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new NncUserError("NN4006", { where: source, reason: `not valid JSON (${(error as Error).message})` });
  }
  if (!Array.isArray(items))
    throw new NncUserError("NN4006", { where: source, reason: "expected an array of objects" });
  return items.map((item, i) => {
    const where = `${source}: record ${i + 1}`;
    return { where, line: i + 1, value: asObject(item, where, depthLimit) };
  });
}

function asObject(value: unknown, where: string, depthLimit: number): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NncUserError("NN4006", { where, reason: "expected a JSON object per record" });
  }
  const record = value as Record<string, unknown>;
  const deep = tooDeepField(record, depthLimit);
  if (deep !== undefined) {
    const reason = `field '${deep}' nests deeper than ${depthLimit} levels, the most nnc reads in one JSON value`;
    throw new NncUserError("NN4021", { where, reason });
  }
  return record;
}
