/**
 * Turns argument values from the syntax tree into plain JSON, remembering where each part was written so a
 * schema error at `/kernel_size/1` can point at that very number.
 */
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import type { Dim, JsonValue } from "./ir.js";
import { dimArithmetic } from "./shapes.js";

/** JSON pointer (`/kernel_size/1`) -> the span it was written at. */
export type SpanMap = Map<string, ast.Span>;

export interface Scope {
  /** Block parameters and other named values in scope. */
  lookup(name: string): JsonValue | undefined;
}

export const emptyScope: Scope = { lookup: () => undefined };

export interface Evaluated {
  readonly value: JsonValue | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Evaluates a value: numbers, strings, booleans, lists, `?` (null), names (a parameter's value, or the name
 * itself as a symbol such as `relu`) and integer arithmetic. Returns `undefined` after reporting a problem.
 */
export function evaluate(value: ast.Value, scope: Scope, file: string, spans: SpanMap, pointer = ""): Evaluated {
  const diagnostics: Diagnostic[] = [];
  const result = evaluateInto(value, scope, file, spans, pointer, diagnostics);
  return { value: result, diagnostics };
}

function evaluateInto(
  value: ast.Value,
  scope: Scope,
  file: string,
  spans: SpanMap,
  pointer: string,
  out: Diagnostic[],
): JsonValue | undefined {
  spans.set(pointer, value.span);
  if (value.recovered) return undefined;
  switch (value.kind) {
    case "number":
    case "string":
    case "bool":
      return value.value;
    case "unknown":
      return null;
    case "list": {
      const items = value.items.map((item, i) => evaluateInto(item, scope, file, spans, `${pointer}/${i}`, out));
      return items.every((i) => i !== undefined) ? (items as JsonValue[]) : undefined;
    }
    case "call": {
      if (value.args !== null) {
        out.push(diagnostic("NN2019", { file, span: value.span }, { problem: `a call to '${value.callee.text}' is not allowed here` }));
        return undefined;
      }
      return scope.lookup(value.callee.text) ?? value.callee.text;
    }
    case "negate": {
      const operand = evaluateInto(value.operand, scope, file, spans, pointer, out);
      spans.set(pointer, value.span);
      return arithmetic(value, operand, -1, "*", file, out);
    }
    case "binary": {
      const left = evaluateInto(value.left, scope, file, new Map(), pointer, out);
      const right = evaluateInto(value.right, scope, file, new Map(), pointer, out);
      spans.set(pointer, value.span);
      if (left === undefined || right === undefined) return undefined;
      return arithmetic(value, left, right, value.op, file, out);
    }
  }
}

function arithmetic(
  node: ast.Value,
  left: JsonValue | undefined,
  right: JsonValue,
  op: ast.BinaryValue["op"],
  file: string,
  out: Diagnostic[],
): JsonValue | undefined {
  if (left === undefined) return undefined;
  if (typeof left === "string" || typeof right === "string") return symbolic(node, left, right, op, file, out);
  if (typeof left !== "number" || typeof right !== "number") {
    out.push(diagnostic("NN2019", { file, span: node.span }, { problem: "arithmetic needs numbers on both sides" }));
    return undefined;
  }
  switch (op) {
    case "+":
      return left + right;
    case "-":
      return left - right;
    case "*":
      return left * right;
    case "/":
      if (right === 0) {
        out.push(diagnostic("NN2019", { file, span: node.span }, { problem: "division by zero" }));
        return undefined;
      }
      if (Number.isInteger(left) && Number.isInteger(right) && left % right !== 0) {
        out.push(
          diagnostic("NN2019", { file, span: node.span }, { problem: `${left} / ${right} is not a whole number` }),
        );
        return undefined;
      }
      return left / right;
  }
}

/**
 * Arithmetic on a symbolic size (`seq - 2`, `2 * d`): a name that is not a parameter stands for a size, and
 * the result is its canonical affine text (see shapes.ts); what is not affine or not exact is reported.
 */
function symbolic(
  node: ast.Value,
  left: JsonValue,
  right: JsonValue,
  op: ast.BinaryValue["op"],
  file: string,
  out: Diagnostic[],
): JsonValue | undefined {
  const isSize = (v: JsonValue) => typeof v === "number" || (typeof v === "string" && /^[A-Za-z_]/.test(v));
  if (!isSize(left) || !isSize(right)) {
    out.push(diagnostic("NN2019", { file, span: node.span }, { problem: "arithmetic needs numbers or sizes on both sides" }));
    return undefined;
  }
  const result = dimArithmetic(left as Dim, right as Dim, op);
  if ("value" in result) return result.value;
  out.push(diagnostic("NN2019", { file, span: node.span }, { problem: result.problem }));
  return undefined;
}
