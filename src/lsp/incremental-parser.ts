/**
 * The language server's parser, which reparses only what an edit changed (`Reuse` in incremental.ts uses it).
 *
 * A file is cut at the lines that start a declaration (`model`, `block`, `train`, `import` at the
 * start of a line). A piece that lexes and parses without a problem parses the same inside the whole file
 * (pieces end between tokens, every declaration ends with its own `}` or string, and the parser looks at most
 * three tokens ahead), so its tree is kept by text and only moved to its new offset. A new piece is parsed
 * with the first line(s) of the next one, which tells whether it is clean in one parse. A piece with a problem is
 * parsed together with the pieces after it (the last one only by its first line(s)) until the parser starts a
 * top-level declaration at a clean piece's first token: what follows depends only on the tokens from there on,
 * so it is the clean pieces' own parse. An unclosed block comment in the way makes the window larger.
 */
import { append } from "../compiler/base/arrays.js";
import type * as ast from "../compiler/syntax/ast.js";
import type { Diagnostic, Result } from "../compiler/diagnostics/index.js";
import { limits } from "../compiler/base/limits.js";
import { parse } from "../compiler/syntax/index.js";
import { overSourceBytes } from "../compiler/syntax/syntax-diagnostics.js";
import { nnLexer } from "../../grammar/tokens.js";

/** A line that starts a declaration. */
const declarationStart = /^(?=(?:model|block|train|import)\b)/m;

/** What one piece of text parses to, with offsets from the piece's start. */
interface Piece {
  readonly declarations: readonly ast.Declaration[];
  readonly comments: ast.SourceFile["comments"];
  /** Parsed without a problem and without an unclosed `/*`: it parses the same anywhere. */
  readonly clean: boolean;
  /** The last placement, reused while the piece stays at the same offset in the same file. */
  placed?: { readonly offset: number; readonly file: string; readonly value: Placed };
}

interface Placed {
  readonly declarations: readonly ast.Declaration[];
  readonly comments: ast.SourceFile["comments"];
}

/** An unclosed block comment lexes as `/` and `*` in a piece but swallows the following pieces in the file. */
function hasUnclosedComment(text: string): boolean {
  const open = text.lastIndexOf("/*");
  return open >= 0 && text.indexOf("*/", open + 2) < 0;
}

/** A deep copy with every `span` moved by `by`. */
function moved<T>(value: T, by: number): T {
  if (Array.isArray(value)) return value.map((v) => moved(v, by)) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (key === "span") {
      const span = v as ast.Span;
      out[key] = { start: span.start + by, end: span.end + by };
    } else out[key] = typeof v === "object" ? moved(v, by) : v;
  }
  return out as T;
}

/**
 * `moved`, one part at a time: the span now, every other part when first read. Most declarations moved by an
 * edit above them are never read past their name (their model check is kept), so most are never copied.
 */
function movedLazily<T extends object>(value: T, by: number): T {
  const out = {} as T;
  for (const key in value) {
    const v = value[key];
    if (key === "span") {
      const span = v as ast.Span;
      out[key] = { start: span.start + by, end: span.end + by } as T[typeof key];
    } else if (v === null || typeof v !== "object") {
      out[key] = v;
    } else {
      Object.defineProperty(out, key, {
        enumerable: true,
        configurable: true,
        get() {
          const copy = moved(v, by);
          Object.defineProperty(out, key, { value: copy, enumerable: true });
          return copy;
        },
      });
    }
  }
  return out;
}

/** Parses like `parse` and gives the same tree, reusing the declarations whose text did not change. */
export class IncrementalParser {
  private readonly pieces = new Map<string, Piece>();
  private readonly heads = new Map<string, string>();
  /** Declarations that came from a clean piece, with their text: their tree depends on that text only. */
  readonly stableText = new WeakMap<ast.Declaration, string>();

