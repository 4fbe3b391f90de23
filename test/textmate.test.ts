/**
 * The VS Code extension's TextMate grammar (editors/vscode/syntaxes/nn.tmLanguage.json), run by the engine VS
 * Code itself uses: vscode-textmate with the oniguruma wasm. Every token of every example and fixture gets a
 * real scope, the registry's names (layer kinds, activations, paddings, train keys) are highlighted as what they
 * are (scripts/textmate.ts writes those lists into the grammar), and chosen tokens of the examples get the expected
 * scopes.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import type { IGrammar, StateStack } from "vscode-textmate";
import vsctm from "vscode-textmate";
import oniguruma from "vscode-oniguruma";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { activations, schemas } from "../src/compiler/registry/layers/entry-parts.js";
import { layerNames } from "../src/compiler/registry/layers/index.js";
import { trainKeys } from "../src/compiler/registry/train-keys.js";
import { grammarWithRegistryNames } from "../scripts/textmate.js";

const root = join(import.meta.dirname, "..");
const grammarPath = join(root, "editors/vscode/syntaxes/nn.tmLanguage.json");
const highlightFixture = join(root, "test/fixtures/textmate/highlight.nn");

interface Token {
  readonly line: number;
  readonly text: string;
  readonly scopes: readonly string[];
}

let grammar: IGrammar;

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.nn" ? vsctm.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath) : null,
  });
  const loaded = await registry.loadGrammar("source.nn");
  if (!loaded) throw new Error("source.nn did not load");
  grammar = loaded;
});

/** Tokenizes a whole text line by line, carrying the rule stack as an editor does. Lines are 1-based. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let stack: StateStack = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((lineText, index) => {
    const result = grammar.tokenizeLine(lineText, stack);
    for (const token of result.tokens) {
      const text = lineText.slice(token.startIndex, token.endIndex);
      if (text.trim() !== "") tokens.push({ line: index + 1, text, scopes: token.scopes });
    }
    stack = result.ruleStack;
  });
  return tokens;
}

/** The innermost scope: what a theme colours the token by. */
const innermost = (token: Token) => token.scopes[token.scopes.length - 1]!;

/** The scopes of the `nth` token (0-based) whose text is exactly `text`; fails when there is none. */
function scopesOf(tokens: readonly Token[], text: string, nth = 0): readonly string[] {
  const found = tokens.filter((t) => t.text === text)[nth];
  if (!found) throw new Error(`no token ${JSON.stringify(text)} (#${nth}) in ${tokens.map((t) => t.text).join(" ")}`);
  return found.scopes;
}

/** The innermost scope of `text` written as the only statement of a model. */
function scopeInModel(line: string, text: string): string {
  const tokens = tokenize(`model M {\n  input x: [4]\n${line}\n}`);
  const scopes = scopesOf(tokens, text);
  return scopes[scopes.length - 1]!;
}

function nnFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".nn"))
    .map((f) => join(dir, f));
}

const sources = [...nnFiles(join(root, "examples")), ...nnFiles(join(root, "test/fixtures"))];

