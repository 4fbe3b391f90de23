/**
 * The registry owns the facts about layer kinds: outside src/compiler/registry/ no code tells kinds apart by
 * name. A pass that needs to know what a kind is asks for a trait (`hasTrait(kind, "training-only")`), so a
 * new kind with the right traits is linted, completed and hovered like its family. This reads the TypeScript
 * of src/ and of the VS Code extension and fails, naming file:line, on a kind name written as a kind: compared
 * with a `kind`, `name` or `callee` (`layer.kind === "dense"`, `case "lstm":` in a `switch (layer.kind)`), or
 * listed with another kind name (`new Set(["dropout", "gaussian_noise"])`). Activation names such as "relu"
 * and "softmax" are also kinds; as values of an `activation` they are not kinds, and are not compared with a
 * kind or a name, so these rules leave them alone.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { kindsWith, layerKinds, layerNames, traitDocs, type Trait } from "../../src/compiler/registry/index.js";
import { objectNames } from "../../src/compiler/registry/layers/objects.js";
import { trainKeys } from "../../src/compiler/registry/train-keys.js";
import { directions, distributions, sweepKeys } from "../../src/compiler/registry/sweep-keys.js";

const root = join(import.meta.dirname, "..", "..");
const kindNames = new Set(layerNames());

/**
 * Places allowed to name a kind, each with why. A stale entry fails too (see below), so an exception goes
 * with the code it excuses.
 */
const exceptions: readonly { readonly file: string; readonly name: string; readonly reason: string }[] = [];

/** The last name of an expression: `kind` in `layer.kind`, `name` in `callable?.layer?.name`. */
function lastName(node: ts.Expression): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node)) return lastName(node.expression);
  return undefined;
}

/** An expression that holds a layer kind's name, by what it is called. */
const holdsKind = (node: ts.Expression) => ["kind", "name", "callee"].includes(lastName(node) ?? "");

const comparisons = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

const isKindLiteral = (node: ts.Node): node is ts.StringLiteralLike =>
  ts.isStringLiteralLike(node) && kindNames.has(node.text);

interface Found {
  readonly line: number;
  readonly name: string;
}

