/**
 * Overrides applied as text edits of a spec: one at a time, the text re-parsed between them, each value
 * replacing a span or inserted on the line of what it belongs to. No line of the file moves, so a problem the
 * check finds elsewhere is shown on the user's own line, with the new value in it.
 */
import type { Span } from "../base/span.js";
import { diagnostic, hasErrors, type Diagnostic, type Result } from "../diagnostics/index.js";
import { parse } from "../syntax/index.js";
import type { Override } from "./parse-override.js";
import { resolveOverrideName } from "./resolve-name.js";

export interface OverrideOptions {
  /** The model whose parameters and train block bare names mean (`--model`); default: the file's one train block's. */
  readonly model?: string | undefined;
}

/** Where each override's value ended up in the edited text; undefined once a later override edited inside it. */
export interface EditedText {
  readonly text: string;
  readonly placed: readonly { readonly override: Override; readonly span: Span | undefined }[];
}

/**
 * The text with every override applied, or (with an error) the text as far as it got. Problems with a name
 * (NN2036-NN2039) are located at the override's argument; a text that does not parse is left as it is, for the
 * check to report.
 */
export function applyOverrides(
  text: string,
  file: string,
  overrides: readonly Override[],
  options: OverrideOptions = {},
): Result<string> {
  const edited = editText(text, file, overrides, options);
  return { value: edited.value.text, diagnostics: edited.diagnostics };
}

/** applyOverrides, keeping where each value went (to report a problem inside a value at its argument). */
export function editText(
  text: string,
  file: string,
  overrides: readonly Override[],
  options: OverrideOptions = {},
): Result<EditedText> {
  const diagnostics: Diagnostic[] = [];
  const placed: { override: Override; span: Span | undefined }[] = [];
  const seen = new Map<string, Override>();
  let current = text;
  for (const override of overrides) {
    const parsed = parse(current, file);
    if (hasErrors(parsed.diagnostics)) break;
    const at = { file: override.source, span: override.nameSpan };
    const resolved = resolveOverrideName(parsed.value, options.model, override.name, at);
    if ("diagnostic" in resolved) {
      diagnostics.push(resolved.diagnostic);
      continue;
    }
    const { canonical, edit } = resolved.found;
    const first = seen.get(canonical);
    if (first) {
      const related = [{ file: first.source, span: first.nameSpan, message: "set first here" }];
      diagnostics.push(diagnostic("NN2038", at, { name: override.name, canonical }, { related }));
      continue;
    }
    seen.set(canonical, override);
    const inserted = edit.kind === "replace" ? override.value : `${edit.before}${override.value}${edit.after}`;
    const from = edit.kind === "replace" ? edit.span : { start: edit.at, end: edit.at };
    const valueStart = from.start + (edit.kind === "replace" ? 0 : edit.before.length);
    current = current.slice(0, from.start) + inserted + current.slice(from.end);
    const delta = inserted.length - (from.end - from.start);
    for (const p of placed) p.span = p.span && moved(p.span, from, delta);
    placed.push({ override, span: { start: valueStart, end: valueStart + override.value.length } });
  }
  return { value: { text: current, placed }, diagnostics };
}

/** A value's span after the text at `edit` changed length by `delta`; undefined when the edit fell inside it. */
function moved(span: Span, edit: Span, delta: number): Span | undefined {
  if (edit.start >= span.end) return span;
  if (edit.end <= span.start) return { start: span.start + delta, end: span.end + delta };
  return undefined;
}
