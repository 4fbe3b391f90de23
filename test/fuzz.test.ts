/**
 * The front end on hostile input: the examples and the checker's fixtures mutated (deep nesting, long inputs,
 * token edits, random characters and Unicode, huge numbers; test/fuzz/mutators.ts), with a fixed seed. On every
 * case checkSource and the formatter never throw, diagnostics' spans lie in their text, formatted output formats
 * to itself, and a clean program's summary shows no Infinity or NaN (test/fuzz/properties.ts). `npm run fuzz`
 * runs the same properties longer, with inputs up to 10^5 long.
 */
import { describe, expect, it } from "vitest";
import { mutators } from "./fuzz/mutators.js";
import { runFrontEndFuzz } from "./fuzz/properties.js";

/** Long inputs (10^3 to 10^4) and chains of blocks, each kind in about one case of 200: the slow ones. */
const profile = { longMax: 10_000, heavyWeight: 1 };

describe("the front end on 2,000 mutated specs", () => {
  it("never throws, keeps spans in the text, formats to a fixed point and summarizes without Infinity", () => {
    const report = runFrontEndFuzz({
      runs: 2_000,
      seed: 20261206,
      slowMs: 2_000,
      ...profile,
      stopAtFirst: true,
    });
    // Slow cases are listed, never failed on: machines differ.
    for (const { description, ms } of report.slow)
      console.log(`slow case (${ms.toFixed(0)} ms): ${description.split("\n")[0]}`);
    console.log(`fuzz: ${report.cases} cases in ${report.seconds.toFixed(1)} s`);
    expect(report.shrunk, "the first failing case (shrunk)").toBeUndefined();
    expect(report.cases).toBe(2_000);
    // The run is worth something only when every mutator took part and many cases had more to check than
    // "never throws": a clean program to summarize, a file without syntax errors to format twice.
    const rare = Object.keys(mutators(profile)).filter((kind) => (report.kinds.get(kind) ?? 0) < 3);
    expect(rare, "mutators in fewer than 3 cases").toEqual([]);
    expect(report.clean).toBeGreaterThan(50);
    expect(report.formatted).toBeGreaterThan(200);
  });
});
