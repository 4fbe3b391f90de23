/**
 * Turns argument values from the syntax tree into plain JSON, remembering where each part was written so a
 * schema error at `/kernel_size/1` can point at that very number.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { Dim, JsonValue } from "../ir/index.js";
import { inexactShape } from "../ir/exact.js";
import { affineOf, dimArithmetic, dimOf } from "../ir/shapes.js";

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
 * Evaluates a value: numbers, strings, booleans, lists, maps (`{ a: 1 }`, an object), `?` (null), names (a parameter's value, or the name
 * itself as a symbol such as `relu`) and arithmetic (`+ - * /`, on decimals too: `1 / 255`; where a whole number
 * is required, the argument's check refuses one that is not: `dense(64 / 3)`). Returns `undefined` after
 * reporting a problem.
 *
 * The tree is walked with an explicit stack, never by recursion: a sum of thousands of terms is a left-deep
 * tree as deep as it is long, and the call stack would overflow on it (docs/security.md).
 */
export function evaluate(value: ast.Value, scope: Scope, file: string, spans: SpanMap, pointer = ""): Evaluated {
  const out: Diagnostic[] = [];
  let result: JsonValue | undefined;
  const stack: Frame[] = [];
  // A value is either a leaf, computed at once, or a frame that waits for its children's values.
  const visit = (node: ast.Value, at: string, into: SpanMap, parent: Frame | undefined) => {
    into.set(at, node.span);
    const leaf = node.recovered ? { value: undefined } : leafValue(node, scope, file, out);
    if (leaf) {
      if (parent) parent.values.push(leaf.value);
      else result = leaf.value;
    } else stack.push({ node: node as Inner, pointer: at, spans: into, values: [], parent });
  };
  visit(value, pointer, spans, undefined);
  while (stack.length > 0) {
    const frame = stack.at(-1)!;
    const children = childrenOf(frame.node);
    const next = frame.values.length;
    if (next < children.length) {
      const child = children[next]!;
      // A list's items keep their own pointers; an operand's spans say nothing a caller could point at.
      if (frame.node.kind === "list") visit(child, `${frame.pointer}/${next}`, frame.spans, frame);
      else if (frame.node.kind === "map")
        visit(child, `${frame.pointer}/${pointerKey(frame.node, next)}`, frame.spans, frame);
      else if (frame.node.kind === "negate") visit(child, frame.pointer, frame.spans, frame);
      else visit(child, frame.pointer, new Map(), frame);
      continue;
    }
    stack.pop();
    const computed = combine(frame, file, out);
    if (frame.parent) frame.parent.values.push(computed);
    else result = computed;
  }
  return { value: result, diagnostics: out };
}

type Inner = ast.ListValue | ast.MapValue | ast.NegateValue | ast.BinaryValue;

/** A map key as a JSON pointer segment (RFC 6901: `~` and `/` escaped), as ajv's `instancePath` writes it. */
function pointerKey(map: ast.MapValue, index: number): string {
  return map.entries[index]!.key.text.replace(/~/g, "~0").replace(/\//g, "~1");
}

interface Frame {
  readonly node: Inner;
  readonly pointer: string;
  readonly spans: SpanMap;
  /** The values of the children evaluated so far, in order. */
  readonly values: (JsonValue | undefined)[];
  readonly parent: Frame | undefined;
}

function childrenOf(node: Inner): readonly ast.Value[] {
  switch (node.kind) {
    case "list":
      return node.items;
    case "map":
      return node.entries.map((entry) => entry.value);
    case "negate":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
  }
}

/** The value of a node without children, wrapped; undefined for a list, a negation or arithmetic. */
function leafValue(
  value: ast.Value,
  scope: Scope,
  file: string,
  out: Diagnostic[],
): { value: JsonValue | undefined } | undefined {
  switch (value.kind) {
    case "number":
      // Written as a whole number but past 2^53: the parser already rounded it, and nnc would count a different one.
      if (value.isInteger && !Number.isSafeInteger(value.value)) {
        out.push(diagnostic("NN3012", { file, span: value.span }, { what: "this number" }));
        return { value: undefined };
      }
      return { value: value.value };
    case "string":
    case "bool":
      return { value: value.value };
    case "unknown":
      return { value: null };
    case "call": {
      if (value.args !== null) {
        out.push(
          diagnostic(
            "NN2019",
            { file, span: value.span },
            { problem: `a call to '${value.callee.text}' is not allowed here` },
          ),
        );
        return { value: undefined };
      }
      return { value: scope.lookup(value.callee.text) ?? value.callee.text };
    }
    default:
      return undefined;
  }
}

/** A list, a negation or arithmetic, once its children are known. */
function combine(frame: Frame, file: string, out: Diagnostic[]): JsonValue | undefined {
  const { node, values } = frame;
  // Arithmetic reports at the whole expression, as a list item reports at itself.
  if (node.kind !== "list" && node.kind !== "map") frame.spans.set(frame.pointer, node.span);
  switch (node.kind) {
    case "list":
      return values.every((v) => v !== undefined) ? (values as JsonValue[]) : undefined;
    case "map":
      if (!values.every((v) => v !== undefined)) return undefined;
      return Object.fromEntries(node.entries.map((entry, i) => [entry.key.text, values[i] as JsonValue]));
    case "negate":
      return arithmetic(node, values[0], -1, "*", file, out);
    case "binary":
      if (values[0] === undefined || values[1] === undefined) return undefined;
      return arithmetic(node, values[0], values[1], node.op, file, out);
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
  const result = numeric(left, right, op, node, file, out);
  // `1e308 * 10` is Infinity, which JSON (and so every argument check) would see as null.
  if (result !== undefined && !Number.isFinite(result)) {
    out.push(diagnostic("NN2019", { file, span: node.span }, { problem: "the result is too large to be a number" }));
    return undefined;
  }
  // Whole numbers stay exact or are refused: a product past 2^53 would be silently rounded.
  const whole = Number.isInteger(left) && Number.isInteger(right) && Number.isInteger(result);
  if (result !== undefined && whole && !Number.isSafeInteger(result)) {
    out.push(diagnostic("NN3012", { file, span: node.span }, { what: "the result of this arithmetic" }));
    return undefined;
  }
  return result;
}

function numeric(
  left: number,
  right: number,
  op: ast.BinaryValue["op"],
  node: ast.Value,
  file: string,
  out: Diagnostic[],
): number | undefined {
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
      // A quotient with a remainder is a decimal (`1 / 255`): an argument that takes a whole number refuses it.
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
  const isSize = (v: JsonValue) => typeof v === "number" || (typeof v === "string" && isSymbolicSize(v));
  if (!isSize(left) || !isSize(right)) {
    out.push(
      diagnostic("NN2019", { file, span: node.span }, { problem: "arithmetic needs numbers or sizes on both sides" }),
    );
    return undefined;
  }
  const result = dimArithmetic(left as Dim, right as Dim, op);
  if ("value" in result && inexactShape([result.value])) {
    out.push(diagnostic("NN3012", { file, span: node.span }, { what: "a number in the result of this arithmetic" }));
    return undefined;
  }
  if ("value" in result) return result.value;
  out.push(diagnostic("NN2019", { file, span: node.span }, { problem: result.problem }));
  return undefined;
}

/** A name, or the canonical text of arithmetic over names (`2 * seq`, `-seq + 1`, see shapes.ts). */
function isSymbolicSize(text: string): boolean {
  const form = affineOf(text)!;
  const named = form.terms.every(([symbol]) => /^[A-Za-z_]\w*$/.test(symbol) || symbol.startsWith("floor("));
  return named && dimOf(form) === text;
}
