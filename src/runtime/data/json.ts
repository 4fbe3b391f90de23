/**
 * JSON data: one JSON object per line (JSON Lines), e.g. `{"x": 1.5, "y": -2, "species": "setosa"}`, or a
 * file holding one JSON array of such objects. The features are the numeric fields named by `features`, or
 * every field but the label, in the order of the first record. Problems name the file, the record (its line
 * in JSON Lines, its 1-based position in an array) and the field.
 */
import { displayPath } from "../../compiler/render.js";
import { didYouMean } from "../../compiler/suggest.js";
import { NncUserError, readDataFile } from "../errors.js";
import type { Table } from "./index.js";

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
export function readJsonLines(file: string, label: string | null, features: readonly string[] | undefined): Table {
  const source = displayPath(file);
  const text = readDataFile(file, source).toString("utf8");
  const records = isJsonArray(text) ? arrayRecords(text, source) : lineRecords(text, source);
  if (records.length === 0) throw new NncUserError("NN4005", { path: source, reason: "the file has no records" });
  return jsonTable(records, source, label, jsonFeatureNames(records[0]!, label, features));
}

/** Whether the text is one JSON array (read whole) rather than JSON Lines (one record per line). */
export function isJsonArray(text: string): boolean {
  return text.trimStart().startsWith("[");
}

/** The feature fields: those named by `features`, or every field of the first record but the label. */
export function jsonFeatureNames(first: JsonRecord, label: string | null, features: readonly string[] | undefined): string[] {
  return [...(features ?? Object.keys(first.value).filter((key) => key !== label))];
}

/** Records -> a table of the fields `names`, checking every one; the first problem names record and field. */
export function jsonTable(records: readonly JsonRecord[], source: string, label: string | null, names: readonly string[]): Table {
  const values = new Float32Array(records.length * names.length);
  const labels: string[] = [];
  records.forEach(({ where, value }, row) => {
    if (label !== null) {
      const target = value[label];
      if (target === undefined || target === null || target === "") {
        throw new NncUserError("NN4006", { where, reason: `no label field '${label}'` }, didYouMean(label, Object.keys(value)));
      }
      labels.push(String(target));
    }
    names.forEach((name, column) => {
      const field = value[name];
      if (typeof field !== "number" || !Number.isFinite(field)) {
        const reason = field === undefined ? `no field '${name}'` : `field '${name}': ${JSON.stringify(field)} is not a number`;
        throw new NncUserError("NN4006", { where, reason }, field === undefined ? didYouMean(name, Object.keys(value)) : undefined);
      }
      values[row * names.length + column] = field;
    });
  });
  return { source, featureNames: names, features: values, labelName: label ?? "", labels, lines: records.map((r) => r.line) };
}

function lineRecords(text: string, source: string): JsonRecord[] {
  const records: JsonRecord[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() !== "") records.push(parseJsonLine(raw, source, i + 1));
  });
  return records;
}

/** One line of JSON Lines (`line` 1-based) as a record; NN4006 when it is not a JSON object. */
export function parseJsonLine(raw: string, source: string, line: number): JsonRecord {
  const where = `${source}:${line}`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new NncUserError("NN4006", { where, reason: `not valid JSON (${(error as Error).message})` });
  }
  return { where, line, value: asObject(value, where) };
}

function arrayRecords(text: string, source: string): JsonRecord[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new NncUserError("NN4006", { where: source, reason: `not valid JSON (${(error as Error).message})` });
  }
  if (!Array.isArray(items)) throw new NncUserError("NN4006", { where: source, reason: "expected an array of objects" });
  return items.map((item, i) => {
    const where = `${source}: record ${i + 1}`;
    return { where, line: i + 1, value: asObject(item, where) };
  });
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NncUserError("NN4006", { where, reason: "expected a JSON object per record" });
  }
  return value as Record<string, unknown>;
}
