/**
 * A table of named features built one row at a time, so a reader holds each record only while it checks
 * it: the parsed records of a whole file, kept together, take tens of times the file's size.
 */
import type { OutputLabels, SequenceFeature, Table, TableInput, TableSpec } from "./index.js";

/** How a reader's columns become a table: the feature names, label columns and inputs it was read with. */
export interface RowsLayout {
  readonly source: string;
  /** The flat feature columns, in the order the model sees them (every input's in turn). */
  readonly featureNames: readonly string[];
  readonly spec: TableSpec;
  /** For features per model input: each input's columns (in `featureNames`' order) or its sequence field. */
  readonly inputs?: readonly {
    readonly name: string;
    readonly columns: readonly string[];
    readonly sequence: boolean;
  }[];
  /**
   * Sequence fields, by the input they feed (`""` for a model of one input), with the values a step holds in the
   * file's first record (`width`; 1 for numbers) when it has a sequence there: every record's steps hold as many.
   */
  readonly sequences: readonly { readonly input: string; readonly field: string; readonly width?: number }[];
}

export class TableRows {
  private values: Float32Array;
  private readonly labels: string[][];
  private readonly lines: number[] = [];
  private readonly steps: Float32Array[][];
  private readonly widths: number[];
  /** Each row's sample weight, when the spec names a `weight` column. */
  private readonly weights: number[] = [];
  private dropped = 0;

  constructor(
    private readonly layout: RowsLayout,
    capacity = 1024,
  ) {
    this.values = new Float32Array(capacity * layout.featureNames.length);
    this.labels = layout.spec.labels.map(() => []);
    this.steps = layout.sequences.map(() => []);
    this.widths = layout.sequences.map(() => 0);
  }

  private get width(): number {
    return this.layout.featureNames.length;
  }

  /**
   * Adds a row: its features from `feature(i)` for each column `i`, its labels (one per label column) and its
   * line; `sequence(k)` gives sequence feature k's steps and their width; `weight`, its sample weight.
   */
  add(
    line: number,
    labels: readonly string[],
    feature: (column: number) => number,
    sequence?: (k: number) => { values: Float32Array; width: number },
    weight?: number,
  ): void {
    const at = this.lines.length * this.width;
    if (at + this.width > this.values.length) {
      const grown = new Float32Array(Math.max(this.values.length * 2, this.width));
      grown.set(this.values);
      this.values = grown;
    }
    for (let i = 0; i < this.width; i++) this.values[at + i] = feature(i);
    const read = this.layout.sequences.map((_, k) => sequence!(k));
    read.forEach(({ values, width }, k) => {
      // The reader reports a record whose steps differ (NN4006): a table's sequences have one width.
      if (this.lines.length > 0 && width !== this.widths[k]) {
        throw new Error(`TableRows: sequence ${k} of width ${width} after rows of width ${this.widths[k]}`);
      }
      this.steps[k]!.push(values);
      this.widths[k] = width;
    });
    labels.forEach((label, k) => this.labels[k]!.push(label));
    if (weight !== undefined) this.weights.push(weight);
    this.lines.push(line);
  }

  /** Counts a row left out for a missing value (`missing: drop`). */
  drop(): void {
    this.dropped++;
  }

  get count(): number {
    return this.lines.length;
  }

  table(): Table {
    const { source, featureNames, spec, inputs } = this.layout;
    const features = this.values.subarray(0, this.lines.length * this.width);
    const single = !spec.perOutput && spec.labels.length === 1;
    const outputs: OutputLabels[] = spec.labels.map(({ output, column }, k) => ({
      output,
      labelName: column,
      labels: this.labels[k]!,
    }));
    const sequences: SequenceFeature[] = this.layout.sequences.map(({ input, field }, k) => ({
      input,
      field,
      width: this.widths[k]!,
      rows: this.steps[k]!,
    }));
    const tableInputs: TableInput[] | undefined = inputs?.map((input) => ({
      name: input.name,
      source,
      shape: input.sequence ? [] : [input.columns.length],
    }));
    return {
      source,
      featureNames,
      features,
      labelName: single ? spec.labels[0]!.column : "",
      labels: single ? this.labels[0]! : [],
      lines: this.lines,
      ...(spec.perOutput ? { outputs } : {}),
      ...(sequences.length > 0 ? { sequences } : {}),
      ...(tableInputs ? { inputs: tableInputs } : {}),
      ...(this.dropped > 0 ? { dropped: this.dropped } : {}),
      ...(spec.weight !== undefined ? { weights: Float32Array.from(this.weights) } : {}),
    };
  }
}

/**
 * The feature columns and inputs of `spec.features` (or, without it, `available` but the label and weight columns), with
 * `isSequence` telling which columns hold sequences: a sequence is the only feature of its input.
 * Returns a problem as text for the reader to report.
 */
export function rowsLayout(
  source: string,
  spec: TableSpec,
  available: readonly string[],
  isSequence: (column: string) => boolean,
): RowsLayout | string {
  // The sample weight column, like the labels, is no feature unless listed (NN4062 in a checked spec).
  const labelColumns = new Set([...spec.labels.map((l) => l.column), ...(spec.weight ? [spec.weight] : [])]);
  const features = spec.features;
  if (features === undefined || Array.isArray(features)) {
    const columns = (features as readonly string[] | undefined) ?? available.filter((c) => !labelColumns.has(c));
    const sequences = columns.filter(isSequence);
    if (sequences.length > 0 && columns.length > 1) {
      return `field '${sequences[0]}' holds a sequence, which must be the only feature of its input (features: [${columns.join(", ")}]); give each input its own features: features: { tokens: ["${sequences[0]}"], ... }`;
    }
    return {
      source,
      featureNames: sequences.length > 0 ? [] : columns,
      spec,
      sequences: sequences.map((field) => ({ input: "", field })),
    };
  }
  const groups = Object.entries(features as Readonly<Record<string, readonly string[]>>);
  const inputs = [];
  for (const [name, columns] of groups) {
    const sequence = columns.some(isSequence);
    if (sequence && columns.length > 1) {
      return `input '${name}': field '${columns.find(isSequence)}' holds a sequence, which must be the only feature of its input`;
    }
    inputs.push({ name, columns, sequence });
  }
  return {
    source,
    featureNames: inputs.filter((i) => !i.sequence).flatMap((i) => i.columns),
    spec,
    inputs,
    sequences: inputs.filter((i) => i.sequence).map((i) => ({ input: i.name, field: i.columns[0]! })),
  };
}
