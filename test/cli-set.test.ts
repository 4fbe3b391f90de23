/**
 * `--set NAME=VALUE` as users run it (the built bin/nnc.js): a real one-epoch training of a changed model, its
 * overrides kept in the run so that a resume with others is refused, and problems shown at the argument.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnc } from "./helpers/cli.js";
import { scratchFolder } from "./helpers/runs.js";

const spec = "test/fixtures/overrides/iris.nn";
/** A sweep that rejects every configuration. */
const sweepSpec = "test/fixtures/overrides/rejected-sweep.nn";
const { dir: scratch } = scratchFolder("nnc-cli-set-");

/** The total parameters `nnc summary --format json` reports for the spec with `set`. */
function params(set: readonly string[]): number {
  const result = nnc(["summary", spec, "--format", "json", ...set.flatMap((s) => ["--set", s])]);
  expect(result.stderr).toBe("");
  const { models } = JSON.parse(result.stdout) as { models: { totalParams: number }[] };
  return models[0]!.totalParams;
}

describe("nnc ... --set", () => {
  it("trains the changed model, keeps its overrides in the run, and refuses a resume with others", () => {
    const run = join(scratch, "units-5");
    const trained = nnc(["train", spec, "--set", "epochs=1", "--set", "units=5", "--out", run]);
    expect(trained.stderr).toBe("");
    expect(trained.status).toBe(0);
    const history = JSON.parse(readFileSync(join(run, "history.json"), "utf8")) as unknown[];
    expect(history).toHaveLength(1);
    const model = readFileSync(join(run, "model.json"), "utf8");
    expect(model).toMatch(/"units": ?5\b/);

    const resumed = nnc(["train", spec, "--set", "epochs=1", "--set", "units=6", "--resume", run]);
    expect(resumed.status).toBe(1);
    expect(resumed.stderr).toMatch(/NN4011.*--set epochs=1 --set units=5.*--set epochs=1 --set units=6/);
  }, 120_000);

  it("changes what summary counts", () => {
    // units = 8 by default: 4*8+8 + 8*3+3; with units = 5: 4*5+5 + 5*3+3.
    expect(params([])).toBe(67);
    expect(params(["units=5"])).toBe(43);
  });

  it("shows a bad value at its argument, as text and as JSON", () => {
    const text = nnc(["check", spec, "--set", "epochs=0"]);
    expect(text.status).toBe(1);
    // nnc check prints its findings on stdout.
    expect(text.stdout).toContain("--set epochs=0:1:14: error NN4003");
    expect(text.stdout).toContain("   1 | --set epochs=0\n     |              ^");
    const json = nnc(["check", spec, "--set", "epochs=0", "--format", "json"]);
    const [d] = (JSON.parse(json.stdout) as { diagnostics: { file: string; code: string; range: unknown }[] })
      .diagnostics;
    expect(d).toMatchObject({
      file: "--set epochs=0",
      code: "NN4003",
      range: { start: { line: 1, column: 14 }, end: { line: 1, column: 15 } },
    });
  });

  it("locates nnc sweep's NN4080 at the sweep in the file as written, after a --set that changed a length", () => {
    const result = nnc(["sweep", sweepSpec, "--dry-run", "--set", "rate=0.1000000000000"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${sweepSpec}:7:11: cannot reshape [8]`);
    expect(result.stderr).toContain(`${sweepSpec}:20:1: error NN4080`);
    expect(result.stderr).toContain("  20 | sweep Iris {\n     | ^^^^^^^^^^^^");
  });

  it("refuses nnc sweep's --set of what its space varies, before checking any configuration", () => {
    const result = nnc(["sweep", sweepSpec, "--dry-run", "--set", "Iris.units=16"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^--set Iris\.units=16:1:7: error NN2040/);
    expect(result.stderr).toContain(`note: ${sweepSpec}:21:12: varied here`);
    expect(result.stderr).not.toContain("NN4080");
  });

  it("refuses a malformed argument and an unknown name before reading further", () => {
    expect(nnc(["check", spec, "--set", "units"]).stdout).toContain("--set units:1:7: error NN2032");
    const unknown = nnc(["data", spec, "--set", "unit=3"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/error NN2036[^]*did you mean 'units'\?/);
  });
});
