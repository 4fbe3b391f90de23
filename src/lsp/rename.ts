/**
 * Renaming a block across files: its definition, its calls, and every `import { name }` of it with the
 * calls that follow, in the open documents and in the `.nn` files of the workspace folders on disk. A file
 * takes part when, read the way the checker reads it, the name it uses means that very block (an import of
 * an import counts: a file's imports are in its namespace).
 */
import { lstatSync, opendirSync, type Dir } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from "node:path";
import { append } from "../compiler/base/arrays.js";
import type { Span } from "../compiler/syntax/ast.js";
import { Workspace, type SourceHost } from "../compiler/bind/workspace.js";
import { limits } from "../compiler/base/limits.js";
import type { Reuse } from "./incremental.js";
import { bindFile, type FileBinding, type Occurrence } from "../compiler/bind/index.js";
import { lookupLayer } from "../compiler/registry/layers/index.js";

/** The edits of one file, with the text they apply to. */
export interface FileEdits {
  readonly path: string;
  readonly text: string;
  readonly spans: readonly Span[];
}

/** Dependency and build folders; hidden ones (`.git` among them) are skipped too. */
const skipped = new Set(["node_modules", "dist", "build", "out", "coverage"]);

/** The `.nn` files a walk found, and whether it stopped at its cap before it had seen everything. */
export interface Walk {
  readonly files: string[];
  readonly capped: boolean;
}

/**
 * The `.nn` files under the folders, depth first; only those directly in them when not `recursive`. A walk
 * never follows a symbolic link (to a folder or a file), skips hidden and build folders, takes only regular
 * files no larger than a spec may be, and stops after looking at `cap` files and folders in all.
 */
export function nnFilesUnder(
  roots: readonly string[],
  recursive = true,
  cap: number = limits.workspaceEntries.value,
): Walk {
  const files: string[] = [];
  let seen = 0;
  // Folders still to read, last first: no recursion, however deep the tree.
  const pending = [...roots].reverse();
  while (pending.length > 0 && seen < cap) {
    const dir = pending.pop()!;
    const subfolders: string[] = [];
    // Read entry by entry (not readdirSync's whole list): a folder of a million entries costs only the cap.
    let handle: Dir;
    try {
      handle = opendirSync(dir);
    } catch {
      continue;
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (++seen > cap) break;
        if (entry.name.startsWith(".")) continue;
        const path = join(dir, entry.name);
        // A Dirent's type is the entry's own (lstat's): a link is neither a folder nor a file here.
        if (entry.isDirectory()) {
          if (recursive && !skipped.has(entry.name)) subfolders.push(path);
        } else if (entry.isFile() && entry.name.endsWith(".nn") && sizeOf(path) <= limits.sourceBytes.value) {
          files.push(path);
        }
      }
    } catch {
      // A folder that fails part way: what was read of it counts.
    } finally {
      handle.closeSync();
    }
    append(pending, subfolders.reverse());
  }
  return { files, capped: seen > cap || (seen === cap && pending.length > 0) };
}

function sizeOf(path: string): number {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? stat.size : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Whether a workspace folder may be walked: never the file system's root, the home folder or a folder that
 * holds it (a client that opens `/` or `~` as its workspace does not mean every file on the disk).
 */
export function walkable(root: string): boolean {
  const dir = resolve(root);
  if (dir === parse(dir).root) return false;
  const toHome = relative(dir, homedir());
  return toHome.split(sep)[0] === ".." || isAbsolute(toHome);
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
    const binding = bindFile(source, workspace.namespaceOf(source));
    const spans = binding
      .occurrences()
      .filter((o) => o.symbol.key === key)
      .map((o) => o.span);
    if (spans.length > 0) result.push({ path, text, spans });
  }
  return result;
}

/**
 * Where importers are looked for: the workspace folders that may be walked, or, when the client names none
 * (or only `/` or a home folder), the folders of the files involved, without their subfolders. `refused` are
 * the workspace folders not walked.
 */
export function candidateFiles(
  roots: readonly string[],
  involved: readonly string[],
  cap: number = limits.workspaceEntries.value,
): Walk & { readonly refused: readonly string[] } {
  const allowed = roots.filter(walkable);
  const refused = roots.filter((root) => !walkable(root));
  if (allowed.length > 0) return { ...nnFilesUnder(allowed, true, cap), refused };
  return { ...nnFilesUnder([...new Set(involved.map((p) => dirname(p)))], false, cap), refused };
}

/**
 * Why renaming `occurrence`'s symbol to `newName` would change what the spec means, or undefined when it would
 * not: nothing may be named `_`; a tensor, shared layer or parameter may not take the name of another tensor,
 * shared layer or parameter of its body (its uses would read that one), and a shared layer, a parameter, a block
 * or a model not the name of a block, a model or a layer kind in scope (a shared layer's uses are calls, which
 * would call that one; a parameter spelled like a layer kind or block is NN2043's clash).
 */
export function renameClash(binding: FileBinding, occurrence: Occurrence, newName: string): string | undefined {
  const { symbol } = occurrence;
  if (symbol.name === newName) return undefined;
  if (newName === "_") return "'_' drops a value: it cannot name one";
  if (symbol.kind === "tensor" || symbol.kind === "layer" || symbol.kind === "param") {
    const body = binding.bodyAt(occurrence.span.start);
    const taken = body?.occurrences.find((o) => o.symbol.name === newName && o.symbol.kind !== "block");
    const what = { param: "parameter", layer: "shared layer" }[taken?.symbol.kind as string] ?? "tensor";
    if (taken) return `'${newName}' is already a ${what} here`;
    // A shared layer's uses are calls: named as a layer kind or block, it would take the calls of that one.
    if (symbol.kind === "tensor") return undefined;
  }
  if (binding.namespace.get(newName)) return `'${newName}' is already a block in this file`;
  if (binding.models.has(newName)) return `'${newName}' is already a model in this file`;
  if ((symbol.kind === "block" || symbol.kind === "layer" || symbol.kind === "param") && lookupLayer(newName))
    return `'${newName}' is a layer kind`;
  return undefined;
}
