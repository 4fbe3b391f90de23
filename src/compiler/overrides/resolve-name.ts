/**
 * What a `--set` name means in a file, for the model a command trains: a parameter of that model (`units`,
 * `Net.units`), a block parameter's default (`residual.filters`), a train key (`epochs`, `train.epochs`), or a
 * path into a train key's call or map (`optimizer.learning_rate`, `loss_weights.price`). The answer is where
 * the value goes in the text: a span to replace, or a place on the same line to insert it, so that no line of
 * the file moves.
 */
import type { Span } from "../base/span.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic, type Location } from "../diagnostics/index.js";
import { closest } from "../diagnostics/suggest.js";
import { trainKeys, type TrainKey } from "../registry/train-keys.js";
import type { Callable } from "../registry/callable.js";

/** Where a value goes: over `span`, or between `before` and `after` at offset `at`. */
export type OverrideEdit =
  | { readonly kind: "replace"; readonly span: Span }
  | { readonly kind: "insert"; readonly at: number; readonly before: string; readonly after: string };

/** A settable name, found. */
export interface ResolvedName {
  /** The one spelling of what is set (`Net.units`, `residual.filters`, `train.optimizer.learning_rate`). */
  readonly canonical: string;
  readonly edit: OverrideEdit;
}

export type NameResolution = { readonly found: ResolvedName } | { readonly diagnostic: Diagnostic };

/**
 * The model a name without a model is about: `model`, else the model of the file's one train block, else the
 * file's one model (a file of models only, as `nnc summary` reads).
 */
export function trainedModel(source: ast.SourceFile, model: string | undefined): string | undefined {
  if (model !== undefined) return model;
  const trains = source.declarations.filter((d): d is ast.TrainDecl => d.kind === "train");
  if (trains.length === 1) return trains[0]!.model.text;
  const models = source.declarations.filter((d): d is ast.ModelDecl => d.kind === "model");
  return trains.length === 0 && models.length === 1 ? models[0]!.name.text : undefined;
}

/** Who names what is set: a `--set` argument, or a sweep's `space:` key (its problems are worded for it). */
export type Setter = "--set" | "a space key";

/**
 * Resolves `name` in `source` for `model` (undefined: the file's one train block's model). A problem is a
 * diagnostic at `at` (the `--set` argument's name, or a sweep's `space:` key, as `by` says): NN2036 unknown
 * (did-you-mean and the settable names in the hint), NN2037 ambiguous, NN2039 not settable.
 */
export function resolveOverrideName(
  source: ast.SourceFile,
  model: string | undefined,
  name: string,
  at: Location,
  by: Setter = "--set",
): NameResolution {
  const file = new FileNames(source, trainedModel(source, model));
  const parts = name.split(".");
  const head = parts[0]!;
  const unknown = (detail: string, candidates: readonly string[] = file.settable()) => {
    // `learning_rate` for `optimizer.learning_rate`: the last part of a path, when no spelling is close.
    const match = closest(name, candidates) ?? candidates.find((c) => c.endsWith(`.${name}`));
    const list = `names ${by} can set here: ${candidates.join(", ") || "none"}`;
    const hint = match === undefined ? list : `did you mean '${match}'? ${list}`;
    return { diagnostic: diagnostic("NN2036", at, { by, name, detail }, { hint }) };
  };
  const cannot = (reason: string, hint?: string) => ({
    diagnostic: diagnostic("NN2039", at, { by, name, reason }, { hint }),
  });
  const whole = (written: string) =>
    by === "--set" ? `set it whole: --set ${written}=...` : `vary it whole: a space key '${written}'`;
  if (parts.length === 1) {
    const param = file.model?.params.find((p) => p.name.text === name);
    const key = trainKeys.find((k) => k.name === name);
    // Without a train block a train key cannot be set: the name is the parameter's.
    if (param && key && file.train)
      return {
        diagnostic: diagnostic("NN2037", at, { by, name, first: `${file.modelName}.${name}`, second: `train.${name}` }),
      };
    if (param) return modelParam(file.model!, param);
    if (key) return trainPath(file, key, [], cannot, unknown, whole);
    return unknown("no parameter of the trained model and no train key has this name");
  }
  if (head === "train") {
    const key = trainKeys.find((k) => k.name === parts[1]);
    return key
      ? trainPath(file, key, parts.slice(2), cannot, unknown, whole)
      : unknown(`there is no train key '${parts[1]}'`);
  }
  const decl = source.declarations.find(
    (d): d is ast.ModelDecl | ast.BlockDecl => (d.kind === "model" || d.kind === "block") && d.name.text === head,
  );
  const key = trainKeys.find((k) => k.name === head);
  if (decl && key)
    return {
      diagnostic: diagnostic("NN2037", at, {
        by,
        name,
        first: `${head}.${parts[1]} (${decl.kind} ${head})`,
        second: `train.${name}`,
      }),
    };
  if (decl) {
    const param = parts.length === 2 ? decl.params.find((p) => p.name.text === parts[1]) : undefined;
    if (!param) return unknown(`${decl.kind} '${head}' has no parameter '${parts.slice(1).join(".")}'`);
    if (decl.kind === "model") return modelParam(decl, param);
    if (!param.defaultValue)
      return cannot(
        `parameter '${param.name.text}' of block '${head}' has no default value: each call of the block gives it`,
        `give it a default in the block (${param.name.text} = ...), or change the calls`,
      );
    return { found: { canonical: name, edit: { kind: "replace", span: param.defaultValue.span } } };
  }
  if (key) return trainPath(file, key, parts.slice(1), cannot, unknown, whole);
  return unknown("no model, block or train key has this name");
}

