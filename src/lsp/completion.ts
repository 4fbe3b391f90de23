/**
 * Completion and signature help, from the cursor's context in the text (see cursor.ts) and the registries:
 * layer kinds and blocks where a layer can go, argument names inside a call, enum values after `name:`,
 * tensor names where a chain starts, keys and named values in a `train` block and in a `sweep`.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type SignatureHelp,
  type SignatureInformation,
} from "vscode-languageserver/node";
import type { Callable } from "../compiler/check/args.js";
import { append } from "../compiler/base/arrays.js";
import { hasTrait, layerKinds, lookupLayer } from "../compiler/registry/layers/index.js";
import { trainKeys } from "../compiler/registry/train-keys.js";
import { directions, distributions, sweepKeys } from "../compiler/registry/sweep-keys.js";
import { historyFigures } from "../compiler/check/sweep.js";
import { settableNames } from "../compiler/overrides/resolve-name.js";
import type { Analysis } from "./analysis.js";
import { argumentSchemas, blockSignature, describeArgument, enumValues, lookupCallable } from "./callables.js";
import { cursorAt, type Cursor, type OpenCall } from "./cursor.js";

const keywords = {
  model: ["input", "output", "repeat"],
  block: ["return", "repeat"],
  top: ["model", "block", "train", "sweep", "import"],
};

export function complete(analysis: Analysis, offset: number): CompletionItem[] {
  const cursor = cursorAt(analysis.text, offset);
  const items = completions(analysis, offset, cursor);
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(item.label) ? false : (seen.add(item.label), true)));
}

function completions(analysis: Analysis, offset: number, cursor: Cursor): CompletionItem[] {
  const { namespace } = analysis.semantic;
  if (cursor.declaration === "top") return words(keywords.top, CompletionItemKind.Keyword);
  if (cursor.declaration === "train") return trainCompletions(analysis, cursor);
  if (cursor.declaration === "sweep") return sweepCompletions(analysis, offset, cursor);
  const call = cursor.call;
  if (call) {
    const callable = lookupCallable(call.callee, namespace);
    if (call.argument) {
      const schema = callable ? argumentSchemas(callable)[call.argument] : undefined;
      return [
        ...words(enumValues(schema), CompletionItemKind.EnumMember),
        ...(callable?.what === "block" ? [] : paramNames(analysis, offset)),
      ];
    }
    const items: CompletionItem[] = [];
    if (callable && call.atName) append(items, argumentNames(callable, call));
    // A positional slot may take a tensor (`add(a, b)`) or a nested layer (`bidirectional(lstm(8))`).
    append(append(items, tensors(analysis, offset)), paramNames(analysis, offset));
    if (hasTrait(callable?.layer, "wrapper")) append(items, layers(analysis));
    return items;
  }
  if (cursor.inList) return paramNames(analysis, offset);
  if (cursor.afterArrow) return layers(analysis);
  if (cursor.afterEquals) return [...tensors(analysis, offset), ...layers(analysis)];
  if (cursor.statementStart) {
    return [
      ...layers(analysis),
      ...tensors(analysis, offset),
      ...words(keywords[cursor.declaration], CompletionItemKind.Keyword),
    ];
  }
  return [];
}

function words(names: readonly string[], kind: CompletionItemKind, detail?: string): CompletionItem[] {
  return names.map((label) => ({ label, kind, ...(detail ? { detail } : {}) }));
}

/** Every layer kind and block name, each inserted with its parentheses. */
function layers(analysis: Analysis): CompletionItem[] {
  const items: CompletionItem[] = layerKinds.flatMap((kind) =>
    [kind.name, ...(kind.aliases ?? [])].map((label) => ({
      label,
      kind: CompletionItemKind.Class,
      detail: `${kind.name}(${kind.positional.join(", ")})`,
      documentation: kind.doc,
      insertText: `${label}($0)`,
      insertTextFormat: InsertTextFormat.Snippet,
    })),
  );
  for (const [name, def] of analysis.semantic.namespace) {
    if (!def) continue;
    items.push({
      label: name,
      kind: CompletionItemKind.Function,
      detail: blockSignature(def.decl),
      insertText: `${name}($0)`,
      insertTextFormat: InsertTextFormat.Snippet,
    });
  }
  return items;
}

