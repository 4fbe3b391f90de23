import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CodeAction,
  CompletionItem,
  DocumentSymbol,
  Hover,
  Location,
  SignatureHelp,
  TextEdit,
  WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { apply, cursors, fileUri, LspClient } from "./client.js";

let dir: string;
let client: LspClient;
let version = 1;

const blocks = `block residual(filters, strides = 1)(x) {
  h = x -> conv2d(filters, 3, padding: same) -> relu()
  return add(x, h)
}
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-lsp-"));
  writeFileSync(join(dir, "blocks.nn"), blocks);
  client = new LspClient(dir);
  await client.initialize();
});

afterAll(async () => {
  const code = await client.close();
  expect(code).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a document (a new URI each time) and waits for its first diagnostics. */
async function open(name: string, source: string) {
  const { text, at } = cursors(source);
  const path = join(dir, name);
  const uri = fileUri(path);
  await client.open(uri, text, version++);
  const diagnostics = await client.diagnosticsOf(uri);
  return { uri, path, text, at, diagnostics };
}

describe("nnc lsp --stdio", () => {
  it("announces its capabilities", async () => {
    const other = new LspClient(dir);
    const result = (await other.initialize()) as { capabilities: Record<string, unknown> };
    expect(Object.keys(result.capabilities)).toEqual(
      expect.arrayContaining([
        "hoverProvider",
        "completionProvider",
        "signatureHelpProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentSymbolProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
        "codeActionProvider",
      ]),
    );
    expect(await other.close()).toBe(0);
  });

  it("publishes diagnostics on open and on change, with codes, ranges, hints and fixes", async () => {
    const doc = await open("typo.nn", `model M {\n  input x: [4]\n  dense(10, activaton: relu)\n}\n`);
    expect(doc.diagnostics).toHaveLength(1);
    const [d] = doc.diagnostics;
    expect(d!.code).toBe("NN2003");
    expect(d!.source).toBe("nnc");
    expect(d!.range).toEqual({ start: { line: 2, character: 12 }, end: { line: 2, character: 21 } });
    expect(d!.message).toContain("hint: did you mean 'activation'?");

    const before = client.published(doc.uri);
    await client.change(doc.uri, doc.text.replace("activaton", "activation"), version++);
    expect(await client.diagnosticsOf(doc.uri, before)).toEqual([]);
  });

  it("re-checks an open file when a file it imports changes", async () => {
    const lib = await open("lib.nn", blocks);
    expect(lib.diagnostics).toEqual([]);
    const main = await open(
      "main.nn",
      `import { residual } from "./lib.nn"\nmodel M {\n  input x: [8, 8, 4]\n  residual(4)\n}\n`,
    );
    expect(main.diagnostics).toEqual([]);
    const before = client.published(main.uri);
    await client.change(lib.uri, blocks.replace("block residual", "block resid"), version++);
    const after = await client.diagnosticsOf(main.uri, before);
    expect(after.map((d) => d.code)).toEqual(["NN2011"]);
  });

  it("hovers a layer call, a tensor and an argument name", async () => {
    const doc = await open(
      "hover.nn",
      `model M {\n  input im<|>age: [28, 28, 1]\n  h = image -> con<|>v2d(32, 3, activ<|>ation: relu)\n  h<|> -> flatten()\n}\n`,
    );
    const hover = (i: number) => client.request<Hover | null>("textDocument/hover", doc.uri, doc.at[i]);
    const value = async (i: number) => ((await hover(i))?.contents as { value: string }).value;
    expect(await value(0)).toContain("[28, 28, 1]");
    const layer = await value(1);
    expect(layer).toContain("conv2d");
    expect(layer).toContain("[26, 26, 32]");
    expect(layer).toContain("params: 320");
    expect(layer).toMatch(/MACs: [\d,]+/);
    const argument = await value(2);
    expect(argument).toContain("activation:");
    expect(argument).toContain('= "linear"');
    expect(await value(3)).toContain("[26, 26, 32]");
  });

  it("shows a block call's output shape on hover of the tensor it binds", async () => {
    const doc = await open(
      "hover-block.nn",
      `import { residual } from "./blocks.nn"\nmodel M {\n  input x: [8, 8, 4]\n  y<|> = x -> residual(4)\n}\n`,
    );
    const hover = await client.request<Hover>("textDocument/hover", doc.uri, doc.at[0]);
    expect((hover.contents as { value: string }).value).toContain("[8, 8, 4]");
  });

  it("completes layers, arguments, enum values, tensors and train keys", async () => {
    const doc = await open(
      "complete.nn",
      [
        `import { residual } from "./blocks.nn"`,
        `model M {`,
        `  input x: [28, 28, 1]`,
        `  h = x -> conv2d(32, 3, <|>)`,
        `  h = h -> conv2d(8, 3, padding: <|>)`,
        `  g = <|>`,
        `  <|>`,
        `}`,
        `train M {`,
        `  <|>`,
        `  loss: <|>`,
        `  optimizer: <|>`,
        `}`,
        ``,
      ].join("\n"),
    );
    const labels = async (i: number) =>
      (await client.request<CompletionItem[]>("textDocument/completion", doc.uri, doc.at[i])).map((c) => c.label);
    const args = await client.request<CompletionItem[]>("textDocument/completion", doc.uri, doc.at[0]);
    expect(args.find((c) => c.label === "padding")?.detail).toBe('valid | same = "valid"');
    expect(args.map((c) => c.label)).not.toContain("filters");
    expect(await labels(1)).toEqual(expect.arrayContaining(["valid", "same"]));
    expect(await labels(2)).toEqual(expect.arrayContaining(["x", "h", "dense"]));
    expect(await labels(3)).toEqual(expect.arrayContaining(["dense", "conv2d", "residual", "x", "h", "output"]));
    expect(await labels(4)).toEqual(expect.arrayContaining(["loss", "optimizer", "epochs", "batch_size", "data"]));
    expect(await labels(5)).toEqual(expect.arrayContaining(["categorical_crossentropy", "mse"]));
    expect(await labels(6)).toEqual(expect.arrayContaining(["adam", "sgd"]));
  });

  it("helps with a call's signature", async () => {
    const doc = await open("signature.nn", `model M {\n  input x: [4]\n  dense(<|>10, activation: <|>\n}\n`);
    const help = (i: number) => client.request<SignatureHelp>("textDocument/signatureHelp", doc.uri, doc.at[i]);
    const first = await help(0);
    expect(first.signatures[0]!.label).toMatch(/^dense\(units, activation: "linear", use_bias: true, /);
    expect(first.activeParameter).toBe(0);
    expect((await help(1)).activeParameter).toBe(1);
  });

  it("goes to definitions and finds references of tensors and blocks", async () => {
    const doc = await open(
      "navigate.nn",
      `import { residual } from "./blocks.nn"\nmodel M {\n  input x: [8, 8, 4]\n  h = x -> resid<|>ual(4)\n  h = h<|> -> relu()\n  output h\n}\n`,
    );
    const block = await client.request<Location>("textDocument/definition", doc.uri, doc.at[0]);
    expect(block.uri).toBe(fileUri(join(dir, "blocks.nn")));
    expect(block.range.start).toEqual({ line: 0, character: 6 });
    const tensor = await client.request<Location>("textDocument/definition", doc.uri, doc.at[1]);
    expect(tensor.range.start).toEqual({ line: 3, character: 2 });
    const refs = await client.request<Location[]>("textDocument/references", doc.uri, doc.at[1], {
      context: { includeDeclaration: true },
    });
    expect(refs.map((r) => r.range.start.line).sort()).toEqual([3, 4, 4, 5]);
  });

  it("renames a tensor everywhere it is bound and used", async () => {
    const doc = await open(
      "rename.nn",
      `model M {\n  input x: [4]\n  h<|> = x -> dense(8)\n  h = h -> relu()\n  output h\n}\n`,
    );
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", doc.uri, doc.at[0], { newName: "hidden" });
    expect(apply(doc.text, edit.changes![doc.uri]!)).toBe(
      `model M {\n  input x: [4]\n  hidden = x -> dense(8)\n  hidden = hidden -> relu()\n  output hidden\n}\n`,
    );
  });

  it("formats a document", async () => {
    const doc = await open("format.nn", `model M{\ninput x:[4]\n   dense( 8 ,activation:relu)\n}\n`);
    const edits = await client.request<TextEdit[]>("textDocument/formatting", doc.uri, undefined, {
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(apply(doc.text, edits)).toBe(`model M {\n  input x: [4]\n  dense(8, activation: relu)\n}\n`);
  });

  it("offers quick fixes: a misspelled name, flatten(), a channel axis", async () => {
    const doc = await open(
      "fixes.nn",
      `model A {\n  input x: [4]\n  dense(10, activaton: relu)\n}\nmodel B {\n  input x: [4, 4]\n  repeat_vector(3)\n}\nmodel C {\n  input x: [28, 28]\n  conv2d(8, 3)\n}\n`,
    );
    const fixed: string[] = [];
    for (const diagnostic of doc.diagnostics) {
      const actions = await client.request<CodeAction[]>("textDocument/codeAction", doc.uri, undefined, {
        range: diagnostic.range,
        context: { diagnostics: [diagnostic] },
      });
      expect(actions).toHaveLength(1);
      fixed.push(apply(doc.text, actions[0]!.edit!.changes![doc.uri]!));
    }
    expect(fixed).toHaveLength(3);
    expect(fixed[0]).toContain("dense(10, activation: relu)");
    expect(fixed[1]).toContain("flatten() -> repeat_vector(3)");
    expect(fixed[2]).toContain("reshape([28, 28, 1]) -> conv2d(8, 3)");
  });

  it("lists models, blocks and train blocks as document symbols", async () => {
    const doc = await open(
      "symbols.nn",
      `${blocks}model M {\n  input x: [8, 8, 4]\n  y = residual(4)\n}\ntrain M {\n  loss: mse\n}\n`,
    );
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", doc.uri);
    expect(symbols.map((s) => s.name)).toEqual(["residual", "M", "train M"]);
    expect(symbols[1]!.children!.map((s) => s.name)).toEqual(["x", "y"]);
  });

  it("survives every keystroke of a file typed from scratch", async () => {
    const { text } = cursors(
      `import { residual } from "./blocks.nn"\nmodel M {\n  input x: [8, 8, 4]\n  h = x -> residual(4, strides: 2) -> conv2d(8, [3, 3], padding: same)\n  output h\n}\ntrain M {\n  loss: mse\n  optimizer: adam(1e-3)\n}\n`,
    );
    const uri = fileUri(join(dir, "typed.nn"));
    await client.open(uri, "", version++);
    for (let i = 1; i <= text.length; i += 3) {
      const partial = text.slice(0, i);
      await client.change(uri, partial, version++);
      const lines = partial.split("\n");
      const end = { line: lines.length - 1, character: lines.at(-1)!.length };
      await Promise.all([
        client.request("textDocument/completion", uri, end),
        client.request("textDocument/hover", uri, end),
        client.request("textDocument/signatureHelp", uri, end),
      ]);
    }
    await client.change(uri, text, version++);
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", uri);
    expect(symbols.map((s) => s.name)).toEqual(["M", "train M"]);
    expect(client.logs.filter((l) => l.includes("failed"))).toEqual([]);
  });
});
