/**
 * A block called like a layer: its parameters become a Callable, so block calls get the same argument
 * checking as layer calls (positional order, unknown names with did-you-mean, missing ones).
 */
import type { SchemaObject } from "ajv";
import type { Callable } from "./args.js";
import { append } from "../base/arrays.js";
import type { Diagnostic, Result } from "../diagnostics/index.js";
import { emptyScope, evaluate } from "./argument-values.js";
import type { BlockDef } from "../bind/workspace.js";

const callables = new WeakMap<BlockDef, Result<Callable>>();

/** Parameters in declaration order; those without a default are required. Built once per block. */
export function blockCallable(block: BlockDef): Result<Callable> {
  const known = callables.get(block);
  if (known) return known;
  const diagnostics: Diagnostic[] = [];
  const properties: Record<string, SchemaObject> = {};
  const required: string[] = [];
  for (const param of block.decl.params) {
    if (!param.defaultValue) {
      required.push(param.name.text);
      properties[param.name.text] = {};
      continue;
    }
    const evaluated = evaluate(param.defaultValue, emptyScope, block.file, new Map());
    append(diagnostics, evaluated.diagnostics);
    properties[param.name.text] = evaluated.value === undefined ? {} : { default: evaluated.value };
  }
  const callable: Callable = {
    name: block.decl.name.text,
    positional: block.decl.params.map((p) => p.name.text),
    schema: { type: "object", properties, required, additionalProperties: false },
  };
  // Default-value problems are reported with the first call only.
  const result = { value: callable, diagnostics };
  callables.set(block, { value: callable, diagnostics: [] });
  return result;
}
