/**
 * Everything called with arguments, as the language server describes it: layers, blocks, optimizers,
 * schedules, callbacks and data sources, each with its positional order and JSON Schema.
 */
import type { SchemaObject } from "ajv";
import type { Callable } from "../compiler/check/args.js";
import type * as ast from "../compiler/syntax/ast.js";
import { blockCallable } from "../compiler/check/blocks.js";
import type { Namespace } from "../compiler/bind/workspace.js";
import { lookupLayer, type LayerKind } from "../compiler/registry/layers/index.js";
import { dataSources } from "../compiler/registry/data-sources.js";
import { callbacks, optimizers, schedules } from "../compiler/registry/train-options.js";
import { distributions, pruners, samplers } from "../compiler/registry/sweep-keys.js";

export interface Described extends Callable {
  readonly what:
    "layer" | "block" | "optimizer" | "schedule" | "callback" | "data source" | "distribution" | "sampler" | "pruner";
  readonly doc?: string;
  readonly layer?: LayerKind;
}

export function lookupCallable(name: string, namespace: Namespace | undefined): Described | undefined {
  const block = namespace?.get(name);
  if (block) return { ...blockCallable(block).value, what: "block", doc: blockSignature(block.decl) };
  const layer = lookupLayer(name);
  if (layer)
    return {
      name: layer.name,
      positional: layer.positional,
      schema: layer.schema,
      what: "layer",
      doc: layer.doc,
      layer,
    };
  const tables = [
    ["optimizer", optimizers],
    ["schedule", schedules],
    ["callback", callbacks],
    ["data source", dataSources],
    ["distribution", distributions],
    ["sampler", samplers],
    ["pruner", pruners],
  ] as const;
  for (const [what, table] of tables) {
    const found = Object.hasOwn(table, name) ? table[name] : undefined;
    if (found) return { name: found.name, positional: found.positional, schema: found.schema, what };
  }
  return undefined;
}

/** `block residual(filters, strides = 1)(x)` */
export function blockSignature(decl: ast.BlockDecl): string {
  const params = decl.params.map((p) => p.name.text + (p.defaultValue ? " = …" : "")).join(", ");
  return `block ${decl.name.text}(${params})(${decl.inputs.map((i) => i.text).join(", ")})`;
}

export function argumentSchemas(callable: Callable): Record<string, SchemaObject> {
  return (callable.schema["properties"] as Record<string, SchemaObject> | undefined) ?? {};
}

/** `integer >= 1`, `relu | sigmoid | …`, `a positive integer or a list of 2 of them`. */
export function describeType(schema: SchemaObject): string {
  if (Array.isArray(schema["enum"])) return (schema["enum"] as unknown[]).map(String).join(" | ");
  if (typeof schema["description"] === "string") return schema["description"];
  if (schema["const"] !== undefined) return JSON.stringify(schema["const"]);
  const type = schema["type"];
  if (type === "array") {
    const items = schema["items"] as SchemaObject | undefined;
    return `list of ${items ? describeType(items) : "values"}`;
  }
  if (typeof type === "string") {
    const bounds: string[] = [];
    if (schema["minimum"] !== undefined) bounds.push(`>= ${schema["minimum"]}`);
    if (schema["exclusiveMinimum"] !== undefined) bounds.push(`> ${schema["exclusiveMinimum"]}`);
    if (schema["maximum"] !== undefined) bounds.push(`<= ${schema["maximum"]}`);
    if (schema["exclusiveMaximum"] !== undefined) bounds.push(`< ${schema["exclusiveMaximum"]}`);
    return [type === "boolean" ? "true | false" : type, ...bounds].join(" ");
  }
  for (const key of ["oneOf", "anyOf"]) {
    const options = schema[key] as SchemaObject[] | undefined;
    if (options) return options.map(describeType).join(" or ");
  }
  return "any value";
}

/** `name: integer >= 1 = 1`: how an argument is shown in completion, hover and signature help. */
export function describeArgument(
  callable: Callable,
  name: string,
): { type: string; default?: string; required: boolean } {
  const schema = argumentSchemas(callable)[name] ?? {};
  const required = ((callable.schema["required"] as string[] | undefined) ?? []).includes(name);
  return {
    type: describeType(schema),
    required,
    ...(schema["default"] !== undefined ? { default: JSON.stringify(schema["default"]) } : {}),
  };
}

/** The enum values an argument takes (`relu`, `same`, the one `channels_last`), for completion. */
export function enumValues(schema: SchemaObject | undefined): string[] {
  if (!schema) return [];
  if (typeof schema["const"] === "string") return [schema["const"]];
  if (Array.isArray(schema["enum"]))
    return (schema["enum"] as unknown[]).filter((v): v is string => typeof v === "string");
  return ["oneOf", "anyOf"].flatMap((key) => ((schema[key] as SchemaObject[] | undefined) ?? []).flatMap(enumValues));
}