  parse = (text: string, path: string): Result<ast.SourceFile> => {
    // `parse` refuses a file over the size limit whole; its pieces would each be under it.
    if (overSourceBytes(text)) return parse(text, path);
    const chunks = text.split(declarationStart);
    const declarations: ast.Declaration[] = [];
    const comments: { span: ast.Span; text: string }[] = [];
    const diagnostics: Diagnostic[] = [];
    /** Adds what a parse of the text from `offset` found before `boundary` (relative to `offset`). */
    const take = (parsed: Result<ast.SourceFile>, offset: number, boundary: number) => {
      const before = <T extends { span: ast.Span }>(items: readonly T[]) =>
        items.filter((x) => x.span.start < boundary);
      append(declarations, moved(before(parsed.value.declarations), offset));
      append(comments, moved(before(parsed.value.comments), offset));
      append(diagnostics, moved(before(parsed.diagnostics), offset));
    };
    let offset = 0;
    let i = 0;
    while (i < chunks.length) {
      const chunk = chunks[i]!;
      const { piece, window } = this.piece(chunks, i, path, text.length - offset);
      if (piece.clean) {
        const placed = this.place(piece, chunk, offset, path);
        append(declarations, placed.declarations);
        append(comments, placed.comments);
        offset += chunk.length;
        i++;
        continue;
      }
      // A piece with a problem: parse on until a clean piece starts afresh, or to the end of the file.
      let end = offset + chunk.length;
      let j = i + 1;
      for (; j < chunks.length; end += chunks[j]!.length, j++) {
        if (!this.piece(chunks, j, path, text.length - end).piece.clean) continue;
        // The parser looks at most three tokens ahead, so the clean piece's first line(s) are enough.
        const source = text.slice(offset, end) + this.headOf(chunks[j]!);
        if (hasUnclosedComment(source)) continue;
        const boundary = end - offset;
        // The piece's own parse was already this one when the clean piece is the next.
        const parsed = j === i + 1 && window ? window : parse(source, path, text.length - offset);
        // Back at the top level at the clean piece's first token: from there the parse is the piece's own.
        if (!parsed.value.declarations.some((d) => d.span.start === boundary)) continue;
        take(parsed, offset, boundary);
        break;
      }
      if (j === chunks.length) take(parse(text.slice(offset), path, text.length - offset), offset, Infinity);
      offset = end;
      i = j;
    }
    this.forgetUnused();
    // Past the cap on syntax errors, `parse` stops at the cap's error: parse whole to report as it does.
    const syntaxErrors = diagnostics.filter((d) => d.code.startsWith("NN1") && d.severity === "error").length;
    if (syntaxErrors > limits.syntaxErrors.value) return parse(text, path);
    return { value: { path, text, declarations, comments }, diagnostics };
  };

  /**
   * The piece of `chunks[i]`, parsed (when new) together with the first line(s) of the next chunk: it is clean
   * when nothing is reported before the next chunk and the parser starts a declaration there, as it would at
   * the end of the text. That parse (`window`) is also the first one tried when the piece is not clean.
   */
  private piece(
    chunks: readonly string[],
    i: number,
    path: string,
    eof: number,
  ): { piece: Piece; window?: Result<ast.SourceFile> } {
    const chunk = chunks[i]!;
    let piece = this.pieces.get(chunk);
    let window: Result<ast.SourceFile> | undefined;
    if (piece) {
      // Most recently used last, for forgetUnused.
      this.pieces.delete(chunk);
    } else {
      const next = chunks[i + 1];
      window = parse(next === undefined ? chunk : chunk + this.headOf(next), path, eof);
      const boundary = chunk.length;
      const before = <T extends { span: ast.Span }>(items: readonly T[]) =>
        items.filter((x) => x.span.start < boundary);
      const clean =
        !hasUnclosedComment(chunk) &&
        !window.diagnostics.some((d) => d.span.start < boundary || next === undefined) &&
        (next === undefined || window.value.declarations.some((d) => d.span.start === boundary));
      piece = { declarations: before(window.value.declarations), comments: before(window.value.comments), clean };
    }
    this.pieces.set(chunk, piece);
    return window ? { piece, window } : { piece };
  }

  /** A chunk's text up to the end of the line of its third token. */
  private headOf(chunk: string): string {
    let head = this.heads.get(chunk);
    if (head === undefined) {
      const third = nnLexer.tokenize(chunk).tokens[2];
      const lineEnd = third ? chunk.indexOf("\n", third.startOffset) : -1;
      head = third && lineEnd >= 0 ? chunk.slice(0, lineEnd + 1) : chunk;
      if (this.heads.size >= 4096) this.heads.clear();
      this.heads.set(chunk, head);
    }
    return head;
  }

  private place(piece: Piece, chunk: string, offset: number, file: string): Placed {
    const last = piece.placed;
    if (last && last.offset === offset && last.file === file) return last.value;
    const value: Placed = {
      declarations: offset === 0 ? piece.declarations : piece.declarations.map((d) => movedLazily(d, offset)),
      comments: offset === 0 ? piece.comments : moved(piece.comments, offset),
    };
    value.declarations.forEach((d, k) => {
      const relative = piece.declarations[k]!.span;
      this.stableText.set(d, chunk.slice(relative.start, relative.end));
    });
    piece.placed = { offset, file, value };
    return value;
  }

  /** Keeps the pieces of the last few versions of the files being edited. */
  private forgetUnused(): void {
    const excess = this.pieces.size - 4096;
    if (excess <= 0) return;
    let k = 0;
    for (const key of this.pieces.keys()) {
      if (k++ >= excess) break;
      this.pieces.delete(key);
    }
  }
}
