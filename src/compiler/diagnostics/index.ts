/**
 * Diagnostics, shared by every phase: the Diagnostic type (here), the one catalogue of codes and texts
 * (messages.ts), how they are shown to people and machines (render.ts) and did-you-mean hints (suggest.ts).
 *
 * In: a code, a location and the code's arguments. Out: a Diagnostic (code, severity, message, span, hint,
 * related locations, fixes). Spans are half-open offsets into a file's text; line and column appear only at
 * the edges (terminal output, `--format json`, the language server).
 */
import { append } from "../base/arrays.js";
import type { Span } from "../base/span.js";
import { messages, type Code, type MessageArgs, type Severity } from "./messages.js";
import { groupThousands } from "../base/numbers.js";

export type { Code, Severity };

export interface Location {
  readonly file: string;
  readonly span: Span;
}

export interface Related extends Location {
  readonly message: string;
}

/** A quick fix an editor can apply: text edits in the diagnostic's file. */
export interface Fix {
  readonly title: string;
  readonly edits: readonly { readonly span: Span; readonly newText: string }[];
}

export interface Diagnostic extends Location {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** How to fix it: "did you mean 'activation'?", "add flatten() before dense". */
  readonly hint?: string;
  readonly related?: readonly Related[];
  /** Edits that apply the hint, for editors' quick fixes. */
  readonly fixes?: readonly Fix[];
}

/** Extra, optional parts of a diagnostic. */
export interface DiagnosticExtras {
  readonly hint?: string | undefined;
  readonly related?: readonly Related[];
  readonly fixes?: readonly Fix[] | undefined;
}

/** Builds a diagnostic from the catalogue: the code fixes the severity and the wording. */
export function diagnostic<C extends Code>(
  code: C,
  at: Location,
  args: MessageArgs<C>,
  extras: DiagnosticExtras = {},
): Diagnostic {
  const entry = messages[code];
  const message = (entry.message as (a: MessageArgs<C>) => string)(args);
  return {
    code,
    severity: entry.severity,
    message,
    file: at.file,
    span: at.span,
    ...(extras.hint !== undefined ? { hint: extras.hint } : {}),
    ...(extras.related && extras.related.length > 0 ? { related: extras.related } : {}),
    ...(extras.fixes && extras.fixes.length > 0 ? { fixes: extras.fixes } : {}),
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/**
 * Orders diagnostics by file, then position, so output is stable. Paths compare by code unit, not with
 * localeCompare, whose ICU collator takes tens of milliseconds to set up in a fresh process.
 */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...diagnostics].sort(
    (a, b) => byPath(a.file, b.file) || a.span.start - b.span.start || a.span.end - b.span.end,
  );
}

/**
 * At most `max` diagnostics per file, and one NN1010 counting the rest, where the first of them was: a file of
 * 50,000 bad arguments would otherwise print megabytes, and an editor would draw each one. Errors are kept
 * before warnings, so a file with errors still shows one. `diagnostics` is sorted; so is the result.
 */
export function capPerFile(diagnostics: readonly Diagnostic[], max: number): Diagnostic[] {
  const count = new Map<string, number>();
  for (const d of diagnostics) count.set(d.file, (count.get(d.file) ?? 0) + 1);
  if ([...count.values()].every((n) => n <= max)) return [...diagnostics];
  const result: Diagnostic[] = [];
  for (const [file, n] of count) {
    const own = diagnostics.filter((d) => d.file === file);
    if (n <= max) {
      append(result, own);
      continue;
    }
    const errors = own.filter((d) => d.severity === "error");
    const kept = new Set([...errors, ...own.filter((d) => d.severity !== "error")].slice(0, max));
    const left = own.filter((d) => !kept.has(d));
    const at = left[0]!.span.start;
    const errorsLeft = left.filter((d) => d.severity === "error").length;
    const more = { count: groupThousands(left.length), errors: groupThousands(errorsLeft) };
    append(
      result,
      own.filter((d) => kept.has(d)),
    ).push(diagnostic("NN1010", { file, span: { start: at, end: at } }, more));
  }
  return result;
}

/** The result of every phase: a value (possibly partial) and what was found wrong on the way. */
export interface Result<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

/** Drops repeats of the same problem at the same place, keeping the first. */
export function uniqueDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.span.start}:${d.span.end}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
