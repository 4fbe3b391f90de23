/**
 * The checker's limits (issue 10): a model's expanded size is counted before it is expanded (NN3011), imports
 * read only regular files of bounded size and number (NN2010, NN2024, NN2025), a model's parameters are
 * bounded (NN3013), expressions are evaluated without recursion, and user-sized arrays are never spread into
 * a call's arguments. Each reproducer is scaled down to prove the limit, not to reach the machine's.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type * as ast from "../src/compiler/syntax/ast.js";
import { capPerFile, diagnostic } from "../src/compiler/diagnostics/index.js";
import { emptyScope, evaluate } from "../src/compiler/check/argument-values.js";
import { checkFile, checkSource, type CheckLimits } from "../src/compiler/index.js";
import type { IrLayer, IrModel } from "../src/compiler/ir/index.js";
import { limits } from "../src/compiler/base/limits.js";
import { lintProgram } from "../src/compiler/lint/index.js";
import { formatSummary, summarize } from "../src/compiler/emit/summary.js";
import { nnc } from "./helpers/cli.js";
import { marked } from "./helpers/marked.js";

const folder = mkdtempSync(join(tmpdir(), "nnc-limits-"));

/** The diagnostics of a marked source as [code, marked text] pairs, and the marked texts. */
function check(source: string, limitsGiven: Partial<CheckLimits> = {}) {
  const { text, spans } = marked(source);
  const result = checkSource(text, join(folder, "main.nn"), undefined, { limits: limitsGiven });
  return {
    result,
    // Lints aside: these models are stacks of plain dense layers.
    found: result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("the expanded size is counted before expanding (NN3011)", () => {
  it("repeat 1000000000 { dense(4) } is one error at the count, found at once", () => {
    const { found, marks } = check("model M {\n  input x: [4]\n  repeat <|1000000000|> { dense(4) }\n}");
    expect(found).toEqual([["NN3011", marks[0]]]);
  });

  it("three nested repeat 1000 are one error at the outer count", () => {
    const { found, marks } = check(
      "model M {\n  input x: [4]\n  repeat <|1000|> { repeat 1000 { repeat 1000 { dense(4) } } }\n}",
    );
    expect(found).toEqual([["NN3011", marks[0]]]);
  });

  it("a repeat whose body alone is too large is reported inside it", () => {
    const { found, marks } = check("model M {\n  input x: [4]\n  repeat 1 { repeat <|200000|> { dense(4) } }\n}");
    expect(found).toEqual([["NN3011", marks[0]]]);
  });

  it("40 blocks each calling the previous twice (2^40 layers) are counted by arithmetic", () => {
    let text = "block b0()(x) {\n  return x -> dense(4)\n}\n";
    for (let i = 1; i <= 40; i++) text += `block b${i}()(x) {\n  return x -> b${i - 1}() -> b${i - 1}()\n}\n`;
    const { result } = check(`${text}model M {\n  input x: [4]\n  b40()\n}\n`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["NN3011"]);
    // Calls are counted, block calls too: the second call of b15 in b16 is the one that crosses.
    const [d] = result.diagnostics;
    expect(d!.message).toContain("this call of block 'b15' expands the model to 196,631 layer and block calls");
    expect(result.sources.get(d!.file)!.slice(d!.span.start, d!.span.end)).toBe("b15");
    expect(d!.related?.length).toBe(25);
  });

  it("counts a block by its argument values: a parameter as a repeat count", () => {
    const block = "block tower(n)(x) {\n  repeat n { x = x -> dense(4) }\n  return x\n}\n";
    expect(
      check(`${block}model M {\n  input x: [4]\n  tower(60)\n  tower(n: 40)\n}`, { expandedLayers: 102 }).found,
    ).toEqual([]);
    const { found, marks } = check(`${block}model M {\n  input x: [4]\n  tower(60)\n  <|tower|>(n: 41)\n}`, {
      expandedLayers: 102,
    });
    expect(found).toEqual([["NN3011", marks[0]]]);
  });

  it("the limit is exact, and raised by the option", () => {
    const spec = (n: number) => `model M {\n  input x: [4]\n  dense(4)\n  repeat <|${n}|> { dense(4) }\n}`;
    expect(check(spec(99), { expandedLayers: 100 }).found).toEqual([]);
    expect(check(spec(100), { expandedLayers: 100 }).found).toEqual([["NN3011", "100"]]);
    expect(check(spec(100), { expandedLayers: 101 }).found).toEqual([]);
    expect(limits.expandedLayers.value).toBe(100_000);
    // Block calls count too: 60 calls of a one-layer block are 120 calls, and each layer is checked.
    const blocks =
      "block b()(x) {\n  return x -> dense(4, activation: relu)\n}\nmodel M {\n  input x: [4]\n  repeat 60 { b() }\n}";
    expect(check(blocks, { expandedLayers: 119 }).found).toEqual([["NN3011", "60"]]);
    const { result } = check(blocks, { expandedLayers: 120 });
    expect(result.diagnostics).toEqual([]);
    expect(result.program!.models[0]!.layers).toHaveLength(60);
  });

  it("a model without repeats, with a shared block instance, is counted to the same exact limit", () => {
    // dense, pair (1 + 2), the shared instance's declaration (1), its use (1 + 2), dense: 9 calls.
    const spec =
      "block pair(units)(x) {\n  return x -> dense(units) -> dense(units)\n}\n" +
      "model M {\n  input x: [4]\n  dense(4)\n  pair(4)\n  layer twin = pair(4)\n  twin\n  <|dense|>(4)\n}";
    expect(check(spec, { expandedLayers: 9 }).found).toEqual([]);
    expect(check(spec, { expandedLayers: 8 }).found).toEqual([["NN3011", "dense"]]);
    // Blocks nested deeper than the checker expands them: NN3015, as with values counted.
    let deep = "block d0()(x) {\n  return x -> dense(4)\n}\n";
    for (let i = 1; i <= limits.blockDepth.value + 5; i++) deep += `block d${i}()(x) {\n  return x -> d${i - 1}()\n}\n`;
    const nested = check(`${deep}model M {\n  input x: [4]\n  d${limits.blockDepth.value + 5}()\n}\n`);
    expect(nested.result.diagnostics.map((d) => d.code)).toEqual(["NN3015"]);
  });

  it("block calls that fail count as calls: a chain over a block whose call fails is not expanded 2^20 times", () => {
    // Found by the fuzzer: b15's calls fail their argument check, so they add no layers, but the checker would
    // still make each of the 2^21 calls (and repeat each call's diagnostics) without the calls being counted.
    let text = "block b15(p)(x) {\n  return x -> dense(4)\n}\n";
    for (let i = 16; i <= 36; i++) text += `block b${i}()(x) {\n  return x -> b${i - 1}() -> b${i - 1}()\n}\n`;
    const { result } = check(`${text}model M {\n  input x: [4]\n  b36()\n}\n`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["NN3011"]);
  });

  it("a call is checked once per values in scope: 20,000 repeats of a call with 500 bad arguments", () => {
    const bad = Array.from({ length: 500 }, () => "bad: 1").join(", ");
    const { result } = check(`model M {\n  input x: [4]\n  repeat 20000 { dense(4, ${bad}) }\n}`);
    // One NN2003 per argument written, not one per argument and repeat (10 million): 200 shown, 300 counted.
    const shown = limits.diagnostics.value;
    expect(result.diagnostics.map((d) => d.code)).toEqual([...Array(shown).fill("NN2003"), "NN1010"]);
    expect(result.diagnostics.at(-1)!.message).toMatch(
      `${500 - shown} more diagnostics in this file are not shown (${500 - shown} of them errors)`,
    );
  });

  it("a recursive block is NN2012, not an endless count", () => {
    const { found } = check("block r()(x) {\n  return x -> r()\n}\nmodel M {\n  input x: [4]\n  r()\n}");
    expect(found.map(([code]) => code)).toEqual(["NN2012"]);
  });
});

describe("imports read only regular files, within the limits", () => {
  const importing = (path: string) => `import { b } from <|"${path}"|>\nmodel M {\n  input x: [4]\n  dense(4)\n}`;

  it("a device, a FIFO and a directory are refused at the path without being read", () => {
    const fifo = join(folder, "pipe.nn");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    for (const [path, reason] of [
      ["/dev/zero", "it is a device"],
      [fifo, "it is a FIFO"],
      [folder, "it is a directory"],
    ] as const) {
      const { result, found, marks } = check(importing(path));
      expect(found).toEqual([["NN2010", marks[0]]]);
      expect(result.diagnostics[0]!.message).toContain(reason);
    }
    // The command line's file too: a FIFO would block `nnc check` for ever.
    expect(checkFile(fifo).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["NN1004", `cannot read '${fifo}': it is a FIFO (named pipe), not a regular file`],
    ]);
  });

  it("a file over the size limit is NN2024 at the path", () => {
    const big = join(folder, "big.nn");
    writeFileSync(big, `// ${"x".repeat(limits.sourceBytes.value)}\n`);
    const { found, marks } = check(importing(big));
    expect(found).toEqual([["NN2024", marks[0]]]);
    expect(checkFile(big).diagnostics.map((d) => d.code)).toEqual(["NN1007"]);
  });

  it(`at most ${limits.imports.value} files are read by one check (NN2025 at the import that would pass it)`, () => {
    const chain = join(folder, "chain");
    mkdirSync(chain);
    const count = limits.imports.value + 10;
    for (let i = 1; i < count; i++) {
      const next = i + 1 < count ? `import { b${i + 1} } from "./f${i + 1}.nn"\n` : "";
      writeFileSync(join(chain, `f${i}.nn`), `${next}block b${i}()(x) {\n  return x -> dense(4)\n}\n`);
    }
    const text = `import { b1 } from "./f1.nn"\nmodel M {\n  input x: [4]\n  b1()\n}\n`;
    const result = checkSource(text, join(chain, "main.nn"));
    expect(result.diagnostics.map((d) => d.code)).toEqual(["NN2025"]);
    const [d] = result.diagnostics;
    expect(d!.file).toBe(join(chain, `f${limits.imports.value - 1}.nn`));
    expect(result.sources.size).toBe(limits.imports.value);
  });
});

describe("parameters are bounded (NN3013)", () => {
  it("an 8-billion-parameter model is an error at the model, pointing at the layer that crosses", () => {
    const { result, found, marks } = check(
      "model <|Huge|> {\n  input x: [100000]\n  dense(16)\n  <|dense(500000000)|>\n  dense(4)\n}",
    );
    expect(found).toEqual([["NN3013", marks[0]]]);
    expect(result.diagnostics[0]!.message).toBe(
      "model 'Huge' has 10,501,600,020 parameters, more than the limit of 1,000,000,000",
    );
    const related = result.diagnostics[0]!.related!;
    expect(related.map((r) => result.sources.get(r.file)!.slice(r.span.start, r.span.end))).toEqual([marks[1]]);
    expect(
      check("model Huge {\n  input x: [100000]\n  dense(16)\n  dense(500000000)\n}", { parameters: 9e9 }).found,
    ).toEqual([]);
  });
});

describe("statements run and block calls nested are bounded (NN3014, NN3015)", () => {
  it("a repeat of statements that call no layer stops at the statement limit, at the repeat that runs most", () => {
    // The fuzzer's case: inputs declared again a billion times filled 4 GB with NN2008s.
    const { found, marks } = check("model M {\n  repeat 1 { repeat <|1000000000|> { input x: [4] } }\n}");
    expect(found).toContainEqual(["NN3014", marks[0]]);
  });

  it("a chain of 10,000 blocks, each calling the next, is one NN3015 at the model's call, not a stack overflow", () => {
    // Each passes an argument on (the reading of the layer names a body may give went 2,800 deep and overflowed).
    const blocks = Array.from({ length: 10_000 }, (_, i) =>
      i < 9_999
        ? `block b${i}(u)(x) {\n  return x -> b${i + 1}(u)\n}`
        : `block b${i}(u)(x) {\n  return x -> dense(u)\n}`,
    );
    const { result, found, marks } = check(`${blocks.join("\n")}\nmodel M {\n  input x: [4]\n  <|b0(2)|>\n}\n`);
    expect(found).toEqual([["NN3015", marks[0]]]);
    expect(result.diagnostics[0]!.message).toBe(
      `this call of block 'b0' nests more than ${limits.blockDepth.value} block calls inside one another`,
    );
  });

  it("a chain within the limit checks", () => {
    const depth = limits.blockDepth.value - 1;
    const blocks = Array.from({ length: depth }, (_, i) =>
      i < depth - 1
        ? `block b${i}()(x) {\n  return x -> b${i + 1}()\n}`
        : `block b${i}()(x) {\n  return x -> dense(2)\n}`,
    );
    expect(check(`${blocks.join("\n")}\nmodel M {\n  input x: [4]\n  b0()\n}\n`).found).toEqual([]);
  });
});

describe("nothing after the syntax tree recurses on the length of an expression", () => {
  it("evaluates a left-deep sum of 50,000 terms, as the tree comes from the parser", () => {
    const span = { start: 0, end: 1 };
    let value: ast.Value = { kind: "number", value: 1, isInteger: true, span };
    for (let i = 1; i < 50_000; i++) {
      const right: ast.Value = { kind: "number", value: 1, isInteger: true, span };
      value = { kind: "binary", op: i % 2 ? "+" : "-", left: value, right, span };
    }
    expect(evaluate(value, emptyScope, "m.nn", new Map()).value).toBe(2);
    const list: ast.Value = { kind: "list", items: [value, { kind: "negate", operand: value, span }], span };
    expect(evaluate(list, emptyScope, "m.nn", new Map()).value).toEqual([2, -2]);
  });

  it("a long symbolic sum stops at the size's symbol limit instead of growing quadratically", () => {
    const names = Array.from({ length: limits.sizeSymbols.value + 1 }, (_, i) => `s${i}`);
    const { found } = check(`model M {\n  input x: [${names.join(" + ")}, 4]\n  dense(4)\n}`);
    expect(found.map(([code]) => code)).toEqual(["NN2019"]);
    expect(check(`model M {\n  input x: [${names.slice(1).join(" + ")}, 4]\n  dense(4)\n}`).found).toEqual([]);
    expect(check("model M {\n  input x: [2 * seq + seq - 1, 4]\n  dense(4)\n}").found).toEqual([]);
  });
});

describe("user-sized arrays are never spread into a call's arguments", () => {
  /** A stack of `n` dense layers without activations: the lints warn about every one of them. */
  function denseStack(n: number): IrModel {
    const at = { file: "m.nn", span: { start: 0, end: 1 } };
    const layers: IrLayer[] = [];
    for (let i = 0; i < n; i++) {
      const name = `dense_${i}`;
      const input = i === 0 ? "x" : `dense_${i - 1}`;
      const location = { file: "m.nn", span: { start: i, end: i + 1 } };
      const tfjs = { factory: "dense", config: { units: 4, activation: "linear", name } };
      const params = { trainable: 20, nonTrainable: 0 };
      layers.push({
        name,
        kind: "dense",
        tfjs,
        inputs: [{ node: input, index: 0 }],
        outputShapes: [[4]],
        params,
        macs: 16,
        location,
      });
    }
    const inputs = [{ name: "x", shape: [4], dtype: "float32" as const, location: at }];
    return { name: "M", inputs, layers, outputs: [{ node: `dense_${n - 1}`, index: 0 }], location: at };
  }

  it("the lints and the summary table take 140,000 layers (spread arguments overflowed near 130,000)", () => {
    const model = denseStack(140_000);
    expect(lintProgram({ file: "m.nn", models: [model], trains: [] }).length).toBe(139_999);
    expect(formatSummary(summarize(model))).toContain("dense_139999 (dense)");
  });

  it("no source file spreads an array into push, Math.max, Math.min or String.fromCharCode", () => {
    const spread = /\.(push|unshift)\(\s*\.\.\.|Math\.(max|min)\([^)]*\.\.\.|fromCharCode\(\s*\.\.\./;
    const found: string[] = [];
    for (const dir of ["src/compiler", "src/lsp", "src/cli", "src/runtime"]) {
      const root = join(import.meta.dirname, "..", dir);
      for (const file of readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
        readFileSync(join(root, file), "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (spread.test(line) && !/^\s*(\*|\/\/)/.test(line)) found.push(`${dir}/${file}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(found).toEqual([]);
  });
});

describe("--max-layers and --max-params", () => {
  it("raise the limits for check and summary; a bad value is commander's usage error", () => {
    const spec = join(folder, "flags.nn");
    writeFileSync(spec, "model M {\n  input x: [1000]\n  repeat 20 { dense(1000, activation: relu) }\n}\n");
    const tight = nnc(["check", "--max-layers", "10", spec]);
    expect(tight.status).toBe(1);
    expect(tight.stdout).toContain(
      "error NN3011: this repeat expands the model to 20 layer and block calls, more than the limit of 10",
    );
    expect(nnc(["check", "--max-params", "1_000_000", spec]).stdout).toContain("error NN3013");
    expect(nnc(["check", spec]).status).toBe(0);
    const summary = nnc(["summary", "--max-layers", "20", "--max-params", "20020000", "--format", "json", spec]);
    expect(summary.status).toBe(0);
    expect(JSON.parse(summary.stdout).models[0].totalParams).toBe(20_020_000);
    const bad = nnc(["summary", "--max-params", "0", spec]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: option '--max-params <n>' argument '0' is invalid\. expected a whole number/);
  });
});

describe("diagnostics shown for one file are bounded (NN1010)", () => {
  const max = limits.diagnostics.value;
  const flood = (n: number) => `model M {\n  input x: [4]\n  dense(units: 1, ${Array(n).fill("2").join(", ")})\n}\n`;

  it("50,000 bad arguments show the first ones and one NN1010 counting the rest, errors first", () => {
    const { diagnostics, program } = checkSource(flood(50_000), "flood.nn");
    expect(program).toBeNull();
    expect(diagnostics).toHaveLength(max + 1);
    const last = diagnostics.at(-1)!;
    expect(last.code).toBe("NN1010");
    expect(last.severity).toBe("info");
    expect(last.message).toBe(
      `${(50_000 - max).toLocaleString("en-US")} more diagnostics in this file are not shown (${(50_000 - max).toLocaleString("en-US")} of them errors); fix the first ones`,
    );
    expect(last.span.start).toBe(diagnostics[max - 1]!.span.end + 2);
  });

  it("a file with as many diagnostics as the limit shows them all", () => {
    const { diagnostics } = checkSource(flood(max), "flood.nn");
    expect(diagnostics).toHaveLength(max);
    expect(diagnostics.map((d) => d.code)).not.toContain("NN1010");
  });

  it("keeps errors before warnings, so a file whose first diagnostics are warnings still shows an error", () => {
    const at = (start: number) => ({ file: "mixed.nn", span: { start, end: start + 1 } });
    const warnings = Array.from({ length: max + 10 }, (_, i) =>
      diagnostic("NN1008", at(i), { code: "U+202E", place: "comment" }),
    );
    const error = diagnostic("NN2003", at(max + 20), { name: "nosuch", callee: "dense" });
    const shown = capPerFile([...warnings, error], max);
    expect(shown).toHaveLength(max + 1);
    expect(shown.filter((d) => d.severity === "error")).toEqual([error]);
    expect(shown.at(-1)).toMatchObject({ code: "NN1010", span: { start: max - 1 } });
    expect(shown.at(-1)!.message).toMatch(/^11 more diagnostics .* \(0 of them errors\)/);
  });
});
