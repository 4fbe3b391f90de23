/**
 * What the printer asks of the original text: comments in a region, where a `{` is, blank lines between two
 * things, and a node's text as written (for verbatim output).
 */
import { LBrace, nnLexer } from "../../../grammar/tokens.js";
import type { Span } from "../syntax/ast.js";
import { allowedBy } from "../lint/index.js";

export interface Comment {
  readonly span: Span;
  readonly text: string;
}

export class SourceText {
  private readonly braces: readonly number[];
  /** The `// nnc-allow` comments: each silences lints on its own line and the next (lint/index.ts). */
  private readonly allowComments: readonly Comment[];

  constructor(
    readonly text: string,
    /** Sorted by offset. */
    readonly comments: readonly Comment[],
  ) {
    this.braces = nnLexer
      .tokenize(text)
      .tokens.filter((t) => t.tokenType === LBrace)
      .map((t) => t.startOffset);
    this.allowComments = comments.filter((c) => allowedBy(c.text).length > 0);
  }

  /** True when an `// nnc-allow` comment starts in [start, end). */
  hasAllowCommentIn(start: number, end: number): boolean {
    if (this.allowComments.length === 0) return false;
    const i = firstFrom(this.allowComments, start);
    return i < this.allowComments.length && this.allowComments[i]!.span.start < end;
  }

  /** Comments that lie wholly in [start, end). */
  commentsIn(start: number, end: number): Comment[] {
    const result: Comment[] = [];
    for (let i = this.firstCommentFrom(start); i < this.comments.length; i++) {
      const c = this.comments[i]!;
      if (c.span.start >= end) break;
      if (c.span.end <= end) result.push(c);
    }
    return result;
  }

  hasCommentsIn(start: number, end: number): boolean {
    const i = this.firstCommentFrom(start);
    return i < this.comments.length && this.comments[i]!.span.start < end;
  }

  private firstCommentFrom(offset: number): number {
    return firstFrom(this.comments, offset);
  }

  /** The offset of the first `{` at or after `offset`. */
  openBrace(offset: number): number {
    // A binary search: a file of many `repeat` bodies asks once for each.
    let low = 0;
    let high = this.braces.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.braces[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    return this.braces[low] ?? this.text.length;
  }

  slice(span: Span): string {
    return this.text.slice(span.start, span.end);
  }

  hasNewline(start: number, end: number): boolean {
    return this.text.slice(start, end).includes("\n");
  }

  /** True when the author left an empty line between `end` and `start`. */
  blankLineBetween(end: number, start: number): boolean {
    return (this.text.slice(end, start).match(/\n/g)?.length ?? 0) >= 2;
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf("\n", offset - 1) + 1;
  }

  lineEnd(offset: number): number {
    const end = this.text.indexOf("\n", offset);
    return end < 0 ? this.text.length : end;
  }

  /**
   * A node as written, moved to `column`: its first line starts there and every later line moves by as
   * much as the line the node starts on, except lines inside a block comment, which are kept exactly. The
   * shift is measured from that line's indentation, not the node's column: a comment before the node on its
   * line is printed on a line of its own, and the body was indented from the line.
   */
  verbatim(span: Span, column: number): string {
    const lineStart = this.lineStart(span.start);
    const shift = column - /^[ \t]*/.exec(this.text.slice(lineStart, span.start))![0].length;
    const lines = this.slice(span).split("\n");
    let offset = span.start;
    const moved = lines.map((l, i) => {
      const at = offset;
      offset += l.length + 1;
      if (i === 0 || this.insideComment(at)) return l;
      const indentation = /^[ \t]*/.exec(l)![0].length;
      let rest = l.slice(indentation);
      if (!this.insideComment(at + l.length)) rest = rest.replace(/[ \t]+$/, "");
      return rest === "" ? "" : " ".repeat(Math.max(0, indentation + shift)) + rest;
    });
    return moved.join("\n");
  }

  private insideComment(offset: number): boolean {
    const i = this.firstCommentFrom(offset) - 1;
    return i >= 0 && this.comments[i]!.span.end > offset;
  }
}

/** The index of the first comment (of comments sorted by offset) that starts at or after `offset`. */
function firstFrom(comments: readonly Comment[], offset: number): number {
  let low = 0;
  let high = comments.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (comments[mid]!.span.start < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
