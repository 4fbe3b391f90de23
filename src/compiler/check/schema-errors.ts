/**
 * ajv's errors as NN2004 and NN2005 diagnostics: one error per value (the most telling one), at the span of
 * the argument or list element it is about, in words for every keyword the schemas use ("must be >= 1",
 * "must not be empty"), never ajv's own "must NOT have ..." or "must match pattern ...".
 */
import type { ErrorObject, SchemaObject } from "ajv";
import type { ArgValues, ArgumentSource, Callable } from "./args.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { SpanMap } from "./argument-values.js";
import type { JsonValue } from "../ir/index.js";
import { didYouMean } from "../diagnostics/suggest.js";

/** `dense(units, activation: ..., ...)`: how to call it, for hints. */
export function signatureHint(callable: Callable, callee = callable.name): string {
  return `call it as ${callee}(${callable.positional.join(", ")}${callable.positional.length ? ", " : ""}name: value, ...)`;
}

/**
 * ajv reports every failed branch of a `oneOf`; keep one error per value, the most telling one: a bound
 * (`must be >= 1`) over a type mismatch, and a `oneOf`'s own summary over its branches' type errors.
 */
export function pickErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const rank = (e: ErrorObject) =>
    ["required", "additionalProperties", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"].includes(
      e.keyword,
    )
      ? 0
      : e.keyword === "minItems" || e.keyword === "maxItems"
        ? 1
        : e.keyword === "oneOf" || e.keyword === "anyOf"
          ? 2
          : 3;
  const byPath = new Map<string, ErrorObject>();
  for (const error of errors) {
    const key =
      error.keyword === "required" ? `required:${String(error.params["missingProperty"])}` : error.instancePath;
    const current = byPath.get(key);
    if (!current || rank(error) < rank(current)) byPath.set(key, error);
  }
  // A deeper error (`/kernel_size/1`) explains its parent's `oneOf` failure better than the parent does.
  return [...byPath.values()].filter(
    (e) =>
      !(e.keyword === "oneOf" || e.keyword === "type") ||
      ![...byPath.keys()].some((p) => p !== e.instancePath && p.startsWith(`${e.instancePath}/`)),
  );
}

export function schemaDiagnostic(
  error: ErrorObject,
  values: ArgValues,
  spans: SpanMap,
  source: ArgumentSource,
  callable: Callable,
  file: string,
): Diagnostic {
  const callee = source.calleeText;
  if (error.keyword === "required") {
    const name = String(error.params["missingProperty"]);
    return diagnostic(
      "NN2004",
      { file, span: source.calleeSpan },
      { name, callee },
      { hint: signatureHint(callable, callee) },
    );
  }
  const name = error.instancePath.split("/")[1] ?? "";
  const span = spans.get(error.instancePath) ?? spans.get(`/${name}`) ?? source.calleeSpan;
  const actual = valueAt(values, error.instancePath);
  const shown = actual === undefined ? "" : `, got ${JSON.stringify(actual)}`;
  let problem: string;
  let hint: string | undefined;
  switch (error.keyword) {
    case "enum": {
      const allowed = (error.params["allowedValues"] as unknown[]).map(String);
      problem = `must be one of ${allowed.join(", ")}${shown}`;
      hint = typeof actual === "string" ? didYouMean(actual, allowed) : undefined;
      break;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      problem = `must be ${error.params["comparison"]} ${error.params["limit"]}${shown}`;
      break;
    case "type":
      problem = `must be ${article(String(error.params["type"]))}${shown}`;
      break;
    case "minItems":
    case "maxItems":
      problem = `must have ${error.keyword === "minItems" ? "at least" : "at most"} ${error.params["limit"]} items${shown}`;
      break;
    default:
      problem = `${otherProblem(error, callable.schema)}${shown}`;
  }
  return diagnostic("NN2005", { file, span }, { name, callee, problem }, { hint });
}

/**
 * What a value breaks, for the keywords above's `switch` leaves out, as the end of "argument 'x' of 'y' ...":
 * the schema's own `description` when it has one ("must be a name of letters, ..."), else words for the keyword
 * (ajv's messages read "must NOT have duplicate items", "must match pattern ...").
 */
function otherProblem(error: ErrorObject, schema: SchemaObject): string {
  const description = parentSchemaOf(error, schema)?.["description"];
  if (typeof description === "string") return `must be ${description.replace(/^must be /, "")}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "pattern":
      return `must match the pattern ${String(params["pattern"])}`;
    case "const":
      return `must be ${JSON.stringify(params["allowedValue"])}`;
    case "oneOf":
    case "anyOf":
      return "must take one of the forms this argument allows";
    case "minLength":
      return params["limit"] === 1
        ? "must not be empty"
        : `must be at least ${String(params["limit"])} characters long`;
    case "maxLength":
      return `must be at most ${String(params["limit"])} characters long`;
    case "uniqueItems":
      return `must not hold the same item twice (items ${Number(params["j"]) + 1} and ${Number(params["i"]) + 1} are equal)`;
    case "multipleOf":
      return `must be a multiple of ${String(params["multipleOf"])}`;
    case "additionalProperties":
      return `must not have the entry ${JSON.stringify(params["additionalProperty"])}`;
    case "minProperties":
    case "maxProperties":
      return `must have ${error.keyword === "minProperties" ? "at least" : "at most"} ${String(params["limit"])} entries`;
    case "not":
      return "must not be this value";
    case "format":
      return `must be a valid ${String(params["format"])}`;
    default:
      return error.message?.startsWith("must ") ? error.message : `is invalid (${error.message ?? error.keyword})`;
  }
}

/**
 * The schema holding the keyword that failed, found by the error's `schemaPath` (`#/properties/name/pattern`):
 * ajv gives `parentSchema` only in its verbose mode, which the precompiled validators are not built with.
 */
function parentSchemaOf(error: ErrorObject, schema: SchemaObject): Record<string, unknown> | undefined {
  let current: unknown = schema;
  const parts = error.schemaPath.replace(/^#\/?/, "").split("/").slice(0, -1);
  for (const part of parts) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return current !== null && typeof current === "object" ? (current as Record<string, unknown>) : undefined;
}

function article(type: string): string {
  return (
    {
      integer: "an integer",
      number: "a number",
      string: "a string",
      boolean: "true or false",
      array: "a list",
    }[type] ?? type
  );
}

function valueAt(values: ArgValues, pointer: string): JsonValue | undefined {
  let current: JsonValue | undefined = values;
  for (const part of pointer.split("/").slice(1)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, JsonValue>)[part];
  }
  return current;
}