/** The tensors bound above the cursor in its body, each by its latest binding. */
function tensors(analysis: Analysis, offset: number): CompletionItem[] {
  const body = analysis.semantic.binding.bodyAt(offset);
  return (body?.tensorsBefore(offset) ?? []).map((b) => ({
    label: b.name.text,
    kind: CompletionItemKind.Variable,
    detail: "tensor",
  }));
}

/** The parameters of the block around the cursor. */
function paramNames(analysis: Analysis, offset: number): CompletionItem[] {
  const params = analysis.semantic.binding.bodyAt(offset)?.params ?? [];
  return words([...new Set(params.map((p) => p.name))], CompletionItemKind.Variable, "block parameter");
}

/** `units: integer >= 1` with its default, for the arguments not written yet (by name or by position). */
function argumentNames(callable: Callable, call: OpenCall): CompletionItem[] {
  const positionalWritten = callable.positional.slice(0, call.index - call.named.length);
  const common = ["name", "trainable"];
  return Object.keys(argumentSchemas(callable))
    .filter((name) => !call.named.includes(name) && !positionalWritten.includes(name))
    .map((name, i) => {
      const d = describeArgument(callable, name);
      return {
        label: name,
        kind: CompletionItemKind.Property,
        detail: `${d.type}${d.default ? ` = ${d.default}` : d.required ? " (required)" : ""}`,
        insertText: `${name}: `,
        sortText: String(common.includes(name) ? 900 + i : i).padStart(3, "0"),
      };
    });
}

/** What may follow `KEY:` in a train block, from the key's entry in the table of train keys. */
function trainValueItems(key: string): CompletionItem[] {
  const value = trainKeys.find((k) => k.name === key)?.value;
  if (!value || value.kind === "integer" || value.kind === "fraction" || value.kind === "weights") return [];
  if (value.kind === "boolean") return words(["true", "false"], CompletionItemKind.Keyword);
  if (value.kind === "input") return words(["input"], CompletionItemKind.Keyword);
  if (value.kind === "class weights") return words(["balanced"], CompletionItemKind.Keyword);
  // Names are values; the rest are calls (an optimizer, a data source, a schedule, callbacks).
  const kind =
    value.kind === "name" || value.kind === "names" || value.kind === "per output"
      ? CompletionItemKind.EnumMember
      : CompletionItemKind.Function;
  return words(Object.keys(value.table), kind, key);
}

function trainCompletions(analysis: Analysis, cursor: Cursor): CompletionItem[] {
  const call = cursor.call;
  if (call) {
    const callable = lookupCallable(call.callee, analysis.semantic.namespace);
    if (!callable) return [];
    if (call.argument)
      return words(enumValues(argumentSchemas(callable)[call.argument]), CompletionItemKind.EnumMember);
    return call.atName ? argumentNames(callable, call) : [];
  }
  if (cursor.trainKey) return trainValueItems(cursor.trainKey);
  if (!cursor.statementStart) return [];
  // Required keys first, each with its line from the docs' table.
  return [...trainKeys.filter((k) => k.required), ...trainKeys.filter((k) => !k.required)].map((k) => ({
    label: k.name,
    kind: CompletionItemKind.Field,
    detail: k.required ? "required" : "optional",
    documentation: k.doc,
    insertText: `${k.name}: `,
  }));
}

/**
 * Completion inside a `sweep` declaration, from the table of sweep keys (registry/sweep-keys.ts): the keys and
 * `assert` where a setting starts, the samplers, pruners and objective directions after their key, the
 * distributions after a name in `space: { ... }`, and argument names inside their calls; where a name starts in
 * `space:`, the names it can set (as `--set` can), and in `minimize(`, the figures of the train block's history.
 */