describe("every token gets a scope", () => {
  it("finds the examples and fixtures", () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it.each(sources.map((f) => [relative(root, f), f]))("%s", (_name, file) => {
    const unscoped = tokenize(readFileSync(file, "utf8"))
      .filter((t) => innermost(t) === "source.nn" || innermost(t).startsWith("meta."))
      .map((t) => `${t.line}: ${t.text}`);
    expect(unscoped).toEqual([]);
  });

  it("marks no character of a valid file as invalid", () => {
    const valid = [...nnFiles(join(root, "examples")), highlightFixture];
    const invalid = valid.flatMap((file) =>
      tokenize(readFileSync(file, "utf8"))
        .filter((t) => innermost(t).startsWith("invalid."))
        .map((t) => `${relative(root, file)}:${t.line}: ${t.text}`),
    );
    expect(invalid).toEqual([]);
  });
});

describe("tokens of the examples", () => {
  it("mnist_convnet.nn", () => {
    const tokens = tokenize(readFileSync(join(root, "examples/mnist_convnet.nn"), "utf8"));
    expect(scopesOf(tokens, "//")).toContain("punctuation.definition.comment.nn");
    expect(scopesOf(tokens, ' The Keras "Simple MNIST convnet" example: 34,826 parameters.')).toContain(
      "comment.line.double-slash.nn",
    );
    expect(scopesOf(tokens, "model")).toContain("keyword.declaration.model.nn");
    expect(scopesOf(tokens, "MnistConvnet")).toContain("entity.name.type.model.nn");
    expect(scopesOf(tokens, "input")).toContain("keyword.other.input.nn");
    expect(scopesOf(tokens, "image")).toContain("variable.other.tensor.nn");
    expect(scopesOf(tokens, "28")).toContain("constant.numeric.integer.nn");
    expect(scopesOf(tokens, "conv2d")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "conv2d", 1)).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "max_pooling2d")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "flatten")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "dropout")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "dense")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "kernel_size")).toContain("variable.parameter.argument.nn");
    expect(scopesOf(tokens, "activation")).toContain("variable.parameter.argument.nn");
    expect(scopesOf(tokens, "relu")).toContain("support.constant.activation.nn");
    expect(scopesOf(tokens, "softmax")).toContain("support.constant.activation.nn");
    expect(scopesOf(tokens, "0.5")).toContain("constant.numeric.float.nn");
    expect(scopesOf(tokens, "{")).toContain("punctuation.section.block.begin.nn");
  });

  it("vgg16.nn", () => {
    const tokens = tokenize(readFileSync(join(root, "examples/vgg16.nn"), "utf8"));
    expect(scopesOf(tokens, "block")).toContain("keyword.declaration.block.nn");
    expect(scopesOf(tokens, "vgg_stage")).toContain("entity.name.function.block.nn");
    expect(scopesOf(tokens, "filters")).toContain("variable.parameter.nn");
    expect(scopesOf(tokens, "x")).toContain("variable.parameter.nn");
    expect(scopesOf(tokens, "repeat")).toContain("keyword.control.repeat.nn");
    expect(scopesOf(tokens, "return")).toContain("keyword.control.return.nn");
    expect(scopesOf(tokens, "max_pooling2d")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "strides")).toContain("variable.parameter.argument.nn");
    expect(scopesOf(tokens, "same")).toContain("support.constant.padding.nn");
    expect(scopesOf(tokens, "vgg_stage", 1)).toContain("entity.name.function.call.nn");
    expect(scopesOf(tokens, " 112x112x64")).toContain("comment.line.double-slash.nn");
    expect(scopesOf(tokens, "4096")).toContain("constant.numeric.integer.nn");
    expect(scopesOf(tokens, "fc1")).toContain("string.quoted.double.nn");
    expect(scopesOf(tokens, '"')).toContain("punctuation.definition.string.begin.nn");
  });

  it("a fixture with every kind of token", () => {
    const text = readFileSync(highlightFixture, "utf8");
    expect(checkFile(highlightFixture).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const tokens = tokenize(text);
    // Block comments span lines; strings keep their escapes.
    expect(scopesOf(tokens, "/*")).toContain("punctuation.definition.comment.begin.nn");
    expect(scopesOf(tokens, "   test/textmate.test.ts looks up tokens of this file by text. ")).toContain(
      "comment.block.nn",
    );
    expect(scopesOf(tokens, "import")).toContain("keyword.control.import.nn");
    expect(scopesOf(tokens, "residual")).toContain("entity.name.function.block.nn");
    expect(scopesOf(tokens, "from")).toContain("keyword.control.from.nn");
    expect(scopesOf(tokens, "../check/lib/residual.nn")).toContain("string.quoted.double.nn");
    expect(scopesOf(tokens, '\\"')).toEqual(
      expect.arrayContaining(["string.quoted.double.nn", "constant.character.escape.nn"]),
    );
    expect(scopesOf(tokens, "\\\\")).toContain("constant.character.escape.nn");
    // Block headers: parameters, defaults.
    expect(scopesOf(tokens, "units")).toContain("variable.parameter.nn");
    expect(scopesOf(tokens, "act")).toContain("variable.parameter.nn");
    expect(scopesOf(tokens, "relu")).toContain("support.constant.activation.nn");
    expect(scopesOf(tokens, "act", 1)).toContain("variable.other.nn");
    // Numbers, dtypes, unknown dimensions.
    expect(scopesOf(tokens, "5_000")).toContain("constant.numeric.integer.nn");
    expect(scopesOf(tokens, "5_000_000")).toContain("constant.numeric.integer.nn");
    expect(scopesOf(tokens, ".25")).toContain("constant.numeric.float.nn");
    expect(scopesOf(tokens, "1e-4")).toContain("constant.numeric.float.nn");
    expect(scopesOf(tokens, "1e-3")).toContain("constant.numeric.float.nn");
    expect(scopesOf(tokens, "int32")).toContain("support.type.dtype.nn");
    expect(scopesOf(tokens, "float32")).toContain("support.type.dtype.nn");
    expect(scopesOf(tokens, "?")).toContain("constant.language.unknown-dimension.nn");
    // Statements and operators.
    expect(scopesOf(tokens, "assert")).toContain("keyword.control.assert.nn");
    expect(scopesOf(tokens, "params")).toContain("support.variable.figure.nn");
    expect(scopesOf(tokens, "<")).toContain("keyword.operator.comparison.nn");
    expect(scopesOf(tokens, "expect")).toContain("keyword.control.assert.nn");
    expect(scopesOf(tokens, "logits", 1)).toContain("variable.other.tensor.nn");
    expect(scopesOf(tokens, "logits")).toContain("variable.other.tensor.nn");
    expect(scopesOf(tokens, "=")).toContain("keyword.operator.assignment.nn");
    expect(scopesOf(tokens, "->")).toContain("keyword.operator.arrow.nn");
    expect(scopesOf(tokens, "*")).toContain("keyword.operator.arithmetic.nn");
    expect(scopesOf(tokens, ";")).toContain("punctuation.terminator.statement.nn");
    expect(scopesOf(tokens, "true")).toContain("constant.language.boolean.true.nn");
    expect(scopesOf(tokens, "false")).toContain("constant.language.boolean.false.nn");
    // A bare layer ending a chain continued on the next line; calls of blocks and objects.
    expect(scopesOf(tokens, "flatten")).toContain("support.function.layer.nn");
    expect(scopesOf(tokens, "head", 1)).toContain("entity.name.function.call.nn");
    expect(scopesOf(tokens, "l2")).toContain("entity.name.function.call.nn");
    expect(scopesOf(tokens, "conv_a")).toContain("string.quoted.double.nn");
    // The train block: keys, calls, symbols.
    expect(scopesOf(tokens, "train")).toContain("keyword.declaration.train.nn");
    expect(scopesOf(tokens, "Images", 1)).toContain("entity.name.type.model.nn");
    expect(scopesOf(tokens, "loss")).toContain("support.type.property-name.train.nn");
    expect(scopesOf(tokens, "categorical_crossentropy")).toContain("constant.other.symbol.nn");
    expect(scopesOf(tokens, "adam")).toContain("support.function.train.nn");
    expect(scopesOf(tokens, "learning_rate")).toContain("variable.parameter.argument.nn");
    expect(scopesOf(tokens, "accuracy")).toContain("constant.other.symbol.nn");
    expect(scopesOf(tokens, "early_stopping")).toContain("support.function.train.nn");
    expect(scopesOf(tokens, "val_loss")).toContain("constant.other.symbol.nn");
    expect(scopesOf(tokens, " held out")).toContain("comment.line.double-slash.nn");
  });
});

