/**
 * Golden diagnostics for the checker: every `test/fixtures/check/<case>.nn` is checked and its rendered
 * diagnostics are compared with `<case>.errors.txt` beside it. Adding a case is adding a file.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile, checkSource } from "../src/compiler/index.js";
import { renderDiagnostics } from "../src/compiler/diagnostics/render.js";
import { marked } from "./helpers/marked.js";

const fixtures = join(import.meta.dirname, "fixtures", "check");

describe("golden diagnostics", () => {
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith(".nn"))) {
    it(file, async () => {
      const result = checkFile(join(fixtures, file));
      const rendered = renderDiagnostics(result.diagnostics, result.sources, { color: false, cwd: fixtures });
      await expect(rendered || "no diagnostics\n").toMatchFileSnapshot(
        join(fixtures, `${basename(file, ".nn")}.errors.txt`),
      );
      if (file.startsWith("valid-")) expect(result.program).not.toBeNull();
    });
  }
});

/** Checks a source with marked spans; returns [code, marked span text] pairs for comparison. */
function problems(source: string): { found: [string, string][]; marks: string[] } {
  const { text, spans } = marked(source);
  const result = checkSource(text, join(fixtures, "inline.nn"));
  return {
    found: result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("diagnostics point at the offending tokens", () => {
  it("a byte order mark before the spec is no character of it (Windows editors write one)", () => {
    const spec = "model M {\n  input x: [4]\n  dense(3, activation: softmaxx)\n}\n";
    const plain = checkSource(spec, "plain.nn").diagnostics;
    const withMark = checkSource(`\ufeff${spec}`, "marked.nn").diagnostics;
    expect(plain.map((d) => d.code)).toEqual(["NN2005"]);
    expect(withMark.map((d) => [d.code, d.message, d.span.start - 1])).toEqual(
      plain.map((d) => [d.code, d.message, d.span.start]),
    );
    expect(checkSource("\ufeffmodel M {\n  input x: [4]\n  dense(3)\n}\n", "clean.nn").diagnostics).toEqual([]);
  });

  it("an unknown layer points at its name, with a suggestion", () => {
    const { text, spans } = marked("model M {\n  input x: [4]\n  <|dens|>(3)\n}");
    const [d] = checkSource(text, "m.nn").diagnostics;
    expect(d?.code).toBe("NN2001");
    expect(d?.span).toEqual(spans[0]);
    expect(d?.hint).toContain("dense");
  });

  it("a bad argument value points at the value", () => {
    const { found, marks } = problems("model M {\n  input x: [4]\n  dense(<|-3|>)\n  dropout(<|1.5|>)\n}");
    expect(found).toEqual([
      ["NN2005", marks[0]],
      ["NN2005", marks[1]],
    ]);
  });

  it("a typo in one model leaves the other models checked", () => {
    const { found } = problems(
      "model A {\n  input x: [4]\n  dense(3 activation: relu)\n}\nmodel B {\n  input x: [4]\n  dense(units: 0)\n}",
    );
    expect(found.map(([code]) => code)).toEqual(["NN1001", "NN2005"]);
  });

  it("one mistake gives one error, not a cascade", () => {
    const { found } = problems("model M {\n  input x: [4]\n  dens(3)\n  dense(4)\n  dense(2)\n}");
    expect(found).toEqual([["NN2001", "dens"]]);
  });

  it("a chain continues over lines that start with ->", () => {
    const result = checkSource(
      "model M {\n  input x: [4]\n  h = x\n    -> dense(8, activation: relu)\n    -> dense(2)\n}",
      "m.nn",
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.program?.models[0]?.layers.map((l) => l.outputShapes[0])).toEqual([[8], [2]]);
  });

  it("names are rebound and each use refers to the latest binding above it", () => {
    const result = checkSource(
      "model M {\n  input x: [4]\n  h = x -> dense(8)\n  h = h -> dense(2)\n  output h\n}",
      "m.nn",
    );
    const model = result.program!.models[0]!;
    expect(model.outputs).toEqual([{ node: "dense_1", index: 0 }]);
    expect(model.layers[1]!.inputs).toEqual([{ node: "dense", index: 0 }]);
  });
});
