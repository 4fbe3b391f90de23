/**
 * A small document printer for the formatter: prettier's algorithm (Wadler's "prettier printer"), cut down to
 * what `.nn` needs. A `group` prints flat when it fits in the rest of the line, else its `line`s break.
 *
 * Trailing comments are `lineSuffix`es: they wait for the end of the line, and `render` aligns a run of them
 * on consecutive lines (gofmt does the same), keeping the gap the author chose before each.
 */
import { maxOf } from "../base/arrays.js";

export type Doc = string | readonly Doc[] | Group | Indent | Line | IfBreak | LineSuffix | Mark;

interface Group {
  readonly kind: "group";
  readonly contents: Doc;
  /** A hard line or a trailing comment inside forces the group to break. */
  readonly broken: boolean;
}
interface Indent {
  readonly kind: "indent";
  readonly by: number;
  readonly contents: Doc;
}
interface Line {
  readonly kind: "line";
  /** Prints nothing (rather than a space) when flat. */
  readonly soft: boolean;
  /** Always breaks. */
  readonly hard: boolean;
}
interface IfBreak {
  readonly kind: "ifBreak";
  readonly broken: Doc;
  readonly flat: Doc;
}
interface LineSuffix {
  readonly kind: "lineSuffix";
  readonly text: string;
  /** Spaces the author left before the comment: kept, and the minimum when aligned with its neighbours. */
  readonly gap: number;
}
/** Records the output line it is printed on, under `key` (the formatter maps AST nodes to output lines). */
interface Mark {
  readonly kind: "mark";
  readonly key: object;
  readonly edge: "start" | "end";
}

export const line: Doc = { kind: "line", soft: false, hard: false };
export const softline: Doc = { kind: "line", soft: true, hard: false };
export const hardline: Doc = { kind: "line", soft: false, hard: true };

export function group(contents: Doc): Doc {
  return { kind: "group", contents, broken: mustBreak(contents) };
}
export function indent(by: number, contents: Doc): Doc {
  return { kind: "indent", by, contents };
}
export function ifBreak(broken: Doc, flat: Doc): Doc {
  return { kind: "ifBreak", broken, flat };
}
export function lineSuffix(text: string, gap: number): Doc {
  return { kind: "lineSuffix", text, gap: Math.max(1, gap) };
}
export function mark(key: object, edge: "start" | "end"): Doc {
  return { kind: "mark", key, edge };
}
export function join(separator: Doc, docs: readonly Doc[]): Doc[] {
  return docs.flatMap((d, i) => (i === 0 ? [d] : [separator, d]));
}

function mustBreak(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (isArray(doc)) return doc.some(mustBreak);
  switch (doc.kind) {
    case "group":
      return doc.broken;
    case "indent":
      return mustBreak(doc.contents);
    case "line":
      return doc.hard;
    case "lineSuffix":
      return true;
    case "ifBreak":
      return mustBreak(doc.broken);
    case "mark":
      return false;
  }
}

function isArray(doc: Doc): doc is readonly Doc[] {
  return Array.isArray(doc);
}

type Mode = "flat" | "break";
type Command = readonly [indentation: number, mode: Mode, doc: Doc];

/** The trailing comments of one output line: the gap before the first, and their texts. */
interface LineComments {
  readonly gap: number;
  readonly texts: string[];
}

export interface Rendered {
  readonly text: string;
  /** The output line (0-based) of each mark, by key. */
  readonly lines: ReadonlyMap<object, { start: number; end: number }>;
}

