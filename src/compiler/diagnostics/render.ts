/**
 * Diagnostics for people (a terminal, like gcc and rustc: `file:line:col`, the line, a caret underline, the
 * hint) and for machines (the JSON of docs/language.md, "What nnc prints for machines"). Offsets become lines
 * and columns only here.
 */
import { isAbsolute, relative } from "node:path";
import { styleText } from "node:util";
import type { Diagnostic, Location } from "./index.js";
import { bidiControls, LineMap, printable, type Position } from "../base/line-map.js";

type Style = Exclude<Parameters<typeof styleText>[0], readonly unknown[]>;

export interface RenderOptions {
  readonly color: boolean;
  /** Paths are shown relative to this directory; the process's working directory by default. */
  readonly cwd?: string;
}

/** The JSON form of one diagnostic (docs/language.md), with `hint` and `related` added when present. */
export interface JsonDiagnostic {
  readonly file: string;
  readonly severity: Diagnostic["severity"];
  readonly code: string;
  readonly message: string;
  readonly range: { readonly start: Position; readonly end: Position };
  readonly hint?: string;
  readonly related?: readonly { file: string; message: string; range: { start: Position; end: Position } }[];
}

/** Caches one line map per file for a batch of diagnostics. */
class Sources {
  private readonly maps = new Map<string, LineMap>();
  constructor(private readonly texts: ReadonlyMap<string, string>) {}
  map(file: string): LineMap {
    let map = this.maps.get(file);
    if (!map) {
      map = new LineMap(this.texts.get(file) ?? "");
      this.maps.set(file, map);
    }
    return map;
  }
  range(location: Location): { start: Position; end: Position } {
    const map = this.map(location.file);
    return { start: map.position(location.span.start), end: map.position(location.span.end) };
  }
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel.startsWith("..") || rel === "" ? file : rel;
}

/**
 * A diagnostic's file as shown: a file's path (absolute in diagnostics) relative to `cwd` when inside it; a
 * name that is not a path, a `--set` argument's own source (`--set data.path="a/../b.csv"`), as it is.
 */
function locationName(file: string, cwd: string): string {
  return isAbsolute(file) ? displayPath(file, cwd) : file;
}

export function toJsonDiagnostics(
  diagnostics: readonly Diagnostic[],
  texts: ReadonlyMap<string, string>,
  cwd = process.cwd(),
): JsonDiagnostic[] {
  const sources = new Sources(texts);
  return diagnostics.map((d) => ({
    file: locationName(d.file, cwd),
    severity: d.severity,
    code: d.code,
    message: d.message,
    range: sources.range(d),
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.related
      ? {
          related: d.related.map((r) => ({
            file: locationName(r.file, cwd),
            message: r.message,
            range: sources.range(r),
          })),
        }
      : {}),
  }));
}

const severityStyle: Record<Diagnostic["severity"], Style> = { error: "red", warning: "yellow", info: "cyan" };

/** Renders diagnostics for a terminal, each followed by a blank line. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  texts: ReadonlyMap<string, string>,
  options: RenderOptions,
): string {
  const sources = new Sources(texts);
  const paint = (style: Style | Style[], text: string) => (options.color ? styleText(style, text) : text);
  const cwd = options.cwd ?? process.cwd();
  const blocks = diagnostics.map((d) => {
    const map = sources.map(d.file);
    const start = map.position(d.span.start);
    const end = map.position(d.span.end);
    const where = `${locationName(d.file, cwd)}:${start.line}:${start.column}`;
    const head = `${paint("bold", where)}: ${paint([severityStyle[d.severity], "bold"], `${d.severity} ${d.code}`)}: ${paint("bold", printable(d.message))}`;
    // A file that could not be read has no line to show.
    if (!texts.has(d.file)) return head;
    // A bidirectional control character would reorder the shown line in the terminal: show it as U+FFFD,
    // one column wide like the character it replaces, so the underline stays under the same text.
    const fullLine = map.lineText(start.line);
    const fullWidth = Math.max(1, (end.line === start.line ? end.column : fullLine.length + 1) - start.column);
    const shown = excerpt(fullLine, start.column - 1, fullWidth);
    const lineText = shown.text.replace(bidiControls, "\uFFFD");
    const gutter = String(start.line).padStart(4);
    const lines = [
      head,
      `${paint("blue", `${gutter} |`)} ${lineText}`,
      `${paint("blue", `${" ".repeat(gutter.length)} |`)} ${" ".repeat(shown.column)}${paint(severityStyle[d.severity], "^".repeat(shown.width))}`,
    ];
    const margin = " ".repeat(gutter.length + 1);
    if (d.hint) lines.push(`${margin}${paint("cyan", "= hint:")} ${printable(d.hint)}`);
    for (const r of d.related ?? []) {
      const at = sources.range(r).start;
      lines.push(
        `${margin}${paint("cyan", "= note:")} ${locationName(r.file, cwd)}:${at.line}:${at.column}: ${printable(r.message)}`,
      );
    }
    return lines.join("\n");
  });
  return blocks.map((b) => `${b}\n`).join("\n");
}

/** Columns of a source line shown around a diagnostic; a longer line is cut to a window around it. */
const shownColumns = 160;

/**
 * The part of `line` shown for a diagnostic at `column` (0-based) over `width` columns: the whole line when it
 * is short, else a window around the column with `…` where it was cut, so that a one-line file of a megabyte
 * does not print a megabyte per diagnostic. `column` and `width` come back adjusted to the window.
 */
function excerpt(line: string, column: number, width: number): { text: string; column: number; width: number } {
  if (line.length <= shownColumns) return { text: line, column, width };
  const from = Math.max(0, Math.min(column - shownColumns / 4, line.length - shownColumns));
  const to = Math.min(line.length, from + shownColumns);
  const before = from > 0 ? "…" : "";
  const text = before + line.slice(from, to) + (to < line.length ? "…" : "");
  const at = column - from + before.length;
  return { text, column: at, width: Math.max(1, Math.min(width, to - column)) };
}

/** "2 errors, 1 warning" */
export function countSummary(diagnostics: readonly Diagnostic[]): string {
  const count = (severity: Diagnostic["severity"]) => diagnostics.filter((d) => d.severity === severity).length;
  const parts = [
    [count("error"), "error"],
    [count("warning"), "warning"],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}${n === 1 ? "" : "s"}`)
    .join(", ");
}
