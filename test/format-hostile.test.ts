/**
 * The formatter on what a hostile or careless author writes (issue 10): `// nnc-allow` comments that must
 * keep silencing the same lints, expressions and nesting at the limits, noise, and every kind of line end.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatRange, formatSource } from "../src/compiler/format/index.js";
import { checkSource } from "../src/compiler/index.js";
import { limits } from "../src/compiler/base/limits.js";
import { lintCodes } from "../src/compiler/lint/index.js";
import { parse } from "../src/compiler/syntax/index.js";
import { repo } from "./helpers/cli.js";

function nnFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".nn"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const specs = [...nnFiles(join(repo, "examples")), ...nnFiles(join(repo, "test", "fixtures"))]
  .map((file) => ({ file, text: readFileSync(file, "utf8") }))
  .filter(({ file, text }) => formatSource(text, file).value !== null);

/** The lints a spec reports, without positions (formatting moves them), as a sorted list. */
function lints(text: string, file: string): string[] {
  const diagnostics = checkSource(text, file).diagnostics.filter((d) => d.code.startsWith("NN5"));
  return diagnostics.map((d) => `${d.code} ${d.message}`).sort();
}

function formatted(text: string, file = "/virtual/spec.nn"): string {
  const result = formatSource(text, file);
  if (result.value === null) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  return result.value;
}

describe("`// nnc-allow` comments", () => {
  const file = "/virtual/spec.nn";
  // NN5002: a dense layer without activation feeding another dense layer.
  const cases = {
    "a trailing comment after a chain the printer would break over several lines": [
      "model M {",
      "  input x: [4]",
      '  h = x -> dense(10) -> dense(20, activation: relu, use_bias: true, name: "a_long_layer_name") -> dense(3) // nnc-allow NN5002',
      "  output h",
      "}",
    ],
    "a comment above a chain written over several lines, which the printer would join": [
      "model M {",
      "  input x: [4]",
      "  // nnc-allow NN5002",
      "  h = x",
      "    -> dense(10)",
      "    -> dense(3)",
      "  output h",
      "}",
    ],
    "a trailing comment that covers the next line, a chain the printer would join": [
      "model M {",
      "  input x: [4]",
      "  a = x // nnc-allow NN5002",
      "  h = a",
      "    -> dense(10) -> dense(3)",
      "  output h",
      "}",
    ],
  };

  for (const [name, lines] of Object.entries(cases)) {
    it(`keep silencing the same lints: ${name}`, () => {
      const text = `${lines.join("\n")}\n`;
      const withoutComment = text.replace(/ *\/\/ nnc-allow NN5002/, "");
      // The comment matters: without it the file has the lint.
      expect(lints(withoutComment, file).some((l) => l.startsWith("NN5002"))).toBe(true);
      const once = formatted(text);
      expect(lints(once, file)).toEqual(lints(text, file));
      expect(formatted(once)).toBe(once);
    });
  }

  it("do not keep the rest of the file from being formatted", () => {
    const text = "model M {\n  input x: [4]\n  // nnc-allow NN5002\n  dense(10)\n  dense(3)\n      relu\n}\n";
    expect(formatted(text)).toBe(
      "model M {\n  input x: [4]\n  // nnc-allow NN5002\n  dense(10)\n  dense(3)\n  relu\n}\n",
    );
  });

  it("silence the same lints before and after formatting, wherever they are put in any example or fixture", () => {
    const allow = `// nnc-allow ${lintCodes.join(", ")}`;
    fc.assert(
      fc.property(fc.constantFrom(...specs), fc.nat(), fc.boolean(), ({ file, text }, at, trailing) => {
        const lines = text.split("\n");
        const i = at % lines.length;
        if (trailing) {
          // A trailing `//` comment on a line that ends inside a block comment or a string would change it.
          if (lines[i]!.includes("/*") || lines[i]!.includes("*/") || lines[i]!.includes('"')) return;
          lines[i] = `${lines[i]} ${allow}`;
        } else {
          lines.splice(i, 0, allow);
        }
        const edited = lines.join("\n");
        const result = formatSource(edited, file);
        if (result.value === null) return;
        expect(lints(result.value, file), relative(repo, file)).toEqual(lints(edited, file));
      }),
      { numRuns: 80, seed: 10 },
    );
  });
});

describe("limits", () => {
  it("prints a sum of as many terms as the limit allows, and formats it to itself again", () => {
    const sum = Array(limits.expressionTerms.value).fill("1").join(" + ");
    const once = formatted(`model M {\n  input x: [4]\n  dense(${sum})\n}\n`);
    expect(once).toContain(sum);
    expect(formatted(once)).toBe(once);
  });

  it("prints nesting as deep as the limit allows", () => {
    const levels = limits.nesting.value - 2;
    const text = `model M {\n  input x: [4]\n  dense(${"(".repeat(levels)}1${")".repeat(levels)})\n}\n`;
    const once = formatted(text);
    expect(formatted(once)).toBe(once);
  });

  it("leaves hostile files alone with their diagnostics, never throwing", () => {
    const texts = [
      `model M {\n  dense(${"(".repeat(400)}1${")".repeat(400)})\n}\n`,
      `model M {\n  dense(${Array(6_000).fill("1").join(" + ")})\n}\n`,
      "model { ( ] , -> = repeat ".repeat(2_000),
    ];
    for (const text of texts) {
      const result = formatSource(text, "/virtual/spec.nn");
      expect(result.value).toBeNull();
      expect(result.diagnostics.length).toBeGreaterThan(0);
      expect(result.diagnostics.length).toBeLessThanOrEqual(limits.syntaxErrors.value + 1);
    }
  });
});

describe("comments", () => {
  it("may hold any character, NUL included (found by test/fuzz.test.ts)", () => {
    const text = "// \u0000 head\nmodel M {\n  input x: [4]    // a\u0000b\n  dense(3) // \u0000\n}\n";
    expect(formatted(text)).toBe(
      "// \u0000 head\nmodel M {\n  input x: [4]    // a\u0000b\n  dense(3)        // \u0000\n}\n",
    );
  });
});

describe("line ends", () => {
  const lines = ["model M {", "    input x: [4]", "  dense(3)", "}", ""];

  it("keep a file's own line end, \\r\\n or a lone \\r", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      expect(formatted(lines.join(eol))).toBe(["model M {", "  input x: [4]", "  dense(3)", "}", ""].join(eol));
    }
  });

  it("do not move a syntax error's position in a file with \\r\\n or \\r line ends", () => {
    for (const eol of ["\r\n", "\r"]) {
      const text = ["model M {", "  input x: [4]", "  dense(3 4 5)", "}", ""].join(eol);
      const result = formatSource(text, "/virtual/spec.nn");
      expect(result.value).toBeNull();
      expect(result.diagnostics.map((d) => d.span)).toEqual(
        parse(text, "/virtual/spec.nn").diagnostics.map((d) => d.span),
      );
      expect(text.slice(result.diagnostics[0]!.span.start, result.diagnostics[0]!.span.end)).toBe("4");
    }
  });

  it("make a range format of a \\r\\n file replace the whole file, to its last character", () => {
    const text = lines.join("\r\n");
    const edit = formatRange(text, "/virtual/spec.nn", { start: 12, end: 14 }).value;
    expect(edit?.span).toEqual({ start: 0, end: text.length });
  });
});
