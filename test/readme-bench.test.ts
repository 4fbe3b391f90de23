/**
 * README.md's speed table is BENCHMARKS.md's targets table, as `npm run bench` wrote both from one run: a
 * ratio shown in the README is one the report measured, never a figure typed by hand or left from an older run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readmeEnd, readmeStart } from "../bench/report.js";

const repo = join(import.meta.dirname, "..");

/** The lines of the table that follows `## Targets` in BENCHMARKS.md. */
function benchmarkTargets(): string[] {
  const report = readFileSync(join(repo, "BENCHMARKS.md"), "utf8");
  const heading = report.indexOf("\n## Targets");
  expect(heading, "BENCHMARKS.md has a targets section").toBeGreaterThan(0);
  const lines = report
    .slice(heading + 1)
    .split("\n")
    .slice(1);
  const first = lines.findIndex((line) => line.startsWith("|"));
  const table = lines.slice(first);
  return table.slice(
    0,
    table.findIndex((line) => !line.startsWith("|")),
  );
}

describe("README's speed table", () => {
  it("is the targets table of BENCHMARKS.md", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const start = readme.indexOf(readmeStart);
    const end = readme.indexOf(readmeEnd);
    expect(start, "README.md has the bench-targets markers").toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const shown = readme
      .slice(start + readmeStart.length, end)
      .trim()
      .split("\n");
    expect(shown).toEqual(benchmarkTargets());
    expect(shown.length).toBeGreaterThan(3);
  });
});
