/**
 * The language server on the checker's reproducers (issue 10): a document that expands to 2^40 layers or
 * imports /dev/zero or a FIFO gets its diagnostic, and the server goes on answering for other documents.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileUri, LspClient } from "./client.js";

let dir: string;
let client: LspClient;
let version = 1;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-lsp-limits-"));
  client = new LspClient(dir);
  await client.initialize();
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

async function codesOf(name: string, text: string): Promise<unknown[]> {
  const uri = fileUri(join(dir, name));
  await client.open(uri, text, version++);
  return (await client.diagnosticsOf(uri)).map((d) => d.code);
}

describe("nnc lsp on documents past the checker's limits", () => {
  it("reports a model of 2^40 layers, an import of /dev/zero and of a FIFO, and still checks the next document", async () => {
    let blocks = "block b0()(x) {\n  return x -> dense(4)\n}\n";
    for (let i = 1; i <= 40; i++) blocks += `block b${i}()(x) {\n  return x -> b${i - 1}() -> b${i - 1}()\n}\n`;
    expect(await codesOf("deep.nn", `${blocks}model M {\n  input x: [4]\n  b40()\n}\n`)).toEqual(["NN3011"]);

    const fifo = join(dir, "pipe.nn");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const importing = (path: string) => `import { b } from "${path}"\nmodel M {\n  input x: [4]\n  dense(4)\n}\n`;
    expect(await codesOf("zero.nn", importing("/dev/zero"))).toEqual(["NN2010"]);
    expect(await codesOf("fifo.nn", importing(fifo))).toEqual(["NN2010"]);

    expect(await codesOf("typo.nn", "model M {\n  input x: [4]\n  dens(4)\n}\n")).toEqual(["NN2001"]);
  });
});
