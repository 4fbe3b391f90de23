/**
 * No command writes over its own input: `nnc compile x.nn -o x.nn` would replace the spec, `nnc predict
 * --input r.csv -o r.csv` the rows. Every command with an output option asks `overwrittenInput` before it
 * writes, with every file it read (the spec and its imports, data files, the run folder's files). Two paths
 * are the same file when their real paths are equal (a symbolic link to the input, or a folder reached through
 * one) or when they share a device and inode (a hard link). Only node:fs, at no cost to `nnc check`'s start.
 */
import { mkdirSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";

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
 * The one-line error for writing `output` when it is one of `inputs` (by path, link or inode), lies inside a
 * folder among them (an `images(...)` folder: a file written there would be read as data next time), or is not
 * a file nnc can replace (a folder, a device such as /dev/null, a pipe); undefined when none of these holds.
 * `flag` is the option that named the output (`-o`).
 */
export function overwrittenInput(output: string, inputs: readonly string[], flag: string): string | undefined {
  const out = identify(output);
  const kind = specialKind(output);
  if (kind) return `${flag} ${output}: that is ${kind}, not a file; nnc writes only files (give a file name)`;
  for (const input of inputs) {
    const id = identify(input);
    const same = id.real === out.real || (out.inode !== undefined && id.inode === out.inode);
    const shown = displayPath(path.resolve(input));
    if (!same) {
      if (isFolder(id.real) && out.real.startsWith(id.real + path.sep)) {
        return `${flag} ${output}: that is inside ${shown}, a folder this command reads as data; write the output elsewhere`;
      }
      continue;
    }
    const how =
      path.resolve(input) === path.resolve(output) ? "" : ` (${displayPath(path.resolve(output))} is a link to it)`;
    return `${flag} ${output}: that is ${shown}${how}, which this command reads; write the output to another file`;
  }
  return undefined;
}

function isFolder(real: string): boolean {
  try {
    return statSync(real).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What an existing `file` (or what a link there points to) is when it is not a regular file: "a folder", "a
 * device", "a pipe", "a socket"; undefined for a regular file or none.
 */
export function specialKind(file: string): string | undefined {
  let stats;
  try {
    stats = statSync(path.resolve(file));
  } catch {
    return undefined;
  }
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a pipe";
  if (stats.isSocket()) return "a socket";
  return "a device";
}

/**
 * The first of `base`, `base-2`, `base-3`, ... that this call could create, created (empty) and returned:
 * where a run goes when no folder is named, so that training a spec again keeps the earlier run (`runs/Iris`,
 * then `runs/Iris-2`). Each name is claimed with a `mkdir` that fails when it exists, so two runs started at
 * once never get the same folder; `openRunFolder` takes the empty folder. Past 10,000 runs it gives the last
 * name unclaimed, which opening then refuses as holding an earlier run. Synchronous and free of tfjs: the CLI
 * calls it before tfjs loads.
 */
export function freshRunFolder(base: string): string {
  try {
    mkdirSync(path.dirname(base), { recursive: true });
  } catch {
    // runs/ cannot be made (a link to a missing folder, a file in the way): opening the run folder says why.
    return base;
  }
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (error) {
      // Anything but a taken name (a file in the way, no permission) is for opening the folder to report.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 10_000) return candidate;
    }
  }
}

/**
 * The one-line error when a file nnc writes into the run folder `dir` (`names`, relative: its own files and
 * folders, and the callbacks' files) is one of `inputs` or, for a folder, holds one; undefined when none is.
 * `nnc train --out . --overwrite` next to a data file called `history.json` must not replace it.
 */
export function runFolderOverInput(
  dir: string,
  names: readonly string[],
  inputs: readonly string[],
): string | undefined {
  const inputIds = inputs.map((input) => ({ input, id: identify(input) }));
  const folder = identify(dir).real;
  for (const { input, id } of inputIds) {
    if (!isFolder(id.real) || !(folder === id.real || folder.startsWith(id.real + path.sep))) continue;
    const shown = displayPath(path.resolve(input));
    return `--out ${displayPath(dir)}: that is inside ${shown}, a folder this run reads as data; choose another run folder`;
  }
  for (const name of names) {
    const target = identify(path.join(dir, name));
    for (const { input, id } of inputIds) {
      const same = id.real === target.real || (target.inode !== undefined && id.inode === target.inode);
      if (!same && !id.real.startsWith(`${target.real}${path.sep}`)) continue;
      const shown = displayPath(path.resolve(input));
      const what = same
        ? `would write ${name} there, which is ${shown}`
        : `would write into ${name}/ there, which holds ${shown}`;
      return `--out ${displayPath(dir)}: nnc ${what}, an input of this run; choose another run folder`;
    }
  }
  return undefined;
}
