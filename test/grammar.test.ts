/**
 * The lexer and parser nnc runs skip Chevrotain's validations to start faster (grammar/tokens.ts,
 * grammar/parser.ts); these tests run them, so an ambiguous rule or a broken token definition still fails
 * the suite.
 */
import { describe, expect, it } from "vitest";
import { NnParser } from "../grammar/parser.js";
import { createLexer } from "../grammar/tokens.js";

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
});
