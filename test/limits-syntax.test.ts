/**
 * Reading and parsing hostile text (issue 10): deep nesting, huge expressions, noise, oversized files, line
 * ends and bidirectional control characters. Each case is scaled down to prove the limit; none measures time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../src/compiler/diagnostics/index.js";
import { checkSource } from "../src/compiler/index.js";
import { LineMap } from "../src/compiler/base/line-map.js";
import { limits } from "../src/compiler/base/limits.js";
import { parse } from "../src/compiler/syntax/index.js";
import { renderDiagnostics, toJsonDiagnostics } from "../src/compiler/diagnostics/render.js";
import { Reuse } from "../src/lsp/incremental.js";
import { nnc } from "./helpers/cli.js";
import { marked } from "./helpers/marked.js";
import { LspClient } from "./lsp/client.js";

const file = "/virtual/spec.nn";
const codes = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => d.code);
const model = (body: string, name = "M") => `model ${name} {\n  input x: [4]\n  ${body}\n}\n`;

/** Checks as `nnc check` and as the language server do; both must agree and neither may throw. */
function checkBoth(text: string): readonly Diagnostic[] {
  const cli = checkSource(text, file).diagnostics;
  const server = checkSource(text, file, undefined, { reuse: new Reuse() }).diagnostics;
  expect(codes(server)).toEqual(codes(cli));
  return cli;
}

describe("nesting (limits.nesting)", () => {
  const max = limits.nesting.value;
  // `model M {` and `dense(` open two levels before the marked ones.
  const nested = (open: string, close: string, levels: number) =>
    model(`dense(${open.repeat(levels)}1${close.repeat(levels)})`);

  it("is NN1005 at the token that opens one level too many, for brackets, parentheses, braces and minuses", () => {
    const cases = [
      model(`reshape(${"[".repeat(max - 2)}<|[|>${"[".repeat(400)}4${"]".repeat(max + 399)})`),
      model(`dense(${"(".repeat(max - 2)}<|(|>${"(".repeat(400)}1${")".repeat(max + 399)})`),
      // 400 unclosed parentheses.
      model(`dense(${"(".repeat(max - 2)}<|(|>${"(".repeat(400)}`),
      // ~380 nested repeats.
      `model M {\n  input x: [4]\n  ${"repeat 1 { ".repeat(max - 1)}<|{|>${" repeat 1 { ".repeat(380)} dense(3) ${"} ".repeat(max + 380)}\n}\n`,
      model(`dense(${"- ".repeat(max - 2)}<|-|>${" -".repeat(1000)} 1)`),
      model(`dense(${"-(".repeat(31)}<|-|>(1${")".repeat(32)})`),
    ];
    for (const source of cases) {
      const { text, spans } = marked(source);
      const parsed = parse(text, file);
      expect(parsed.diagnostics.map((d) => [d.code, d.span])).toEqual([["NN1005", spans[0]]]);
      expect(codes(checkBoth(text))).toEqual(["NN1005"]);
    }
  });

  it("accepts exactly the limit", () => {
    expect(parse(nested("(", ")", max - 2), file).diagnostics).toEqual([]);
    expect(parse(nested("[", "]", max - 2), file).diagnostics).toEqual([]);
    expect(codes(parse(nested("[", "]", max - 1), file).diagnostics)).toEqual(["NN1005"]);
    // A binary minus is not a level: 1000 of them in a row are one flat expression.
    expect(parse(model(`dense(${Array(500).fill("1").join(" - ")})`), file).diagnostics).toEqual([]);
  });

  it("leaves out only the declaration that nests too deep; the rest of the file is checked", () => {
    const deep = model(`dense(${"(".repeat(300)}1${")".repeat(300)})`, "Deep");
    const text = model("dense(3)", "A") + deep + model("dense(3)", "B") + deep.replace("Deep", "Deeper");
    const parsed = parse(text, file);
    expect(parsed.value.declarations.map((d) => (d.kind === "model" ? d.name.text : d.kind))).toEqual(["A", "B"]);
    expect(codes(parsed.diagnostics)).toEqual(["NN1005", "NN1005"]);
    expect(codes(checkBoth(text.replace("dense(3)\n}\nmodel Deep", "dens(3)\n}\nmodel Deep")))).toEqual([
      "NN2001",
      "NN1005",
      "NN1005",
    ]);
  });
});

