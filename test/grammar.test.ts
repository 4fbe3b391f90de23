/**
 * The lexer and parser nnc runs skip Chevrotain's validations to start faster (grammar/tokens.ts,
 * grammar/parser.ts); these tests run them, so an ambiguous rule or a broken token definition still fails
 * the suite. The tokens' start-character and line-break hints (which spare Chevrotain analysing the
 * patterns at each start) must lex exactly as Chevrotain's own analysis of the patterns does.
 */
import { createToken, Lexer, type TokenType } from "chevrotain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NnParser } from "../grammar/parser.js";
import { allTokens, createLexer } from "../grammar/tokens.js";

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
