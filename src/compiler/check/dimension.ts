/**
 * One entry of a written shape (`input x: [28, 28, 1]`, `expect conv1: [26, 26, 32]`): a positive integer, a
 * symbolic size (a name, or arithmetic over names such as `seq - 2`), or `?`.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Result } from "../diagnostics/index.js";
import { evaluate, type Scope } from "./argument-values.js";
import type { Dim, JsonValue } from "../ir/index.js";
import { provablyNonPositive } from "../ir/shapes.js";

/** The dimension written at `item`, or undefined after reporting why it is not one. */
export function evaluateDimension(item: ast.Value, scope: Scope, file: string): Result<Dim | undefined> {
  const { value, diagnostics } = evaluate(item, scope, file, new Map());
  if (value === undefined) return { value: undefined, diagnostics };
  if (value === null) return { value, diagnostics };
  // A name, or arithmetic over names (`seq - 2`): a symbolic size, unless it can never be positive.
  if (typeof value === "string" && item.kind !== "string" && !provablyNonPositive(value)) return { value, diagnostics };
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return { value, diagnostics };
  if (typeof value === "number" && Number.isInteger(value) && value > 0) {
    return {
      value: undefined,
      diagnostics: [...diagnostics, diagnostic("NN3012", { file, span: item.span }, { what: "this size" })],
    };
  }
  const text = typeof value === "string" && item.kind !== "string" ? value : sourceText(item, value);
  return { value: undefined, diagnostics: [...diagnostics, diagnostic("NN3005", { file, span: item.span }, { text })] };
}

function sourceText(item: ast.Value, value: JsonValue): string {
  return item.kind === "number" || item.kind === "unknown" ? String(value) : JSON.stringify(value);
}
