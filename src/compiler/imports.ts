/**
 * Phase 2a: the blocks a file can call, its own and those it imports, with imports resolved relative to the
 * importing file. Each block remembers its file and that file's namespace, so an imported block that calls
 * its own helpers works, and an error inside it is shown in the file that has it.
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic, type Result } from "./diagnostics.js";
import { parse } from "./parse.js";
import { didYouMean } from "./suggest.js";

export interface BlockDef {
  readonly decl: ast.BlockDecl;
  readonly file: string;
  readonly namespace: Namespace;
}

/** Block names in scope; `null` marks an imported name whose import failed (reported once, at the import). */
export type Namespace = ReadonlyMap<string, BlockDef | null>;

/** Where source text comes from: the file system, or an editor's open documents first. */
export interface SourceHost {
  readFile(path: string): string | undefined;
}

export const fileSystemHost: SourceHost = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

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
    this.diagnostics.push(...result.diagnostics);
    return result.value;
  }

  /** A file read so far, parsed. */
  parsedFile(path: string): ast.SourceFile | undefined {
    return this.parsed.get(path);
  }

  private load(path: string): ast.SourceFile | undefined {
    const known = this.parsed.get(path);
    if (known) return known;
    const text = this.host.readFile(path);
    return text === undefined ? undefined : this.add(path, text);
  }

  /** The namespace of a parsed file: its blocks, then the blocks it imports. */
  namespaceOf(source: ast.SourceFile, importing: readonly string[] = []): Namespace {
    const cached = this.namespaces.get(source.path);
    if (cached) return cached;
    const namespace = new Map<string, BlockDef | null>();
    this.namespaces.set(source.path, namespace);
    for (const decl of source.declarations) {
      if (decl.kind !== "block" || decl.name.recovered) continue;
      if (namespace.has(decl.name.text)) {
        this.report("NN2008", source.path, decl.name.span, { what: "block", name: decl.name.text });
      } else {
        namespace.set(decl.name.text, { decl, file: source.path, namespace });
      }
    }
    for (const decl of source.declarations) {
      if (decl.kind === "import" && !decl.recovered) this.import(decl, source.path, namespace, importing);
    }
    return namespace;
  }

  private import(
    decl: ast.ImportDecl,
    from: string,
    namespace: Map<string, BlockDef | null>,
    importing: readonly string[],
  ): void {
    const unresolved = () => {
      for (const name of decl.names) if (!namespace.has(name.text)) namespace.set(name.text, null);
    };
    const target = resolve(dirname(from), decl.from.value);
    const chain = [...importing, from];
    if (chain.includes(target)) {
      const cycle = [...chain.slice(chain.indexOf(target)), target].map((p) => relative(dirname(from), p) || p);
      this.report("NN2010", from, decl.from.span, { path: decl.from.value, reason: `import cycle ${cycle.join(" -> ")}` });
      return unresolved();
    }
    const source = this.load(target);
    if (!source) {
      this.report("NN2010", from, decl.from.span, { path: decl.from.value, reason: "no such file" });
      return unresolved();
    }
    const exported = this.namespaceOf(source, chain);
    for (const name of decl.names) {
      const block = exported.get(name.text);
      if (!block) {
        this.report("NN2011", from, name.span, { name: name.text, path: decl.from.value }, didYouMean(name.text, exported.keys()));
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
