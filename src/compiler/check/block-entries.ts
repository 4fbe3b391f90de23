/**
 * The `key: value` entries of a train or sweep block, by key: one walk for both blocks, each with its own codes.
 */
import type * as ast from "../syntax/ast.js";

/** How a block reports the problems of its entries (train: NN4002, NN4008, NN4001; sweep: NN4070, NN4072, NN4071). */
export interface EntryProblems {
  /** A key the block does not take (`names` lists those it does, for a did-you-mean). */
  unknown(entry: ast.TrainEntry, names: readonly string[]): void;
  /** A key given a second time: the later entry. */
  repeated(entry: ast.TrainEntry): void;
  /** A required key the block lacks. */
  missing(key: string): void;
}

/**
 * `decl`'s entries by key, the first of each: entries recovery invented or cut short are skipped, and keys are
 * not reported missing from a declaration recovery cut short (it may have lost them; that would be a cascade).
 */
export function collectEntries(
  decl: ast.TrainDecl | ast.SweepDecl,
  keys: readonly { readonly name: string; readonly required: boolean }[],
  problems: EntryProblems,
): Map<string, ast.TrainEntry> {
  const names = keys.map((k) => k.name);
  const entries = new Map<string, ast.TrainEntry>();
  for (const entry of decl.entries) {
    if (entry.recovered || entry.key.recovered) continue;
    const key = entry.key.text;
    if (!names.includes(key)) problems.unknown(entry, names);
    else if (entries.has(key)) problems.repeated(entry);
    else entries.set(key, entry);
  }
  if (!decl.recovered) for (const key of keys) if (key.required && !entries.has(key.name)) problems.missing(key.name);
  return entries;
}
