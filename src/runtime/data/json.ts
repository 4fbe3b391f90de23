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
import { dataLimits, readWholeDataFile, recordTooLarge, sequenceStepLimit, type DataLimits } from "./files.js";
import type { Table, TableSpec } from "./index.js";
import { rowsLayout, TableRows, type RowsLayout } from "./rows.js";
import { sampleWeightOf } from "./sample-weight.js";
import { describeJson, missingHint, nonFiniteError, tooDeepField } from "./values.js";

/** One JSON object read from a file, and where it was. */
export interface JsonRecord {
  /** Where the record is, for messages: `data.jsonl:3`, `data.json: record 3`. */
  readonly where: string;
  /** The line in JSON Lines, the position in an array. */
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/** Reads `file` (absolute) as `spec` says: its label fields, its features (per input), missing values. */
export function readJsonTable(file: string, spec: TableSpec, limits: DataLimits = dataLimits): Table {
  const source = displayPath(file);
  const fix = "write large data as JSON Lines, one record per line, which training streams";
  const text = withoutBom(readWholeDataFile(file, source, limits.wholeBytes, fix).toString("utf8"));
  let rows: JsonRows | null = null;
  const add = (record: JsonRecord) => {
    rows ??= new JsonRows(jsonLayout(record, source, spec), limits);
    rows.add(record);
  };
  if (isJsonArray(text)) arrayRecords(text, source, limits.jsonDepth).forEach(add);
  else eachLineRecord(text, source, limits, add);
  const table = (rows as JsonRows | null)?.table();
  if (!table) throw new NncUserError("NN4005", { path: source, reason: "the file has no records" });
  if (table.lines.length === 0)
    throw new NncUserError("NN4005", {
      path: source,
      reason: `every record has a missing value (${table.dropped} dropped)`,
    });
  return table;
}

/** `text` without a leading UTF-8 byte order mark, which JSON.parse would refuse as an invisible character. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Whether the text is one JSON array (read whole) rather than JSON Lines (one record per line). */
export function isJsonArray(text: string): boolean {
  return text.trimStart().startsWith("[");
}

/**
 * The fields a file's records are read by, from its first record: `spec`'s features, or every field of the
 * first record but the labels, in its order; a field holding an array is a sequence (see rows.ts).
 */
export function jsonLayout(first: JsonRecord, source: string, spec: TableSpec): RowsLayout {
  const layout = rowsLayout(source, spec, Object.keys(first.value), (field) => Array.isArray(first.value[field]));
  if (typeof layout === "string") throw new NncUserError("NN4006", { where: first.where, reason: layout });
  // The first record's step width, kept with the layout: a streamed file's chunks are each a table of their own.
  const sequences = layout.sequences.map((sequence) => {
    const steps = first.value[sequence.field];
    if (!Array.isArray(steps) || steps.length === 0) return sequence;
    return { ...sequence, width: Array.isArray(steps[0]) ? (steps[0] as unknown[]).length : 1 };
  });
  return { ...layout, sequences };
}

/** Records -> a table of `layout`'s fields, checking every one; the first problem names record and field. */
export function jsonTable(records: readonly JsonRecord[], layout: RowsLayout, limits: DataLimits = dataLimits): Table {
  const rows = new JsonRows(layout, limits, records.length);
  records.forEach((record) => rows.add(record));
  return rows.table();
}

/** Whether a field's value counts as missing (`missing:`): absent, null or empty text. */
function isMissing(field: unknown): boolean {
  return field === undefined || field === null || field === "" || (Array.isArray(field) && field.length === 0);
}

/** A table built a record at a time, each checked as it is added. */
class JsonRows {
  private readonly rows: TableRows;

  constructor(
    private readonly layout: RowsLayout,
    private readonly limits: DataLimits,
    capacity?: number,
  ) {
    this.rows = new TableRows(layout, capacity);
  }

