/**
 * A table of named features built one row at a time, so a reader holds each record only while it checks
 * it: the parsed records of a whole file, kept together, take tens of times the file's size.
 */
import type { Table } from "./index.js";

export class TableRows {
  private values: Float32Array;
  private readonly labels: string[] = [];
  private readonly lines: number[] = [];

  constructor(
    private readonly width: number,
    capacity = 1024,
  ) {
    this.values = new Float32Array(capacity * width);
  }

  /** Adds a row: its features from `feature(i)` for each column `i`, its label (null: none) and its line. */
  add(line: number, label: string | null, feature: (column: number) => number): void {
    const at = this.lines.length * this.width;
    if (at + this.width > this.values.length) {
      const grown = new Float32Array(Math.max(this.values.length * 2, this.width));
      grown.set(this.values);
      this.values = grown;
    }
    for (let i = 0; i < this.width; i++) this.values[at + i] = feature(i);
    if (label !== null) this.labels.push(label);
    this.lines.push(line);
  }

  get count(): number {
    return this.lines.length;
  }

  table(source: string, featureNames: readonly string[], labelName: string): Table {
    const features = this.values.subarray(0, this.lines.length * this.width);
    return { source, featureNames, features, labelName, labels: this.labels, lines: this.lines };
  }
}
