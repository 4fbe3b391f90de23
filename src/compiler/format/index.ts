/**
 * The formatter behind `nnc fmt`, the language server and the prettier plugin: parse (syntax/) -> Doc
 * (print.ts) -> text (doc.ts).
 *
 * In: a file's text. Out: the same file laid out canonically, or null when it has syntax errors (a file with
 * syntax errors is never formatted). The output keeps every comment, formats to itself again, and means the
 * same: before it is returned, it is parsed again and its tree and comments compared with the input's, so a
 * printer bug leaves a file as it was instead of changing it.
 */
import type * as ast from "../syntax/ast.js";
import { hasErrors, type Result } from "../diagnostics/index.js";
import { render } from "./doc.js";
import { childrenOf, Printer, WIDTH } from "./print.js";
import { SourceText } from "./source.js";
import { LineMap } from "../base/line-map.js";
import { allowancesOf, allowedBy } from "../lint/index.js";
import { parse } from "../syntax/index.js";

/** Replace `span` of the original text with `newText`. */
export interface FormatEdit {
  readonly span: ast.Span;
  readonly newText: string;
}

/**
 * Formats a whole file. The value is the formatted text, or null when the file has syntax errors (they are
 * the diagnostics).
 */
export function formatSource(text: string, file: string): Result<string | null> {
  const formatted = formatWithLines(text, file);
  return { value: formatted.value?.text ?? null, diagnostics: formatted.diagnostics };
}

/**
 * Formats the smallest run of sibling declarations, statements or train entries that covers `range`
 * (offsets into `text`). The value is the edit (null when nothing changes or the range covers no code), or
 * null with diagnostics when the file has syntax errors.
 */
export function formatRange(text: string, file: string, range: ast.Span): Result<FormatEdit | null> {
  const formatted = formatWithLines(text, file);
  const result = formatted.value;
  if (!result) return { value: null, diagnostics: formatted.diagnostics };
  const edit = rangeEdit(result, range);
  const unchanged = edit === null || text.slice(edit.span.start, edit.span.end) === edit.newText;
  return { value: unchanged ? null : edit, diagnostics: formatted.diagnostics };
}

interface Formatted {
  readonly source: ast.SourceFile;
  readonly text: string;
  readonly lines: ReadonlyMap<object, { start: number; end: number }>;
  /** The file's line ends are not `\n` (they are `\r\n` or `\r`): range edits replace the whole file. */
  readonly otherLineEnds: boolean;
  /** The length of the text as given (before line ends were made `\n`). */
  readonly length: number;
}

/**
 * Line ends are made `\n` for printing (`\r\n` and a lone `\r` are one line end, as everywhere in nnc), and
 * the output uses the file's first line end throughout, as prettier's `endOfLine: "auto"` does.
 */
function formatWithLines(original: string, file: string): Result<Formatted | null> {
  const eol = /\r\n?|\n/.exec(original)?.[0] ?? "\n";
  const text = original.replace(/\r\n?/g, "\n");
  const parsed = parse(text, file);
  // Diagnostics are shown in the text as given: parse it when its offsets differ.
  const diagnostics = () =>
    text === original || parsed.diagnostics.length === 0 ? parsed.diagnostics : parse(original, file).diagnostics;
  if (hasErrors(parsed.diagnostics)) return { value: null, diagnostics: diagnostics() };
  const source = parsed.value;
  const printer = new Printer(new SourceText(text, source.comments));
  const rendered = render(printer.file(source), WIDTH);
  const output = sameMeaning(source, rendered.text, file) ? rendered.text.replace(/\n/g, eol) : original;
  const value = { source, text: output, lines: rendered.lines, otherLineEnds: eol !== "\n", length: original.length };
  return { value, diagnostics: diagnostics() };
}

/**
 * The formatted text parses to the same tree (spans aside) with the same comments, and every node of it is
 * silenced by the same `// nnc-allow` comments as before (they silence lints by line).
 */
function sameMeaning(before: ast.SourceFile, after: string, file: string): boolean {
  const reparsed = parse(after, file);
  if (hasErrors(reparsed.diagnostics)) return false;
  const comments = (f: ast.SourceFile) => JSON.stringify(f.comments.map((c) => c.text));
  if (treeKey(before.declarations) !== treeKey(reparsed.value.declarations)) return false;
  return comments(before) === comments(reparsed.value) && sameAllowances(before, reparsed.value);
}

