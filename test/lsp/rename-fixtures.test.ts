/**
 * Rename fixtures, over stdio with the real server: each marks `<|name|>` every place a rename must edit, and
 * the rename started from each of those places must edit exactly them (in every file of the workspace), and
 * leave every file checking as it did. The random cases are test/lsp/rename-property.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TextDocumentEdit, TextEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { checkSource } from "../../src/compiler/index.js";
import type { Span } from "../../src/compiler/syntax/ast.js";
import { marked } from "../helpers/marked.js";
import { apply, fileUri, LspClient, offsetAt, positionAt } from "./client.js";

let root: string;
let client: LspClient;
let fixtures = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "nnc-rename-fixtures-"));
  client = new LspClient(root);
  await client.initialize();
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

/**
 * Renames from every marked place of the files and expects exactly the marked places edited, to `newName`,
 * with each file's diagnostics (codes and lines) unchanged. Returns the renamed texts.
 */
async function expectRename(sources: Record<string, string>, newName: string): Promise<Record<string, string>> {
  const dir = join(root, `f${fixtures++}`);
  mkdirSync(dir);
  const texts: Record<string, string> = {};
  const marks: Record<string, Span[]> = {};
  for (const [name, source] of Object.entries(sources)) {
    const { text, spans } = marked(source);
    texts[name] = text;
    marks[name] = spans;
    writeFileSync(join(dir, name), texts[name]!);
  }
  const expected = Object.entries(marks)
    .flatMap(([name, spans]) => spans.map((s) => `${name}:${s.start}-${s.end}`))
    .sort();
  const renamed: Record<string, string> = { ...texts };
  for (const [name, spans] of Object.entries(marks)) {
    const uri = fileUri(join(dir, name));
    await client.open(uri, texts[name]!);
    for (const span of spans) {
      const at = positionAt(texts[name]!, span.start + 1);
      const where = `from ${name} line ${at.line + 1}`;
      const prepared = await client.request<{ range: unknown } | null>("textDocument/prepareRename", uri, at);
      expect(prepared, where).not.toBeNull();
      const edit = await client.request<WorkspaceEdit | null>("textDocument/rename", uri, at, { newName });
      const byUri: [string, TextEdit[]][] = edit?.documentChanges
        ? (edit.documentChanges as TextDocumentEdit[]).map((c) => [c.textDocument.uri, c.edits as TextEdit[]])
        : Object.entries(edit?.changes ?? {});
      const edited: string[] = [];
      for (const [editedUri, edits] of byUri) {
        const file = Object.keys(texts).find((n) => fileUri(join(dir, n)) === editedUri)!;
        for (const e of edits) {
          expect(e.newText, where).toBe(newName);
          edited.push(`${file}:${offsetAt(texts[file]!, e.range.start)}-${offsetAt(texts[file]!, e.range.end)}`);
        }
        renamed[file] = apply(texts[file]!, edits);
      }
      expect(edited.sort(), where).toEqual(expected);
    }
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }
  const hostOf = (of: Record<string, string>) => ({
    readFile: (path: string) => (path.startsWith(dir) ? of[path.slice(dir.length + 1)] : undefined),
  });
  for (const name of Object.keys(texts)) {
    const codes = (of: Record<string, string>) =>
      checkSource(of[name]!, join(dir, name), hostOf(of)).diagnostics.map(
        (d) => `${d.code} line ${positionAt(of[d.file.slice(dir.length + 1)]!, d.span.start).line + 1}`,
      );
    expect(codes(renamed), `diagnostics of ${name}`).toEqual(codes(texts));
  }
  return renamed;
}

