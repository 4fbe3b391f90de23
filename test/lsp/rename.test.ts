/**
 * Renaming a block across files, over stdio with the real server: the definition, the calls in its file,
 * and the imports and calls of every importing file, open in the editor or only on disk.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TextDocumentEdit, TextEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { checkSource } from "../../src/compiler/index.js";
import { apply, cursors, fileUri, LspClient } from "./client.js";

/** The files of the workspace; `<|>` marks where renames start. */
const files: Record<string, string> = {
  "lib/blocks.nn": `// residual: the block renamed here
block resi<|>dual(filters)(x) {
  h = x -> conv2d(filters, 3, padding: same) -> relu()
  return add(x, h)
}

block stage(filters)(x) {
  return x -> residual(filters) -> residual(filters)
}
`,
  // Open in the editor: an import of two names and two calls.
  "a.nn": `import { stage, residual } from "./lib/blocks.nn"
model A {
  input x: [8, 8, 4]
  h = x -> residual(4)
  h = h -> stage(4) -> resid<|>ual(4)
  output h
}
`,
  // On disk only, in a subfolder, importing through a relative path that goes up.
  "models/b.nn": `import { residual } from "../lib/blocks.nn"
model B {
  input x: [8, 8, 4]
  residual(4)
  flatten()
}
`,
  // Imports the name from a.nn, which has it from its own import.
  "c.nn": `import { resid<|>ual } from "./a.nn"
model C {
  input x: [4, 4, 2]
  residual(2)
}
`,
  // Its own block of the same name: not the renamed one.
  "d.nn": `block residual(filters)(x) {
  return x -> dense(filters)
}
model D {
  input x: [4]
  residual(4)
}
`,
  // The word only in a comment and a layer name.
  "e.nn": `// see residual in lib/blocks.nn
model E {
  input x: [4]
  dense(4, name: "residual")
}
`,
};

let dir: string;
const texts: Record<string, string> = {};
const marks: Record<string, { line: number; character: number }> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnc-rename-"));
  mkdirSync(join(dir, "lib"));
  mkdirSync(join(dir, "models"));
  for (const [name, source] of Object.entries(files)) {
    const { text, at } = cursors(source);
    texts[name] = text;
    if (at[0]) marks[name] = at[0];
    writeFileSync(join(dir, name), text);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const uriOf = (name: string) => fileUri(join(dir, name));

/** The renamed texts by file name, from either form of WorkspaceEdit, applied to `base`. */
function renamed(edit: WorkspaceEdit, base: Record<string, string>): Record<string, string> {
  const byUri: [string, TextEdit[]][] = edit.documentChanges
    ? (edit.documentChanges as TextDocumentEdit[]).map((c) => [c.textDocument.uri, c.edits as TextEdit[]])
    : Object.entries(edit.changes ?? {});
  const out: Record<string, string> = {};
  for (const [uri, edits] of byUri) {
    const name = Object.keys(files).find((n) => uriOf(n) === uri);
    expect(name, uri).toBeDefined();
    expect(out[name!], `${uri} edited twice`).toBeUndefined();
    out[name!] = apply(base[name!]!, edits);
  }
  return out;
}

/** The importers and the definition renamed (and nothing else), and every file still checks without errors. */
function expectRenamed(result: Record<string, string>, base: Record<string, string>): void {
  expect(Object.keys(result).sort()).toEqual(["a.nn", "c.nn", "lib/blocks.nn", "models/b.nn"]);
  expect(result["lib/blocks.nn"]).toBe(base["lib/blocks.nn"]!.replace(/(?<!\/\/ )residual/g, "skip"));
  for (const name of ["a.nn", "models/b.nn", "c.nn"])
    expect(result[name]).toBe(base[name]!.replaceAll("residual", "skip"));
  const after = { ...base, ...result };
  const host = { readFile: (path: string) => after[Object.keys(files).find((n) => join(dir, n) === path) ?? ""] };
  for (const name of Object.keys(files)) {
    const checked = checkSource(after[name]!, join(dir, name), host);
    expect(
      checked.diagnostics.filter((d) => d.severity === "error"),
      name,
    ).toEqual([]);
  }
}

describe("rename of a block across files", () => {
  it("renames it in every importing file, open or on disk, with versioned document changes", async () => {
    const client = new LspClient(dir);
    try {
      await client.initialize({ workspace: { workspaceEdit: { documentChanges: true } } });
      await client.open(uriOf("a.nn"), texts["a.nn"]!, 7);
      await client.diagnosticsOf(uriOf("a.nn"));
      const edit = await client.request<WorkspaceEdit>("textDocument/rename", uriOf("a.nn"), marks["a.nn"], {
        newName: "skip",
      });
      const changes = edit.documentChanges as TextDocumentEdit[];
      const versions = Object.fromEntries(changes.map((c) => [c.textDocument.uri, c.textDocument.version]));
      expect(versions).toEqual({
        [uriOf("a.nn")]: 7,
        [uriOf("lib/blocks.nn")]: null,
        [uriOf("models/b.nn")]: null,
        [uriOf("c.nn")]: null,
      });
      expectRenamed(renamed(edit, texts), texts);
      // The same from the name in an import of an import.
      await client.open(uriOf("c.nn"), texts["c.nn"]!, 2);
      await client.diagnosticsOf(uriOf("c.nn"));
      const fromImport = await client.request<WorkspaceEdit>("textDocument/rename", uriOf("c.nn"), marks["c.nn"], {
        newName: "skip",
      });
      expectRenamed(renamed(fromImport, texts), texts);
    } finally {
      expect(await client.close()).toBe(0);
    }
  });

  it("renames from the definition, with unsaved text of an importer and plain changes", async () => {
    const client = new LspClient(dir);
    try {
      await client.initialize();
      await client.open(uriOf("lib/blocks.nn"), texts["lib/blocks.nn"]!, 1);
      // a.nn open with an edit not saved: its edits are computed on the editor's text.
      const unsaved = texts["a.nn"]!.replace("  output h\n", "  h = h -> residual(4)\n  output h\n");
      await client.open(uriOf("a.nn"), unsaved, 3);
      await client.diagnosticsOf(uriOf("a.nn"));
      const edit = await client.request<WorkspaceEdit>(
        "textDocument/rename",
        uriOf("lib/blocks.nn"),
        marks["lib/blocks.nn"],
        {
          newName: "skip",
        },
      );
      expect(edit.documentChanges).toBeUndefined();
      const edits = edit.changes![uriOf("a.nn")]!;
      expect(apply(unsaved, edits)).toBe(unsaved.replaceAll("residual", "skip"));
      const base = { ...texts, "a.nn": unsaved };
      expectRenamed(renamed(edit, base), base);
      expect(readFileSync(join(dir, "d.nn"), "utf8")).toBe(texts["d.nn"]);
    } finally {
      expect(await client.close()).toBe(0);
    }
  });

  it("refuses a keyword or a non-name as the new name", async () => {
    const client = new LspClient(dir);
    try {
      await client.initialize();
      await client.open(uriOf("a.nn"), texts["a.nn"]!, 1);
      for (const newName of ["model", "2x", "a-b"]) {
        const edit = await client.request<WorkspaceEdit | null>("textDocument/rename", uriOf("a.nn"), marks["a.nn"], {
          newName,
        });
        expect(edit).toBeNull();
      }
    } finally {
      expect(await client.close()).toBe(0);
    }
  });
});