/**
 * For each node, in tree order, the lint codes an `// nnc-allow` comment silences at the node's line are the
 * same in both files (lints are reported at nodes). Both trees must have the same shape (`treeKey`).
 */
function sameAllowances(before: ast.SourceFile, after: ast.SourceFile): boolean {
  const allowed = (f: ast.SourceFile) => {
    const allowances = allowancesOf(f.text, f.comments, f.declarations[0]?.span.start ?? f.text.length);
    const lines = new LineMap(f.text);
    const codes = (offset: number) => [...(allowances.lines.get(lines.position(offset).line - 1) ?? [])].sort().join();
    return { file: [...allowances.file].sort().join(), nodes: nodeStarts(f.declarations).map(codes) };
  };
  if (!before.comments.some((c) => allowedBy(c.text).length > 0)) return true;
  return JSON.stringify(allowed(before)) === JSON.stringify(allowed(after));
}

/** The start of every node (every object with a `span`), in tree order; an explicit stack, not recursion. */
function nodeStarts(root: unknown): number[] {
  const starts: number[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== "object") continue;
    const span = (value as { span?: ast.Span }).span;
    if (span) starts.push(span.start);
    const children = Array.isArray(value)
      ? value
      : Object.entries(value)
          .filter(([k]) => k !== "span")
          .map(([, v]) => v);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return starts;
}

/** A node as JSON without positions. */
export function treeKey(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (key === "span" ? undefined : value));
}

function rangeEdit(formatted: Formatted, range: ast.Span): FormatEdit | null {
  const { source } = formatted;
  const wholeFile = { span: { start: 0, end: formatted.length }, newText: formatted.text };
  if (formatted.otherLineEnds) return wholeFile;
  const path: (ast.SourceFile | ast.Declaration | ast.Statement | ast.TrainEntry)[] = [source];
  let chosen: readonly (ast.Declaration | ast.Statement | ast.TrainEntry)[] = [];
  for (;;) {
    const hit = childrenOf(path.at(-1)!).filter((n) => overlaps(n.span, range));
    if (hit.length === 0) break;
    chosen = hit;
    const only = hit[0]!;
    if (hit.length > 1 || !contains(only.span, range) || childrenOf(only).length === 0) break;
    path.push(only);
  }
  if (chosen.length === 0) return null;
  // Widen to whole lines; when another item shares the first or last line, take the enclosing node.
  for (;;) {
    const edit = linesEdit(formatted, chosen[0]!, chosen.at(-1)!);
    if (edit) return edit;
    const parent = path.pop()!;
    if (path.length === 0) return wholeFile;
    chosen = [parent as ast.Declaration | ast.Statement];
  }
}

function linesEdit(
  formatted: Formatted,
  first: object & { span: ast.Span },
  last: object & { span: ast.Span },
): FormatEdit | null {
  const text = formatted.source.text;
  const startLine = formatted.lines.get(first)?.start;
  const endLine = formatted.lines.get(last)?.end;
  if (startLine === undefined || endLine === undefined) return null;
  const start = text.lastIndexOf("\n", first.span.start - 1) + 1;
  if (text.slice(start, first.span.start).trim() !== "") return null;
  const lineEnd = text.indexOf("\n", last.span.end);
  const end = lineEnd < 0 ? text.length : lineEnd;
  // Only comments that end on this line and `;` may follow the last item on its line.
  let rest = text.slice(last.span.end, end);
  for (const c of formatted.source.comments) {
    if (c.span.start < last.span.end || c.span.start >= end) continue;
    if (c.span.end > end) return null;
    rest = rest.replace(c.text, "");
  }
  if (rest.replace(/[\s;]/g, "") !== "") return null;
  const newText = formatted.text
    .split("\n")
    .slice(startLine, endLine + 1)
    .join("\n");
  return { span: { start, end }, newText };
}

function overlaps(span: ast.Span, range: ast.Span): boolean {
  if (range.start === range.end) return span.start <= range.start && range.start <= span.end;
  return span.start < range.end && range.start < span.end;
}

function contains(span: ast.Span, range: ast.Span): boolean {
  return span.start <= range.start && range.end <= span.end;
}
