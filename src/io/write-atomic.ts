/**
 * The one way nnc writes a file a user keeps: a temporary file in the same directory, renamed over the
 * target. A crash or kill mid-write leaves the old file (or none), never half of one. Used by the CLI and the
 * runtime alike; it imports nothing heavy (not even node:crypto, which `nnc check` would load for it).
 */
// `fs.promises` rather than node:fs/promises: Node loads that (with readline and streams) on first use only.
import { promises as fs } from "node:fs";
import path from "node:path";

export interface WriteOptions {
  /** Keep the permissions of the file being replaced (for rewriting sources in place). */
  readonly keepMode?: boolean;
}

export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
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

let written = 0;

/** Unique among this process's writes (a counter) and across processes (the pid, and chance for another host's). */
function temporarySuffix(): string {
  return `${process.pid}-${++written}-${Math.random().toString(36).slice(2, 8)}`;
}
