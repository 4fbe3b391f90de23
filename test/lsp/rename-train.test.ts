/**
 * A model's outputs and inputs named in its train block are the tensors' own occurrences: renaming `kind`
 * (from the model or from a key of the train block) renames the keys of `loss`, `metrics`, `loss_weights`,
 * a data source's `labels:` and `features:` maps, and `target:`; column names (strings) and settings keyed by
 * other names stay. Over stdio with the real server; the renamed file checks as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Location, TextEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { checkSource } from "../../src/compiler/index.js";
import { apply, cursors, fileUri, LspClient } from "./client.js";

const source = `model House {
  input meta: [3]
  input rooms: [4]
  h = concatenate(meta, rooms) -> dense(8) -> relu()
  kind = h -> dense(3) -> softmax()
  price = h -> dense(1)
  output ki<|>nd, price
}
train House {
  data: csv("houses.csv", labels: { kind: "kind", price: "price" }, features: { meta: ["a", "b", "c"], rooms: ["d", "e", "f", "g"] })
  loss: { ki<|>nd: categorical_crossentropy, price: mse }
  loss_weights: { "kind": 1, price: 0.5 }
  metrics: { kind: [accuracy], price: [mae] }
  optimizer: adam
  epochs: 1
  batch_size: 4
}

model Copy {
  input image: [4]
  image -> dense(4)
}
train Copy {
  data: csv("points.csv", features: ["a", "b", "c", "d"])
  target: ima<|>ge
  loss: mse
  optimizer: adam
  epochs: 1
  batch_size: 4
}
`;

let dir: string;
let client: LspClient;
const { text, at } = cursors(source);
const file = () => join(dir, "house.nn");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-rename-train-"));
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

const errors = (renamed: string) =>
  checkSource(renamed, file()).diagnostics.filter((d) => d.severity === "error" && d.code !== "NN4005");

describe("rename of an output or input named in a train block", () => {
  it("renames the keys of per-output settings and of labels per output, from the model or the train block", async () => {
    const expected = text
      .replace("kind = h", "species = h")
      .replace("output kind,", "output species,")
      .replace('labels: { kind: "kind"', 'labels: { species: "kind"')
      .replace("loss: { kind:", "loss: { species:")
      .replace('loss_weights: { "kind":', "loss_weights: { species:")
      .replace("metrics: { kind:", "metrics: { species:");
    expect(await renamedAt(at[0]!, "species")).toBe(expected);
    expect(await renamedAt(at[1]!, "species")).toBe(expected);
    expect(errors(expected)).toEqual(errors(text));
  });

  it("renames target: NAME with the input, and finds the keys among the references", async () => {
    const renamed = await renamedAt(at[2]!, "pixels");
    expect(renamed).toBe(
      text
        .replace("input image", "input pixels")
        .replace("image -> dense", "pixels -> dense")
        .replace("target: image", "target: pixels"),
    );
    const references = await client.request<Location[]>("textDocument/references", fileUri(file()), at[1], {
      context: { includeDeclaration: true },
    });
    expect(references.map((r) => r.range.start.line + 1).sort((a, b) => a - b)).toEqual([5, 7, 10, 11, 12, 13]);
  });
});
