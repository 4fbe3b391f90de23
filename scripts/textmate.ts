/**
 * Writes the registries' names into the VS Code TextMate grammar (editors/vscode/syntaxes/nn.tmLanguage.json):
 * the layer kinds and their aliases, the activations, the paddings, the train keys and the sweep keys. The grammar's patterns
 * are written by hand; each of the lists below is the one alternation `(a|b|c)` in its pattern, and this
 * script rewrites only that, so the rest of the file stays as written. test/textmate.test.ts fails when the
 * committed grammar differs from what this prints.
 *
 *   npx tsx scripts/textmate.ts    rewrites the grammar in place
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { activations } from "../src/compiler/registry/layers/entry-parts.js";
import { layerKinds, layerNames } from "../src/compiler/registry/layers/index.js";
import { trainKeys } from "../src/compiler/registry/train-keys.js";
import { sweepKeys } from "../src/compiler/registry/sweep-keys.js";

export const grammarPath = join(import.meta.dirname, "..", "editors/vscode/syntaxes/nn.tmLanguage.json");

interface Rule {
  readonly match?: string;
  readonly captures?: Readonly<Record<string, { readonly name?: string }>>;
  readonly patterns?: readonly Rule[];
}

interface Grammar {
  readonly repository: Readonly<Record<string, Rule>>;
}

/** A list of names, where to find it in the grammar, and the names in the order the registry gives them. */
interface NameList {
  readonly what: string;
  readonly rule: (grammar: Grammar) => Rule | undefined;
  readonly names: readonly string[];
}

/** Every kind's `padding` values: `valid` and `same`, and conv1d's `causal`. */
const paddings = new Set(
  layerKinds.flatMap((kind) => {
    const padding = (kind.schema["properties"] as Record<string, { enum?: unknown[] }> | undefined)?.["padding"];
    return (padding?.enum ?? []).filter((value): value is string => typeof value === "string");
  }),
);

/** The rule of `repository[key]`, or the one of its patterns whose first capture is named `scope`. */
function ruleOf(key: string, scope?: string): (grammar: Grammar) => Rule | undefined {
  return (grammar) => {
    const rule = grammar.repository[key];
    return scope === undefined ? rule : rule?.patterns?.find((p) => p.captures?.["1"]?.name === scope);
  };
}

const lists: readonly NameList[] = [
  // Sorted, as a reader scans them; `\b` after the group makes the order irrelevant to matching.
  { what: "layer kinds", rule: ruleOf("layer-names"), names: [...layerNames()].sort() },
  { what: "activations", rule: ruleOf("activation-symbols"), names: Object.keys(activations).sort() },
  { what: "paddings", rule: ruleOf("padding-symbols"), names: [...paddings].sort() },
  // In the order of the train-key table (registry/train-keys.ts).
  {
    what: "train keys",
    rule: ruleOf("train-block", "support.type.property-name.train.nn"),
    names: trainKeys.map((k) => k.name),
  },
  // In the order of the sweep-key table (registry/sweep-keys.ts).
  {
    what: "sweep keys",
    rule: ruleOf("sweep-block", "support.type.property-name.sweep.nn"),
    names: sweepKeys.map((k) => k.name),
  },
];

/** The one group of two or more plain names in a pattern: `(?:a|b)` or `(a|b)`. */
const alternation = /\((\?:)?[a-z0-9_]+(?:\|[a-z0-9_]+)+\)/g;

/**
 * The grammar text with each list's alternation replaced by the registry's names; everything else is kept
 * byte for byte. Throws when the grammar no longer has a list where this expects it (an internal invariant:
 * the grammar and this script are edited together).
 */
export function grammarWithRegistryNames(text: string): string {
  const grammar = JSON.parse(text) as Grammar;
  let out = text;
  for (const list of lists) {
    const match = list.rule(grammar)?.match;
    if (match === undefined) throw new Error(`textmate: no pattern for the ${list.what} in the grammar`);
    const groups = match.match(alternation) ?? [];
    if (groups.length !== 1) throw new Error(`textmate: the ${list.what} pattern needs one (a|b|...) group`);
    const bad = list.names.find((name) => !/^[a-z0-9_]+$/.test(name));
    if (bad !== undefined) throw new Error(`textmate: '${bad}' is not a plain name (${list.what})`);
    const group = groups[0]!;
    const replaced = match.replace(group, `(${group.startsWith("(?:") ? "?:" : ""}${list.names.join("|")})`);
    const encoded = JSON.stringify(match);
    if (out.split(encoded).length !== 2) throw new Error(`textmate: the ${list.what} pattern is not unique`);
    out = out.replace(encoded, () => JSON.stringify(replaced));
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const text = readFileSync(grammarPath, "utf8");
  const generated = grammarWithRegistryNames(text);
  if (generated === text) console.log("nn.tmLanguage.json is up to date");
  else {
    writeFileSync(grammarPath, generated);
    console.log("nn.tmLanguage.json rewritten from the registries");
  }
}
