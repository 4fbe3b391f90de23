/** Where something is in a file's text: half-open offsets, `start` included, `end` not. */
export interface Span {
  readonly start: number;
  readonly end: number;
}