describe("expression length (limits.expressionTerms)", () => {
  const max = limits.expressionTerms.value;
  const sum = (terms: number) => Array(terms).fill("1").join(" + ");

  // The reproducer had 100,000 terms; 6,000 is past where a tree that deep overflows JSON.stringify.
  it("refuses a 6,000-term sum with NN1009 at the operator past the limit, without overflowing", () => {
    const text = model(`dense(${sum(6_000)})`);
    const parsed = parse(text, file);
    expect(codes(parsed.diagnostics)).toEqual(["NN1009"]);
    const operator = text.indexOf("dense(") + 6 + max * 4 - 2;
    expect(text.slice(operator - 2, operator + 3)).toBe("1 + 1");
    expect(parsed.diagnostics[0]!.span).toEqual({ start: operator, end: operator + 1 });
    expect(codes(checkBoth(text))).toEqual(["NN1009"]);
  });

  it("counts the terms in parentheses and call arguments with the expression around them", () => {
    expect(parse(model(`dense(${sum(max)})`), file).diagnostics).toEqual([]);
    // 499 + 1 + 499 operators: 1,000 terms; one more is too many.
    const half = sum(max / 2);
    expect(parse(model(`dense((${half}) * (${half}))`), file).diagnostics).toEqual([]);
    expect(codes(parse(model(`dense((${half}) * (${half} + 1))`), file).diagnostics)).toEqual(["NN1009"]);
    expect(codes(parse(model(`dense((${half}) * f(${half} + 1))`), file).diagnostics)).toEqual(["NN1009"]);
    // Each expression has its own count.
    expect(parse(model(`dense(${sum(max)})\n  dense(${sum(max)})`), file).diagnostics).toEqual([]);
  });
});

describe("syntax errors (limits.syntaxErrors)", () => {
  const max = limits.syntaxErrors.value;

  it("reports the first ones and NN1006 where reading stopped", () => {
    const text = model(
      Array(3 * max)
        .fill("dense(10 ,, )")
        .join("\n  "),
    );
    const diagnostics = parse(text, file).diagnostics;
    expect(diagnostics).toHaveLength(max + 1);
    expect(codes(diagnostics.slice(0, max)).every((c) => c === "NN1001")).toBe(true);
    expect(diagnostics.at(-1)!.code).toBe("NN1006");
    expect(diagnostics.at(-1)!.span.start).toBeGreaterThan(diagnostics.at(-2)!.span.start);
    expect(checkBoth(text)).toHaveLength(max + 1);
  });

  it("caps random tokens, unexpected characters and missing commas alike", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const words = ["model", "M", "{", "}", "(", ")", "[", "]", ",", ":", "->", "1", "+", "=", "repeat", "\n", "@"];
    const noise = Array.from({ length: 20_000 }, () => words[Math.floor(random() * words.length)]).join(" ");
    for (const text of [noise, "@ ".repeat(5_000), model(`reshape([${"1 ".repeat(5_000)}])`)]) {
      const diagnostics = parse(text, file).diagnostics;
      expect(diagnostics.length).toBeLessThanOrEqual(max + 1);
      expect(diagnostics.at(-1)!.code).toBe("NN1006");
    }
  });
});

describe("printed diagnostics", () => {
  it("show a window of a long line around the error, with the underline under it", () => {
    const text = model(`reshape([${"1, ".repeat(50_000)}1 2])`);
    const diagnostics = parse(text, file).diagnostics;
    expect(codes(diagnostics)).toEqual(["NN1001"]);
    const shown = renderDiagnostics(diagnostics, new Map([[file, text]]), { color: false, cwd: "/virtual" });
    const [, source, underline] = shown.split("\n");
    expect(shown.length).toBeLessThan(500);
    expect(source).toMatch(/^ {3}3 \| …[ ,1]*1 2\]\)$/);
    expect(source![underline!.indexOf("^")]).toBe("2");
  });
});

