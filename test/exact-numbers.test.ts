/**
 * Numbers are exact (issue 10): a size, parameter count or MAC count past 2^53 - 1 is an error at the place
 * that makes it (NN3012), never `Infinity` in the summary or `null` in its JSON; a total that may pass it
 * (MACs) is a BigInt, printed and compared exactly. Also NN2005's wording for every ajv keyword, and the
 * emitted module's header for a spec whose name holds line breaks.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { checkArguments, type Callable } from "../src/compiler/check/args.js";
import type * as ast from "../src/compiler/syntax/ast.js";
import { emptyScope } from "../src/compiler/check/argument-values.js";
import { emitTypeScript } from "../src/compiler/emit/index.js";
import { checkSource } from "../src/compiler/index.js";
import { parse } from "../src/compiler/syntax/index.js";
import { formatSummary, summarize, summaryJson } from "../src/compiler/emit/summary.js";
import { marked } from "./helpers/marked.js";

function check(source: string) {
  const { text, spans } = marked(source);
  const result = checkSource(text, "/specs/m.nn");
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  return {
    result,
    found: errors.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("sizes past 2^53 - 1 are errors where they are made (NN3012)", () => {
  it("an input with more elements than that, a size written past it, arithmetic past it", () => {
    const { found, marks } = check(
      "model M {\n  input x: <|[100000000, 100000000]|>\n  flatten()\n}\n" +
        "model N {\n  input x: [<|9007199254740993|>]\n  dense(4)\n}\n" +
        "model O {\n  input x: [<|1e20|>]\n  dense(4)\n}\n" +
        "model P {\n  input x: [4]\n  dense(<|4294967296 * 4294967296|>)\n}\n",
    );
    expect(found).toEqual(marks.map((m) => ["NN3012", m]));
  });

  it("a layer whose output would pass it, and symbolic sizes with such a coefficient", () => {
    const { found, marks } = check(
      "model M {\n  input x: [90000000]\n  <|repeat_vector|>(200000000)\n}\n" +
        "model N {\n  input x: [<|seq * 9007199254740 * 10000|>]\n  dense(4)\n}\n",
    );
    expect(found).toEqual(marks.map((m) => ["NN3012", m]));
  });

  it("large sizes that fit are exact numbers in the summary and its JSON, never Infinity or null", () => {
    const { result } = check("model M {\n  input x: [3000000, 3000000]\n  flatten()\n  dropout(0.5)\n}");
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const summary = summarize(result.program!.models[0]!);
    expect(summary.layers.map((l) => l.outputShape)).toEqual([
      [null, 9_000_000_000_000],
      [null, 9_000_000_000_000],
    ]);
    expect(formatSummary(summary)).toContain("(None, 9000000000000)");
    expect(formatSummary(summary)).not.toMatch(/Infinity|NaN/);
    expect(JSON.parse(summaryJson([summary])).models[0].layers[0].outputShape).toEqual([null, 9_000_000_000_000]);
  });
});

describe("total MACs past 2^53 are added up exactly", () => {
  // Eleven 3x3 convolutions over 9,999,999 x 9,999,999 pixels: each 899,999,820,000,009 MACs, exact as a
  // number; their sum, 9,899,998,020,000,099, is odd and past 2^53, so a double would round it.
  const convs = "  conv2d(1, 3, padding: same)\n".repeat(11);
  const spec = (assertion: string) => `model M {\n  input x: [9999999, 9999999, 1]\n${convs}${assertion}}\n`;

  it("in the summary, its table and its JSON", () => {
    const { result } = check(spec(""));
    const summary = summarize(result.program!.models[0]!);
    expect(summary.macs).toBe(9_899_998_020_000_099n);
    expect(formatSummary(summary)).toContain("MACs per sample: 9,899,998,020,000,099");
    const json = summaryJson([summary]);
    expect(json).toContain('"macs": 9899998020000099,');
    expect(json).toContain('"macs": 899999820000009,');
  });

  it("in assert and expect, compared with the exact figure", () => {
    expect(check(spec("  assert macs > 9.8e15\n  assert macs < 9.9e15\n")).found).toEqual([]);
    const { result, found } = check(spec("  <|expect macs == 9.899998020000098e15|>\n"));
    expect(found).toEqual([["NN3008", "expect macs == 9.899998020000098e15"]]);
    expect(result.diagnostics[0]!.message).toContain("macs is 9,899,998,020,000,099");
    expect(check(spec("  expect params == <|9007199254740993|>\n")).found).toEqual([["NN3012", "9007199254740993"]]);
  });
});

describe("NN2005 words every ajv keyword it can meet", () => {
  /** The problem reported for `value` as argument `v` of a callable whose schema for `v` is `schema`. */
  function problem(schema: Record<string, unknown>, value: string): string {
    const callable: Callable = {
      name: "f",
      positional: ["v"],
      schema: { type: "object", properties: { v: schema }, additionalProperties: false },
    };
    // The call as the parser gives it: `f(v: VALUE)` in a model body.
    const model = parse(`model M {\n  f(v: ${value})\n}\n`, "m.nn").value.declarations[0] as ast.ModelDecl;
    const call = (model.body[0] as ast.ChainStmt).chain.steps[0]!;
    const source = { args: call.args!, calleeSpan: call.callee.span, calleeText: "f" };
    const { diagnostics } = checkArguments(callable, source, emptyScope, "m.nn");
    expect(diagnostics.map((d) => d.code)).toEqual(["NN2005"]);
    return diagnostics[0]!.message;
  }

  const cases: [keyword: string, schema: Record<string, unknown>, value: string, message: string][] = [
    ["pattern", { type: "string", pattern: "^a+$" }, '"b"', 'must match the pattern ^a+$, got "b"'],
    [
      "pattern + description",
      { type: "string", pattern: "^a+$", description: "a run of a's" },
      '"b"',
      "must be a run of a's",
    ],
    ["const", { const: 3 }, "4", "must be 3, got 4"],
    [
      "oneOf",
      { oneOf: [{ type: "string" }, { type: "number", minimum: 0 }, { type: "number" }] },
      "1",
      "must take one of the forms",
    ],
    ["anyOf", { anyOf: [{ type: "string" }, { type: "boolean" }] }, "1", "must take one of the forms"],
    ["minLength 1", { type: "string", minLength: 1 }, '""', 'must not be empty, got ""'],
    ["minLength", { type: "string", minLength: 3 }, '"ab"', "must be at least 3 characters long"],
    ["maxLength", { type: "string", maxLength: 1 }, '"ab"', "must be at most 1 characters long"],
    [
      "uniqueItems",
      { type: "array", uniqueItems: true },
      '["a", "b", "a"]',
      "must not hold the same item twice (items 1 and 3 are equal)",
    ],
    ["multipleOf", { type: "number", multipleOf: 8 }, "12", "must be a multiple of 8, got 12"],
    ["not", { not: { const: 0 } }, "0", "must not be this value, got 0"],
    ["enum", { enum: ["x", "y"] }, '"z"', 'must be one of x, y, got "z"'],
    ["minimum", { type: "integer", minimum: 1 }, "0", "must be >= 1, got 0"],
    ["exclusiveMaximum", { type: "number", exclusiveMaximum: 1 }, "1", "must be < 1, got 1"],
    ["type", { type: "integer" }, "1.5", "must be an integer, got 1.5"],
    ["minItems", { type: "array", minItems: 2 }, "[1]", "must have at least 2 items, got [1]"],
    ["maxItems", { type: "array", maxItems: 1 }, "[1, 2]", "must have at most 1 items, got [1,2]"],
  ];
  for (const [keyword, schema, value, message] of cases) {
    it(keyword, () => {
      const text = problem(schema, value);
      expect(text).toMatch(/^argument 'v' of 'f' (must|is) /);
      expect(text).not.toMatch(/must be must|must NOT|must match pattern/);
      expect(text).toContain(message);
    });
  }

  it("a layer's name argument, as a user meets it", () => {
    const { result } = check('model M {\n  input x: [4]\n  dense(4, name: "a b")\n}');
    expect(result.diagnostics[0]!.message).toBe(
      "argument 'name' of 'dense' must be a name of letters, digits, _, ., / and -, starting with a letter or _, " +
        'got "a b"',
    );
  });
});

describe("the emitted module's header", () => {
  it("keeps a spec name with line breaks (\\n, \\r, U+2028, U+2029) inside its comment", async () => {
    const file = "/specs/m\nexport const injected = 1;\r\u2028globalThis.x = 2;\u2029.nn";
    const result = checkSource("model M {\n  input x: [4]\n  dense(2)\n}\n", file);
    expect(result.program).not.toBeNull();
    const code = await emitTypeScript(result.program!);
    const header = code.split("\n")[0]!;
    expect(header).toBe(
      "// Generated by nnc from m\\u000aexport const injected = 1;\\u000d\\u2028globalThis.x = 2;\\u2029.nn.",
    );
    const source = ts.createSourceFile("m.ts", code, ts.ScriptTarget.ES2022, true);
    const statements = source.statements.map((s) => s.getText(source));
    expect(statements.some((s) => s.includes("injected") || s.includes("globalThis"))).toBe(false);
    expect(ts.getLeadingCommentRanges(code, 0)?.[0]).toEqual(expect.objectContaining({ pos: 0, end: header.length }));
  });
});
