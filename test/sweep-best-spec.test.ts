/**
 * best.nn: the spec with the best trial's values written in, its sweep removed, its data path rebased to the
 * sweep's folder, so that it checks clean where it is written and its model has the best trial's sizes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import { bestSpecText, writeBestSpec } from "../src/runtime/sweep/best-spec.js";
import { record, sweepOf, sweepSpec } from "./helpers/sweep-records.js";
import { repo } from "./helpers/cli.js";

const project = mkdtempSync(join(tmpdir(), "nnc-best-spec-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(join(project, "data"));
copyFileSync(join(repo, "examples", "data", "iris.csv"), join(project, "data", "iris.csv"));
const specFile = join(project, "net.nn");
writeFileSync(specFile, sweepSpec);
const sweep = sweepOf(sweepSpec, specFile);
const best = record(
  7,
  { units: "32", depth: 2, rate: 0.3125, "optimizer.learning_rate": 3.2145e-4 },
  "complete",
  [0.61, 0.4321, 0.45],
);

describe("best.nn", () => {
  const folder = join(project, "runs", "Net-sweep");
  mkdirSync(folder, { recursive: true });

  it("is written into the sweep's folder, checks clean there, and its model has the best trial's values", async () => {
    const written = await writeBestSpec(folder, sweepSpec, specFile, sweep, best, { fixed: { seed: 1 } });
    expect(written).toEqual({ value: join(folder, "best.nn"), diagnostics: [] });
    expect(readdirSync(folder)).toEqual(["best.nn"]);
    const checked = checkFile(written.value);
    expect(checked.diagnostics).toEqual([]);
    const program = checked.program!;
    expect(program.sweeps ?? []).toEqual([]);
    // 4 -> 32 -> 32 -> 3: two dense layers of the best trial's 32 units.
    expect(summarize(program.models[0]!).totalParams).toBe(4 * 32 + 32 + (32 * 32 + 32) + (32 * 3 + 3));
    const train = program.trains[0]!;
    expect(train.optimizer.args["learning_rate"]).toBe(3.2145e-4);
    expect(train.seed).toBe(1);
  });

  const text = bestSpecText(sweepSpec, specFile, join(folder, "best.nn"), sweep, best, {
    fixed: { seed: 1 },
    date: new Date("2026-12-06T12:00:00Z"),
  }).value;

  it("starts with where it came from: sweep, trial, objective, values, date", () => {
    expect(text.split("\n").slice(0, 10)).toEqual([
      `// best.nn: the best configuration of the sweep Net-sweep over Net in ${specFile},`,
      "// written by nnc sweep on 2026-12-06: trial 7 (trial-7),",
      "// val_loss 0.4321 at epoch 2 (minimize), 107 parameters.",
      "// Its values, set below:",
      "//   seed = 1",
      "//   units = 32",
      "//   depth = 2",
      "//   rate = 0.3125",
      "//   optimizer.learning_rate = 0.00032145",
      "",
    ]);
  });

  it("has the values in the spec, the data path rebased, and no sweep", () => {
    expect(text).toContain("model Net(units = 32, depth = 2, rate = 0.3125) {");
    expect(text).toContain("optimizer: adam(learning_rate: 0.00032145)");
    expect(text).toMatch(/\n  seed: 1\n/);
    expect(text).toContain('data: csv("../../data/iris.csv", label: "species")');
    const body = text.slice(text.indexOf("\n\n"));
    expect(body).not.toMatch(/sweep|space:/);
    // The comment above the sweep went with it.
    expect(body).not.toContain("The search");
    expect(text).toMatch(/validation_split: 0\.2\n}\n$/);
  });

  it("leaves a declaration that shares the sweep's lines alone", () => {
    const spec = sweepSpec.replace("  seed: 1\n}\n", "  seed: 1\n} model Other {\n  input x: [2]\n  dense(1)\n}\n");
    const other = bestSpecText(spec, specFile, join(folder, "best.nn"), sweep, best).value;
    expect(other).toContain("model Other {");
    const file = join(folder, "other.nn");
    writeFileSync(file, other);
    expect(checkFile(file).diagnostics).toEqual([]);
  });
});
