/**
 * JSON Lines data: one JSON object per line, e.g. `{"x": 1.5, "y": -2, "species": "setosa"}`. The features
 * are the numeric fields named by `features`, or every field but the label, in the order of the first
 * record. Problems name the file, the line (the record) and the field.
 */
import { displayPath } from "../../compiler/render.js";
import { didYouMean } from "../../compiler/suggest.js";
import { NncUserError, readDataFile } from "../errors.js";
import type { Table } from "./index.js";

/** Reads `file` (absolute) with `label` as the target field. */
export function readJsonLines(file: string, label: string, features: readonly string[] | undefined): Table {
  const source = displayPath(file);
  const text = readDataFile(file, source).toString("utf8");
  const records: { line: number; value: Record<string, unknown> }[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const where = `${source}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new NncUserError("NN4006", { where, reason: `not valid JSON (${(error as Error).message})` });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new NncUserError("NN4006", { where, reason: "expected a JSON object per line" });
    }
    records.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  if (records.length === 0) throw new NncUserError("NN4005", { path: source, reason: "the file has no records" });
  const first = Object.keys(records[0]!.value);
  const names = features ?? first.filter((key) => key !== label);
  const values = new Float32Array(records.length * names.length);
  const labels: string[] = [];
  records.forEach(({ line, value }, row) => {
    const where = `${source}:${line}`;
    const target = value[label];
    if (target === undefined || target === null || target === "") {
      throw new NncUserError("NN4006", { where, reason: `no label field '${label}'` }, didYouMean(label, Object.keys(value)));
    }
    labels.push(String(target));
    names.forEach((name, column) => {
      const field = value[name];
      if (typeof field !== "number" || !Number.isFinite(field)) {
        const reason = field === undefined ? `no field '${name}'` : `field '${name}': ${JSON.stringify(field)} is not a number`;
        throw new NncUserError("NN4006", { where, reason }, field === undefined ? didYouMean(name, Object.keys(value)) : undefined);
      }
      values[row * names.length + column] = field;
    });
  });
  return { source, featureNames: names, features: values, labelName: label, labels, lines: records.map((r) => r.line) };
}
