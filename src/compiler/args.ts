/**
 * Argument checking for anything called like a function: layers, blocks' callees, optimizers, data sources.
 * Positional arguments are named by the callee's `positional` order, then the whole object is validated
 * against the callee's JSON Schema with ajv; each ajv error is mapped back to the span of the argument (or
 * the list element) it is about.
 */
import { createRequire } from "node:module";
import type { Ajv, ErrorObject, Options, SchemaObject, ValidateFunction } from "ajv";
import { append } from "./arrays.js";
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic, type Result } from "./diagnostics.js";
import { evaluate, type Scope, type SpanMap } from "./evaluate.js";
import type { JsonValue } from "./ir.js";
import { lookupLayer } from "./layers/index.js";
import { lookupObject, objectNames, type Family } from "./layers/objects.js";
import { precompiledValidators } from "./precompiled-validators.js";
import { didYouMean, suggestion } from "./suggest.js";

/** Anything with named, schema-checked arguments. */
export interface Callable {
  readonly name: string;
  readonly positional: readonly string[];
  readonly schema: SchemaObject;
}

export type ArgValues = { [name: string]: JsonValue };

/**
 * ajv as argument checking uses it; scripts/build.mjs compiles schemas ahead of time with the same setup.
 * Loaded on first use (it is ~40 ms of module loading): a built `nnc` finds every registry schema precompiled,
 * and blocks' schemas are plain enough for `plainObjectValidator`.
 */
export function createAjv(options: Options = {}): Ajv {
  const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    ...options,
  });
  // An annotation, read by `checkArguments`: the argument takes a call of this family (see layers/objects.ts).
  ajv.addKeyword({ keyword: "family", schemaType: "string" });
  return ajv;
}

/** Made on first use: a built `nnc` finds the registry's validators precompiled and may never need it. */
let ajv: Ajv | undefined;
const compiled = new WeakMap<SchemaObject, ValidateFunction>();
/**
 * By content too: a block's schema is a new object on every check (the language server checks on every
 * change), and compiling it again each time would cost more than the check, and grow ajv's own cache.
 */
const compiledByText = new Map<string, ValidateFunction>(precompiledValidators);

