/**
 * The diagnostics of reading a text, apart from building its tree: a text over the size limit (NN1007), the
 * cap on syntax errors (NN1006), bidirectional control characters (NN1008), and where and how a syntax error
 * is shown (NN1001). `parse()` (index.ts) calls these; they never look at the tree.
 */
import type { IToken } from "chevrotain";
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import { bidiControls } from "../base/line-map.js";

/** True for a text of more than `limits.sourceBytes` UTF-8 bytes, which `parse` refuses whole (NN1007). */
export function overSourceBytes(text: string): boolean {
  // A UTF-16 code unit is one to three UTF-8 bytes: most texts need no count.
  return text.length * 3 > limits.sourceBytes.value && Buffer.byteLength(text, "utf8") > limits.sourceBytes.value;
}

/** NN1007 for a text over `limits.sourceBytes` UTF-8 bytes. */
export function sizeDiagnostic(text: string, file: string): Diagnostic | undefined {
  if (!overSourceBytes(text)) return undefined;
  const limit = limits.sourceBytes.value;
  const bytes = Buffer.byteLength(text, "utf8");
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return diagnostic("NN1007", { file, span: { start: 0, end: 0 } }, { size: mib(bytes), limit: mib(limit) });
}

/**
 * The first `max` syntax errors in the order of the text, and NN1006 where the rest begins: at the first
 * error left out, or at `stoppedAt` when the parser stopped reading there.
 */
export function capped(syntax: readonly Diagnostic[], file: string, max: number, stoppedAt: number): Diagnostic[] {
  const sorted = [...syntax].sort((a, b) => a.span.start - b.span.start);
  // The error that spent the budget is at the token where parsing stopped: it is kept.
  const kept = sorted.filter((d) => d.span.start <= stoppedAt).slice(0, max);
  if (kept.length === sorted.length && stoppedAt === Infinity) return kept;
  const at = Math.min(stoppedAt, sorted[kept.length]?.span.start ?? Infinity);
  return [...kept, diagnostic("NN1006", { file, span: { start: at, end: at } }, { limit: max })];
}

/**
 * NN1008 at each bidirectional control character in a comment or a string (elsewhere the lexer already
 * rejects it), at most `limits.syntaxErrors` of them. A comment could end where the reader sees code, or
 * code could hide in what shows as a comment. Not a lint: an `nnc-allow` comment could itself be hidden.
 */
export function bidiWarnings(file: string, comments: readonly IToken[], strings: readonly IToken[]): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const max = limits.syntaxErrors.value;
  for (const [tokens, place] of [
    [comments, "comment"],
    [strings, "string"],
  ] as const) {
    for (const token of tokens) {
      for (const m of token.image.matchAll(bidiControls)) {
        if (warnings.length >= max) return warnings;
        const start = token.startOffset + m.index;
        const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
        warnings.push(diagnostic("NN1008", { file, span: { start, end: start + 1 } }, { code, place }));
      }
    }
  }
  return warnings;
}

/**
 * Where a syntax error is shown. A token that recovery inserted has no position, and a missing `)` is best
 * shown where it belongs, not on the next line: both anchor just after the previous real token. A token that
 * fits none of the alternatives (`unexpected 'foo'; expected one of ...`) is itself the problem, wherever it
 * stands: it is shown.
 */
export function syntaxErrorSpan(token: IToken, previous: IToken | undefined, eof: number, message = ""): ast.Span {
  const real = !Number.isNaN(token.startOffset) && token.tokenType.name !== "EOF";
  if (real && isNoViableAlternative(message)) return tokenSpan(token);
  const previousEnd =
    previous?.endOffset !== undefined && !Number.isNaN(previous.endOffset) ? previous.endOffset + 1 : undefined;
  const onLaterLine =
    previous?.endLine !== undefined && token.startLine !== undefined && token.startLine > previous.endLine;
  if (real && !(onLaterLine && previousEnd !== undefined)) return tokenSpan(token);
  const after = previousEnd ?? eof;
  return { start: after, end: after };
}

/** `ruleStack`: the rules being parsed; at the top level (`file`) the one declaration that starts with a name is `sweep`. */
export function describeSyntaxError(message: string, token: IToken, ruleStack: readonly string[] = []): string {
  const found = token.tokenType.name === "EOF" ? "the end of the file" : `'${token.image}'`;
  const expecting = /Expecting(?: token of type)? --> (.*?) <--/.exec(message);
  if (expecting) return `expected ${expecting[1]} but found ${found}`;
  if (isNoViableAlternative(message)) {
    const topLevel = ruleStack.length === 1 && ruleStack[0] === "file";
    const options = [...message.matchAll(/\[([^\]]*)\]/g)]
      .map((m) => (topLevel && m[1] === "a name" ? "'sweep'" : m[1]!))
      .slice(0, 6);
    return `unexpected ${found}; expected one of ${[...new Set(options)].join(", ")}`;
  }
  if (message.startsWith("Expecting: expecting at least one")) return `unexpected ${found}`;
  if (message.includes("Redundant input")) return `unexpected ${found}`;
  return `unexpected ${found}`;
}

/**
 * A hint for a syntax error whose likely fix is known: a number where a map's key goes (`class_weight: { 0: 2
 * }`, Keras's class indices; the parser then expects the map's `}`) is quoted, as a key is a name or a string.
 */
export function syntaxErrorHint(message: string, token: IToken): { hint?: string } {
  const expectsMapEnd = /Expecting(?: token of type)? --> '\}' <--/.test(message);
  if (expectsMapEnd && token.tokenType.name === "NumberLiteral") {
    return { hint: `a map's keys are names or strings: quote a number key, "${token.image}": ...` };
  }
  return {};
}

function isNoViableAlternative(message: string): boolean {
  return message.startsWith("Expecting: one of these possible Token sequences");
}

export function tokenSpan(token: IToken): ast.Span {
  return { start: token.startOffset, end: token.endOffset! + 1 };
}
