/**
 * Work the language server keeps between checks, so that a change costs what it changes, not the file.
 *
 * Parsing: a file is cut at the lines that start a declaration (`model`, `block`, `train`, `import` at the
 * start of a line). A piece that lexes and parses without a problem parses the same inside the whole file
 * (pieces end between tokens, every declaration ends with its own `}` or string, and the parser looks at most
 * three tokens ahead), so its tree is kept by text and only moved to its new offset. A new piece is parsed
 * with the first line(s) of the next one, which tells whether it is clean in one parse. A piece with a problem is
 * parsed together with the pieces after it (the last one only by its first line(s)) until the parser starts a
 * top-level declaration at a clean piece's first token: what follows depends only on the tokens from there on,
 * so it is the clean pieces' own parse. An unclosed block comment in the way makes the window larger.
 *
 * Checking: a model's result (its graph, its diagnostics, the blocks it ran) is kept by the model's text, the
 * texts of the blocks it can reach by name and the names in scope along the way; it is reused, moved to the
 * declarations' new offsets, when all of those are the same. The one piece of state models share (a block's
 * default-value problems are reported at its first call only) makes a model that reaches such a block
 * always checked again, in order, as from scratch.
 *
 * A model's lints are kept with its result. Everything else (imports, duplicate names, uncalled blocks, train
 * blocks and their loss lints) is cheap and runs each time. test/lsp/incremental.test.ts compares the result with a check from scratch over series of edits.
 */
import { append } from "../compiler/base/arrays.js";
import type * as ast from "../compiler/syntax/ast.js";
import { checkModel, type ModelCheck } from "../compiler/check/index.js";
import { uniqueDiagnostics, type Diagnostic, type Location, type Result } from "../compiler/diagnostics/index.js";
import { emptyScope, evaluate } from "../compiler/check/values.js";
import type { BlockDef, Namespace } from "../compiler/bind/workspace.js";
import type { IrModel, IrProgram } from "../compiler/ir/index.js";
import { lintProgram } from "../compiler/lint/index.js";
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

/** A kept model result. `anchors[i]` is where dependency `i` (0: the model) was when it was made. */
interface Kept {
  readonly anchors: readonly { readonly file: string; readonly span: ast.Span }[];
  readonly model: IrModel;
  readonly diagnostics: readonly Diagnostic[];
  /** Dependencies whose blocks ran. */
  readonly instantiated: readonly number[];
  /** The model's lints, made when first asked for. */
  lints?: readonly Diagnostic[];
}

type Move = (file: string | undefined, span: ast.Span) => ast.Span;

interface Dependencies {
  /** Everything the result depends on, as one string. */
  readonly key: string;
  /** The model, then every block reachable from it by name. */
  readonly decls: readonly { readonly file: string; readonly decl: ast.ModelDecl | ast.BlockDecl }[];
}

/** A result that cannot be moved: one of its spans is outside the declarations it depends on. */
class Unmovable extends Error {}

/** Checks models like `checkModel`, reusing results whose inputs did not change. */
export class ModelCache {
  private readonly kept = new Map<string, Kept>();
  /** Callee names by declaration text: a declaration moved by an edit above it is a new tree, same text. */
  private readonly callees = new Map<string, readonly string[]>();
  private readonly badDefaults = new WeakMap<ast.BlockDecl, boolean>();
  /** The kept result each model graph handed out came from, and how it was moved. */
  private readonly origins = new WeakMap<IrModel, { kept: Kept; move?: Move }>();

  constructor(private readonly parser: IncrementalParser) {}

  check: ModelCheck = (decl, file, namespace, instantiated) => {
    const dependencies = this.dependencies(decl, file, namespace);
    if (!dependencies) return checkModel(decl, file, namespace, instantiated);
    const kept = this.kept.get(dependencies.key);
    if (kept) {
      const reused = this.reuse(kept, dependencies);
      if (reused) {
        this.kept.delete(dependencies.key);
        this.kept.set(dependencies.key, kept);
        for (const k of kept.instantiated) instantiated.add(dependencies.decls[k]!.decl as ast.BlockDecl);
        return reused;
      }
    }
    const ran = new Set<ast.BlockDecl>();
    const result = checkModel(decl, file, namespace, ran);
    for (const block of ran) instantiated.add(block);
    const indices = [...ran].map((block) => dependencies.decls.findIndex((d) => d.decl === block));
    if (!indices.includes(-1)) {
      const kept: Kept = {
        anchors: dependencies.decls.map((d) => ({ file: d.file, span: d.decl.span })),
        model: result.model,
        diagnostics: result.diagnostics,
        instantiated: indices,
      };
      this.kept.set(dependencies.key, kept);
      this.origins.set(result.model, { kept });
      if (this.kept.size > 512) this.kept.delete(this.kept.keys().next().value!);
    }
    return result;
  };

  /** The kept result moved to where its declarations are now, or undefined when it cannot be. */
  private reuse(kept: Kept, now: Dependencies): { model: IrModel; diagnostics: readonly Diagnostic[] } | undefined {
    const deltas = kept.anchors.map((a, k) => now.decls[k]!.decl.span.start - a.span.start);
    if (deltas.every((d) => d === 0)) {
      this.origins.set(kept.model, { kept });
      return kept;
    }
    const move: Move = (file, span) => {
      const k = kept.anchors.findIndex((a) => a.file === file && a.span.start <= span.start && span.end <= a.span.end);
      if (k < 0) throw new Unmovable();
      return { start: span.start + deltas[k]!, end: span.end + deltas[k]! };
    };
    try {
      const model = relocatedModel(kept.model, move);
      this.origins.set(model, { kept, move });
      return { model, diagnostics: relocated(kept.diagnostics, undefined, move) };
    } catch (error) {
      if (error instanceof Unmovable) return undefined;
      throw error;
    }
  }