/** The schema's precompiled validator, or one made on first use (once per schema text). */
function validatorFor(schema: SchemaObject): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const text = JSON.stringify(schema);
    validate = compiledByText.get(text);
    if (!validate) {
      // Schemas made at run time are blocks' (written by nnc, not by users): checking them against the JSON
      // Schema meta-schema would compile that first, a good part of `nnc check`'s start (tests check them).
      validate = plainObjectValidator(schema) ?? (ajv ??= createAjv({ validateSchema: false })).compile(schema);
      compiledByText.set(text, validate);
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * What ajv would compile for an object schema whose properties say nothing but a default, as blocks' are
 * (`{ type: "object", properties: { units: { default: 64 } }, required: [...], additionalProperties: false }`):
 * defaults filled in (a copy each time), then a `required` error per missing property, in ajv's form. Unknown
 * names never reach validation (`checkArguments` reports them first). Any other schema: undefined.
 */
export function plainObjectValidator(schema: SchemaObject): ValidateFunction | undefined {
  const { type, properties = {}, required = [], additionalProperties, ...rest } = schema;
  const plain =
    type === "object" &&
    additionalProperties === false &&
    Object.keys(rest).length === 0 &&
    Object.values(properties as Record<string, SchemaObject>).every((property) =>
      Object.keys(property).every((key) => key === "default"),
    );
  if (!plain) return undefined;
  const defaults = Object.entries(properties as Record<string, SchemaObject>).filter(([, p]) => "default" in p);
  const validate = ((data: Record<string, unknown>) => {
    for (const [name, property] of defaults) {
      if (data[name] === undefined) data[name] = structuredClone(property["default"]);
    }
    const errors: ErrorObject[] = (required as string[])
      .filter((name) => data[name] === undefined)
      .map((name) => ({
        instancePath: "",
        schemaPath: "#/required",
        keyword: "required",
        params: { missingProperty: name },
        message: `must have required property '${name}'`,
      }));
    validate.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  }) as ValidateFunction;
  return validate;
}

export interface ArgumentSource {
  /** The arguments as written; the leading `skip` positional ones are input tensors, not values. */
  readonly args: readonly ast.Arg[];
  readonly skip?: number;
  /** Where to report a missing argument: the callee's name. */
  readonly calleeSpan: ast.Span;
  /** The callee as written (an alias or a block name), for messages. */
  readonly calleeText: string;
}

/**
 * Binds and validates arguments. Returns the checked values with every default filled in, or `null` when
 * anything was wrong (each problem is a diagnostic).
 */
export function checkArguments(
  callable: Callable,
  source: ArgumentSource,
  scope: Scope,
  file: string,
): Result<ArgValues | null> {
  const diagnostics: Diagnostic[] = [];
  const values: ArgValues = {};
  const spans: SpanMap = new Map();
  const nameSpans = new Map<string, ast.Span>();
  const properties = Object.keys((callable.schema["properties"] as Record<string, unknown> | undefined) ?? {});
  const callee = source.calleeText;
  let positionalIndex = 0;
  let sawNamed = false;
  let evaluationFailed = false;

  for (const arg of source.args.slice(source.skip ?? 0)) {
    if (arg.recovered) {
      evaluationFailed = true;
      continue;
    }
    let name: string;
    if (arg.name) {
      sawNamed = true;
      name = arg.name.text;
      if (!properties.includes(name)) {
        diagnostics.push(
          diagnostic(
            "NN2003",
            { file, span: arg.name.span },
            { name, callee },
            suggestion(name, properties, arg.name.span),
          ),
        );
        continue;
      }
    } else {
      if (sawNamed) {
        diagnostics.push(diagnostic("NN2014", { file, span: arg.span }, {}));
        // Which argument it was meant to be is unclear; validating would call it missing as well.
        evaluationFailed = true;
        continue;
      }
      const positional = callable.positional[positionalIndex++];
      if (positional === undefined) {
        diagnostics.push(
          diagnostic(
            "NN2006",
            { file, span: arg.span },
            { callee, max: callable.positional.length },
            { hint: signatureHint(callable, callee) },
          ),
        );
        continue;
      }
      name = positional;
    }
    if (name in values || nameSpans.has(name)) {
      diagnostics.push(diagnostic("NN2007", { file, span: arg.span }, { name }));
      continue;
    }
    nameSpans.set(name, (arg.name ?? arg.value).span);
    const family = familyOf(callable, name);
    const evaluated =
      family && isCallValue(arg.value, family)
        ? checkNestedCall(family, arg.value, { name, callee }, scope, file, spans, `/${name}`)
        : evaluate(arg.value, scope, file, spans, `/${name}`);
    append(diagnostics, evaluated.diagnostics);
    if (evaluated.value === undefined) evaluationFailed = true;
    else values[name] = evaluated.value;
  }
  // A value that could not be evaluated was reported already; validating without it would call it missing.
  if (evaluationFailed) return { value: null, diagnostics };
  const validate = validatorFor(callable.schema);
  if (!validate(values)) {
    for (const error of pickErrors(validate.errors ?? [])) {
      diagnostics.push(schemaDiagnostic(error, values, spans, source, callable, file));
    }
  }
  return { value: diagnostics.length === 0 ? values : null, diagnostics };
}

/** The family an argument of `callable` takes calls of, from its schema's `family` annotation. */
function familyOf(callable: Callable, name: string): Family | undefined {
  const properties = callable.schema["properties"] as Record<string, SchemaObject | undefined> | undefined;
  return properties?.[name]?.["family"] as Family | undefined;
}

/**
 * A value checked as a call: one with parentheses, or a bare name of a regularizer, constraint or layer
 * (`non_neg`, `flatten`), which means the same call without arguments. A bare initializer name stays the
 * symbol it always was, and a block parameter's name stays that parameter.
 */
function isCallValue(value: ast.Value, family: Family): value is ast.Call {
  if (value.kind !== "call" || value.recovered) return false;
  return value.args !== null || family !== "initializer";
}

/**
 * `l2(1e-4)` as the value of `kernel_regularizer`: looks the callee up in the family and checks its arguments
 * against that member's schema, so errors point into the nested call. The value is `{ call, args }`, `call`
 * being the member's canonical name (an alias resolved).
 */
function checkNestedCall(
  family: Family,
  call: ast.Call,
  at: { name: string; callee: string },
  scope: Scope,
  file: string,
  spans: SpanMap,
  pointer: string,
): { value: JsonValue | undefined; diagnostics: readonly Diagnostic[] } {
  spans.set(pointer, call.span);
  const text = call.callee.text;
  if (call.args === null && scope.lookup(text) !== undefined) return evaluate(call, scope, file, spans, pointer);
  const member: Callable | undefined = family === "layer" ? lookupLayer(text) : lookupObject(family, text);
  const multiInput = family === "layer" && (lookupLayer(text)?.inputs?.min ?? 1) > 1;
  if (!member || multiInput) {
    const names = family === "layer" ? [] : objectNames(family);
    const problem = multiInput
      ? `must be a layer with one input, got ${text}`
      : names.length
        ? `must be one of ${names.join(", ")}, got ${JSON.stringify(text)}`
        : `must be a layer call such as lstm(64), got ${JSON.stringify(text)}`;
    const hint = names.length ? didYouMean(text, names) : undefined;
    return {
      value: undefined,
      diagnostics: [
        diagnostic("NN2005", { file, span: call.callee.span }, { name: at.name, callee: at.callee, problem }, { hint }),
      ],
    };
  }
  const checked = checkArguments(
    member,
    { args: call.args ?? [], calleeSpan: call.callee.span, calleeText: text },
    scope,
    file,
  );
  const value = checked.value && { call: member.name, args: checked.value };
  return { value: value ?? undefined, diagnostics: checked.diagnostics };
}

/** `dense(units, activation: ..., ...)`: how to call it, for hints. */
export function signatureHint(callable: Callable, callee = callable.name): string {
  return `call it as ${callee}(${callable.positional.join(", ")}${callable.positional.length ? ", " : ""}name: value, ...)`;
}

/**
 * ajv reports every failed branch of a `oneOf`; keep one error per value, the most telling one: a bound
 * (`must be >= 1`) over a type mismatch, and a `oneOf`'s own summary over its branches' type errors.
 */
function pickErrors(errors: readonly ErrorObject[]): ErrorObject[] {
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

function schemaDiagnostic(
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
      return params["limit"] === 1 ? "must not be empty" : `must be at least ${String(params["limit"])} characters long`;
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

/** The span of an argument's value, by name or by its positional slot. */
export function argumentSpan(
  call: ast.Call,
  property: string,
  positional: readonly string[],
  tensorArgs: number,
): ast.Span | undefined {
  const args = call.args ?? [];
  const named = args.find((a) => a.name?.text === property);
  if (named) return named.value.span;
  const index = positional.indexOf(property);
  return index >= 0 ? args.filter((a) => !a.name)[tensorArgs + index]?.value.span : undefined;
}
