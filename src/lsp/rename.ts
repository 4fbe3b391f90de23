/**
 * Renaming a block across files: its definition, its calls, and every `import { name }` of it with the
 * calls that follow, in the open documents and in the `.nn` files of the workspace folders on disk. A file
 * takes part when, read the way the checker reads it, the name it uses means that very block (an import of
 * an import counts: a file's imports are in its namespace).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Span } from "../compiler/ast.js";
import { Workspace, type SourceHost } from "../compiler/imports.js";
import type { Reuse } from "./incremental.js";
import { buildIndex } from "./symbols.js";

/** The edits of one file, with the text they apply to. */
export interface FileEdits {
  readonly path: string;
  readonly text: string;
  readonly spans: readonly Span[];
}

/** Files read at most when looking for importers: a workspace is a project, not a home directory. */
const MAX_FILES = 5000;
const skipped = new Set(["node_modules", "dist", "build", "out", "coverage"]);

/**
 * The `.nn` files under the folders, depth first, without hidden and build folders; only those directly in
 * them when not `recursive`.
 */
export function nnFilesUnder(roots: readonly string[], recursive = true): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= MAX_FILES) return;
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive && !skipped.has(entry.name)) walk(path);
      } else if (entry.isFile() && entry.name.endsWith(".nn")) found.push(path);
    }
  };
  for (const root of roots) walk(root);
  return found;
}

/**
 * Every place that names the block `name` defined in `definitionFile`, grouped by file. `candidates` are the
 * files to look in (the definition's file is always looked in).
 */
export function blockOccurrences(
  name: string,
  definitionFile: string,
  candidates: readonly string[],
  host: SourceHost,
  reuse: Reuse,
): FileEdits[] {
  const key = `block:${definitionFile}:${name}`;
  const result: FileEdits[] = [];
  for (const path of new Set([definitionFile, ...candidates])) {
    const text = host.readFile(path);
    // A file that does not contain the name cannot name the block.
    if (text === undefined || !text.includes(name)) continue;
    const workspace = new Workspace(host, reuse.parse);
    const source = workspace.add(path, text);
    const index = buildIndex(source, workspace.namespaceOf(source));
    const spans = index.occurrences.filter((o) => o.symbol.key === key).map((o) => o.span);
    if (spans.length > 0) result.push({ path, text, spans });
  }
  return result;
}

/**
 * Where importers are looked for: the workspace folders, or, when the client names none, the folders of the
 * files involved (without their subfolders).
 */
export function candidateFiles(roots: readonly string[], involved: readonly string[]): string[] {
  if (roots.length > 0) return nnFilesUnder(roots);
  return nnFilesUnder([...new Set(involved.map((p) => dirname(p)))], false);
}