describe("rename fixtures", () => {
  it("renames a tensor's expect and assert subjects with its bindings and uses", async () => {
    const renamed = await expectRename(
      {
        "m.nn": `model M {
  input x: [4]
  <|h|> = x -> dense(8)
  expect <|h|>: [8]
  <|h|> = <|h|> -> relu()
  assert <|h|>: [8]
  assert params < 1_000
  output <|h|>
}
`,
      },
      "hidden",
    );
    // Before the bind phase the subjects kept `h`, and the renamed spec failed with NN2002.
    expect(checkSource(renamed["m.nn"]!, join(root, "m.nn")).diagnostics).toEqual([]);
  });

  it("renames a tensor called params, but not the figure params of an assert or expect", async () => {
    await expectRename(
      {
        "m.nn": `model M {
  input x: [4]
  <|params|> = x -> dense(8)
  expect <|params|>: [8]
  assert params < 1_000
  expect params == 40
  <|params|> = <|params|> -> dropout(0.5)
  output <|params|>
}
`,
      },
      "weights",
    );
  });

  it("does not rename an expect subject that names a layer (name:) above the tensor's binding", async () => {
    await expectRename(
      {
        "m.nn": `model M {
  input x: [4]
  dense(8, name: "h")
  expect h: [8]
  <|h|> = x -> dense(3)
  expect <|h|>: [3]
  output <|h|>
}
`,
      },
      "small",
    );
  });

  it("renames a block's definition, its calls and its imports in another file", async () => {
    await expectRename(
      {
        "lib.nn": `block <|stem|>(width)(x) {
  return x -> dense(width)
}

block tower(width)(x) {
  return x -> <|stem|>(width) -> <|stem|>(width: 2)
}
`,
        "main.nn": `import { <|stem|>, tower } from "./lib.nn"

model M {
  input x: [4]
  h = x -> <|stem|>(3) -> tower(2)
  <|stem|>(width: 5)
  expect h: [2]
}
`,
      },
      "base",
    );
  });

  it("renames a tensor of a block body in that body only", async () => {
    await expectRename(
      {
        "m.nn": `block stem(width)(x) {
  <|h|> = x -> dense(width)
  <|h|> = <|h|> -> relu()
  return <|h|>
}

model M {
  input x: [4]
  h = x -> stem(3)
  h = h -> stem(2)
  expect h: [2]
  output h
}
`,
      },
      "inner",
    );
  });

  it("renames a tensor on a line still being typed, where recovery cut the statement short", async () => {
    await expectRename(
      {
        "m.nn": `block blk(n)(x) {
  return x -> dense(n)
}

model M {
  input x: [8]
  <|h|> = x -> dense(4, activation: relu)
  y = <|h|> -> blk(2) -> dense(
  z = <|h|> -> dense(3)
}
`,
      },
      "hidden",
    );
  });

  it("renames a block but not an argument value spelled like it (activation: sigmoid is a symbol)", async () => {
    await expectRename(
      {
        "m.nn": `block <|sigmoid|>()(x) {
  return x -> dense(4, activation: relu)
}

model M {
  input x: [8]
  h = x -> dense(4, activation: sigmoid)
  y = h -> <|sigmoid|>()
}
`,
      },
      "squash",
    );
  });

  it("refuses a new name that would change what the spec means, saying why", async () => {
    const dir = join(root, `f${fixtures++}`);
    mkdirSync(dir);
    const source = `block res(n)(a) {
  return a -> dense(n)
}

model M {
  input x: [8]
  h = x -> res(4)
  output h
}

model N {
  input y: [8]
  y -> dense(2)
}

model P {
  input z: [8]
  layer enc = dense(3)
  a = z -> enc
  a -> dense(2)
}
`;
    const uri = fileUri(join(dir, "m.nn"));
    writeFileSync(join(dir, "m.nn"), source);
    await client.open(uri, source);
    const rename = (name: string, newName: string) =>
      client.request("textDocument/rename", uri, positionAt(source, source.indexOf(name) + 1), { newName });
    await expect(rename("h = x", "x")).rejects.toThrow("cannot rename: 'x' is already a tensor here");
    await expect(rename("res(n)", "dense")).rejects.toThrow("cannot rename: 'dense' is a layer kind");
    await expect(rename("res(n)", "N")).rejects.toThrow("cannot rename: 'N' is already a model in this file");
    await expect(rename("M {", "res")).rejects.toThrow("cannot rename: 'res' is already a block in this file");
    await expect(rename("h = x", "_")).rejects.toThrow("cannot rename: '_' drops a value: it cannot name one");
    await expect(rename("enc =", "dense")).rejects.toThrow("cannot rename: 'dense' is a layer kind");
    await expect(rename("enc =", "a")).rejects.toThrow("cannot rename: 'a' is already a tensor here");
    expect(await rename("enc =", "encoder")).not.toBeNull();
    // A name that only a layer kind or another body has is free for a tensor.
    expect(await rename("h = x", "y")).not.toBeNull();
  });
});