describe("the grammar knows the registry", () => {
  it("holds the lists scripts/textmate.ts writes from the registries", () => {
    const text = readFileSync(grammarPath, "utf8");
    expect(grammarWithRegistryNames(text), "run npx tsx scripts/textmate.ts").toBe(text);
    // A name missing from a list is put back, in the registry's order.
    const stale = text.replace("|lstm|", "|");
    expect(stale).not.toBe(text);
    expect(grammarWithRegistryNames(stale)).toBe(text);
  });

  it.each(layerNames())("layer kind %s", (name) => {
    const fix = `add ${name} to repository.layer-names in editors/vscode/syntaxes/nn.tmLanguage.json`;
    expect(scopeInModel(`  ${name}(1)`, name), fix).toBe("support.function.layer.nn");
    expect(scopeInModel(`  h = x -> ${name} -> dense(2)`, name)).toBe("support.function.layer.nn");
    expect(scopeInModel(`  ${name}`, name)).toBe("support.function.layer.nn");
  });

  it.each(Object.keys(activations))("activation %s", (name) => {
    expect(scopeInModel(`  dense(4, activation: ${name})`, name)).toBe("support.constant.activation.nn");
  });

  it.each([...(schemas.padding as { readonly enum: readonly string[] }).enum])("padding %s", (name) => {
    expect(scopeInModel(`  conv2d(4, 3, padding: ${name})`, name)).toBe("support.constant.padding.nn");
  });

  it.each(trainKeys.map((k) => k.name))("train key %s", (key) => {
    const tokens = tokenize(`train M {\n  ${key}: 1\n}`);
    expect(scopesOf(tokens, key)).toContain("support.type.property-name.train.nn");
  });
});

