/**
 * `nnc data`'s summary for people: the rows and the split, each output's classes with a bar, the feature
 * statistics, array and sequence inputs, then the warnings. Pure text from the summary's data; no tfjs.
 */
import type { DataSummary, OutputSummary, Statistics, Vocabulary } from "../runtime/data-summary.js";
import { format as num, quoted } from "../runtime/data-warnings.js";
import { maxOf } from "../compiler/base/arrays.js";

/** Columns listed in the text at most (`--format json` lists every one). */
const listedColumns = 30;
/** Classes listed in the text at most. */
const listedClasses = 30;
/** The widest bar, in characters. */
const barWidth = 20;

export function summaryText(summary: DataSummary): string {
  const out: string[] = [];
  const { rows, split } = summary;
  out.push(`${summary.model}: ${summary.source}${summary.streamed ? " (streamed)" : ""}`);
  const how = summary.validationSource
    ? `validation from ${summary.validationSource}`
    : split.validationSplit > 0
      ? `validation_split: ${split.validationSplit}, ${split.shuffle ? `shuffled with ${split.seed === null ? "a random seed (no seed:)" : `seed: ${split.seed}`}` : "the last rows, shuffle: false"}`
      : "no validation";
  out.push(`rows: ${count(rows.training)} training, ${count(rows.validation)} validation (${how})`);
  if (rows.dropped.training + rows.dropped.validation > 0)
    out.push(
      `dropped: ${count(rows.dropped.training)} training, ${count(rows.dropped.validation)} validation rows with a missing value (missing: drop)`,
    );
  for (const output of summary.outputs) out.push("", ...outputLines(output));
  if (summary.columns.length > 0) {
    out.push("", ...columnLines(summary));
  }
  for (const array of summary.arrays) {
    const name = `input '${array.input}'`;
    const what = array.image ? `images ${array.shape.join("x")}` : `arrays [${array.shape.join(", ")}]`;
    const v = array.values;
    out.push(
      "",
      `${name}: ${what}, values ${num(v.min)} to ${num(v.max)}, mean ${num(v.mean)}, std ${num(v.std)} (over the training rows)`,
    );
    if (array.vocabulary) out.push(vocabularyLine(array.vocabulary));
  }
  for (const sequence of summary.sequences) {
    const { lengths } = sequence;
    out.push(
      "",
      `input '${sequence.input}'${sequence.field === sequence.input ? "" : ` (field '${sequence.field}')`}: sequences of ${num(lengths.min)} to ${num(lengths.max)} steps, mean ${num(lengths.mean)}`,
    );
    if (sequence.vocabulary) out.push(vocabularyLine(sequence.vocabulary));
    const most = maxOf(sequence.histogram.map((bin) => bin.rows));
    const labels = sequence.histogram.map((bin) => (bin.from === bin.to ? `${bin.from}` : `${bin.from}-${bin.to}`));
    const width = maxOf(
      labels.map((label) => label.length),
      6,
    );
    out.push(`  ${"length".padStart(width)}  ${"rows".padStart(6)}`);
    sequence.histogram.forEach((bin, k) =>
      out.push(`  ${labels[k]!.padStart(width)}  ${count(bin.rows).padStart(6)}  ${bar(bin.rows, most)}`.trimEnd()),
    );
  }
  out.push("");
  if (summary.warnings.length === 0) out.push("no warnings");
  for (const warning of summary.warnings) out.push(`warning: ${warning.message}`);
  return `${out.join("\n")}\n`;
}

function outputLines(output: OutputSummary): string[] {
  const name = output.name
    ? `output ${output.name} (column ${quoted(output.column)})`
    : output.column === "class"
      ? "classes (the folder names)"
      : quoted(output.column);
  switch (output.kind) {
    case "input":
      return [`output: the input '${output.input}' itself (target: input)`];
    case "values":
      return [`${name}: values ${stats(output.values)} (over the training rows)`];
    case "arrays":
      return [`${name}: [${output.shape.join(", ")}] values per example, ${stats(output.values)}`];
    case "classes": {
      // Classes no row has (a model's units past the data's labels) are counted and named after the table.
      const seen = output.classes.filter((c) => c.training + c.validation > 0);
      const listed = seen.slice(0, listedClasses);
      const names = listed.map((c) => quoted(c.name));
      const most = maxOf(listed.map((c) => c.training));
      const nameWidth = maxOf(
        names.map((c) => c.length),
        5,
      );
      const unit = output.perStep ? "step" : "row";
      const lines = [
        `${name}: ${plural(output.classes.length, "class", "classes")}${output.perStep ? ` (targets [${output.perStep.join(", ")}] per example: counted by step)` : ""}`,
        `  ${"class".padEnd(nameWidth)}  ${"training".padStart(8)}  ${"".padEnd(barWidth)}  validation`,
      ];
      listed.forEach((c, k) =>
        lines.push(
          `  ${names[k]!.padEnd(nameWidth)}  ${count(c.training).padStart(8)}  ${bar(c.training, most).padEnd(barWidth)}  ${count(c.validation).padStart(10)}`,
        ),
      );
      if (seen.length > listedClasses)
        lines.push(`  ... ${seen.length - listedClasses} more classes (--format json lists them)`);
      const empty = output.classes.filter((c) => c.training + c.validation === 0);
      if (empty.length > 0) {
        const shown = empty.slice(0, 10).map((c) => `'${quoted(c.name)}'`);
        lines.push(
          `  no ${unit}: ${shown.join(", ")}${empty.length > shown.length ? `, ... (${empty.length} classes)` : ""}`,
        );
      }
      return lines;
    }
  }
}

function plural(n: number, one: string, many: string): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

function columnLines(summary: DataSummary): string[] {
  const columns = summary.columns.slice(0, listedColumns);
  const header = ["feature", "min", "mean", "std", "max"];
  const cells = columns.map((c) => [quoted(c.name), num(c.min), num(c.mean), num(c.std), num(c.max)]);
  const widths = header.map((h, k) =>
    maxOf(
      cells.map((row) => row[k]!.length),
      h.length,
    ),
  );
  const line = (row: readonly string[]) =>
    `  ${row.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  ")}`;
  const scaled = summary.normalize ? `; normalize: ${summary.normalize} scales them for the model` : "";
  return [
    `features (${summary.columns.length}, over the training rows${scaled}):`,
    line(header),
    ...cells.map(line),
    ...(summary.columns.length > listedColumns ? [`  ... ${summary.columns.length - listedColumns} more`] : []),
  ];
}

function vocabularyLine({ distinct, largest, inputDim }: Vocabulary): string {
  return `  vocabulary: ${count(distinct)} distinct ids, the largest ${count(largest)} (embedding input_dim ${count(inputDim)})`;
}

function stats(v: Statistics): string {
  return `${num(v.min)} to ${num(v.max)}, mean ${num(v.mean)}, std ${num(v.std)}`;
}

/** A bar of `value` out of `most`, in eighths of a character. */
function bar(value: number, most: number): string {
  const eighths = most > 0 ? Math.round((value / most) * barWidth * 8) : 0;
  const partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]!;
  return "█".repeat(Math.floor(eighths / 8)) + partial;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
