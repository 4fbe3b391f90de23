/**
 * Hostile documents over real stdio: nesting past the parser's limit, a huge `repeat`, blocks that double at
 * each level, an import of a device that never ends. Each gets its diagnostics (a located error, not an empty
 * list), the server stays up, and a normal document opened after them is checked as usual.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileUri, LspClient } from "./client.js";

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-lsp-hostile-"));
  client = new LspClient(dir);
  await client.initialize();
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const model = (body: string) => `model M {\n  input x: [4]\n  ${body}\n}\n`;
const chain = (n: number) => {
  const blocks = ["block b0()(x) { return x -> dense(4) }"];
  for (let i = 1; i < n; i++) blocks.push(`block b${i}()(x) { return x -> b${i - 1}() -> b${i - 1}() }`);
  return `${blocks.join("\n")}\n${model(`b${n - 1}()`)}`;
};

const hostile: Record<string, { text: string; code: string }> = {
  "nested.nn": { text: model(`dense(${"(".repeat(500)}4${")".repeat(500)})`), code: "NN1005" },
  "repeat.nn": { text: model("repeat 1000000000 { dense(4) }"), code: "NN3011" },
  "chain.nn": { text: chain(40), code: "NN3011" },
  "zero.nn": { text: `import { a } from "/dev/zero"\n${model("a()")}`, code: "NN2010" },
};

describe("nnc lsp --stdio with hostile documents open", () => {
  it("gives each its diagnostics and still checks a normal document", async () => {
    for (const [name, { text }] of Object.entries(hostile)) await client.open(fileUri(join(dir, name)), text);
    const normal = fileUri(join(dir, "normal.nn"));
    await client.open(normal, model("dense(2, activaton: relu)"));
    const found = await client.diagnosticsOf(normal);
    expect(found.map((d) => d.code)).toEqual(["NN2003"]);
    for (const [name, { code }] of Object.entries(hostile)) {
      const diagnostics = await client.diagnosticsOf(fileUri(join(dir, name)));
      expect(
        diagnostics.map((d) => d.code),
        name,
      ).toContain(code);
    }
    // The server is still up and answers.
    const fixed = model("dense(2, activation: relu)");
    await client.change(normal, fixed, 2);
    expect(await client.diagnosticsOf(normal, client.published(normal))).toEqual([]);
  });
});
