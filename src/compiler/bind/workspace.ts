/**
 * Bind: the blocks a file can call, its own and those it imports, with imports resolved relative to the
 * importing file. Each block remembers its file and that file's namespace, so an imported block that calls
 * its own helpers works, and an error inside it is shown in the file that has it.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type * as ast from "../syntax/ast.js";
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import { parse } from "../syntax/index.js";
import { didYouMean } from "../diagnostics/suggest.js";

export interface BlockDef {
  readonly decl: ast.BlockDecl;
  readonly file: string;
  readonly namespace: Namespace;
}

/** A model that a body may call like a block (`Base(weights: "runs/Base")`): its own file's, or an imported one. */
export interface ModelDef {
  readonly decl: ast.ModelDecl;
  readonly file: string;
  readonly namespace: Namespace;
}

/**
 * Block names in scope; `null` marks an imported name whose import failed (reported once, at the import).
 * `models` holds the models in scope by name, the file's own and imported ones (absent: none).
 */
export type Namespace = ReadonlyMap<string, BlockDef | null> & {
  readonly models?: ReadonlyMap<string, ModelDef>;
};

/** Where source text comes from: the file system, or an editor's open documents first. */
export interface SourceHost {
  readFile(path: string): string | undefined;
}

export const fileSystemHost: SourceHost = {
  readFile(path) {
    const read = readSourceFile(path);
    return "text" in read ? read.text : undefined;
  },
};

/** Why a spec cannot be read: a reason for NN1004 and NN2010, or its size when it is too large (NN2024). */
export type Unreadable = { readonly reason: string } | { readonly size: number; readonly limit: number };

/**
 * Reads a spec, or says why not. Only a regular file of at most `limits.sourceBytes` is read: a device
 * (`/dev/zero`) never ends, a FIFO blocks its reader until someone writes, and a huge file would be read
 * whole before the parser could refuse it. The kind and size are checked before reading (`stat`), and again
 * on the open file (`fstat`), which is opened without blocking in case it was swapped for a FIFO meanwhile;
 * at most one byte past the limit is ever read.
 */