function sweepCompletions(analysis: Analysis, offset: number, cursor: Cursor): CompletionItem[] {
  const call = cursor.call;
  const { source, program } = analysis.semantic;
  // The sweep the cursor is in: the last that starts before it (while it is typed, its span may end early).
  const sweep = source.declarations.filter((d) => d.kind === "sweep" && d.span.start < offset).at(-1);
  const model = sweep?.kind === "sweep" ? sweep.model.text : undefined;
  if (call && (directions as readonly string[]).includes(call.callee)) {
    const train = program.trains.find((t) => t.model === model);
    return call.index === 0 && train ? words(historyFigures(train), CompletionItemKind.EnumMember, "figure") : [];
  }
  if (call) {
    const callable = lookupCallable(call.callee, analysis.semantic.namespace);
    if (!callable || call.argument || !(Object.keys(argumentSchemas(callable)).length > 0)) return [];
    return call.atName ? argumentNames(callable, call) : [];
  }
  if (cursor.inMap) {
    // In `choice([`: a value goes there, not a distribution.
    if (cursor.inList) return [];
    // Where a name starts: what --set can set, a dotted name quoted (`"optimizer.learning_rate": `).
    if (!cursor.trainKey || cursor.statementStart)
      return settableNames(source, model).map((name) => ({
        label: name,
        kind: CompletionItemKind.Property,
        detail: "settable",
        insertText: name.includes(".") ? `"${name}": ` : `${name}: `,
      }));
    return Object.values(distributions).map((d) => ({
      label: d.name,
      kind: CompletionItemKind.Function,
      detail: `${d.name}(${d.positional.join(", ")})`,
      documentation: d.doc,
      insertText: `${d.name}($0)`,
      insertTextFormat: InsertTextFormat.Snippet,
    }));
  }
  if (cursor.trainKey && !cursor.statementStart) {
    const value = sweepKeys.find((k) => k.name === cursor.trainKey)?.value;
    if (value?.kind === "call") return words(Object.keys(value.table), CompletionItemKind.Function, cursor.trainKey);
    if (value?.kind === "objective") return words(directions, CompletionItemKind.Function, "objective");
    return [];
  }
  if (!cursor.statementStart) return [];
  // Required keys first, each with its line from the table.
  const keys = [...sweepKeys.filter((k) => k.required), ...sweepKeys.filter((k) => !k.required)].map((k) => ({
    label: k.name,
    kind: CompletionItemKind.Field,
    detail: k.required ? "required" : "optional",
    documentation: k.doc,
    insertText: `${k.name}: `,
  }));
  return [...keys, ...words(["assert"], CompletionItemKind.Keyword, "a budget: assert params < 1_000_000")];
}

/** Signature help inside a call: positional arguments first, then the named ones with defaults. */
export function signatureHelp(analysis: Analysis, offset: number): SignatureHelp | null {
  const call = cursorAt(analysis.text, offset).call;
  if (!call) return null;
  const callable = lookupCallable(call.callee, analysis.semantic.namespace);
  if (!callable) return null;
  // Positional arguments first; `name` and `trainable`, which every layer takes, last.
  const common = ["name", "trainable"];
  const named = Object.keys(argumentSchemas(callable)).filter((n) => !callable.positional.includes(n));
  const names = [
    ...callable.positional,
    ...named.filter((n) => !common.includes(n)),
    ...named.filter((n) => common.includes(n)),
  ];
  let label = `${call.callee}(`;
  const parameters: SignatureInformation["parameters"] = [];
  names.forEach((name, i) => {
    const d = describeArgument(callable, name);
    const text = callable.positional.includes(name) ? name : `${name}: ${d.default ?? "…"}`;
    if (i > 0) label += ", ";
    parameters.push({ label: [label.length, label.length + text.length], documentation: d.type });
    label += text;
  });
  label += ")";
  // Merge layers take tensors positionally: no argument slot is active then.
  const merge = lookupLayer(call.callee)?.inputs !== undefined;
  const activeParameter =
    call.argument !== undefined
      ? names.indexOf(call.argument)
      : merge || call.index >= callable.positional.length
        ? names.length
        : call.index;
  const doc = callable.doc ?? `${callable.what} ${callable.name}`;
  return { signatures: [{ label, documentation: doc, parameters }], activeSignature: 0, activeParameter };
}