describe("file size (limits.sourceBytes)", () => {
  const limit = limits.sourceBytes.value;

  it("is one NN1007 for a file over the limit in UTF-8 bytes, which is not parsed, whichever path reads it", () => {
    const padded = (bytes: number, unit: string) => `// ${unit.repeat(bytes / Buffer.byteLength(unit))}\n`;
    const over = model("dense(3)") + padded(limit, "€");
    expect(over.length).toBeLessThan(limit);
    for (const diagnostics of [parse(over, file).diagnostics, checkBoth(over)]) {
      expect(diagnostics.map((d) => [d.code, d.span])).toEqual([["NN1007", { start: 0, end: 0 }]]);
    }
    const under = model("dense(3)") + padded(limit - 1024, "é");
    expect(parse(under, file).diagnostics).toEqual([]);
  });
});

describe("line ends", () => {
  const lines = ["model M {", "  input x: [4]", "  dense(3, 4 5)", "}", ""];

  it("count \\n, \\r\\n and a lone \\r as one line end each, in every position nnc shows", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = lines.join(eol);
      const diagnostics = checkSource(text, file).diagnostics.filter((d) => d.code === "NN1001");
      const json = toJsonDiagnostics(diagnostics, new Map([[file, text]]), "/virtual");
      expect(json.map((d) => [d.code, d.range.start])).toEqual([["NN1001", { line: 3, column: 14 }]]);
      const shown = renderDiagnostics(diagnostics, new Map([[file, text]]), { color: false, cwd: "/virtual" });
      expect(shown).toContain("spec.nn:3:14: error NN1001");
      expect(shown).toContain("   3 |   dense(3, 4 5)\n");
    }
  });

  it("end lines in the parser's same-line rules as in the shown positions", () => {
    // The dtype must stand on the shape's line: after a lone CR it is on the next line, a new statement.
    const text = "model M {\r  input x: [4]\r  float32\r}\r";
    expect(codes(checkSource(text, file).diagnostics)).toContain("NN2001");
    expect(checkSource(text.replace("]\r  float32", "] float32"), file).diagnostics).toEqual([]);
  });

  it("map offsets and positions both ways; U+2028 does not end a line, as in LSP", () => {
    const map = new LineMap("a\rb\r\nc\nd\u2028e");
    expect([0, 2, 5, 7, 9].map((o) => map.position(o))).toEqual([
      { line: 1, column: 1 },
      { line: 2, column: 1 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
      { line: 4, column: 3 },
    ]);
    expect([1, 2, 3, 4].map((l) => map.lineText(l))).toEqual(["a", "b", "c", "d\u2028e"]);
    expect(map.offset({ line: 2, column: 1 })).toBe(2);
    // Past the end of its line, a column is the line's end.
    expect(map.offset({ line: 2, column: 9 })).toBe(3);
  });

  it("line up `// nnc-allow` comments with the line they silence", () => {
    const text = ["model M {", "  input x: [4]", "  // nnc-allow NN5002", "  dense(10)", "  dense(3)", "}", ""];
    const lints = (eol: string) => codes(checkSource(text.join(eol), file).diagnostics);
    expect(lints("\n")).toEqual([]);
    expect(lints("\r")).toEqual([]);
    // Without the comment, the lint is there: the comment is what silences it.
    const bare = text.filter((l) => !l.includes("nnc-allow"));
    expect(codes(checkSource(bare.join("\r"), file).diagnostics)).toEqual(["NN5002"]);
  });
});

describe("bidirectional control characters", () => {
  it("warn with NN1008 at each one in a comment or a string, and no nnc-allow silences them", () => {
    const { text, spans } = marked(
      `// nnc-allow NN1008\nmodel M { // note <|\u202E|> <|\u2066|>\n  input x: [4]\n  dense(3, name: "d<|\u200F|>")\n}\n`,
    );
    const diagnostics = checkSource(text, file).diagnostics.filter((d) => d.code === "NN1008");
    expect(diagnostics.map((d) => [d.severity, d.span])).toEqual(spans.map((s) => ["warning", s]));
    expect(diagnostics[0]!.message).toContain("U+202E in a comment");
    expect(diagnostics[2]!.message).toContain("U+200F in a string");
  });

  it("are shown as U+FFFD in the printed line, so the terminal does not reorder it", () => {
    const text = "model M {\n  input x: [4] // a\u202Eb\n}\n";
    const shown = renderDiagnostics(checkSource(text, file).diagnostics, new Map([[file, text]]), { color: false });
    expect(shown).toContain("  input x: [4] // a\uFFFDb\n");
    expect(shown).not.toContain("\u202E");
  });
});