/** The kind names a TypeScript text writes as kinds, with their 1-based lines. */
function kindNamesIn(text: string, file = "source.ts"): Found[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const visit = (node: ts.Node): void => {
    if (isKindLiteral(node) && writesKind(node)) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, name: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function writesKind(literal: ts.StringLiteralLike): boolean {
  const parent = literal.parent;
  if (ts.isBinaryExpression(parent) && comparisons.has(parent.operatorToken.kind)) {
    return holdsKind(parent.left === literal ? parent.right : parent.left);
  }
  if (ts.isCaseClause(parent)) return holdsKind(parent.parent.parent.expression);
  if (ts.isArrayLiteralExpression(parent)) {
    // A list of kinds, not a list of other words two of which are kind names too (`"minimum"`, `"maximum"` among
    // JSON Schema's keywords).
    const kinds = parent.elements.filter(isKindLiteral).length;
    return kinds >= 2 && 2 * kinds > parent.elements.filter(ts.isStringLiteralLike).length;
  }
  return false;
}

function typescriptFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

const scanned = [...typescriptFiles("src"), ...typescriptFiles("editors/vscode/src")].filter(
  (f) => !f.startsWith(join("src", "compiler", "registry")),
);

describe("no code outside the registry tells layer kinds apart by name", () => {
  const hits = scanned.flatMap((file) =>
    kindNamesIn(readFileSync(join(root, file), "utf8"), file).map((hit) => ({ file, ...hit })),
  );
  const excused = (hit: { file: string; name: string }) =>
    exceptions.some((e) => e.file === hit.file && e.name === hit.name);

  it("reads src/ and the extension", () => {
    expect(scanned.length).toBeGreaterThan(50);
    expect(scanned).toContain(join("src", "compiler", "lint", "index.ts"));
  });

  it("names no kind: a pass asks the registry for a trait (hasTrait, kindsWith)", () => {
    const named = hits.filter((hit) => !excused(hit)).map((hit) => `${hit.file}:${hit.line}: "${hit.name}"`);
    expect(named, "ask for a trait (src/compiler/registry/layers/types.ts) instead").toEqual([]);
  });

  it("keeps no stale exception", () => {
    const stale = exceptions.filter((e) => !hits.some((hit) => hit.file === e.file && hit.name === e.name));
    expect(stale.map((e) => `${e.file}: "${e.name}"`)).toEqual([]);
  });

  it("finds kind names written as kinds, and leaves activation values alone", () => {
    const text = [
      'if (layer.kind === "dense") f();',
      'const recurrent = new Set(["lstm", "gru"]);',
      'switch (layer.kind) { case "softmax": break; }',
      'if (callable?.layer?.name !== "bidirectional") f();',
      'if (activation === "softmax") f();',
      'const act = ["relu"];',
      'switch (attrs.activation) { case "relu": break; }',
      'const words = ["dense", "not a kind"];',
      'const keywords = ["required", "minimum", "maximum", "enum", "type"];',
    ].join("\n");
    expect(kindNamesIn(text)).toEqual([
      { line: 1, name: "dense" },
      { line: 2, name: "lstm" },
      { line: 2, name: "gru" },
      { line: 3, name: "softmax" },
      { line: 4, name: "bidirectional" },
    ]);
  });
});

describe("traits", () => {
  const traits = Object.keys(traitDocs) as Trait[];

  it.each(traits)("%s is set on some kind", (trait) => {
    expect(kindsWith(trait).length).toBeGreaterThan(0);
  });

  it("every trait the lints ask for is one the registry defines and sets", () => {
    const lints = readFileSync(join(root, "src/compiler/lint/index.ts"), "utf8");
    const asked = [...lints.matchAll(/hasTrait\([^)]*?,\s*"([a-z-]+)"\)/g)].map((m) => m[1]!);
    expect(asked.length).toBeGreaterThan(5);
    expect(asked.filter((t) => !traits.includes(t as Trait) || kindsWith(t as Trait).length === 0)).toEqual([]);
  });

  it("every entry lists its traits once each", () => {
    const repeated = layerKinds.filter((kind) => new Set(kind.traits).size !== kind.traits.length);
    expect(repeated.map((kind) => kind.name)).toEqual([]);
  });
});

describe("the docs name only layer kinds that exist", () => {
  const docs = ["README.md", "docs/language.md", "docs/diagnostics.md", "docs/differences.md"];
  const texts = docs.map((doc) => [doc, readFileSync(join(root, doc), "utf8")] as const);
  /** Whatever else a spec can call: objects, train options, blocks the docs declare, and dimension arithmetic. */
  const otherCallables = new Set([
    ...(["regularizer", "initializer", "constraint"] as const).flatMap((family) => objectNames(family)),
    // Every table a train key reads its names from (losses, metrics, optimizers, data sources, from_run, ...).
    ...trainKeys.flatMap((key) => ("table" in key.value ? Object.keys(key.value.table) : [])),
    ...texts.flatMap(([, text]) => [...text.matchAll(/\bblock\s+([a-z_][a-z0-9_]*)\s*\(/g)].map((m) => m[1]!)),
    // Shared layers the docs declare (`layer attend = ...`), then call with their tensors (`attend(query, value)`).
    ...texts.flatMap(([, text]) => [...text.matchAll(/\blayer\s+([a-z_][a-z0-9_]*)\s*=/g)].map((m) => m[1]!)),
    // What a sweep calls: distributions, samplers, pruners and the objective's directions (registry/sweep-keys.ts).
    ...Object.keys(distributions),
    ...sweepKeys.flatMap((key) => ("table" in key.value ? Object.keys(key.value.table) : [])),
    ...directions,
    // npy()'s files per input: `npy(x: inputs(left: "l.npy", right: "r.npy"), y: "y.npy")`.
    "inputs",
    // floor() in a dimension; min and max in the formulas of the schedules' and the layers' docs.
    "floor",
    "min",
    "max",
  ]);

  it("every call in inline code is of a layer kind or another thing a spec can call", () => {
    const unknown = texts.flatMap(([doc, text]) =>
      text.split("\n").flatMap((line, i) =>
        [...line.matchAll(/`([^`]+)`/g)].flatMap((code) =>
          // A method (`model.summary()`, `tf.input(...)`) is not a spec's call.
          [...code[1]!.matchAll(/(?<![.\w])([a-z_][a-z0-9_]*)\(/g)]
            .map((m) => m[1]!)
            .filter((name) => !kindNames.has(name) && !otherCallables.has(name))
            .map((name) => `${doc}:${i + 1}: ${name}(`),
        ),
      ),
    );
    expect(unknown).toEqual([]);
  });
});