  add({ where, line, value }: JsonRecord): void {
    const { spec, featureNames, sequences } = this.layout;
    if (spec.missing === "drop") {
      const fields = [...spec.labels.map((l) => l.column), ...featureNames, ...sequences.map((s) => s.field)];
      if (spec.weight !== undefined) fields.push(spec.weight);
      if (fields.some((name) => isMissing(value[name]))) return this.rows.drop();
    }
    const labels = spec.labels.map(({ column }) => {
      const field = value[column];
      if (field === undefined || field === null || field === "") {
        const hint = field === undefined ? didYouMean(column, Object.keys(value)) : undefined;
        const reason = field === undefined ? `no label field '${column}'` : `field '${column}': the label is empty`;
        throw new NncUserError("NN4006", { where, reason }, hint ?? missingHint);
      }
      if (typeof field === "object") {
        // String() of an object is "[object Object]": every such record would be one class of that name.
        const reason = `field '${column}': the label is ${describeJson(field)}; a label is a string or a number`;
        throw new NncUserError("NN4006", { where, reason });
      }
      return String(field);
    });
    this.rows.add(
      line,
      labels,
      (column) => {
        const name = featureNames[column]!;
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
        return finite(field, where, name);
      },
      (k) => {
        const { field, width } = sequences[k]!;
        const read = sequenceValues(value[field], where, field, this.limits);
        if (width !== undefined && read.width !== width) {
          const values = (n: number) => `${n} value${n === 1 ? "" : "s"}`;
          throw new NncUserError("NN4006", {
            where,
            reason: `field '${field}': each step holds ${values(read.width)}, but the first record's hold ${width} (every record's steps hold as many values)`,
          });
        }
        return read;
      },
      spec.weight === undefined ? undefined : sampleWeightOf(value[spec.weight], where, `field '${spec.weight}'`),
    );
  }

  table(): Table {
    return this.rows.table();
  }
}

/** A number as a float32; NN4020 when it is not finite as one. */
function finite(field: number, where: string, name: string): number {
  const stored = Math.fround(field);
  if (!Number.isFinite(stored)) throw nonFiniteError(where, `field '${name}'`, field, true);
  return stored;
}

/**
 * A sequence field's steps: `[12, 7, 99]` (one value a step) or `[[0.1, 2], [3, 4]]` (as many a step, the
 * same number each). NN4006 for anything else, NN4021 past `limits.sequenceSteps`.
 */
function sequenceValues(
  field: unknown,
  where: string,
  name: string,
  limits: DataLimits,
): { values: Float32Array; width: number } {
  const bad = (what: string) =>
    new NncUserError("NN4006", {
      where,
      reason: `field '${name}': ${what}; a sequence is an array of numbers, or of arrays of as many numbers each`,
    });
  if (!Array.isArray(field) || field.length === 0)
    throw field === undefined || (Array.isArray(field) && field.length === 0)
      ? new NncUserError("NN4006", { where, reason: `field '${name}': no sequence` }, missingHint)
      : bad(`${describeJson(field)} is not a sequence`);
  const most = limits.sequenceSteps ?? sequenceStepLimit;
  if (field.length > most) {
    throw new NncUserError("NN4021", {
      where,
      reason: `field '${name}': a sequence of ${field.length} steps, more than the ${most} nnc reads in one`,
    });
  }
  const width = Array.isArray(field[0]) ? (field[0] as unknown[]).length : 1;
  const values = new Float32Array(field.length * width);
  field.forEach((step, i) => {
    const items = width === 1 && !Array.isArray(step) ? [step] : step;
    if (
      !Array.isArray(items) ||
      items.length !== width ||
      (width === 1 && Array.isArray(field[0]) !== Array.isArray(step))
    )
      throw bad(`step ${i + 1} is ${describeJson(step)}, unlike step 1`);
    items.forEach((item, j) => {
      if (typeof item !== "number") throw bad(`step ${i + 1} holds ${describeJson(item)}`);
      values[i * width + j] = finite(item, where, name);
    });
  });
  return { values, width };
}

/** Calls `each` with every record of JSON Lines text, in order; NN4021 for a line past the record limit. */
export function eachLineRecord(
  text: string,
  source: string,
  limits: DataLimits,
  each: (record: JsonRecord) => void,
): void {
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

/** The records of a file holding one JSON array of objects; NN4006 or NN4021 (too deep) naming the record. */
export function arrayRecords(text: string, source: string, depthLimit: number): JsonRecord[] {
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
