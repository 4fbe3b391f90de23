/**
 * Every token of the `.nn` language, in the order the lexer tries them.
 *
 * Keywords are declared before `Identifier` and use `longer_alt: Identifier`, so `models` or `input_dim`
 * lex as identifiers, not as a keyword followed by letters. Layer kinds, activations and dtypes are plain
 * identifiers: adding one never touches the grammar.
 */
import { Lexer, createToken, type ILexingResult, type TokenType } from "chevrotain";

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: word,
    longer_alt: Identifier,
    label: `'${word}'`,
  });
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

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});

/** `10`, `0.5`, `1e-3`, `5_000_000`. A leading minus is a unary operator, not part of the number. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/,
  label: "a number",
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: "a string",
});

export const Arrow = createToken({ name: "Arrow", pattern: "->", label: "'->'" });
export const LBrace = createToken({ name: "LBrace", pattern: "{", label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: "}", label: "'}'" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: "[", label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: "]", label: "']'" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "','" });
export const Colon = createToken({ name: "Colon", pattern: ":", label: "':'" });
export const Semicolon = createToken({ name: "Semicolon", pattern: ";", label: "';'" });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "'='" });
/** Comparisons, for `assert params < 5_000_000`; two-character ones are tried before `<`, `>` and `=`. */
export const EqualEqual = createToken({ name: "EqualEqual", pattern: "==", label: "'=='" });
export const LessEqual = createToken({ name: "LessEqual", pattern: "<=", label: "'<='" });
export const GreaterEqual = createToken({ name: "GreaterEqual", pattern: ">=", label: "'>='" });
export const Less = createToken({ name: "Less", pattern: "<", label: "'<'" });
export const Greater = createToken({ name: "Greater", pattern: ">", label: "'>'" });
export const Question = createToken({ name: "Question", pattern: "?", label: "'?'" });
export const Plus = createToken({ name: "Plus", pattern: "+", label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: "-", label: "'-'" });
export const Star = createToken({ name: "Star", pattern: "*", label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: "/", label: "'/'" });

/** Priority order: comments before `/`, `->` before `-`, `==` before `=`, keywords before identifiers. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  Arrow,
  NumberLiteral,
  StringLiteral,
  Model,
  Block,
  Train,
  Input,
  Output,
  Return,
  Import,
  From,
  Repeat,
  True,
  False,
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

export const keywords: readonly string[] = [
  "model",
  "block",
  "train",
  "input",
  "output",
  "return",
  "import",
  "from",
  "repeat",
  "true",
  "false",
];

/**
 * `validate` runs Chevrotain's checks of the token definitions; test/grammar.test.ts runs them, and the lexer
 * nnc uses skips them to start faster.
 */
export function createLexer(options: { validate?: boolean } = {}): Lexer {
  return new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: true, skipValidations: !options.validate });
}

let shared: Lexer | undefined;

/** The shared lexer, built on first use so that commands that never lex (`nnc --help`) do not pay for it. */
export const nnLexer = {
  tokenize: (text: string): ILexingResult => (shared ??= createLexer()).tokenize(text),
};
