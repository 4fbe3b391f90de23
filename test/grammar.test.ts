/**
 * The lexer and parser nnc runs skip Chevrotain's validations to start faster (grammar/tokens.ts,
 * grammar/parser.ts); these tests run them, so an ambiguous rule or a broken token definition still fails
 * the suite. The tokens' start-character and line-break hints (which spare Chevrotain analysing the
 * patterns at each start) must lex exactly as Chevrotain's own analysis of the patterns does. The parser reads
 * an expression as one list of operands and operators; the AST builder's precedence is checked against
 * JavaScript's, which is the same for these operators.
 */
import { createToken, Lexer, type TokenType } from "chevrotain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NnParser } from "../grammar/parser.js";
import { allTokens, createLexer } from "../grammar/tokens.js";
import { parse } from "../src/compiler/syntax/index.js";
import type * as ast from "../src/compiler/syntax/ast.js";

describe("grammar", () => {
  it("passes Chevrotain's grammar validations", () => {
    expect(() => new NnParser({ validate: true })).not.toThrow();
  });

  it("passes Chevrotain's token definition checks, without warnings", () => {
    const lexer = createLexer({ validate: true });
    expect(lexer.lexerDefinitionErrors).toEqual([]);
    // Chevrotain keeps the warnings (it prints them) in a field its types leave out.
    expect((lexer as unknown as { lexerDefinitionWarning: unknown[] }).lexerDefinitionWarning).toEqual([]);
  });

  it("lexes every text as a lexer without the tokens' hints does", () => {
    const unhinted = new Map<TokenType, TokenType>();
    const copy = (type: TokenType): TokenType => {
      if (!unhinted.has(type)) {
        const longerAlt = type.LONGER_ALT as TokenType | undefined;
        unhinted.set(
          type,
          createToken({
            name: type.name,
            pattern: type.PATTERN!,
            ...(type.GROUP === undefined ? {} : { group: type.GROUP }),
            ...(longerAlt ? { longer_alt: copy(longerAlt) } : {}),
          }),
        );
      }
      return unhinted.get(type)!;
    };
    const reference = new Lexer(allTokens.map(copy), {
      positionTracking: "full",
    });
    const hinted = createLexer();
    const pieces = [
      "model",
      "models",
      " ",
      "\n",
      "\r\n",
      "\t",
      "// c\n",
      "/* a\nb */",
      "1e-3",
      ".5",
      "5_000",
      '"s\\"x"',
      "x_1",
      "_a",
      "->",
      "-",
      "==",
      "(",
      "]",
      "?",
      "é",
      "#",
      "/",
      "*",
    ];
    const summary = (text: string, lexer: Lexer) => {
      const result = lexer.tokenize(text);
      const tokens = (list: typeof result.tokens) =>
        list.map((t) => [t.tokenType.name, t.image, t.startLine, t.startColumn, t.endLine, t.endColumn]);
      return {
        tokens: tokens(result.tokens),
        comments: tokens(result.groups["comments"] ?? []),
        errors: result.errors.map((e) => [e.offset, e.length, e.line, e.column]),
      };
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (parts) => {
        const text = parts.join("");
        expect(summary(text, hinted)).toEqual(summary(text, reference));
      }),
      { numRuns: 500 },
    );
  });
});

describe("arithmetic", () => {
  type Expr = number | { neg: Expr } | { op: "+" | "-" | "*" | "/"; left: Expr; right: Expr } | { paren: Expr };
  const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.integer({ min: 0, max: 9 }),
      fc.record({ neg: tie("e") }),
      fc.record({ op: fc.constantFrom("+", "-", "*", "/"), left: tie("e"), right: tie("e") }),
      fc.record({ paren: tie("e") }),
    ),
  })).e;
  // Text that JavaScript reads as well: a space after a unary minus (`--` is a decrement there).
  const text = (e: Expr): string =>
    typeof e === "number"
      ? String(e)
      : "neg" in e
        ? `- ${text(e.neg)}`
        : "paren" in e
          ? `(${text(e.paren)})`
          : `${text(e.left)} ${e.op} ${text(e.right)}`;
  const evaluate = (v: ast.Value): number => {
    if (v.kind === "number") return v.value;
    if (v.kind === "negate") return -evaluate(v.operand);
    if (v.kind !== "binary") throw new Error(`unexpected ${v.kind}`);
    const [l, r] = [evaluate(v.left), evaluate(v.right)];
    return v.op === "+" ? l + r : v.op === "-" ? l - r : v.op === "*" ? l * r : l / r;
  };

  it("reads `+ - * /`, unary minus and parentheses with JavaScript's precedence and associativity", () => {
    fc.assert(
      fc.property(expr, (e) => {
        const written = text(e);
        const source = `model M {\n  x = f(${written})\n  repeat ${written} { y = g }\n}\n`;
        const parsed = parse(source, "arithmetic.nn");
        expect(parsed.diagnostics).toEqual([]);
        const [assignment, repeat] = (parsed.value.declarations[0] as ast.ModelDecl).body as [
          ast.Assignment,
          ast.RepeatStmt,
        ];
        const arg = assignment.chain.steps[0]!.args![0]!.value;
        const expected = Function(`"use strict"; return (${written});`)() as number;
        // The argument (a value) and the count (an expression) are read alike, and span what was written.
        for (const value of [arg, repeat.count]) {
          expect(evaluate(value)).toBe(expected);
          expect(source.slice(value.span.start, value.span.end)).toBe(written);
        }
      }),
      { numRuns: 300 },
    );
  });
});