describe("numbers", () => {
  it("are only what docs/language.md says: anything else after a digit makes one invalid number (NN1003)", () => {
    for (const bad of ["0x10", "1_", "1__0", "1.2.3", "3x3", "2e", "1e5_0", "0b1"]) {
      const { text, spans } = marked(model(`dense(<|${bad}|>)`));
      expect(
        parse(text, file).diagnostics.map((d) => [d.code, d.span]),
        bad,
      ).toEqual([["NN1003", spans[0]]]);
    }
    for (const good of ["10", "0.5", ".5", "1e-3", "2.5E+4", "5_000_000", "1_0.2_5"]) {
      expect(parse(model(`dropout(${good})`), file).diagnostics, good).toEqual([]);
    }
    // A name right after a number on the same line is still a missing comma, not part of the number.
    expect(codes(parse(model("dense(3 x)"), file).diagnostics)).toEqual(["NN1001"]);
  });
});

describe("the nnc command (the built bundle)", () => {
  it("reports deep nesting and a huge sum as one located error each in check, summary and fmt, never a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-limits-"));
    try {
      const deep = join(dir, "deep.nn");
      writeFileSync(deep, model(`dense(${"(".repeat(400)}1${")".repeat(400)})`));
      const sum = join(dir, "sum.nn");
      writeFileSync(sum, model(`dense(${Array(1_500).fill("1").join(" + ")})`));
      for (const [path, code] of [
        [deep, "NN1005"],
        [sum, "NN1009"],
      ] as const) {
        for (const command of ["check", "summary", "fmt"]) {
          const result = nnc([command, path], { cwd: dir });
          expect(result.status, `${command} ${code}`).toBe(1);
          // `check` prints its diagnostics on standard output, the others on standard error.
          const output = result.stdout + result.stderr;
          expect(output).toMatch(new RegExp(`^\\S+\\.nn:3:\\d+: error ${code}: `));
          expect(output).not.toMatch(/RangeError|    at /);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("nnc fmt reads only a regular file within the size limit: a FIFO or a large file is one line, no hang", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-limits-fmt-"));
    try {
      const big = join(dir, "big.nn");
      writeFileSync(big, `// ${"a".repeat(limits.sourceBytes.value)}\n`);
      const fifo = join(dir, "pipe.nn");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      const result = nnc(["fmt", big, fifo], { cwd: dir, timeout: 20_000 });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("big.nn:1:1: error NN1007: the file is 1.0 MiB");
      expect(result.stderr).toContain("error: cannot read");
      expect(result.stderr).toContain("pipe.nn: it is a FIFO (named pipe), not a regular file");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the language server (the built bundle)", () => {
  it("publishes located diagnostics for a deep, a lone-CR and a bidi document, and still serves requests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-limits-lsp-"));
    const client = new LspClient(dir);
    try {
      await client.initialize();
      const open = async (name: string, text: string) => {
        const uri = pathToFileURL(join(dir, name)).href;
        await client.open(uri, text);
        return { uri, diagnostics: await client.diagnosticsOf(uri) };
      };
      const deep = await open("deep.nn", model(`dense(${"(".repeat(400)}1${")".repeat(400)})`));
      expect(deep.diagnostics.map((d) => [d.code, d.range.start])).toEqual([["NN1005", { line: 2, character: 70 }]]);
      const symbols = await client.connection.sendRequest("textDocument/documentSymbol", {
        textDocument: { uri: deep.uri },
      });
      expect(symbols).toEqual([]);
      const cr = await open("cr.nn", "model M {\r  input x: [4]\r  dense(3 4)\r}\r");
      expect(cr.diagnostics.map((d) => [d.code, d.range.start])).toContainEqual(["NN1001", { line: 2, character: 10 }]);
      const bidi = await open("bidi.nn", "model M {\n  input x: [4] // \u202E\n}\n");
      expect(bidi.diagnostics.map((d) => [d.code, d.range.start])).toEqual([["NN1008", { line: 1, character: 18 }]]);
    } finally {
      expect(await client.close()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
