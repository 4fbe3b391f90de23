/**
 * Model calls in a cycle over real stdio: two files that import each other and call each other's model, and two
 * models of one file that call each other. The server checks them without failing (it crashed on a called
 * model without outputs) and publishes NN2030 at each call into the cycle.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileUri, LspClient } from "./client.js";

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-lsp-cycles-"));
  client = new LspClient(dir);
  await client.initialize();
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const calling = (name: string, called: string) =>
  `model ${name} {\n  input x: [4]\n  x -> ${called}() -> dense(3)\n}\n`;

describe("nnc lsp --stdio with model calls in a cycle", () => {
  it("checks files that import each other without failing, and publishes NN2030 for models of one file", async () => {
    const texts = {
      "cyc1.nn": `import { B } from "./cyc2.nn"\n${calling("A", "B")}`,
      "cyc2.nn": `import { A } from "./cyc1.nn"\n${calling("B", "A")}`,
      "one.nn": calling("A", "B") + calling("B", "A"),
    };
    for (const [name, text] of Object.entries(texts)) writeFileSync(join(dir, name), text);
    for (const [name, text] of Object.entries(texts)) await client.open(fileUri(join(dir, name)), text);
    // Each file's import cycle is reported in the other file (where the cycle closes); the server never fails.
    for (const name of ["cyc1.nn", "cyc2.nn"]) expect(await client.diagnosticsOf(fileUri(join(dir, name)))).toEqual([]);
    const one = await client.diagnosticsOf(fileUri(join(dir, "one.nn")));
    expect(one.map((d) => [d.code, d.range.start.line])).toEqual([
      ["NN2030", 2],
      ["NN2030", 6],
    ]);
    expect(client.logs.filter((line) => line.includes("failed"))).toEqual([]);
    expect(client.stderr).toBe("");
  });
});
