/**
 * Argument checking for anything called like a function: layers, blocks' callees, optimizers, data sources.
 * Positional arguments are named by the callee's `positional` order, then the whole object is validated
 * against the callee's JSON Schema with ajv; each ajv error is mapped back to the span of the argument (or
 * the list element) it is about.
 */
import { createRequire } from "node:module";
import type { Ajv, ErrorObject, Options, SchemaObject, ValidateFunction } from "ajv";
import { append } from "../base/arrays.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic, type Fix, type Result } from "../diagnostics/index.js";
import { emptyScope, evaluate, type Scope, type SpanMap } from "./argument-values.js";
import type { IrCall, JsonValue } from "../ir/index.js";
import { lookupLayer } from "../registry/layers/index.js";
import { lookupObject, objectNames, type Family } from "../registry/layers/objects.js";
import { precompiledValidator, registeredValidator } from "./precompiled-validators.js";
import { pickErrors, schemaDiagnostic, signatureHint } from "./schema-errors.js";
import { didYouMean, suggestion } from "../diagnostics/suggest.js";

export { signatureHint } from "./schema-errors.js";

import type { Callable } from "../registry/callable.js";

export type { Callable } from "../registry/callable.js";

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
const compiledByText = new Map<string, ValidateFunction>();

/** The schema's precompiled validator, or one made on first use (once per schema text). */
function validatorFor(schema: SchemaObject): ValidateFunction {
  let validate = compiled.get(schema) ?? registeredValidator(schema);
  if (!validate) {
    const text = JSON.stringify(schema);
    validate = compiledByText.get(text) ?? precompiledValidator(text);
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
      // Through JSON, as ajv inlines a default into the code it generates (so -0 becomes 0 in both).
      if (data[name] === undefined) data[name] = JSON.parse(JSON.stringify(property["default"]));
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
  /** The binder reported the argument names the callee does not take (NN2003): they only fail the check here. */
  readonly unknownNamesReported?: boolean;
}

/**
 * A call of a setting's table (`adam(learning_rate: 1e-3)`, `median(warmup: 1)`) whose callee was found as
 * `name`: its arguments checked against the entry, with no names in scope. `{ name, args }`, or null.
 */
export function checkTableCall(callable: Callable, name: string, call: ast.Call, file: string): Result<IrCall | null> {
  const checked = checkArguments(
    callable,
    { args: call.args ?? [], calleeSpan: call.callee.span, calleeText: name },
    emptyScope,
    file,
  );
  return { value: checked.value === null ? null : { name, args: checked.value }, diagnostics: checked.diagnostics };
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
  let unknownName = false;

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
        unknownName = true;
        if (source.unknownNamesReported) continue;
        diagnostics.push(
          diagnostic(
            "NN2003",
            { file, span: arg.name.span },
            { name, callee },
            renamed(callable, name, arg.name.span) ?? suggestion(name, properties, arg.name.span),
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
  return { value: diagnostics.length === 0 && !unknownName ? values : null, diagnostics };
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

/** The hint and fix for an argument written under Keras's name (`image_size:` for `size:`), if it is one. */
function renamed(callable: Callable, name: string, span: ast.Span): { hint: string; fixes: Fix[] } | undefined {
  const own = callable.kerasNames && Object.hasOwn(callable.kerasNames, name) ? callable.kerasNames[name] : undefined;
  if (own === undefined) return undefined;
  return {
    hint: `Keras's '${name}' is '${own}' here`,
    fixes: [{ title: `Change to '${own}'`, edits: [{ span, newText: own }] }],
  };
}
