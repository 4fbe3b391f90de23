/**
 * The one way nnc writes a file a user keeps: a temporary file in the same directory, renamed over the
 * target. A crash or kill mid-write leaves the old file (or none), never half of one. Used by the CLI and the
 * runtime alike; it imports nothing heavy (not even node:crypto, which `nnc check` would load for it).
 */
// `fs.promises` rather than node:fs/promises: Node loads that (with readline and streams) on first use only.
import { promises as fs } from "node:fs";
import path from "node:path";

/** Refused before a byte is written: the target is a folder, a device, a pipe or a socket, not a file. */
export class WriteRefused extends Error {
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`cannot write ${file}: it is ${kind}, not a file`);
  }
}

export interface WriteOptions {
  /** Keep the permissions of the file being replaced (for rewriting sources in place). */
  readonly keepMode?: boolean;
}

/**
 * Writes `data` to `file` atomically. A symbolic link is written through (its target is replaced, the link
 * kept); a folder, device (/dev/null), pipe or socket is never replaced by a file: `WriteRefused`.
 */
export async function writeFileAtomic(
  given: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const file = await regularTarget(given);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${temporarySuffix()}.tmp`);
  try {
    const mode = options.keepMode ? (await fs.stat(file)).mode : undefined;
    await fs.writeFile(temporary, data, mode === undefined ? {} : { mode });
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** The file a write to `file` replaces: `file`, or the file a link there points to (which may not exist yet). */
async function regularTarget(file: string): Promise<string> {
  let target = file;
  for (let links = 0; links < 40; links++) {
    let stats;
    try {
      stats = await fs.lstat(target);
    } catch {
      return target;
    }
    if (stats.isFile()) return target;
    if (!stats.isSymbolicLink()) {
      const kind = stats.isDirectory()
        ? "a folder"
        : stats.isFIFO()
          ? "a pipe"
          : stats.isSocket()
            ? "a socket"
            : "a device";
      throw new WriteRefused(file, kind);
    }
    target = path.resolve(path.dirname(target), await fs.readlink(target));
  }
  throw new WriteRefused(file, "a chain of more than 40 links");
}

let written = 0;

/** Unique among this process's writes (a counter) and across processes (the pid, and chance for another host's). */
function temporarySuffix(): string {
  return `${process.pid}-${++written}-${Math.random().toString(36).slice(2, 8)}`;
}
