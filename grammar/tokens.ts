/**
 * Every token of the `.nn` language, in the order the lexer tries them.
 *
 * Keywords are declared before `Identifier` and use `longer_alt: Identifier`, so `models` or `input_dim`
 * lex as identifiers, not as a keyword followed by letters. Each pattern that is a regular expression says
 * which characters it starts with and whether it can span lines: Chevrotain would otherwise work both out by
 * parsing the expression, a good part of the lexer's construction at each start (test/grammar.test.ts
 * checks the hints against the patterns). Layer kinds, activations and dtypes are plain
 * identifiers: adding one never touches the grammar.
 */
import { Lexer, createToken, type ILexingResult, type TokenType } from "chevrotain";

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
  start_chars_hint: [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"],
  line_breaks: false,
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: word,
    longer_alt: Identifier,
    label: `'${word}'`,
  });
}

/** A token spelled one way, named in messages by its spelling in quotes. */
function punctuation(name: string, text: string): TokenType {
  return createToken({ name, pattern: text, label: `'${text}'` });
}

export const Model = keyword("model");
export const Block = keyword("block");
export const Train = keyword("train");
export const Input = keyword("input");
export const Output = keyword("output");
export const Return = keyword("return");
export const Import = keyword("import");
export const From = keyword("from");
export const Repeat = keyword("repeat");
export const True = keyword("true");
export const False = keyword("false");

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n]+/,
  group: Lexer.SKIPPED,
  start_chars_hint: [" ", "\t", "\r", "\n"],
  line_breaks: true,
});
export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\n\r]*/,
  group: "comments",
  start_chars_hint: ["/"],
  line_breaks: false,
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  start_chars_hint: ["/"],
  line_breaks: true,
});

/**
 * `10`, `0.5`, `1e-3`, `5_000_000`. A leading minus is a unary operator, not part of the number. The token
 * takes every letter, digit, `_` and `.` that follows a digit (and a sign after an `e`), so that `0x10`,
 * `1_` or `1.2.3` is one token, which the tree builder reports as an invalid number (NN1003), instead of a
 * number followed by a name and a puzzling syntax error.
 */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /\.?\d(?:[eE][+-]\d|[\w.])*/,
  label: "a number",
  start_chars_hint: [..."0123456789."],
  line_breaks: false,
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: "a string",
  start_chars_hint: ['"'],
  line_breaks: false,
});

export const Arrow = punctuation("Arrow", "->");
export const LBrace = punctuation("LBrace", "{");
export const RBrace = punctuation("RBrace", "}");
export const LParen = punctuation("LParen", "(");
export const RParen = punctuation("RParen", ")");
export const LBracket = punctuation("LBracket", "[");
export const RBracket = punctuation("RBracket", "]");
export const Comma = punctuation("Comma", ",");
export const Colon = punctuation("Colon", ":");
export const Semicolon = punctuation("Semicolon", ";");
export const Equals = punctuation("Equals", "=");
/** Comparisons, for `assert params < 5_000_000`; two-character ones are tried before `<`, `>` and `=`. */
export const EqualEqual = punctuation("EqualEqual", "==");
export const LessEqual = punctuation("LessEqual", "<=");
export const GreaterEqual = punctuation("GreaterEqual", ">=");
export const Less = punctuation("Less", "<");
export const Greater = punctuation("Greater", ">");
export const Question = punctuation("Question", "?");
export const Plus = punctuation("Plus", "+");
export const Minus = punctuation("Minus", "-");
export const Star = punctuation("Star", "*");
export const Slash = punctuation("Slash", "/");

const keywordTokens = [Model, Block, Train, Input, Output, Return, Import, From, Repeat, True, False];

/** Priority order: comments before `/`, `->` before `-`, `==` before `=`, keywords before identifiers. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  Arrow,
  NumberLiteral,
  StringLiteral,
  ...keywordTokens,
  Identifier,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Semicolon,
  EqualEqual,
  LessEqual,
  GreaterEqual,
  Less,
  Greater,
  Equals,
  Question,
  Plus,
  Minus,
  Star,
  Slash,
];

export const keywords: readonly string[] = keywordTokens.map((token) => token.PATTERN as string);

/**
 * `validate` runs Chevrotain's checks of the token definitions; test/grammar.test.ts runs them, and the lexer
 * nnc uses skips them to start faster.
 */
export function createLexer(options: { validate?: boolean } = {}): Lexer {
  return new Lexer(allTokens, {
    positionTracking: "full",
    ensureOptimizations: true,
    skipValidations: !options.validate,
  });
}

let shared: Lexer | undefined;

/** The shared lexer, built on first use so that commands that never lex (`nnc --help`) do not pay for it. */
export const nnLexer = {
  tokenize: (text: string): ILexingResult => (shared ??= createLexer()).tokenize(text),
};
