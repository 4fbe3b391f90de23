/**
 * No command writes over its own input: `nnc compile x.nn -o x.nn` would replace the spec, `nnc predict
 * --input r.csv -o r.csv` the rows. Every command with an output option asks `overwrittenInput` before it
 * writes, with every file it read (the spec and its imports, data files, the run folder's files). Two paths
 * are the same file when their real paths are equal (a symbolic link to the input, or a folder reached through
 * one) or when they share a device and inode (a hard link). Only node:fs, at no cost to `nnc check`'s start.
 */
import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../compiler/render.js";

interface Identity {
  /** The real path, or for a file that does not exist yet, its folder's real path and its name. */
  readonly real: string;
  /** `dev:ino` of an existing file. */
  readonly inode?: string;
}

function identify(file: string): Identity {
  const absolute = path.resolve(file);
  try {
    const real = realpathSync(absolute);
    const stats = statSync(real, { bigint: true });
    return { real, inode: `${stats.dev}:${stats.ino}` };
  } catch {
    try {
      return { real: path.join(realpathSync(path.dirname(absolute)), path.basename(absolute)) };
    } catch {
      return { real: absolute };
    }
  }
}

/**
 * The one-line error for writing `output` when it is one of `inputs` (by path, link or inode), or undefined
 * when it is none of them. `flag` is the option that named the output (`-o`).
 */
export function overwrittenInput(output: string, inputs: readonly string[], flag: string): string | undefined {
  const out = identify(output);
  for (const input of inputs) {
    const id = identify(input);
    const same = id.real === out.real || (out.inode !== undefined && id.inode === out.inode);
    if (!same) continue;
    const shown = displayPath(path.resolve(input));
    const how =
      path.resolve(input) === path.resolve(output) ? "" : ` (${displayPath(path.resolve(output))} is a link to it)`;
    return `${flag} ${output}: that is ${shown}${how}, which this command reads; write the output to another file`;
  }
  return undefined;
}
