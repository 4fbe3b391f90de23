/**
 * The token ids of every row of a text source, in one growing `Int32Array` with each row's start: a row's ids
 * are a view, not an array of their own (a typed array per row costs some 100 bytes more than its ids, and
 * token strings some 30 bytes a token). At most `limit` ids are kept: one more is NN4021 naming the source.
 */
import { NncUserError } from "../errors.js";

export class TokenIds {
  private ids = new Int32Array(1024);
  private length = 0;
  private starts: number[] = [0];

  constructor(
    private readonly source: string,
    private readonly limit: number,
  ) {}

  /** Appends the next row's ids. */
  push(row: Int32Array): void {
    if (this.length + row.length > this.limit) {
      const reason = `the texts hold more than ${this.limit} tokens (n-grams included), the most nnc keeps for one source`;
      const hint = "use fewer ngrams, a sequence_length, or train on fewer rows";
      throw new NncUserError("NN4021", { where: this.source, reason }, hint);
    }
    if (this.length + row.length > this.ids.length) {
      const grown = new Int32Array(Math.min(Math.max(this.ids.length * 2, this.length + row.length), this.limit));
      grown.set(this.ids.subarray(0, this.length));
      this.ids = grown;
    }
    this.ids.set(row, this.length);
    this.length += row.length;
    this.starts.push(this.length);
  }

  /** The ids of row `row` (0-based, in the order pushed), a view into the store. */
  row(row: number): Int32Array {
    return this.ids.subarray(this.starts[row]!, this.starts[row + 1]!);
  }
}
