/**
 * The one way nnc writes a file a user keeps: a temporary file in the same directory, renamed over the
 * target. A crash or kill mid-write leaves the old file (or none), never half of one. Used by the CLI and the
 * runtime alike; it imports nothing heavy.
 */
import { randomBytes } from "node:crypto";
import { rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export interface WriteOptions {
  /** Keep the permissions of the file being replaced (for rewriting sources in place). */
  readonly keepMode?: boolean;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const mode = options.keepMode ? (await stat(file)).mode : undefined;
    await writeFile(temporary, data, mode === undefined ? {} : { mode });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
