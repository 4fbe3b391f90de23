/**
 * A `validation:` source is read as the training data is: its feature columns by name, so a file whose columns
 * come in another order gives the same `val_` figures (they were read by position, silently wrong), and the
 * same as `nnc evaluate` on it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { evaluateRun, initBackend, loadRun, trainModel } from "../../src/runtime/index.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-validation-columns-"));
const rows = Array.from({ length: 40 }, (_, i) => {
  const a = ((i * 37) % 100) / 100;
  const b = ((i * 61) % 100) / 100;
  return { a, b, k: a > b ? "yes" : "no", p: 3 * a + b };
});
writeFileSync(join(dir, "d.csv"), ["a,b,k,p", ...rows.map((r) => `${r.a},${r.b},${r.k},${r.p}`)].join("\n") + "\n");
writeFileSync(join(dir, "ab.csv"), "a,b,k,p\n0.9,0.1,yes,3\n0.1,0.9,no,4\n");
writeFileSync(join(dir, "ba.csv"), "p,b,k,a\n3,0.1,yes,0.9\n4,0.9,no,0.1\n");
const spec = (validation: string) => `model M {
  input x: [2]
  h = x -> dense(8, activation: relu)
  kind = h -> dense(2, activation: softmax)
  price = h -> dense(1)
  output kind, price
}
train M {
  data: csv("d.csv", labels: { kind: "k", price: "p" })
  validation: csv("${validation}", labels: { kind: "k", price: "p" })
  loss: { kind: categorical_crossentropy, price: mse }
  metrics: { kind: [accuracy], price: [mae] }
  optimizer: adam
  epochs: 2
  batch_size: 4
  seed: 1
}
`;
const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

describe("a validation source", () => {
  beforeAll(() => initBackend("cpu"));

  it("reads its features by name: columns in another order give the same val_ figures, as nnc evaluate", async () => {
    const last: Record<string, number>[] = [];
    for (const file of ["ab.csv", "ba.csv"]) {
      const specFile = join(dir, `${file}.nn`);
      writeFileSync(specFile, spec(file));
      const { program, diagnostics } = checkFile(specFile);
      expect(diagnostics).toEqual([]);
      const runDir = join(dir, `run-${file}`);
      const run = await trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet, runDir });
      last.push(run.history.at(-1)!);
      run.model.dispose();
      const evaluated = await evaluateRun(await loadRun(runDir), program!.trains[0]!, program!.trains[0]!.validation!);
      expect(evaluated.figures["loss"]).toBeCloseTo(run.history.at(-1)!["val_loss"]!, 4);
    }
    for (const key of ["val_loss", "val_kind_accuracy", "val_price_mae"])
      expect(last[1]![key], key).toBe(last[0]![key]);
  });
});
