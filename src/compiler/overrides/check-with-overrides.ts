/**
 * `nnc check FILE --set ...`: the spec checked with its overrides applied, as if the file said so. The edited
 * text is checked under the spec's own path, so imports and data paths resolve as they do for the file. A
 * problem inside an overridden value is reported at its `--set` argument (the pseudo-file `--set units=0`, whose
 * text is the argument); any other is reported in the file as written, at its own line and column.
 */
import { resolve } from "node:path";
import { checkFile, checkSource, type CheckOptions, type CheckResult } from "../index.js";
import { fileSystemHost, type SourceHost } from "../bind/workspace.js";
import { hasErrors, sortDiagnostics, type Diagnostic, type Location } from "../diagnostics/index.js";
import { overrideSources, type Override } from "./parse-override.js";
import { editText, type EditedText, type OverrideOptions } from "./apply.js";
import { originalSpan } from "./original-offsets.js";

export interface OverrideCheckOptions extends CheckOptions, OverrideOptions {
  /** Where files are read from; the file system by default. */
  readonly host?: SourceHost;
}

/**
 * CheckResult, its diagnostics where they are shown (its sources: the file as written and each argument), and
 * `relocate` for a diagnostic made later from the program's locations (which are in the edited text): a
 * sweep's budgets, a command's own errors at a declaration.
 */
export interface OverrideCheckResult extends CheckResult {
  readonly relocate: (d: Diagnostic) => Diagnostic;
}

/** Like checkFile (compiler/index.ts), with `overrides` applied to the file's text first. */
export function checkFileWithOverrides(
  path: string,
  overrides: readonly Override[],
  options: OverrideCheckOptions = {},
): OverrideCheckResult {
  const host = options.host ?? fileSystemHost;
  const file = resolve(path);
  const text = overrides.length === 0 ? undefined : host.readFile(file);
  if (text === undefined) return { ...checkFile(path, host, options), relocate: (d) => d };
  const pseudo = overrideSources(overrides.map((o) => o.argument));
  const edited = editText(text, file, overrides, options);
  const relocate = (d: Diagnostic) => (d.file === file ? relocated(d, edited.value) : d);
  if (hasErrors(edited.diagnostics)) {
    const sources = new Map([[file, text], ...pseudo]);
    return { program: null, diagnostics: sortDiagnostics(edited.diagnostics), sources, relocate };
  }
  const checked = checkSource(edited.value.text, file, host, options);
  return {
    program: checked.program,
    diagnostics: sortDiagnostics([...edited.diagnostics, ...checked.diagnostics.map(relocate)]),
    sources: new Map([...checked.sources, [file, text], ...pseudo]),
    relocate,
  };
}

/**
 * A diagnostic of the edited text where it is shown: inside an overridden value, on that value in its `--set`
 * argument; elsewhere, at the same text in the file as written (its related places in the file too).
 */
function relocated(d: Diagnostic, edited: EditedText): Diagnostic {
  // Quick fixes edit the text they were made for, the edited one, which no editor has.
  const { fixes: _fixes, ...rest } = d;
  // The last one placed is the innermost: an override inside an earlier value unplaces that one.
  const inside = [...edited.placed]
    .reverse()
    .find((p) => p.span && d.span.start >= p.span.start && d.span.end <= p.span.end);
  if (inside?.span) {
    const shift = inside.override.valueSpan.start - inside.span.start;
    const span = { start: d.span.start + shift, end: d.span.end + shift };
    return { ...rest, file: inside.override.source, span };
  }
  const inFile = <L extends Location>(l: L): L =>
    l.file === d.file ? { ...l, span: originalSpan(edited.edits, l.span) } : l;
  return d.related ? { ...inFile(rest), related: d.related.map(inFile) } : inFile(rest);
}