export function readSourceFile(
  path: string,
  maxBytes: number = limits.sourceBytes.value,
): { readonly text: string } | Unreadable {
  let fd: number | undefined;
  try {
    const refused = refusal(statSync(path), maxBytes);
    if (refused) return refused;
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const stats = fstatSync(fd);
    const refusedOpen = refusal(stats, maxBytes);
    if (refusedOpen) return refusedOpen;
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    // The file grew after fstat.
    if (length > maxBytes) return { size: length, limit: maxBytes };
    return { text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason:
        code === "ENOENT" || code === "ENOTDIR"
          ? "no such file"
          : code === "EACCES"
            ? "permission denied"
            : String(code ?? error),
    };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Why a file of these stats is not read; undefined for a regular file within the limit. */
function refusal(stats: Stats, maxBytes: number): Unreadable | undefined {
  if (stats.isDirectory()) return { reason: "it is a directory" };
  if (stats.isFIFO()) return { reason: "it is a FIFO (named pipe), not a regular file" };
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return { reason: "it is a device, not a regular file" };
  if (!stats.isFile()) return { reason: "it is not a regular file" };
  if (stats.size > maxBytes) return { size: stats.size, limit: maxBytes };
  return undefined;
}

/** `1.5 MiB`, as NN1007 and NN2024 show a file's size. */
export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Loads files once each and builds their namespaces; collects every diagnostic met on the way. */
export class Workspace {
  readonly sources = new Map<string, string>();
  readonly diagnostics: Diagnostic[] = [];
  private readonly parsed = new Map<string, ast.SourceFile>();
  private readonly namespaces = new Map<string, Namespace>();

  constructor(
    private readonly host: SourceHost = fileSystemHost,
    /** How a text becomes a tree; the language server passes one that reuses the unchanged declarations. */
    private readonly parser: (text: string, path: string) => Result<ast.SourceFile> = parse,
  ) {}

  /** Parses a file whose text is known (the one being checked). */
  add(path: string, text: string): ast.SourceFile {
    const result = this.parser(text, path);
    this.sources.set(path, text);
    this.parsed.set(path, result.value);
    append(this.diagnostics, result.diagnostics);
    return result.value;
  }

  /** A file read so far, parsed. */
  parsedFile(path: string): ast.SourceFile | undefined {
    return this.parsed.get(path);
  }

  /** A file parsed, or why it cannot be: the host's text first (an editor's open document), then the disk. */
  private load(path: string): ast.SourceFile | Unreadable {
    const known = this.parsed.get(path);
    if (known) return known;
    const text = this.host.readFile(path);
    if (text !== undefined) return this.add(path, text);
    const read = readSourceFile(path);
    return "text" in read ? { reason: "it could not be read" } : read;
  }

  /** The namespace of a parsed file: its blocks, then the blocks it imports. */
  namespaceOf(source: ast.SourceFile, importing: readonly string[] = []): Namespace {
    const cached = this.namespaces.get(source.path);
    if (cached) return cached;
    const models = new Map<string, ModelDef>();
    const namespace = Object.assign(new Map<string, BlockDef | null>(), { models });
    this.namespaces.set(source.path, namespace);
    for (const decl of source.declarations) {
      if (decl.kind !== "block" || decl.name.recovered) continue;
      if (namespace.has(decl.name.text)) {
        this.report("NN2008", source.path, decl.name.span, { what: "block", name: decl.name.text });
      } else {
        namespace.set(decl.name.text, { decl, file: source.path, namespace });
      }
    }
    // The first model of each name that no block takes, as FileBinding checks them.
    for (const decl of source.declarations) {
      if (decl.kind !== "model" || decl.name.recovered) continue;
      if (!namespace.has(decl.name.text) && !models.has(decl.name.text))
        models.set(decl.name.text, { decl, file: source.path, namespace });
    }
    for (const decl of source.declarations) {
      if (decl.kind === "import" && !decl.recovered) this.import(decl, source.path, namespace, importing);
    }
    return namespace;
  }

  private import(
    decl: ast.ImportDecl,
    from: string,
    namespace: Map<string, BlockDef | null> & { readonly models: Map<string, ModelDef> },
    importing: readonly string[],
  ): void {
    const unresolved = () => {
      for (const name of decl.names) if (!namespace.has(name.text)) namespace.set(name.text, null);
    };
    const target = resolve(dirname(from), decl.from.value);
    const chain = [...importing, from];
    if (chain.includes(target)) {
      const cycle = [...chain.slice(chain.indexOf(target)), target].map((p) => relative(dirname(from), p) || p);
      this.report("NN2010", from, decl.from.span, {
        path: decl.from.value,
        reason: `import cycle ${cycle.join(" -> ")}`,
      });
      return unresolved();
    }
    // The spec and each file it imports count once, however often they are imported.
    if (!this.parsed.has(target) && this.parsed.size >= limits.imports.value) {
      this.diagnostics.push(
        diagnostic(
          "NN2025",
          { file: from, span: decl.from.span },
          { path: decl.from.value, limit: limits.imports.value },
        ),
      );
      return unresolved();
    }
    const source = this.load(target);
    if ("size" in source) {
      const args = { path: decl.from.value, size: mebibytes(source.size), limit: mebibytes(source.limit) };
      this.diagnostics.push(diagnostic("NN2024", { file: from, span: decl.from.span }, args));
      return unresolved();
    }
    if ("reason" in source) {
      this.report("NN2010", from, decl.from.span, { path: decl.from.value, reason: source.reason });
      return unresolved();
    }
    const exported = this.namespaceOf(source, chain);
    for (const name of decl.names) {
      const block = exported.get(name.text);
      const model = block ? undefined : exported.models?.get(name.text);
      if (model) {
        const own = namespace.models.get(name.text);
        if (namespace.has(name.text) || (own && own !== model))
          this.report("NN2008", from, name.span, { what: "model", name: name.text });
        else namespace.models.set(name.text, model);
      } else if (!block) {
        this.report(
          "NN2011",
          from,
          name.span,
          { name: name.text, path: decl.from.value },
          didYouMean(name.text, [...exported.keys(), ...(exported.models?.keys() ?? [])]),
        );
        if (!namespace.has(name.text)) namespace.set(name.text, null);
      } else if (namespace.has(name.text) && namespace.get(name.text) !== block) {
        this.report("NN2008", from, name.span, { what: "block", name: name.text });
      } else {
        namespace.set(name.text, block);
      }
    }
  }

  private report<C extends "NN2008" | "NN2010" | "NN2011">(
    code: C,
    file: string,
    span: ast.Span,
    args: Parameters<typeof diagnostic<C>>[2],
    hint?: string,
  ): void {
    this.diagnostics.push(diagnostic(code, { file, span }, args, hint === undefined ? {} : { hint }));
  }
}
