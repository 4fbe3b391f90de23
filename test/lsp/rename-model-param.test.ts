/**
 * A model parameter is renamed with its uses in the body and the sweep's `space:` keys that set it (`units`,
 * `"Net.units"`), from the header, a use or a key; a block parameter (named by its calls' arguments) is not
 * offered. Over stdio with the real server; the renamed file checks as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hover, Location, TextEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { checkSource } from "../../src/compiler/index.js";
import { apply, cursors, fileUri, LspClient } from "./client.js";

const source = `block stack(wi<|>dth = 8)(x) {
  return x -> dense(width)
}
model Net(un<|>its = 16, rate = 0.5) {
  input x: [4]
  dense(units, activation: relu)
  dropout(rate)
  stack()
  dense(3, activation: softmax)
}
train Net {
  data: csv("iris.csv", label: "species")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 2
  batch_size: 8
}
sweep Net {
  space: {
    un<|>its: choice([8, 16]),
    "Net.units": choice([8, 16]),
    rate: uniform(0.1, 0.5),
  }
}
`;

let dir: string;
let client: LspClient;
const { text, at } = cursors(source);
const file = () => join(dir, "net.nn");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-rename-param-"));
  writeFileSync(file(), text);
  client = new LspClient(dir);
  await client.initialize();
  await client.open(fileUri(file()), text, 1);
  await client.diagnosticsOf(fileUri(file()));
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

async function renamedAt(position: (typeof at)[number], newName: string): Promise<string> {
  const edit = await client.request<WorkspaceEdit>("textDocument/rename", fileUri(file()), position, { newName });
  const edits = Object.values(edit.changes ?? {})[0] as TextEdit[];
  return apply(text, edits);
}

const errors = (renamed: string) => checkSource(renamed, file()).diagnostics.map((d) => d.code);

describe("rename of a model parameter", () => {
  it("renames the header, the body's uses and the sweep keys that set it, from the header or a key", async () => {
    const expected = text
      .replace("units = 16", "width_1 = 16")
      .replace("dense(units,", "dense(width_1,")
      .replace("    units: choice", "    width_1: choice")
      .replace('"Net.units"', '"Net.width_1"');
    expect(await renamedAt(at[1]!, "width_1")).toBe(expected);
    expect(await renamedAt(at[2]!, "width_1")).toBe(expected);
    expect(errors(expected)).toEqual(errors(text));
  });

  it("finds the keys among the references, hovers a key as the parameter, and offers no rename of a block parameter", async () => {
    const references = await client.request<Location[]>("textDocument/references", fileUri(file()), at[1], {
      context: { includeDeclaration: true },
    });
    expect(references.map((r) => [r.range.start.line, r.range.start.character])).toEqual([
      [3, 10],
      [5, 8],
      [19, 4],
      [20, 9],
    ]);
    const hover = await client.request<Hover>("textDocument/hover", fileUri(file()), at[2]);
    expect((hover.contents as { value: string }).value).toBe("model parameter **units** of model `Net`, default `16`");
    expect(await client.request("textDocument/prepareRename", fileUri(file()), at[0])).toBeNull();
  });

  it("refuses a name another parameter or tensor of the model has", async () => {
    await expect(client.request("textDocument/rename", fileUri(file()), at[1], { newName: "rate" })).rejects.toThrow(
      /already a parameter/,
    );
  });
});
