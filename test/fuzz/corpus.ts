/**
 * The fuzzer's seeds: the examples and the checker's fixtures, read once. Checks read imports from this
 * corpus only (an in-memory SourceHost, as the language server's open documents are), so a mutated import
 * never reaches the disk and every run of a seed reads the same files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { SourceHost } from "../../src/compiler/bind/workspace.js";

export const repo = join(import.meta.dirname, "..", "..");

export interface Seed {
  /** Absolute path: diagnostics name it and relative imports resolve from it. */
  readonly path: string;
  /** Path from the repository, for reports. */
  readonly name: string;
  readonly text: string;
}

function nnFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".nn"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export const seeds: readonly Seed[] = [join(repo, "examples"), join(repo, "test", "fixtures", "check")]
  .flatMap(nnFiles)
  .map((path) => ({ path, name: relative(repo, path), text: readFileSync(path, "utf8") }));

const byPath = new Map(seeds.map((s) => [s.path, s.text]));

/** Imports resolve to the corpus's own files; anything else is a missing file. */
export const corpusHost: SourceHost = { readFile: (path) => byPath.get(path) };
