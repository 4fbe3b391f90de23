/**
 * What an emitted module gives back and does when run: `trainM()` returns a tfjs History under Keras's names
 * (history.json's, `kind_loss`, not tfjs's `dense_2_loss`), and run directly, the module trains into a new run
 * folder each time (runs/House, then runs/House-2) and prints a user's mistake as one line with exit code 1.
 * Modules go under `.tmp/` in the repository so that `nnc/runtime` resolves to the built `dist/`.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import type * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitTypeScript, trainerName } from "../src/compiler/emit/index.js";
import { checkFile } from "../src/compiler/index.js";

const root = path.resolve(import.meta.dirname, "..");
const spec = `model House {
  input x: [3]
  h = x -> dense(8) -> relu()
  kind = h -> dense(3) -> softmax()
  price = h -> dense(1)
  output kind, price
}

train House {
  data: csv("houses.csv", labels: { kind: "kind", price: "price" })
  loss: { kind: categorical_crossentropy, price: mse }
  metrics: { kind: [accuracy], price: [mae] }
  optimizer: adam
  epochs: 2
  batch_size: 8
  validation_split: 0.25
  seed: 4
}
`;

function housesCsv(): string {
  const rows = Array.from({ length: 40 }, (_, i) => {
    const [a, b, c] = [(i % 7) / 7, (i % 5) / 5, (i % 3) / 3];
    return `${a},${b},${c},${["flat", "house", "villa"][i % 3]},${(a + 2 * b + c).toFixed(3)}`;
  });
  return ["a,b,c,kind,price", ...rows].join("\n") + "\n";
}

let dir: string;
let module: string;

beforeAll(async () => {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  dir = await mkdtemp(path.join(root, ".tmp/emit-main-"));
  await writeFile(path.join(dir, "house.nn"), spec);
  await writeFile(path.join(dir, "houses.csv"), housesCsv());
  const { program, diagnostics } = checkFile(path.join(dir, "house.nn"));
  expect(diagnostics).toEqual([]);
  module = path.join(dir, "house.ts");
  await writeFile(module, await emitTypeScript(program!, { outFile: module }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runModule(): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(root, "node_modules/.bin/tsx");
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, [module], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe("an emitted module", () => {
  it("trainM() returns a tfjs History under history.json's names, with its epochs", async () => {
    const trainer = ((await import(module)) as Record<string, (o: object) => Promise<tf.History>>)[
      trainerName("House")
    ]!;
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    const history = await trainer({ output: discard, runDir: path.join(dir, "runs", "api") });
    expect(history.epoch).toEqual([0, 1]);
    const saved = JSON.parse(readFileSync(path.join(dir, "runs", "api", "history.json"), "utf8")) as Record<
      string,
      number
    >[];
    const keys = Object.keys(saved[0]!).filter((key) => key !== "epoch");
    expect(keys).toContain("kind_loss");
    expect(keys).toContain("val_kind_accuracy");
    expect(Object.keys(history.history).sort()).toEqual(keys.sort());
    for (const key of keys) expect(history.history[key], key).toEqual(saved.map((epoch) => epoch[key]));
  });

  it("run directly, trains into a new folder each time and prints a user's mistake as one line", async () => {
    const first = await runModule();
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(/^House: loss \d+\.\d{4}, .*\bval_kind_accuracy \d+\.\d{4}/m);
    const second = await runModule();
    expect(second.code).toBe(0);
    expect(existsSync(path.join(dir, "runs", "House", "model.json"))).toBe(true);
    expect(existsSync(path.join(dir, "runs", "House-2", "model.json"))).toBe(true);
    await rm(path.join(dir, "houses.csv"));
    const missing = await runModule();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error\[NN4\d{3}\]: [^\n]*houses\.csv[^\n]*\n$/);
  }, 120_000);
});
