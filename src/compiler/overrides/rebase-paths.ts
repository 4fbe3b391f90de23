/**
 * A spec's text moved to another folder with the same meaning: the relative paths it resolves against its
 * own folder (import sources, the path arguments of data sources and `init: from_run(...)`, a model call's
 * `weights:` run) rewritten against the new one. Absolute paths stay; paths inside a run folder (callbacks'
 * outputs) are not the spec's and stay too. `nnc sweep` writes `best.nn` beside its trials with this.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Span } from "../base/span.js";
import type * as ast from "../syntax/ast.js";
import { parse } from "../syntax/index.js";
import { trainKeys } from "../registry/train-keys.js";
import type { DataSourceKind } from "../registry/data-sources.js";

/**
 * `text`, written at `fromFile`, rewritten to mean the same written at `toFile`. A text that does not parse is
 * returned as it is. An import's `from` is always a file (the language has no packages or search path to name
 * one by), so every relative one is rewritten, as a data source's path is.
 */
export function rebasePaths(text: string, fromFile: string, toFile: string): string {
  const from = dirname(resolve(fromFile));
  const to = dirname(resolve(toFile));
  const parsed = parse(text, fromFile).value;
  const edits: { span: Span; text: string }[] = [];
  const rebase = (value: ast.Value) => {
    if (value.kind === "string" && value.value !== "" && !isAbsolute(value.value))
      edits.push({ span: value.span, text: stringText(rebased(value.value, from, to)) });
    // One path per model input or output: `{ a: "a.npy" }`, or npy's `inputs(a: "a.npy")`.
    if (value.kind === "map") value.entries.forEach((e) => rebase(e.value));
    if (value.kind === "call") (value.args ?? []).forEach((a) => rebase(a.value));
  };
  const models = new Set<string>();
  for (const d of parsed.declarations) {
    if (d.kind === "import") {
      rebase(d.from);
      d.names.forEach((n) => models.add(n.text));
    }
    if (d.kind === "model") models.add(d.name.text);
  }
  for (const d of parsed.declarations) {
    if (d.kind === "train") for (const entry of d.entries) trainPaths(entry).forEach(rebase);
    if (d.kind === "model" || d.kind === "block")
      for (const call of calls(d.body)) if (models.has(call.callee.text)) modelWeights(call).forEach(rebase);
  }
  let result = text;
  for (const edit of edits.sort((a, b) => b.span.start - a.span.start))
    result = result.slice(0, edit.span.start) + edit.text + result.slice(edit.span.end);
  return result;
}

/** The path arguments of a train entry's data source (`data:`, `validation:`, `test:`, `init:`). */
function trainPaths(entry: ast.TrainEntry): ast.Value[] {
  const key = trainKeys.find((k) => k.name === entry.key.text);
  const call = entry.value;
  if (key?.value.kind !== "data source" || call.kind !== "call") return [];
  const kind: DataSourceKind | undefined = Object.hasOwn(key.value.table, call.callee.text)
    ? key.value.table[call.callee.text]
    : undefined;
  if (!kind) return [];
  const args = call.args ?? [];
  const positional = args.filter((a) => a.name === null);
  return kind.paths.flatMap((name) => {
    const named = args.find((a) => a.name?.text === name);
    const value = named?.value ?? positional[kind.positional.indexOf(name)]?.value;
    return value ? [value] : [];
  });
}

/** A model call's `weights:` run (`Base(weights: "runs/Base")`), resolved against the spec's folder. */
function modelWeights(call: ast.Call): ast.Value[] {
  const weights = (call.args ?? []).find((a) => a.name?.text === "weights");
  return weights ? [weights.value] : [];
}

/** Every call in a body, repeats' bodies included. */
function calls(body: readonly ast.Statement[]): ast.Call[] {
  return body.flatMap((s): ast.Call[] => {
    if (s.kind === "repeat") return calls(s.body);
    if (s.kind === "assign" || s.kind === "chainStmt" || s.kind === "return") {
      const chain = s.kind === "assign" ? s.chain : s.kind === "return" ? s.value : s.chain;
      return [...chain.steps];
    }
    if (s.kind === "layer") return [s.call];
    return [];
  });
}

/** `path`, relative to `from`, as a path relative to `to`, written with `/` and keeping a leading `./` if it had one. */
function rebased(path: string, from: string, to: string): string {
  const moved = relative(to, resolve(from, path)).split(sep).join("/") || ".";
  const dotted = path.startsWith("./") && !moved.startsWith("../") && moved !== "." ? `./${moved}` : moved;
  return dotted;
}

/** A string as `.nn` source: quoted, with `"` and `\` escaped. */
function stringText(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}
