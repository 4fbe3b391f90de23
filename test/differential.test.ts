/**
 * Differential testing against tfjs: random `.nn` models (layer stacks, DAGs with merges, blocks called once
 * or twice, shared layers and block instances, calls with several outputs bound by name) built both by nnc and,
 * from the generator's own description, by tfjs. They must agree on every layer's output shapes and parameter
 * counts, and nnc must refuse exactly what tfjs refuses, apart from the stricter checks of docs/differences.md.
 * `npm run fuzz:shapes -- --runs 20000` runs longer.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { layerKinds } from "../src/compiler/registry/layers/index.js";
import type { ModelDesc } from "./differential/generate.js";
import { kindSpecs, notGenerated } from "./differential/kinds.js";
import { compare, newForms, setUpTfjs } from "./differential/oracle.js";
import { printModel } from "./differential/print.js";
import { caseArbitrary, formatStats, newStats, record } from "./differential/run.js";

const fixtures = join(import.meta.dirname, "fixtures", "differential");

beforeAll(setUpTfjs);

describe("nnc against tfjs on random models", () => {
  // No shrinking (endOnFailure): each step builds tfjs models; the failing model is printed as it is.
  it("agrees on 1000 random models (fixed seed)", () => {
    const stats = newStats();
    const started = performance.now();
    fc.assert(
      fc.property(caseArbitrary, ([desc, roll]) => {
        record(stats, compare(desc, roll === 0));
      }),
      { numRuns: 1000, seed: 20240917, endOnFailure: true },
    );
    console.log(formatStats(stats, (performance.now() - started) / 1000));
    expect(stats.models).toBeGreaterThanOrEqual(1000);
    // The run is only worth something when both outcomes are common.
    expect(stats.accepted).toBeGreaterThan(30);
    expect(stats.models - stats.accepted).toBeGreaterThan(30);
    // Every registered kind is in the run: a new kind without a generator in kinds.ts fails here.
    const missing = layerKinds.map((k) => k.name).filter((k) => !stats.kinds.has(k) && !notGenerated.has(k));
    expect(missing, "registered kinds no random model used (add them to test/differential/kinds.ts)").toEqual([]);
    // The kinds tfjs lacks were refused with NN3010 at least once, not only for other reasons.
    expect(stats.codes.get("NN3010") ?? 0).toBeGreaterThan(0);
    // Shared layers and calls with several outputs took part, and each (but the misfits, which nnc refuses) in
    // models both accept: there the shapes of each use and the parameters counted once are compared.
    const rare = newForms.filter((f) => (stats.forms.get(f) ?? 0) < 3);
    expect(rare, "forms in fewer than 3 models").toEqual([]);
    const neverAccepted = newForms.filter((f) => !f.includes("not fit") && !stats.formsAccepted.has(f));
    expect(neverAccepted, "forms in no model both accept").toEqual([]);
    // nnc refused a shared layer's use on an input its weights do not fit, not only for other reasons.
    expect(stats.codes.get("NN3017") ?? 0).toBeGreaterThan(0);
  });

  it("generates every kind it knows, by the registry's names", () => {
    const registered = new Set(layerKinds.map((k) => k.name));
    for (const spec of kindSpecs) expect(registered.has(spec.name), spec.name).toBe(true);
  });
});

describe("counterexamples found so far (test/fixtures/differential)", () => {
  const files = readdirSync(fixtures).filter((f) => f.endsWith(".json"));
  it("has fixtures", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(basename(file, ".json"), () => {
      const fixture = JSON.parse(readFileSync(join(fixtures, file), "utf8")) as { expect: string[]; model: ModelDesc };
      const nn = readFileSync(join(fixtures, file.replace(/\.json$/, ".nn")), "utf8");
      expect(printModel(fixture.model).text).toBe(nn);
      const outcome = compare(fixture.model, true);
      expect(outcome.codes).toEqual(fixture.expect);
    });
  }
});
