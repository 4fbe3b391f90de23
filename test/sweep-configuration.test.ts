/**
 * Checking one configuration of a sweep (compiler/sweep/configuration.ts) and grouping the rejected ones
 * (rejections.ts), on test/fixtures/sweep/reshape.nn: a reshape that only 16 units fit, and a budget of 600
 * parameters that three dense layers pass.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { checkConfiguration, formatRejections, groupRejections, type Rejected } from "../src/compiler/sweep/index.js";
import type { IrSweep, SweepConfiguration } from "../src/compiler/ir/sweep.js";
import { scratchFolder } from "./helpers/runs.js";

const file = join(import.meta.dirname, "fixtures", "sweep", "reshape.nn");
const { dir: scratch } = scratchFolder("nnc-sweep-configuration-");
const text = readFileSync(file, "utf8");
const checked = checkFile(file);
const sweep: IrSweep = checked.program!.sweeps![0]!;
const at = (snippet: string) => ({ start: text.indexOf(snippet), end: text.indexOf(snippet) + snippet.length });

/** Every configuration of the grid, the first parameter varying slowest. */
const grid: SweepConfiguration[] = [16, 32, 8].flatMap((units) =>
  [1, 2, 3].flatMap((depth) => ["adam", "sgd(learning_rate: 0.1)"].map((optimizer) => ({ units, depth, optimizer }))),
);

describe("checkConfiguration", () => {
  it("the spec checks, and its sweep reads", () => {
    expect(checked.diagnostics).toEqual([]);
    expect(sweep.params.map((p) => p.name)).toEqual(["units", "depth", "optimizer"]);
  });

  it("accepts a configuration that builds, with the parameter count and MACs of the model it makes", () => {
    const result = checkConfiguration(file, sweep, { units: 16, depth: 2, optimizer: "sgd(learning_rate: 0.1)" });
    expect(result.diagnostics).toEqual([]);
    expect(result.rejected).toBe(false);
    // The oracle: the same model written out, checked as a file would be.
    const model = checkFile(file).program!.models[0]!;
    const oneLayer = model.layers.reduce((n, l) => n + l.params.trainable + l.params.nonTrainable, 0);
    expect(result.params).toBe(oneLayer + 16 * 16 + 16);
    expect(result.macs).toBeGreaterThan(0);
  });

  it("rejects a configuration that breaks the reshape, with the shape diagnostic on the spec's line", () => {
    const result = checkConfiguration(file, sweep, { units: 32, depth: 1, optimizer: "adam" });
    expect(result.rejected).toBe(true);
    expect(result.params).toBeNull();
    expect(result.diagnostics.map((d) => ({ code: d.code, file: d.file, span: d.span }))).toEqual([
      { code: "NN3004", file, span: at("[4, 4]") },
    ]);
  });

  it("rejects a configuration past a budget, at the sweep's assert", () => {
    const result = checkConfiguration(file, sweep, { units: 16, depth: 3, optimizer: "adam" });
    expect(result.rejected).toBe(true);
    expect(result.params).toBe(739);
    // Located in the spec as written, although optimizer: adam is shorter than what the spec says.
    expect(result.sources.get(file)).toBe(text);
    expect(result.diagnostics.map((d) => ({ code: d.code, span: d.span }))).toEqual([
      { code: "NN3008", span: at("assert params < 600") },
    ]);
    expect(result.diagnostics[0]!.message).toBe("params is 739, expected < 600");
  });

  it("reports a value that does not check at its --set argument", () => {
    const result = checkConfiguration(file, sweep, { units: 16, depth: 1, optimizer: "sgd(learning_rate: -1)" });
    expect(result.rejected).toBe(true);
    expect(result.diagnostics[0]!.file).toBe("--set optimizer=sgd(learning_rate: -1)");
  });
});

describe("groupRejections", () => {
  const rejected: Rejected[] = grid.flatMap((config) => {
    const result = checkConfiguration(file, sweep, config);
    return result.rejected ? [{ config, diagnostics: result.diagnostics, sources: result.sources }] : [];
  });

  it("groups by code and place, the largest group first, configurations in the order checked", () => {
    const groups = groupRejections(rejected);
    expect(groups.map((g) => [g.code, g.line, g.column, g.configurations.length])).toEqual([
      ["NN3004", 5, 11, 12],
      ["NN3008", 27, 3, 2],
    ]);
    expect(groups[1]!.configurations).toEqual([
      { units: 16, depth: 3, optimizer: "adam" },
      { units: 16, depth: 3, optimizer: "sgd(learning_rate: 0.1)" },
    ]);
    expect(groups[0]!.example.message).toMatch(/^cannot reshape \[32\]/);
  });

  it("places a problem on the line of a value that changes length at its column in the spec as written", () => {
    const oneLine = text.replace("depth = 1) {\n  input x: [8]\n", "depth = 1) { input x: [8];\n");
    const path = join(scratch, "one-line.nn");
    writeFileSync(path, oneLine);
    const configs = [{ units: 8 }, { units: 1000 }, { units: 32 }].map((c) => ({ ...c, depth: 1, optimizer: "adam" }));
    const groups = groupRejections(
      configs.map((config) => {
        const result = checkConfiguration(path, sweep, config);
        return { config, diagnostics: result.diagnostics, sources: result.sources };
      }),
    );
    const reshape = oneLine.indexOf("[4, 4]");
    expect(groups.map((g) => [g.code, g.line, g.column, g.example.span.start, g.configurations.length])).toEqual([
      ["NN3004", 4, 11, reshape, 3],
    ]);
  });

  it("prints one line per group, with the place and the first configurations", () => {
    const lines = formatRejections(groupRejections(rejected), grid.length, undefined, {
      cwd: join(import.meta.dirname, "fixtures", "sweep"),
      shown: 2,
    });
    expect(lines[0]).toBe("rejected 14 of 18 configurations:");
    expect(lines[2]).toBe(
      "  NN3008 at reshape.nn:27:3: params is 739, expected < 600 (2 configurations: units=16 depth=3 optimizer=adam; " +
        "units=16 depth=3 optimizer=sgd(learning_rate: 0.1))",
    );
    expect(lines[1]).toMatch(
      /^ {2}NN3004 at reshape\.nn:5:11: .* \(12 configurations: units=32 depth=1 optimizer=adam; .*, \.\.\.\)$/,
    );
  });
});