/** Prints `doc` within `width` columns. */
export function render(doc: Doc, width: number): Rendered {
  const out: string[] = [];
  const lines = new Map<object, { start: number; end: number }>();
  let column = 0;
  let lineNumber = 0;
  let suffixes: LineSuffix[] = [];
  // Kept beside the text, not in it: a comment may hold any character, so no marker in the text is safe.
  const trailing = new Map<number, LineComments>();
  let indentChunk = -1;
  const stack: Command[] = [[0, "break", doc]];
  const flushSuffixes = () => {
    if (suffixes.length === 0) return;
    const entry = trailing.get(lineNumber) ?? { gap: suffixes[0]!.gap, texts: [] };
    for (const s of suffixes) entry.texts.push(s.text);
    trailing.set(lineNumber, entry);
    suffixes = [];
  };
  while (stack.length > 0) {
    const [ind, mode, d] = stack.pop()!;
    if (typeof d === "string") {
      out.push(d);
      const newline = d.lastIndexOf("\n");
      column = newline < 0 ? column + d.length : d.length - newline - 1;
      lineNumber += d.split("\n").length - 1;
      continue;
    }
    if (isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.kind) {
      case "indent":
        stack.push([ind + d.by, mode, d.contents]);
        break;
      case "group": {
        const flat = !d.broken && (mode === "flat" || fits([ind, "flat", d.contents], stack, width - column));
        stack.push([ind, flat ? "flat" : "break", d.contents]);
        break;
      }
      case "ifBreak":
        stack.push([ind, mode, mode === "break" ? d.broken : d.flat]);
        break;
      case "lineSuffix":
        suffixes.push(d);
        break;
      case "mark": {
        const entry = lines.get(d.key) ?? { start: lineNumber, end: lineNumber };
        entry[d.edge] = lineNumber;
        lines.set(d.key, entry);
        break;
      }
      case "line":
        if (mode === "flat" && !d.hard) {
          if (!d.soft) out.push(" ");
          column += d.soft ? 0 : 1;
          break;
        }
        flushSuffixes();
        // An empty line gets no indentation.
        if (indentChunk === out.length - 1) out[indentChunk] = "";
        out.push("\n");
        out.push(" ".repeat(ind));
        indentChunk = out.length - 1;
        column = ind;
        lineNumber++;
        break;
    }
  }
  flushSuffixes();
  return { text: alignTrailingComments(out.join(""), trailing), lines };
}

/** True when `next` and what follows it up to the next line break fit in `width` columns. */
function fits(next: Command, rest: readonly Command[], width: number): boolean {
  const commands: Command[] = [next];
  let restIndex = rest.length;
  while (width >= 0) {
    if (commands.length === 0) {
      if (restIndex === 0) return true;
      commands.push(rest[--restIndex]!);
      continue;
    }
    const [ind, mode, d] = commands.pop()!;
    if (typeof d === "string") {
      const newline = d.indexOf("\n");
      width -= newline < 0 ? d.length : newline;
      if (newline >= 0) return width >= 0;
      continue;
    }
    if (isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) commands.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.kind) {
      case "indent":
        commands.push([ind + d.by, mode, d.contents]);
        break;
      case "group":
        commands.push([ind, d.broken ? "break" : mode, d.contents]);
        break;
      case "ifBreak":
        commands.push([ind, mode, mode === "break" ? d.broken : d.flat]);
        break;
      case "line":
        if (mode === "break" || d.hard) return true;
        width -= d.soft ? 0 : 1;
        break;
      case "lineSuffix":
      case "mark":
        break;
    }
  }
  return false;
}

/**
 * Places each trailing comment after its code. Comments on consecutive lines form a run and share one
 * column: the furthest any of them asks for (its code's end plus its gap). Formatting the result again asks
 * for the same column, so this is idempotent.
 */
function alignTrailingComments(text: string, trailing: ReadonlyMap<number, LineComments>): string {
  const lines = text.split("\n");
  const parsed = lines.map((l, n) => {
    const comments = trailing.get(n);
    if (!comments) return null;
    const code = l.replace(/\s+$/, "");
    return { code, want: code.length + comments.gap, comment: comments.texts.join(" ") };
  });
  for (let i = 0; i < lines.length;) {
    if (!parsed[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && parsed[j]) j++;
    const column = maxOf(parsed.slice(i, j).map((p) => p!.want));
    for (let k = i; k < j; k++) {
      const p = parsed[k]!;
      lines[k] = p.code + " ".repeat(column - p.code.length) + p.comment;
    }
    i = j;
  }
  return lines.join("\n");
}
