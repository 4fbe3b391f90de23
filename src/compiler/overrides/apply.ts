/**
 * Overrides applied as text edits of a spec: each value replacing a span or inserted on the line of what it
 * belongs to. The edits are kept, so that a problem the check finds outside the values is shown at its place
 * in the file as written (original-offsets.ts).
 */
import type { Span } from "../base/span.js";
import { diagnostic, hasErrors, type Diagnostic, type Result } from "../diagnostics/index.js";
import { parse } from "../syntax/index.js";
import type { Override } from "./parse-override.js";
import { resolveOverrideName } from "./resolve-name.js";
import type { TextEdit } from "./original-offsets.js";

export interface OverrideOptions {
  /** The model whose parameters and train block bare names mean (`--model`); default: the file's one train block's. */
  readonly model?: string | undefined;
}

/**
 * The edited text; where each override's value ended up in it (undefined once a later override edited inside
 * it); the edits that made it from the original, in the order applied.
 */
export interface EditedText {
  readonly text: string;
  readonly placed: readonly { readonly override: Override; readonly span: Span | undefined }[];
  readonly edits: readonly TextEdit[];
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
  return editedAtOnce(text, file, overrides, options) ?? editedInTurn(text, file, overrides, options);
}

/**
 * The common case in one parse: every name resolves, none twice, and the edits touch disjoint parts of the
 * text, so no override edits inside another's value (`optimizer=sgd` then `optimizer.momentum=0.9`) and no
 * two insert at one place (the second would need the first's comma). Undefined otherwise: `editedInTurn`
 * then applies them one at a time, re-parsing between, and reports what is wrong. A sweep checks every
 * configuration this way, so it saves a parse per parameter per configuration.
 */
function editedAtOnce(
  text: string,
  file: string,
  overrides: readonly Override[],
  options: OverrideOptions,
): Result<EditedText> | undefined {
  const parsed = parse(text, file);
  if (hasErrors(parsed.diagnostics)) return undefined;
  const edits: { override: Override; from: Span; inserted: string; valueStart: number; canonical: string }[] = [];
  for (const override of overrides) {
    const at = { file: override.source, span: override.nameSpan };
    const resolved = resolveOverrideName(parsed.value, options.model, override.name, at);
    if ("diagnostic" in resolved) return undefined;
    edits.push({ override, canonical: resolved.found.canonical, ...placement(resolved.found.edit, override) });
  }
  if (new Set(edits.map((e) => e.canonical)).size !== edits.length) return undefined;
  const inOrder = [...edits].sort((a, b) => a.from.start - b.from.start);
  if (inOrder.some((e, i) => i > 0 && e.from.start <= inOrder[i - 1]!.from.end)) return undefined;
  let current = "";
  let copied = 0;
  let delta = 0;
  const spans = new Map<Override, Span>();
  for (const e of inOrder) {
    current += text.slice(copied, e.from.start) + e.inserted;
    copied = e.from.end;
    const start = e.valueStart + delta;
    spans.set(e.override, { start, end: start + e.override.value.length });
    delta += e.inserted.length - (e.from.end - e.from.start);
  }
  current += text.slice(copied);
  const placed = edits.map((e) => ({ override: e.override, span: spans.get(e.override) }));
  // Applied from the last to the first, each edit's span is one of the text before it: the original's.
  const applied = [...inOrder].reverse().map((e) => ({ from: e.from, length: e.inserted.length }));
  return { value: { text: current, placed, edits: applied }, diagnostics: [] };
}

type ResolvedEdit = Extract<ReturnType<typeof resolveOverrideName>, { found: unknown }>["found"]["edit"];

/** The span an override's edit replaces, the text put there, and where its value starts (before the edit). */
function placement(edit: ResolvedEdit, override: Override): { from: Span; inserted: string; valueStart: number } {
  if (edit.kind === "replace") return { from: edit.span, inserted: override.value, valueStart: edit.span.start };
  return {
    from: { start: edit.at, end: edit.at },
    inserted: `${edit.before}${override.value}${edit.after}`,
    valueStart: edit.at + edit.before.length,
  };
}

/** The overrides one at a time, the text re-parsed between them; reports problems with names. */
function editedInTurn(
  text: string,
  file: string,
  overrides: readonly Override[],
  options: OverrideOptions,
): Result<EditedText> {
  const diagnostics: Diagnostic[] = [];
  const placed: { override: Override; span: Span | undefined }[] = [];
  const edits: TextEdit[] = [];
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
    const { from, inserted, valueStart } = placement(edit, override);
    current = current.slice(0, from.start) + inserted + current.slice(from.end);
    edits.push({ from, length: inserted.length });
    const delta = inserted.length - (from.end - from.start);
    for (const p of placed) p.span = p.span && moved(p.span, from, delta);
    placed.push({ override, span: { start: valueStart, end: valueStart + override.value.length } });
  }
  return { value: { text: current, placed, edits }, diagnostics };
}

/** A value's span after the text at `edit` changed length by `delta`; undefined when the edit fell inside it. */
function moved(span: Span, edit: Span, delta: number): Span | undefined {
  if (edit.start >= span.end) return span;
  if (edit.end <= span.start) return { start: span.start + delta, end: span.end + delta };
  return undefined;
}