/**
 * Every name `--set` and a sweep's `space:` can set in `source` for `model` (undefined: the file's one train
 * block's model): the model's parameters, block parameters with a default, train keys and paths into their
 * calls and maps. The editor offers them as completion.
 */
export function settableNames(source: ast.SourceFile, model: string | undefined): string[] {
  return new FileNames(source, trainedModel(source, model)).settable();
}

/** A model parameter: its default replaced, or (without one, NN2031) given. */
function modelParam(decl: ast.ModelDecl, param: ast.Param): NameResolution {
  const canonical = `${decl.name.text}.${param.name.text}`;
  const edit: OverrideEdit = param.defaultValue
    ? { kind: "replace", span: param.defaultValue.span }
    : { kind: "insert", at: param.name.span.end, before: " = ", after: "" };
  return { found: { canonical, edit } };
}

type Problem = (reason: string, hint?: string) => { diagnostic: Diagnostic };
type Unknown = (detail: string, candidates?: readonly string[]) => { diagnostic: Diagnostic };
/** The hint to set a value whole, worded for who sets it. */
type Whole = (written: string) => string;

/** A train key, or a path (`learning_rate`, `price`) into its value; `path` empty: the whole value. */
function trainPath(
  file: FileNames,
  key: TrainKey,
  path: readonly string[],
  cannot: Problem,
  unknown: Unknown,
  whole: Whole,
): NameResolution {
  const canonical = ["train", key.name, ...path].join(".");
  const train = file.train;
  if (!train) {
    const which =
      file.modelName === undefined
        ? "the file trains no model, or several"
        : `model '${file.modelName}' has no train block`;
    const models = file.trainedModels().join(", ");
    return cannot(
      which,
      `a train key is set for one model: nnc train, sweep, summary and data choose it with --model (trained here: ${models || "none"}); Model.name sets a model parameter`,
    );
  }
  const entry = train.entries.find((e) => e.key.text === key.name);
  if (path.length === 0) {
    if (entry) return { found: { canonical, edit: { kind: "replace", span: entry.value.span } } };
    const brace = braceAfter(file.source, train.model.span.end);
    return { found: { canonical, edit: { kind: "insert", at: brace + 1, before: ` ${key.name}: `, after: ";" } } };
  }
  if (!entry) return cannot(`the train block has no '${key.name}'`, whole(key.name));
  let value: ast.Value = entry.value;
  let callable = callables(key);
  for (const [i, part] of path.entries()) {
    const last = i === path.length - 1;
    const written = path.slice(0, i).reduce((s, p) => `${s}.${p}`, key.name);
    if (value.kind === "call") {
      const kind = callable && Object.hasOwn(callable, value.callee.text) ? callable[value.callee.text] : undefined;
      const properties = Object.keys((kind?.schema["properties"] as object | undefined) ?? {});
      if (kind && !properties.includes(part))
        return unknown(
          `${value.callee.text}() has no argument '${part}'`,
          properties.map((p) => `${written}.${p}`),
        );
      const arg = argumentOf(value, part, kind);
      callable = undefined;
      if (arg) {
        value = arg;
        continue;
      }
      if (!last)
        return cannot(
          `${value.callee.text}() is not given '${part}', so nothing inside it can be set`,
          whole(`${written}.${part}`),
        );
      return { found: { canonical, edit: insertArgument(value, part) } };
    }
    if (value.kind === "map") {
      const item = value.entries.find((e) => e.key.text === part);
      callable = undefined;
      if (item) {
        value = item.value;
        continue;
      }
      if (!last) return cannot(`'${written}' has no entry '${part}'`, whole(`${written}.${part}`));
      return { found: { canonical, edit: insertEntry(value, part) } };
    }
    return cannot(`'${written}' is not a call or a map, so it has no '${part}'`, whole(written));
  }
  return { found: { canonical, edit: { kind: "replace", span: value.span } } };
}

