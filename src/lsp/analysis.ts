/**
 * What the server knows about a document: the checker's diagnostics (exactly what `nnc check` reports), and,
 * on demand, the syntax tree, the blocks in scope and the checked program, for hover, completion and
 * navigation. Text comes from open documents first, then from disk (cached until the file changes).
 */
import { statSync } from "node:fs";
import type * as ast from "../compiler/syntax/ast.js";
import { checkProgram } from "../compiler/check/index.js";
import { checkSource, type CheckResult } from "../compiler/index.js";
import {
  bindFile,
  fileSystemHost,
  Workspace,
  type FileBinding,
  type Namespace,
  type SourceHost,
} from "../compiler/bind/index.js";
import type { IrProgram } from "../compiler/ir/index.js";
import type { Reuse } from "./incremental.js";

/** Open documents' text by path, then the file system; a file on disk is read again only when it changes. */
export class DocumentHost implements SourceHost {
  private readonly open = new Map<string, string>();
  private readonly disk = new Map<string, { stamp: string; text: string | undefined }>();

  /** Paths of the open documents. */
  openPaths(): string[] {
    return [...this.open.keys()];
  }

  setOpen(path: string, text: string | undefined): void {
    if (text === undefined) this.open.delete(path);
    else this.open.set(path, text);
  }

  readFile(path: string): string | undefined {
    const open = this.open.get(path);
    if (open !== undefined) return open;
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return undefined;
    }
    const cached = this.disk.get(path);
    if (cached && cached.stamp === stamp) return cached.text;
    const text = fileSystemHost.readFile(path);
    this.disk.set(path, { stamp, text });
    return text;
  }
}

/** The parsed and checked document, with every shape the checker found, errors or not. */
export interface Semantic {
  readonly source: ast.SourceFile;
  readonly namespace: Namespace;
  /** What every name in the document means (bind/): hover, navigation, rename and completion read it. */
  readonly binding: FileBinding;
  readonly program: IrProgram;
  /** Texts of the document and everything it imports. */
  readonly sources: ReadonlyMap<string, string>;
}

export class Analysis {
  readonly check: CheckResult;
  private semanticCache: Semantic | undefined;

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly host: SourceHost,
    /** Parsing and model checks kept from earlier analyses (the result is the same as without). */
    private readonly reuse?: Reuse,
  ) {
    this.check = checkSource(text, file, host, reuse ? { reuse } : {});
  }

  /** Files this document read besides itself: a change in one of them means checking it again. */
  dependencies(): string[] {
    return [...this.check.sources.keys()].filter((path) => path !== this.file);
  }

  get semantic(): Semantic {
    if (!this.semanticCache) {
      const workspace = new Workspace(this.host, this.reuse?.parse);
      const source = workspace.add(this.file, this.text);
      const namespace = workspace.namespaceOf(source);
      const binding = bindFile(source, namespace);
      const program = checkProgram(binding, this.reuse?.checkModel).value;
      this.semanticCache = { source, namespace, binding, program, sources: workspace.sources };
    }
    return this.semanticCache;
  }
}
