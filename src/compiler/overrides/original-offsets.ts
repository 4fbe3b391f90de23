/**
 * Offsets in a text that overrides edited, mapped back to the text as the user wrote it: a problem the check of
 * the edited text finds outside the overridden values is shown in the file on disk, at its own line and column,
 * whatever lengths the values had (`units = 16` set to `1234567`, or a sweep's `1000000`).
 */
import type { Span } from "../base/span.js";

/** One edit: the span `from` of the text before it, replaced by `length` characters. */
export interface TextEdit {
  readonly from: Span;
  readonly length: number;
}

/**
 * `span` of the text after `edits` (in the order they were applied) as a span of the text before them. Each
 * end maps on its own: a start inside the text an edit put in maps to the start of what it replaced, an end
 * to its end, so a span around an edit covers what the edit replaced.
 */
export function originalSpan(edits: readonly TextEdit[], span: Span): Span {
  let { start, end } = span;
  for (let i = edits.length - 1; i >= 0; i--) {
    start = offsetBefore(edits[i]!, start, "start");
    end = offsetBefore(edits[i]!, end, "end");
  }
  return { start, end };
}

function offsetBefore({ from, length }: TextEdit, offset: number, side: "start" | "end"): number {
  if (offset <= from.start) return offset;
  if (offset >= from.start + length) return offset - length + (from.end - from.start);
  return side === "start" ? from.start : from.end;
}
