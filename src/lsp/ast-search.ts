/** Finding the syntax under a cursor: the calls around an offset, innermost last. */
import type * as ast from "../compiler/syntax/ast.js";

const contains = (span: ast.Span, offset: number) => span.start <= offset && offset <= span.end;

/** Every call whose span holds the offset, outermost first. */
export function callsAt(source: ast.SourceFile, offset: number): ast.Call[] {
  const found: ast.Call[] = [];
  const value = (v: ast.Value): void => {
    if (!contains(v.span, offset)) return;
    if (v.kind === "call") {
      found.push(v);
      for (const arg of v.args ?? []) value(arg.value);
    } else if (v.kind === "list") v.items.forEach(value);
    else if (v.kind === "map") v.entries.forEach((entry) => value(entry.value));
    else if (v.kind === "binary") [v.left, v.right].forEach(value);
    else if (v.kind === "negate") value(v.operand);
  };
  const statements = (body: readonly ast.Statement[]): void => {
    for (const stmt of body) {
      if (!contains(stmt.span, offset)) continue;
      if (stmt.kind === "assign" || stmt.kind === "chainStmt")
        (stmt.kind === "assign" ? stmt.chain : stmt.chain).steps.forEach(value);
      else if (stmt.kind === "return") stmt.value.steps.forEach(value);
      else if (stmt.kind === "repeat") statements(stmt.body);
      else if (stmt.kind === "input") stmt.shape.items.forEach(value);
    }
  };
  for (const decl of source.declarations) {
    if (!contains(decl.span, offset)) continue;
    if (decl.kind === "model" || decl.kind === "block") statements(decl.body);
    if (decl.kind === "block") decl.params.forEach((p) => p.defaultValue && value(p.defaultValue));
    if (decl.kind === "train") decl.entries.forEach((e) => value(e.value));
  }
  return found;
}

/** The named argument whose name holds the offset, with its call. */
export function argumentNameAt(source: ast.SourceFile, offset: number): { call: ast.Call; arg: ast.Arg } | undefined {
  for (const call of callsAt(source, offset).reverse()) {
    const arg = call.args?.find((a) => a.name && contains(a.name.span, offset));
    if (arg) return { call, arg };
  }
  return undefined;
}

/** The declaration holding the offset. */
export function declarationAt(source: ast.SourceFile, offset: number): ast.Declaration | undefined {
  return source.declarations.find((d) => contains(d.span, offset));
}
