/**
 * Document symbols: models (with their tensors, as the binder found them), blocks, train blocks and sweeps, for
 * the outline.
 */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type * as ast from "../compiler/syntax/ast.js";
import type { BodyBinding, FileBinding } from "../compiler/bind/index.js";
import { blockSignature } from "./callables.js";
import { toRange } from "./convert.js";

export function documentSymbols(binding: FileBinding, text: string): DocumentSymbol[] {
  const { source } = binding;
  const symbol = (
    name: string,
    kind: SymbolKind,
    whole: ast.Span,
    at: ast.Span,
    detail?: string,
    children?: DocumentSymbol[],
  ): DocumentSymbol => ({
    name: name || "(unnamed)",
    kind,
    range: toRange(text, whole),
    selectionRange: toRange(text, at),
    ...(detail ? { detail } : {}),
    ...(children ? { children } : {}),
  });
  const result: DocumentSymbol[] = [];
  for (const decl of source.declarations) {
    switch (decl.kind) {
      case "model": {
        const children = bindings(binding.body(decl)).map((b) =>
          symbol(b.name.text, SymbolKind.Variable, b.span, b.name.span, b.detail),
        );
        result.push(symbol(decl.name.text, SymbolKind.Class, decl.span, decl.name.span, "model", children));
        break;
      }
      case "block":
        result.push(symbol(decl.name.text, SymbolKind.Function, decl.span, decl.name.span, blockSignature(decl)));
        break;
      case "train":
      case "sweep":
        result.push(symbol(`${decl.kind} ${decl.model.text}`, SymbolKind.Event, decl.span, decl.model.span, decl.kind));
        break;
      case "import":
        break;
    }
  }
  return result;
}

/** Inputs and named tensors of a body, each binding once, for the outline's second level. */
function bindings(body: BodyBinding): { name: ast.Ident; span: ast.Span; detail: string }[] {
  return body.occurrences.flatMap((o) => {
    const b = o.binding;
    // A definition that made no binding of its own (a duplicate input) is not listed again.
    if (!o.isDefinition || !b || b.name.span !== o.span) return [];
    if (b.input) return [{ name: b.name, span: b.input.span, detail: "input" }];
    if (b.chain) return [{ name: b.name, span: { start: b.name.span.start, end: b.chain.span.end }, detail: "tensor" }];
    return [];
  });
}
