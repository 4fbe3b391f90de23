/**
 * A parameter spelled like another name of its body (NN2043). Inside a body a bare name in an argument means
 * the parameter, so `model M(x = 3)` with `input x` or `model M(relu = 3)` with `activation: relu` silently
 * means something else than written, and the errors used to appear at the uses, about the wrong thing. The
 * binder reports the clash once, at the parameter, and leaves the steps that mention the name unchecked.
 */
import type { SchemaObject } from "ajv";
import type { LayerKind } from "../registry/index.js";
import { objectNames, type Family } from "../registry/layers/objects.js";
import type * as ast from "../syntax/ast.js";
import type { BodyDecl } from "./body.js";
import { append } from "../base/arrays.js";

/** The first name each tensor of a body is bound at: a model's inputs, a block's, assignments, shared layers. */
export function boundNames(decl: BodyDecl): Map<string, ast.Ident> {
  const names = new Map<string, ast.Ident>();
  const add = (name: ast.Ident): void => {
    if (name.text !== "_" && !name.recovered && !names.has(name.text)) names.set(name.text, name);
  };
  if (decl.kind === "block") decl.inputs.forEach(add);
  const pending: ast.Statement[] = [...decl.body];
  while (pending.length > 0) {
    const stmt = pending.shift()!;
    if (stmt.kind === "input" || stmt.kind === "layer") add(stmt.name);
    else if (stmt.kind === "assign") stmt.targets.forEach(add);
    // The repeat's statements next, in order (a loop: spreading a long body into unshift overflows the stack).
    else if (stmt.kind === "repeat") for (let i = stmt.body.length - 1; i >= 0; i--) pending.unshift(stmt.body[i]!);
  }
  return names;
}

/** The bare names written anywhere in a call's arguments (`dense(h, activation: relu)`: h, relu). */
export function namesInArguments(call: ast.Call): ast.Ident[] {
  return namesInValues((call.args ?? []).map((arg) => arg.value));
}

/** The bare names written anywhere in values (`units * 2`: units). */
export function namesInValues(values: readonly ast.Value[]): ast.Ident[] {
  const found: ast.Ident[] = [];
  const pending: ast.Value[] = [...values];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (value.kind === "call") {
      if (value.args === null) found.push(value.callee);
      else
        append(
          pending,
          value.args.map((arg) => arg.value),
        );
    } else if (value.kind === "list") append(pending, value.items);
    else if (value.kind === "map")
      append(
        pending,
        value.entries.map((entry) => entry.value),
      );
    else if (value.kind === "binary") pending.push(value.left, value.right);
    else if (value.kind === "negate") pending.push(value.operand);
  }
  return found;
}

/** The symbols an argument of a layer kind takes (`activation`: relu, tanh, ...; `padding`: valid, same). */
export function argumentSymbols(layer: LayerKind, argument: string): Set<string> {
  const properties = (layer.schema["properties"] ?? {}) as Record<string, SchemaObject>;
  const symbols = new Set<string>();
  const pending: unknown[] = [properties[argument]];
  while (pending.length > 0) {
    const schema = pending.pop();
    if (typeof schema !== "object" || schema === null) continue;
    const { enum: values, family } = schema as { enum?: unknown; family?: Family };
    if (Array.isArray(values)) for (const v of values) if (typeof v === "string") symbols.add(v);
    if (family && family !== "layer") for (const name of objectNames(family)) symbols.add(name);
    for (const key of ["anyOf", "oneOf", "allOf", "items"]) {
      const inner = (schema as Record<string, unknown>)[key];
      if (Array.isArray(inner)) append(pending, inner as unknown[]);
      else pending.push(inner);
    }
  }
  return symbols;
}
