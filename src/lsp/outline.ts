/** Document symbols: models (with their inputs), blocks and train blocks, for the outline. */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type * as ast from "../compiler/syntax/ast.js";
import { blockSignature } from "./callables.js";
import { toRange } from "./convert.js";

export function documentSymbols(source: ast.SourceFile, text: string): DocumentSymbol[] {
  const symbol = (name: string, kind: SymbolKind, whole: ast.Span, at: ast.Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => ({
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
        const children = bindings(decl.body).map((b) => symbol(b.name.text, SymbolKind.Variable, b.span, b.name.span, b.detail));
        result.push(symbol(decl.name.text, SymbolKind.Class, decl.span, decl.name.span, "model", children));
        break;
      }
      case "block":
        result.push(symbol(decl.name.text, SymbolKind.Function, decl.span, decl.name.span, blockSignature(decl)));
        break;
      case "train":
        result.push(symbol(`train ${decl.model.text}`, SymbolKind.Event, decl.span, decl.model.span, "train"));
        break;
      case "import":
        break;
    }
  }
  return result;
}

/** Inputs and named tensors of a body, for the outline's second level. */
function bindings(body: readonly ast.Statement[]): { name: ast.Ident; span: ast.Span; detail: string }[] {
  return body.flatMap((stmt) => {
    if (stmt.kind === "input") return [{ name: stmt.name, span: stmt.span, detail: "input" }];
    if (stmt.kind === "assign") return [{ name: stmt.target, span: stmt.span, detail: "tensor" }];
    if (stmt.kind === "repeat") return bindings(stmt.body);
    return [];
  });
}
