/**
 * The lock of a run folder (`.nnc-run.lock`): one `nnc train` at a time trains into a folder, or two would
 * replace each other's checkpoints. The lock file is created exclusively ('wx') and holds the PID, the host
 * and a token; a second run is refused (NN4014) naming the PID. A lock whose process is gone (killed with
 * SIGKILL, or a machine restarted) is stale and taken over. It is released when the run ends, fails or is
 * interrupted, and at exit even after `process.exit` (a second Ctrl-C).
 */
import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";
import { lockFile, reservedPrefix } from "../compiler/registry/run-files.js";
import { NncUserError } from "./errors.js";

/** Locks held by this process (lock file -> token), released at exit even after `process.exit`. */
const held = new Map<string, string>();
let exitHook = false;

/** Takes the lock of the run folder `root` (shown as `shown`); returns the token that releases it. */
export async function takeLock(root: string, shown: string): Promise<string> {
  const file = path.join(root, lockFile);
  const busy = (holder: string) =>
    new NncUserError(
      "NN4014",
      { path: shown, holder },
      `wait for it to end; if no nnc is training there, delete ${displayPath(file)}`,
    );
  if (held.has(file)) throw busy(`PID ${process.pid}, this same process`);
  const token = randomBytes(8).toString("hex");
  const text = `${JSON.stringify({ pid: process.pid, host: hostname(), token })}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await fs.writeFile(file, text, { flag: "wx" });
      held.set(file, token);
      if (!exitHook) process.on("exit", releaseAllSync);
      exitHook = true;
      return token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new NncUserError("NN4013", {
          path: shown,
          reason: `cannot write there (${errorReason(error as NodeJS.ErrnoException)})`,
        });
    }
    const owner = await readLock(file);
    if (owner === null) continue; // released meanwhile
    if (owner.alive) throw busy(owner.describe);
    await takeOver(root, file, owner.text);
  }
  throw busy("other processes keep taking it");
}

interface LockOwner {
  readonly text: string;
  readonly alive: boolean;
  readonly describe: string;
}

async function readLock(file: string): Promise<LockOwner | null> {
  const [text, stat] = await Promise.all([
    fs.readFile(file, "utf8").catch(() => null),
    fs.lstat(file).catch(() => null),
  ]);
  if (text === null || stat === null) return null;
  let owner: { pid?: unknown; host?: unknown } = {};
  try {
    owner = JSON.parse(text) as typeof owner;
  } catch {
    // Being written right now, or left half-written by a process killed in that instant.
    return { text, alive: Date.now() - stat.mtimeMs < 10_000, describe: "a process that is starting" };
  }
  const pid = typeof owner.pid === "number" && Number.isInteger(owner.pid) && owner.pid > 0 ? owner.pid : null;
  const host = typeof owner.host === "string" ? owner.host : hostname();
  if (pid === null) return { text, alive: false, describe: "" };
  if (host !== hostname()) return { text, alive: true, describe: `PID ${pid} on host ${host}` };
  return { text, alive: pid !== process.pid && processAlive(pid), describe: `PID ${pid}` };
}

/** True when process `pid` runs (a zombie, killed but not yet reaped, does not count). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Moves a stale lock aside and removes it. If another process took the lock over in between (the moved file
 * is not the stale one), its lock is put back, unless a third has made one meanwhile.
 */
async function takeOver(root: string, file: string, staleText: string): Promise<void> {
  const aside = path.join(root, `${reservedPrefix}stale-lock-${process.pid}-${randomBytes(4).toString("hex")}`);
  const moved = await fs.rename(file, aside).then(
    () => true,
    () => false,
  );
  if (!moved) return;
  const text = await fs.readFile(aside, "utf8").catch(() => staleText);
  if (text !== staleText) await fs.link(aside, file).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

/** Releases the lock `file` if it still holds `token` (a run that was judged dead may have lost it). */
export async function releaseLock(file: string, token: string): Promise<void> {
  held.delete(file);
  const text = await fs.readFile(file, "utf8").catch(() => "");
  if (text.includes(`"token":"${token}"`)) await fs.rm(file, { force: true });
}

function releaseAllSync(): void {
  for (const [file, token] of held) {
    try {
      if (readFileSync(file, "utf8").includes(`"token":"${token}"`)) unlinkSync(file);
    } catch {
      // Gone already.
    }
  }
  held.clear();
}

/** An errno as words: `read-only file system (EROFS)`. */
export function errorReason(error: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the disk",
    EDQUOT: "disk quota exceeded",
    ENOTDIR: "a part of the path is a file, not a folder",
    EISDIR: "a folder is in the way",
    EEXIST: "something is in the way",
  };
  return error.code && words[error.code] ? `${words[error.code]}, ${error.code}` : error.message;
}