/** The first `{` at or after `from` outside comments: `train Net // {note}` has its block's brace on the next line. */
function braceAfter(source: ast.SourceFile, from: number): number {
  let at = source.text.indexOf("{", from);
  for (;;) {
    const comment = source.comments.find((c) => c.span.start <= at && at < c.span.end);
    if (!comment) return at;
    at = source.text.indexOf("{", comment.span.end);
  }
}

/** The callables a key's value calls (optimizers, data sources, schedules), whose arguments have schemas. */
function callables(key: TrainKey): Readonly<Record<string, Callable>> | undefined {
  const value = key.value;
  return value.kind === "call" || value.kind === "data source" || value.kind === "schedule" ? value.table : undefined;
}

/** An argument's value, by name or by its place in `kind`'s positional order. */
function argumentOf(call: ast.Call, name: string, kind: Callable | undefined): ast.Value | undefined {
  const args = call.args ?? [];
  const named = args.find((a) => a.name?.text === name);
  if (named) return named.value;
  const index = kind ? kind.positional.indexOf(name) : -1;
  return index >= 0 ? args.filter((a) => a.name === null)[index]?.value : undefined;
}

/** A named argument added to a call: `adam` -> `adam(learning_rate: V)`, `adam()`, `adam(1e-3)` -> `adam(1e-3, beta_1: V)`. */
function insertArgument(call: ast.Call, name: string): OverrideEdit {
  const args = call.args;
  if (args === null) return { kind: "insert", at: call.callee.span.end, before: `(${name}: `, after: ")" };
  const last = args.at(-1);
  if (last) return { kind: "insert", at: last.span.end, before: `, ${name}: `, after: "" };
  return { kind: "insert", at: call.span.end - 1, before: `${name}: `, after: "" };
}

/** An entry added to a map: `{ kind: 1 }` -> `{ kind: 1, price: V }`. */
function insertEntry(map: ast.MapValue, key: string): OverrideEdit {
  const written = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
  const last = map.entries.at(-1);
  if (last) return { kind: "insert", at: last.span.end, before: `, ${written}: `, after: "" };
  return { kind: "insert", at: map.span.end - 1, before: `${written}: `, after: "" };
}

/** The declarations a name can reach in one file, for one trained model. */
class FileNames {
  readonly model: ast.ModelDecl | undefined;
  readonly train: ast.TrainDecl | undefined;
  constructor(
    readonly source: ast.SourceFile,
    readonly modelName: string | undefined,
  ) {
    const declarations = source.declarations;
    this.model = declarations.find((d): d is ast.ModelDecl => d.kind === "model" && d.name.text === modelName);
    this.train = declarations.find((d): d is ast.TrainDecl => d.kind === "train" && d.model.text === modelName);
  }

  /** The models the file's train blocks train. */
  trainedModels(): string[] {
    return this.source.declarations.flatMap((d) => (d.kind === "train" ? [d.model.text] : []));
  }

  /** Every name --set can set here, for the hint of an unknown one. */
  settable(): string[] {
    const names = (this.model?.params ?? []).map((p) => p.name.text);
    // Another model's parameters and blocks' defaults, by their qualified names (`A.u` when B is trained).
    for (const d of this.source.declarations)
      if ((d.kind === "model" && d !== this.model) || d.kind === "block")
        for (const p of d.params) if (d.kind === "model" || p.defaultValue) names.push(`${d.name.text}.${p.name.text}`);
    for (const key of trainKeys) {
      names.push(key.name);
      const entry = this.train?.entries.find((e) => e.key.text === key.name);
      const value = entry?.value;
      const table = callables(key);
      if (value?.kind === "call" && table && Object.hasOwn(table, value.callee.text)) {
        const kind = table[value.callee.text]!;
        for (const p of Object.keys((kind.schema["properties"] as object | undefined) ?? {}))
          names.push(`${key.name}.${p}`);
      }
      if (value?.kind === "map") for (const e of value.entries) names.push(`${key.name}.${e.key.text}`);
    }
    return names;
  }
}
