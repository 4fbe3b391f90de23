/**
 * Phase 1, syntax: text -> tokens -> CST (grammar/) -> AST, with every lexing and parsing error as a diagnostic.
 *
 * In: a file's text and path. Out: its `SourceFile` (ast.ts: every node with its span) and the syntax
 * diagnostics (NN1xxx). Chevrotain keeps parsing after an error (recovery), so a file with several typos
 * reports each of them and the rest of the file still becomes a tree. Nodes built from a recovered CST node
 * are marked `recovered`; later phases skip them, so one typo gives one error.
 */
import { parseCst } from "../../../grammar/parser.js";
import { AstBuilder } from "./ast-builder.js";
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import {
  bidiWarnings,
  capped,
  describeSyntaxError,
  syntaxErrorHint,
  sizeDiagnostic,
  syntaxErrorSpan,
  tokenSpan,
} from "./syntax-diagnostics.js";

/**
 * `eof` is where a missing piece at the end of the text is shown (default: the text's end); the language
 * server parses a file piece by piece and passes the offset of the file's end relative to the piece.
 *
 * Whatever the text, this returns: a file over `limits.sourceBytes` is not parsed, a declaration nested
 * deeper than `limits.nesting` is left out (the parser recurses once per level), and parsing stops after
 * `limits.syntaxErrors` errors, which keeps recovery from a file of noise linear in its length.
 */
export function parse(text: string, file: string, eof: number = text.length): Result<ast.SourceFile> {
  const tooLarge = sizeDiagnostic(text, file);
  if (tooLarge) return { value: { path: file, text, declarations: [], comments: [] }, diagnostics: [tooLarge] };
  const maxErrors = limits.syntaxErrors.value;
  const parsed = parseCst(text, { maxNesting: limits.nesting.value, maxErrors });
  const syntax: Diagnostic[] = [];
  // Lexing errors come in the order of the text: those past the cap would be left out below anyway.
  for (const e of parsed.lexErrors.slice(0, maxErrors + 1)) {
    const span = { start: e.offset, end: e.offset + Math.max(1, e.length) };
    syntax.push(diagnostic("NN1002", { file, span }, { text: text.slice(span.start, span.start + 1) }));
  }
  for (const e of parsed.parseErrors) {
    syntax.push(
      diagnostic(
        "NN1001",
        { file, span: syntaxErrorSpan(e.token, e.previous, eof, e.message) },
        {
          detail: describeSyntaxError(e.message, e.token, e.ruleStack),
        },
        syntaxErrorHint(e.message, e.token),
      ),
    );
  }
  for (const token of parsed.tooDeep) {
    syntax.push(diagnostic("NN1005", { file, span: tokenSpan(token) }, { limit: limits.nesting.value }));
  }
  const comments = parsed.comments.map((c) => ({ span: tokenSpan(c), text: c.image }));
  const warnings = bidiWarnings(file, parsed.comments, parsed.strings);
  const builder = new AstBuilder(file, text, eof, syntax);
  const declarations = builder.declarations(parsed.cst);
  const stop = parsed.stoppedAt && !Number.isNaN(parsed.stoppedAt.startOffset) ? parsed.stoppedAt.startOffset : eof;
  const diagnostics = [...capped(syntax, file, maxErrors, parsed.stoppedAt ? stop : Infinity), ...warnings];
  return { value: { path: file, text, declarations, comments }, diagnostics };
}