describe("context decides", () => {
  it("a layer name as an argument's value is a symbol, and as a tensor or parameter it is a name", () => {
    expect(scopeInModel("  dense(4, activation: relu)", "relu")).toBe("support.constant.activation.nn");
    expect(scopeInModel("  activation(relu)", "relu")).toBe("support.constant.activation.nn");
    expect(scopeInModel("  dense = x -> relu", "dense")).toBe("variable.other.tensor.nn");
    expect(scopeInModel("  add(dense, x)", "dense")).toBe("variable.other.nn");
  });

  it("keywords are whole words, and assert/expect are keywords only before a name", () => {
    expect(scopeInModel("  embedding(input_dim: 10, output_dim: 4)", "input_dim")).toBe(
      "variable.parameter.argument.nn",
    );
    expect(scopeInModel("  models = x -> dense(2)", "models")).toBe("variable.other.tensor.nn");
    expect(scopeInModel("  expect = x -> dense(2)", "expect")).toBe("variable.other.tensor.nn");
    expect(scopeInModel("  expect params == 1", "expect")).toBe("keyword.control.assert.nn");
    expect(scopeInModel("  expect params == 1", "==")).toBe("keyword.operator.comparison.nn");
    expect(scopeInModel("  assert macs <= 10", "macs")).toBe("support.variable.figure.nn");
  });

  it("layer starts a shared layer's declaration only before a name and =", () => {
    expect(scopeInModel("  layer encoder = tower()", "layer")).toBe("storage.type.layer.nn");
    expect(scopeInModel("  layer encoder = tower()", "encoder")).toBe("entity.name.function.layer.nn");
    expect(scopeInModel("  layer = x -> dense(2)", "layer")).toBe("variable.other.tensor.nn");
    expect(scopeInModel("  bidirectional(layer: lstm(4))", "layer")).toBe("variable.parameter.argument.nn");
  });

  it("an unknown train key is still a key, and characters nnc rejects are invalid", () => {
    expect(scopesOf(tokenize("train M {\n  lossy: mse\n}"), "lossy")).toContain("variable.other.property.train.nn");
    expect(scopeInModel("  dense(4, name: 'fc')", "'")).toBe("invalid.illegal.character.nn");
  });

  it("a model's parameters are parameters, as a block's are, in a header over one line or several", () => {
    const innermostOf = (tokens: Token[], text: string) => scopesOf(tokens, text).at(-1);
    const model = tokenize("model Net(units = 16, rate) {\n  input x: [4]\n  h = x -> dense(units)\n}");
    expect(innermostOf(model, "units")).toBe("variable.parameter.nn");
    expect(innermostOf(model, "rate")).toBe("variable.parameter.nn");
    expect(innermostOf(model, "16")).toBe("constant.numeric.integer.nn");
    expect(innermostOf(model, "h")).toBe("variable.other.tensor.nn");
    const long = tokenize("model Net(\n  units = 16,\n  rate = 0.5\n) {\n  input x: [4]\n}");
    expect(innermostOf(long, "rate")).toBe("variable.parameter.nn");
    expect(innermostOf(long, "input")).toBe("keyword.other.input.nn");
  });

  it("a sweep with its brace on the next line is a sweep", () => {
    const tokens = tokenize("sweep Net // s\n{\n  space: { units: choice([8, 16]) }\n  seed: 1\n}\nmodel M {\n}");
    expect(innermost(tokens.find((t) => t.text === "sweep")!)).toBe("keyword.declaration.sweep.nn");
    expect(innermost(tokens.find((t) => t.text === "Net")!)).toBe("entity.name.type.model.nn");
    expect(innermost(tokens.find((t) => t.text === "seed")!)).toBe("support.type.property-name.sweep.nn");
    expect(innermost(tokens.find((t) => t.text === "units")!)).toBe("variable.other.property.sweep.nn");
    expect(innermost(tokens.find((t) => t.text === "model")!)).toBe("keyword.declaration.model.nn");
  });

  it("a string ends with its line, so one missing quote does not colour the rest of the file", () => {
    const tokens = tokenize('model M {\n  dense(4, name: "fc)\n  flatten()\n}');
    expect(scopesOf(tokens, "flatten")).toContain("support.function.layer.nn");
  });
});

describe("the extension's manifest", () => {
  const extension = join(root, "editors/vscode");
  const manifest = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"));

  it("contributes the nn language with its configuration and this grammar", () => {
    const [language] = manifest.contributes.languages;
    expect(language).toMatchObject({ id: "nn", extensions: [".nn"] });
    const configuration = JSON.parse(readFileSync(join(extension, language.configuration), "utf8"));
    expect(configuration.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    const [contributed] = manifest.contributes.grammars;
    expect(contributed).toMatchObject({ language: "nn", scopeName: "source.nn" });
    expect(join(extension, contributed.path)).toBe(grammarPath);
    expect(manifest.activationEvents).toContain("onLanguage:nn");
    expect(manifest.main).toBe("./out/extension.js");
  });

  it("keeps its dependencies to itself", () => {
    const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(Object.keys(manifest.dependencies)).toEqual(["vscode-languageclient"]);
    expect(rootManifest.dependencies["vscode-languageclient"]).toBeUndefined();
    expect(rootManifest.devDependencies["vscode-languageclient"]).toBeUndefined();
  });
});
