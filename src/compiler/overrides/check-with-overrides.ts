/**
 * `nnc check FILE --set ...`: the spec checked with its overrides applied, as if the file said so. The edited
 * text is checked under the spec's own path, so imports and data paths resolve as they do for the file. A
 * problem inside an overridden value is reported at its `--set` argument (the pseudo-file `--set units=0`, whose
 * text is the argument); any other is reported in the edited text, on the user's own line.
 */
import { resolve } from "node:path";
import { checkFile, checkSource, type CheckOptions, type CheckResult } from "../index.js";
import { fileSystemHost, type SourceHost } from "../bind/workspace.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics/index.js";
import type { Override } from "./parse-override.js";
import { editText, type EditedText, type OverrideOptions } from "./apply.js";

export interface OverrideCheckOptions extends CheckOptions, OverrideOptions {
  /** Where files are read from; the file system by default. */
  readonly host?: SourceHost;
}

/** Like checkFile (compiler/index.ts), with `overrides` applied to the file's text first. */
export function checkFileWithOverrides(
  path: string,
  overrides: readonly Override[],
  options: OverrideCheckOptions = {},
): CheckResult {
  const host = options.host ?? fileSystemHost;
  const file = resolve(path);
  const text = overrides.length === 0 ? undefined : host.readFile(file);
  if (text === undefined) return checkFile(path, host, options);
  const pseudo = new Map(overrides.map((o) => [o.source, o.source]));
  const edited = editText(text, file, overrides, options);
  if (hasErrors(edited.diagnostics)) {
    const sources = new Map([[file, text], ...pseudo]);
    return { program: null, diagnostics: sortDiagnostics(edited.diagnostics), sources };
  }
  const checked = checkSource(edited.value.text, file, host, options);
  const diagnostics = checked.diagnostics.map((d) => (d.file === file ? atArgument(d, edited.value) : d));
  return {
    program: checked.program,
    diagnostics: sortDiagnostics([...edited.diagnostics, ...diagnostics]),
    sources: new Map([...checked.sources, ...pseudo]),
  };
}

/** A diagnostic whose span lies inside an overridden value, moved onto that value in its `--set` argument. */
function atArgument(d: Diagnostic, edited: EditedText): Diagnostic {
  // The last one placed is the innermost: an override inside an earlier value unplaces that one.
  const inside = [...edited.placed]
    .reverse()
    .find((p) => p.span && d.span.start >= p.span.start && d.span.end <= p.span.end);
  if (!inside?.span) return d;
  const shift = inside.override.valueSpan.start - inside.span.start;
  const span = { start: d.span.start + shift, end: d.span.end + shift };
  // Quick fixes edit the spec's text; moved onto the argument they would edit nothing the editor has.
  const { fixes: _fixes, ...rest } = d;
  return { ...rest, file: inside.override.source, span };
}
