/**
 * The limit on nesting, applied to the tokens before they are parsed: the parser, the tree builder and every
 * pass over the tree recurse once per level, so a declaration that nests too deep is left out of the parse
 * and reported, and no input can overflow the stack.
 */
import type { IToken, TokenType } from "chevrotain";
import * as t from "./tokens.js";

/** Tokens after which a `-` is binary (`a - b`); after anything else it is a unary minus, one level deeper. */
const operandEnds: ReadonlySet<TokenType> = new Set([
  t.Identifier,
  t.NumberLiteral,
  t.StringLiteral,
  t.True,
  t.False,
  t.Question,
  t.RParen,
  t.RBracket,
  t.RBrace,
]);
const openers: ReadonlySet<TokenType> = new Set([t.LParen, t.LBracket, t.LBrace]);
const closers: ReadonlySet<TokenType> = new Set([t.RParen, t.RBracket, t.RBrace]);

const declarationKeywords: ReadonlySet<TokenType> = new Set([t.Model, t.Block, t.Train, t.Import]);

/** A declaration's keyword at the start of a line. */
function startsDeclaration(token: IToken): boolean {
  return declarationKeywords.has(token.tokenType) && token.startColumn === 1;
}

/**
 * The tokens without the declarations that nest deeper than `max` levels, and the token in each at which
 * more than `max` levels were open. Levels are brackets of any kind (matched or not; a closer closes the
 * innermost) and unary minuses, which nest until the operand they apply to ends (`- - x`, `-(-(x))`): each
 * is one recursion of the parser, of the tree builder and of every pass over the tree.
 *
 * A declaration here starts with its keyword at the start of a line, as the language server cuts a file into
 * pieces (src/lsp/incremental-parser.ts), so the rest of the file parses as it would alone. The tokens are read
 * once; the count goes on after a cut as it stood at the cut's start.
 */
export function withinNesting(tokens: IToken[], max: number): { tokens: IToken[]; tooDeep: IToken[] } {
  const tooDeep: IToken[] = [];
  if (tokens.length <= max) return { tokens, tooDeep };
  // The cost of each open bracket: itself and the unary minuses right before it.
  let open: number[] = [];
  let depth = 0;
  let minuses = 0;
  let previous: TokenType | undefined;
  let declaration = { index: 0, open: [] as number[], depth: 0 };
  const cuts: { from: number; to: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const type = token.tokenType;
    if (startsDeclaration(token)) declaration = { index: i, open: [...open], depth };
    let deeper = false;
    if (type === t.Minus && !(previous !== undefined && operandEnds.has(previous))) {
      minuses++;
      deeper = depth + minuses > max;
    } else if (openers.has(type)) {
      open.push(1 + minuses);
      depth += 1 + minuses;
      minuses = 0;
      deeper = depth > max;
    } else {
      if (closers.has(type) && open.length > 0) depth -= open.pop()!;
      minuses = 0;
    }
    previous = type;
    if (!deeper) continue;
    tooDeep.push(token);
    let next = i + 1;
    while (next < tokens.length && !startsDeclaration(tokens[next]!)) next++;
    cuts.push({ from: declaration.index, to: next });
    ({ open, depth } = { open: [...declaration.open], depth: declaration.depth });
    minuses = 0;
    previous = undefined;
    i = next - 1;
  }
  if (cuts.length === 0) return { tokens, tooDeep };
  const kept: IToken[] = [];
  let from = 0;
  for (const cut of cuts) {
    for (let i = from; i < cut.from; i++) kept.push(tokens[i]!);
    from = cut.to;
  }
  for (let i = from; i < tokens.length; i++) kept.push(tokens[i]!);
  return { tokens: kept, tooDeep };
}
