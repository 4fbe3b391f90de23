/**
 * The parser nnc runs skips Chevrotain's grammar validations to start faster (grammar/parser.ts); this test
 * runs them, so an ambiguous or left-recursive rule still fails the suite.
 */
import { describe, expect, it } from "vitest";
import { NnParser } from "../grammar/parser.js";

describe("grammar", () => {
  it("passes Chevrotain's grammar validations", () => {
    expect(() => new NnParser({ validate: true })).not.toThrow();
  });
});
