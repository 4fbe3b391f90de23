/**
 * The search for a renamed block's importers is bounded: it walks only workspace folders that are a project
 * (never `/`, the home folder or a folder holding it), never follows a symbolic link, skips node_modules and
 * hidden folders, reads only regular `.nn` files no larger than a spec may be, and stops after a cap of
 * files and folders (limits.workspaceEntries).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceEdit } from "vscode-languageserver-protocol";
import { limits } from "../../src/compiler/base/limits.js";
import { candidateFiles, nnFilesUnder, walkable } from "../../src/lsp/rename.js";
import { fileUri, LspClient } from "./client.js";

let root: string;
let outside: string;
const spec = 'import { block } from "./lib.nn"\n';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "nnc-walk-"));
  outside = mkdtempSync(join(tmpdir(), "nnc-walk-outside-"));
  const write = (path: string, text = spec) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write("a.nn");
  write("deep/er/b.nn");
  write("notes.txt");
  write("node_modules/pkg/c.nn");
  write(".git/d.nn");
  write(".hidden/e.nn");
  write("big.nn", `// ${"x".repeat(limits.sourceBytes.value)}\n`);
  writeFileSync(join(outside, "far.nn"), spec);
  // Links: a loop back to the root, a folder outside, a file outside; none is followed.
  symlinkSync(root, join(root, "loop"));
  symlinkSync(join(root, "deep"), join(root, "deep", "er", "up"));
  symlinkSync(outside, join(root, "away"));
  symlinkSync(join(outside, "far.nn"), join(root, "far.nn"));
  // A named pipe: opening it would block until a writer comes.
  expect(spawnSync("mkfifo", [join(root, "pipe.nn")]).status).toBe(0);
  for (let i = 0; i < 40; i++) write(`many/m${String(i).padStart(2, "0")}.nn`);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const names = (files: readonly string[]) => files.map((f) => relative(root, f)).sort();

describe("the workspace walk behind a cross-file rename", () => {
  it("finds the regular .nn files of a project, without links, pipes, big files, node_modules or hidden folders", () => {
    const walk = nnFilesUnder([root]);
    const many = Array.from({ length: 40 }, (_, i) => `many/m${String(i).padStart(2, "0")}.nn`);
    expect(names(walk.files)).toEqual(["a.nn", "deep/er/b.nn", ...many].sort());
    expect(walk.capped).toBe(false);
  });

  it("stops after the cap of files and folders looked at, and says so", () => {
    const walk = nnFilesUnder([root], true, 30);
    expect(walk.capped).toBe(true);
    expect(walk.files.length).toBeLessThan(30);
    expect(walk.files.length).toBeGreaterThan(0);
    // Without subfolders, the root's own entries only.
    expect(names(nnFilesUnder([root], false).files)).toEqual(["a.nn"]);
  });

  it("never walks /, the home folder or a folder holding it", () => {
    expect(walkable("/")).toBe(false);
    expect(walkable(homedir())).toBe(false);
    expect(walkable(dirname(homedir()))).toBe(false);
    expect(walkable(root)).toBe(true);
    // With only such roots, the folders of the files involved are looked in, without their subfolders.
    const walk = candidateFiles(["/", homedir()], [join(root, "a.nn")]);
    expect(walk.refused).toEqual(["/", homedir()]);
    expect(names(walk.files)).toEqual(["a.nn"]);
  });

  it("over stdio: a rename with the workspace root / renames in the definition's folder only", async () => {
    const lib = join(root, "lib.nn");
    writeFileSync(lib, "block block2(n)(x) {\n  return x -> dense(n)\n}\n");
    const importer = 'import { block2 } from "./lib.nn"\nmodel M {\n  input x: [4]\n  block2(2)\n}\n';
    writeFileSync(join(root, "uses.nn"), importer);
    writeFileSync(join(root, "deep", "uses.nn"), importer.replace("./lib.nn", "../lib.nn"));
    const client = new LspClient(root);
    try {
      await client.connection.sendRequest("initialize", {
        processId: process.pid,
        rootUri: "file:///",
        capabilities: {},
      });
      await client.connection.sendNotification("initialized", {});
      await client.open(fileUri(lib), "block block2(n)(x) {\n  return x -> dense(n)\n}\n");
      await client.diagnosticsOf(fileUri(lib));
      const edit = await client.request<WorkspaceEdit>(
        "textDocument/rename",
        fileUri(lib),
        { line: 0, character: 8 },
        { newName: "renamed" },
      );
      // deep/uses.nn would need the walk of the whole root; only lib.nn's own folder was looked in.
      expect(Object.keys(edit.changes!).sort()).toEqual([fileUri(lib), fileUri(join(root, "uses.nn"))].sort());
      expect(client.logs.some((l) => l.includes("did not search / for importers"))).toBe(true);
    } finally {
      expect(await client.close()).toBe(0);
    }
  });
});
