/**
 * Converts offsets to 1-based line and column numbers and back.
 *
 * A line ends at `\n`, `\r\n` or a lone `\r`, as the Language Server Protocol and Chevrotain's lexer count
 * them (so the parser's "on the same line" rules and every shown position agree). U+2028 and U+2029 do not
 * end a line: the LSP does not count them, and outside comments and strings they are not valid `.nn` text.
 */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export class LineMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  /** 1-based line and column of an offset; columns count UTF-16 code units, as LSP does by default. */
  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - this.starts[lo]! + 1 };
  }

  /** The offset of a position; a column past the end of its line is the line's end (as LSP says). */
  offset(position: Position): number {
    const start = this.starts[position.line - 1] ?? this.text.length;
    return Math.min(start + Math.max(0, position.column - 1), this.lineEnd(position.line));
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    return this.text.slice(start, this.lineEnd(line));
  }

  /** Where a 1-based line's text ends, before its line break. */
  private lineEnd(line: number): number {
    const next = this.starts[line];
    if (next === undefined) return this.text.length;
    return this.text.charCodeAt(next - 2) === 13 && this.text.charCodeAt(next - 1) === 10 ? next - 2 : next - 1;
  }
}

/**
 * The bidirectional control characters of "Trojan Source" (CVE-2021-42574): they change the order in which
 * a line is shown, not the order in which it is read. Global: use with `matchAll` or `replace`.
 */
export const bidiControls = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Control characters a terminal acts on (escape sequences, bell, carriage return) and the bidirectional ones. */
const unprintable = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `text` safe to print on a terminal: each control character becomes a visible escape (`\x1b`, `\u202e`), so a
 * data file's column name or label quoted in a message cannot move the cursor, recolour the screen or retitle
 * the window (data files are untrusted input). Tabs and newlines stay.
 */
export function printable(text: string): string {
  return text.replace(unprintable, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