  /**
   * Lints like `lintProgram`, each model's kept with its result: lints read one model at a time, and
   * the loss lints a train block and its model.
   */
  lint = (program: IrProgram): Diagnostic[] => {
    const trained = program.models.filter((m) => program.trains.some((t) => t.model === m.name));
    return uniqueDiagnostics([
      ...program.models.flatMap((model) => this.lintsOf(model)),
      ...lintProgram({ ...program, models: trained }),
    ]);
  };

  private lintsOf(model: IrModel): readonly Diagnostic[] {
    const lintOne = (m: IrModel) => lintProgram({ file: m.location.file, models: [m], trains: [] });
    const origin = this.origins.get(model);
    if (!origin) return lintOne(model);
    const lints = (origin.kept.lints ??= lintOne(origin.kept.model));
    if (!origin.move) return lints;
    try {
      return relocated(lints, undefined, origin.move);
    } catch (error) {
      if (error instanceof Unmovable) return lintOne(model);
      throw error;
    }
  }

  /**
   * What checking `decl` reads: its text, and for every name it calls (over-approximated by every callee in
   * it) what the name means in scope, recursively through the blocks it names. Undefined when the result
   * cannot be kept.
   */
  private dependencies(decl: ast.ModelDecl, file: string, namespace: Namespace): Dependencies | undefined {
    const text = this.parser.stableText.get(decl);
    if (text === undefined) return undefined;
    const parts: string[] = [file, text];
    const decls: { file: string; decl: ast.ModelDecl | ast.BlockDecl }[] = [{ file, decl }];
    const namespaces = new Map<Namespace, number>();
    const visit = (scope: Namespace, names: readonly string[]): boolean => {
      let id = namespaces.get(scope);
      if (id === undefined) {
        id = namespaces.size;
        namespaces.set(scope, id);
        parts.push(`scope ${id}: ${[...scope.keys()].join(" ")}`);
      }
      for (const name of names) {
        const def = scope.get(name);
        if (def === undefined) continue;
        if (def === null) {
          parts.push(`${id}.${name} = null`);
          continue;
        }
        const known = decls.findIndex((d) => d.decl === def.decl);
        parts.push(`${id}.${name} = ${known >= 0 ? known : decls.length}`);
        if (known >= 0) continue;
        const blockText = this.parser.stableText.get(def.decl);
        if (blockText === undefined || this.hasBadDefaults(def)) return false;
        decls.push({ file: def.file, decl: def.decl });
        parts.push(def.file, blockText);
        if (!visit(def.namespace, this.calleesOf(def.decl, blockText))) return false;
      }
      return true;
    };
    if (!visit(namespace, this.calleesOf(decl, text))) return undefined;
    return { key: parts.join("\n\u0000"), decls };
  }

  /** Every callee name in a declaration, in order, each once. */
  private calleesOf(decl: ast.ModelDecl | ast.BlockDecl, text: string): readonly string[] {
    let names = this.callees.get(text);
    if (!names) {
      const found = new Set<string>();
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value !== null && typeof value === "object") {
          const node = value as { kind?: string; callee?: ast.Ident };
          if (node.kind === "call" && node.callee) found.add(node.callee.text);
          for (const key in node) if (key !== "span") walk((node as Record<string, unknown>)[key]);
        }
      };
      walk(decl.body);
      names = [...found];
      if (this.callees.size >= 4096) this.callees.clear();
      this.callees.set(text, names);
    }
    return names;
  }

  /** A block whose default values have problems: they are reported at its first call in the file only. */
  private hasBadDefaults(def: BlockDef): boolean {
    let bad = this.badDefaults.get(def.decl);
    if (bad === undefined) {
      bad = def.decl.params.some(
        (p) =>
          p.defaultValue !== null && evaluate(p.defaultValue, emptyScope, def.file, new Map()).diagnostics.length > 0,
      );
      this.badDefaults.set(def.decl, bad);
    }
    return bad;
  }
}

/** A model graph with its locations moved (the rest of it does not depend on where the text is). */
function relocatedModel(model: IrModel, move: Move): IrModel {
  const at = (location: Location): Location => ({ file: location.file, span: move(location.file, location.span) });
  return {
    ...model,
    inputs: model.inputs.map((input) => ({ ...input, location: at(input.location) })),
    layers: model.layers.map((layer) => ({
      ...layer,
      location: at(layer.location),
      ...(layer.site ? { site: at(layer.site) } : {}),
    })),
    location: at(model.location),
  };
}

/** A copy with every `span` moved by `move`, given the `file` of the object that holds it. */
function relocated<T>(value: T, file: string | undefined, move: Move): T {
  if (Array.isArray(value)) return value.map((v) => relocated(v, file, move)) as T;
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const here = typeof record["file"] === "string" ? (record["file"] as string) : file;
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const v = record[key];
    if (key === "span") out[key] = move(here, v as ast.Span);
    // A layer's tfjs config holds no source positions.
    else if (key === "tfjs" || typeof v !== "object") out[key] = v;
    else out[key] = relocated(v, here, move);
  }
  return out as T;
}

/** The parser and the model checker of one server, for `checkSource`'s `reuse` option. */
export class Reuse {
  readonly parser = new IncrementalParser();
  private readonly models = new ModelCache(this.parser);
  readonly parse = this.parser.parse;
  readonly checkModel = this.models.check;
  readonly lint = this.models.lint;
}
