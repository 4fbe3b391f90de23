/**
 * A parameter's places in its file beyond the binder's occurrences (its definition and every use in its body):
 * the keys of the file's sweeps whose `space:` sets it (`units`, `"Net.units"`, `"stack.width"`), as
 * resolveOverrideName reads them, for hover, references and rename. Only a model parameter is renamed: a
 * block parameter is also named by the argument names of its calls, in this file and in importers, which the
 * binder does not link.
 */
import type * as ast from "../compiler/syntax/ast.js";
import type { FileBinding, NameSymbol, Occurrence } from "../compiler/bind/index.js";
import { resolveOverrideName } from "../compiler/overrides/resolve-name.js";

/** The model or block a parameter symbol of this file belongs to, or undefined for any other symbol. */
function ownerOfParam(binding: FileBinding, symbol: NameSymbol): ast.ModelDecl | ast.BlockDecl | undefined {
  if (symbol.kind !== "param" || symbol.definition.file !== binding.source.path) return undefined;
  const at = symbol.definition.span.start;
  return binding.source.declarations.find(
    (d): d is ast.ModelDecl | ast.BlockDecl =>
      (d.kind === "model" || d.kind === "block") && d.params.some((p) => p.name.span.start === at),
  );
}

/** The model a parameter symbol belongs to, or undefined for any other symbol (a block's parameter among them). */
export function modelOfParam(binding: FileBinding, symbol: NameSymbol): ast.ModelDecl | undefined {
  const owner = ownerOfParam(binding, symbol);
  return owner?.kind === "model" ? owner : undefined;
}

/**
 * The occurrence under an offset: the binder's, else a parameter named by a sweep's `space:` key there (so
 * hover, references and rename work from the key as from the parameter).
 */
export function occurrenceAt(binding: FileBinding, offset: number): Occurrence | undefined {
  const found = binding.occurrenceAt(offset);
  if (found) return found;
  const { declarations } = binding.source;
  const inSweep = declarations.some((d) => d.kind === "sweep" && d.span.start <= offset && offset <= d.span.end);
  if (!inSweep) return undefined;
  for (const decl of declarations) {
    if (decl.kind !== "model" && decl.kind !== "block") continue;
    for (const occurrence of binding.body(decl).occurrences) {
      if (occurrence.symbol.kind !== "param" || !occurrence.isDefinition) continue;
      const span = spaceKeySpans(binding, occurrence.symbol).find((s) => s.start <= offset && offset <= s.end);
      if (span) return { span, symbol: occurrence.symbol, isDefinition: false };
    }
  }
  return undefined;
}

/**
 * The spans of the parameter's name in the keys of the sweeps' `space:` maps that set it: the whole key when
 * it is a name, the part after the dot inside `"Net.units"`. A model's parameter is set by that model's sweeps,
 * a block's (`"stack.width"`) by any.
 */
export function spaceKeySpans(binding: FileBinding, symbol: NameSymbol): ast.Span[] {
  const owner = ownerOfParam(binding, symbol);
  if (!owner) return [];
  const { source } = binding;
  const canonical = `${owner.name.text}.${symbol.name}`;
  const spans: ast.Span[] = [];
  for (const d of source.declarations) {
    if (d.kind !== "sweep" || (owner.kind === "model" && d.model.text !== owner.name.text)) continue;
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
