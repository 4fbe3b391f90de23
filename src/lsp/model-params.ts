/**
 * A model parameter's places in its file, for references and rename: the binder's occurrences in the model
 * (its definition and every use in the body), and the keys of the file's sweeps of that model whose `space:`
 * sets it (`units`, `"Net.units"`), as resolveOverrideName reads them. A block parameter is also named by the
 * argument names of its calls, in this file and in importers, which the binder does not link: it has none here.
 */
import type * as ast from "../compiler/syntax/ast.js";
import type { FileBinding, NameSymbol, Occurrence } from "../compiler/bind/index.js";
import { resolveOverrideName } from "../compiler/overrides/resolve-name.js";

/** The model a parameter symbol belongs to, or undefined for any other symbol (a block's parameter among them). */
export function modelOfParam(binding: FileBinding, symbol: NameSymbol): ast.ModelDecl | undefined {
  if (symbol.kind !== "param" || symbol.definition.file !== binding.source.path) return undefined;
  const at = symbol.definition.span.start;
  return binding.source.declarations.find(
    (d): d is ast.ModelDecl => d.kind === "model" && d.params.some((p) => p.name.span.start === at),
  );
}

/**
 * The occurrence under an offset: the binder's, else a model parameter named by a sweep's `space:` key there
 * (so hover, references and rename work from the key as from the parameter).
 */
export function occurrenceAt(binding: FileBinding, offset: number): Occurrence | undefined {
  const found = binding.occurrenceAt(offset);
  if (found) return found;
  const sweep = binding.source.declarations.find(
    (d): d is ast.SweepDecl => d.kind === "sweep" && d.span.start <= offset && offset <= d.span.end,
  );
  const model = binding.models.get(sweep?.model.text ?? "");
  if (!sweep || !model) return undefined;
  for (const occurrence of binding.body(model).occurrences) {
    if (occurrence.symbol.kind !== "param" || !occurrence.isDefinition) continue;
    const span = spaceKeySpans(binding, occurrence.symbol).find((s) => s.start <= offset && offset <= s.end);
    if (span) return { span, symbol: occurrence.symbol, isDefinition: false };
  }
  return undefined;
}

/**
 * The spans of the parameter's name in the keys of the sweeps' `space:` maps that set it: the whole key when
 * it is a name, the part after the dot inside `"Net.units"`.
 */
export function spaceKeySpans(binding: FileBinding, symbol: NameSymbol): ast.Span[] {
  const model = modelOfParam(binding, symbol);
  if (!model) return [];
  const { source } = binding;
  const canonical = `${model.name.text}.${symbol.name}`;
  const spans: ast.Span[] = [];
  for (const d of source.declarations) {
    if (d.kind !== "sweep" || d.model.text !== model.name.text) continue;
    const space = d.entries.find((e) => e.key.text === "space")?.value;
    if (space?.kind !== "map") continue;
    for (const { key } of space.entries) {
      const resolved = resolveOverrideName(source, d.model.text, key.text, { file: source.path, span: key.span });
      if (!("found" in resolved) || resolved.found.canonical !== canonical) continue;
      const quoted = source.text[key.span.start] === '"';
      spans.push(quoted ? { start: key.span.end - 1 - symbol.name.length, end: key.span.end - 1 } : key.span);
    }
  }
  return spans;
}
