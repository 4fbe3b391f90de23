/**
 * A run folder is nnc's own: `nnc train` (and an emitted `trainM({ runDir })`, and `saveRun`) writes only
 * into a folder it created, an empty one, or one that holds its marker (`.nnc-run.json`: nnc's version, when
 * the folder was made, and every file and folder nnc wrote there). Anything else is refused before any work
 * (NN4012) unless the user passes `--overwrite`, which adopts the folder; even then nnc deletes only what its
 * marker lists, and never follows a symbolic link when it deletes (a link is removed as a link).
 *
 * Opening a folder also takes its lock (run-lock.ts: `.nnc-run.lock`, created exclusively, holding the PID
 * and host; a lock whose process is gone is stale and taken over) and writes the marker (the probe that the
 * folder is writable); `checkRoom` then checks that the disk has room for the model. Every failure is one
 * line naming the folder. Files are written atomically with their temporaries inside the run folder, so no
 * rename crosses a device and the folder itself is never renamed (it may be a mount point).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { packageVersion } from "../cli/package-info.js";
import { createAjv } from "../compiler/check/args.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import {
  escapeProblem,
  lockFile,
  markerFile,
  normalRunPath,
  reservedPrefix,
  resumeEntry,
  resumeLatest,
  runFolders,
} from "../compiler/registry/run-files.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { NncUserError } from "./errors.js";
import { errorReason, releaseLock, takeLock } from "./run-lock.js";

export interface RunFolderOptions {
  /** Adopt a folder that holds other files and no marker (`nnc train --overwrite`); nothing in it is deleted. */
  readonly overwrite?: boolean;
  /** The folder must already be a run folder (`nnc train --resume`), or `overwrite` be given too. */
  readonly resume?: boolean;
  /**
   * The folder is the empty one `freshRunFolder` claimed for this run: it is taken as one opening made, and
   * removed again when the run writes nothing into it.
   */
  readonly fresh?: boolean;
}

interface Marker {
  readonly nnc: string;
  readonly created: string;
  readonly files: string[];
}

const markerSchema = {
  type: "object",
  required: ["nnc", "created", "files"],
  properties: {
    nnc: { type: "string", maxLength: 100 },
    created: { type: "string", maxLength: 100 },
    files: { type: "array", maxItems: 100_000, items: { type: "string", minLength: 1, maxLength: 4096 } },
  },
};

/** Opens `dir` as a run folder (see the file comment); throws NN4012, NN4013, NN4014 or NN4043. Close it when done. */
export async function openRunFolder(dir: string, options: RunFolderOptions = {}): Promise<RunFolder> {
  const root = path.resolve(dir);
  const shown = displayPath(root);
  const noCheckpoint = (why: string) =>
    new NncUserError("NN4010", { path: shown, reason: `no checkpoint to resume from (${why})` });
  if (options.resume && (await fs.stat(root).catch(() => null)) === null) throw noCheckpoint("no such folder");
  const opened = await makeFolder(root, shown);
  const made = opened.length === 0 && options.fresh && (await fs.readdir(root)).length === 0 ? [root] : opened;
  const created = made.length > 0;
  try {
    const marker = created ? null : await readMarker(root, shown, options);
    if (options.resume && marker === null && !options.overwrite) {
      throw noCheckpoint(
        `it is not a run folder of nnc: it has no ${markerFile}; one an older nnc wrote resumes with --overwrite`,
      );
    }
    if (!created && marker === null && !options.overwrite) await refuseForeign(root, shown);
    for (const name of Object.values(runFolders)) {
      const stat = await fs.lstat(path.join(root, name)).catch(() => null);
      if (stat !== null && !stat.isDirectory()) await realFolder(path.join(root, name), `${shown}/${name}`);
    }
    const lock = await takeLock(root, shown);
    const fresh = { nnc: packageVersion(), created: new Date().toISOString(), files: [] };
    const folder = new RunFolder(root, shown, made, marker ?? fresh, lock);
    try {
      // After the lock: a folder another nnc is training into is NN4014, which says so.
      if (marker !== null && marker.files.length > 0 && !options.overwrite && !options.resume) {
        refuseEarlierRun(marker, shown);
      }
      await folder.saveMarker();
      await folder.removeLeftovers();
    } catch (error) {
      await folder.close();
      throw error;
    }
    return folder;
  } catch (error) {
    await unmakeFolders(made);
    throw error;
  }
}

/** NN4012 when `root` (not a run folder) holds anything: nnc does not write among files it did not make. */
async function refuseForeign(root: string, shown: string): Promise<void> {
  const foreign = (await fs.readdir(root))
    .filter((name) => name !== lockFile && !name.startsWith(reservedPrefix))
    .sort();
  if (foreign.length === 0) return;
  const listed = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : "");
  const hint = "choose a new or empty folder, or pass --overwrite to write nnc's files there; it deletes nothing else";
  throw new NncUserError("NN4012", { path: shown, entries: listed }, hint);
}

/**
 * NN4043: a run folder that holds an earlier run is not trained into again without `--overwrite` (or continued
 * with `--resume`): a second run would silently replace the first one's model and history.
 */
function refuseEarlierRun(marker: Marker, shown: string): never {
  const entries = [...new Set(marker.files.map((file) => file.split("/")[0]!))].sort();
  const listed = entries.slice(0, 3).join(", ") + (entries.length > 3 ? `, and ${entries.length - 3} more` : "");
  const hint =
    "choose another folder, continue it with --resume (resume: true from trainM), or pass --overwrite " +
    "(overwrite: true) to replace it";
  throw new NncUserError("NN4043", { path: shown, entries: listed }, hint);
}

export class RunFolder {
  /** Paths (relative, `/`-separated) written by this process; the marker's other entries are from earlier runs. */
  private readonly written = new Set<string>();

  constructor(
    /** The folder, absolute. */
    readonly dir: string,
    /** The folder as messages show it. */
    readonly shown: string,
    /** The folders opening it made (the run folder, then its parents), removed again if nothing is written. */
    private readonly made: readonly string[],
    private marker: Marker,
    private readonly lock: string,
  ) {}

  /** NN4016 when the disk has less room than a run of a model with `parameters` weights may write. */
  async checkRoom(parameters: number): Promise<void> {
    const stats = await fs.statfs(this.dir).catch(() => null);
    if (stats === null) return; // a file system that cannot tell; writing will say
    const free = stats.bavail * stats.bsize;
    const needed = runBytes(parameters);
    if (free >= needed) return;
    const hint = "free some space or choose a folder on another disk with --out";
    throw new NncUserError("NN4016", { path: this.shown, free: bytes(free), needed: bytes(needed) }, hint);
  }

  /** Writes `data` to `relative` (atomically), after recording it in the marker as nnc's. */
  async writeFile(relative: string, data: string | Uint8Array): Promise<void> {
    const file = await this.prepare(relative);
    await writeFileAtomic(file, data).catch((error: NodeJS.ErrnoException) => {
      throw unusable(`${this.shown}/${normalRunPath(relative)}`, `cannot write it (${errorReason(error)})`);
    });
  }

  /**
   * Records `relative` as nnc's in the marker, and makes its parent folders: real folders only, a symbolic
   * link or a file on the way is NN4013. Returns its absolute path.
   */
  async prepare(relative: string): Promise<string> {
    const problem = escapeProblem(relative);
    if (problem !== null) throw new Error(`RunFolder: ${JSON.stringify(relative)} ${problem}`);
    const normal = normalRunPath(relative);
    await this.record(normal);
    const parts = normal.split("/");
    for (let i = 1; i < parts.length; i++)
      await realFolder(path.join(this.dir, ...parts.slice(0, i)), `${this.shown}/${parts.slice(0, i).join("/")}`);
    return path.join(this.dir, ...parts);
  }

  /** Adds `relative` (a file, or `resume`) to the marker's list before nnc writes it. */
  async record(relative: string): Promise<void> {
    this.written.add(relative);
    if (this.marker.files.includes(relative)) return;
    this.marker = { ...this.marker, files: [...this.marker.files, relative].sort() };
    await this.saveMarker();
  }

  /** Counts what the marker lists at `relative` (or below it) as written by this run, so `removeStale` keeps it. */
  keep(relative: string): void {
    for (const file of this.marker.files)
      if (file === relative || file.startsWith(`${relative}/`)) this.written.add(file);
  }

  /**
   * Removes the temporaries a killed run left beside nnc's files (`.model.json.PID-N-XXXXXX.tmp`, as
   * writeFileAtomic names them): the lock is held, so no other process is writing them.
   */
  async removeLeftovers(): Promise<void> {
    const byFolder = new Map<string, Set<string>>();
    for (const file of [markerFile, ...this.marker.files]) {
      const parts = file.split("/");
      const folder = parts.slice(0, -1).join("/");
      byFolder.set(folder, (byFolder.get(folder) ?? new Set()).add(parts.at(-1)!));
    }
    for (const [folder, names] of byFolder) {
      const parts = folder === "" ? [] : folder.split("/");
      if (!(await realFolders(this.dir, parts))) continue;
      const dir = path.join(this.dir, ...parts);
      for (const entry of await fs.readdir(dir).catch(() => [])) {
        const temporary = /^\.(.+)\.\d+-\d+-[0-9a-z]+\.tmp$/.exec(entry);
        if (temporary && names.has(temporary[1]!)) await removeTree(path.join(dir, entry));
      }
    }
  }

  /** Removes what earlier runs wrote here and this one did not (an old log, an old checkpoint); nothing else. */
  async removeStale(): Promise<void> {
    const stale = this.marker.files.filter((file) => !this.written.has(file));
    for (const file of stale) await removeOwn(this.dir, file);
    this.marker = { ...this.marker, files: this.marker.files.filter((file) => this.written.has(file)) };
    await this.saveMarker();
  }

  /** A failed write below `relative` as one NN4013 line naming it (an NncUserError or a bug passes through). */
  writeError(relative: string, error: unknown): unknown {
    if (error instanceof NncUserError || typeof (error as NodeJS.ErrnoException).code !== "string") return error;
    return unusable(`${this.shown}/${relative}`, `cannot write it (${errorReason(error as NodeJS.ErrnoException)})`);
  }

  async saveMarker(): Promise<void> {
    const text = `${JSON.stringify({ ...this.marker, nnc: packageVersion() }, null, 2)}\n`;
    await writeFileAtomic(path.join(this.dir, markerFile), text).catch((error: NodeJS.ErrnoException) => {
      throw unusable(this.shown, `cannot write there (${errorReason(error)})`);
    });
  }

  /** Releases the lock; a folder this run created and wrote nothing into is removed again. */
  async close(): Promise<void> {
    const unused = this.made.length > 0 && this.written.size === 0;
    if (unused) await fs.rm(path.join(this.dir, markerFile), { force: true });
    await releaseLock(path.join(this.dir, lockFile), this.lock);
    if (unused) await unmakeFolders(this.made);
  }
}

/**
 * The bytes a run of a model with `parameters` float32 weights may hold on disk at once: weights.bin and its
 * temporary, the resume checkpoint (weights and up to two optimizer slots) twice while the next one is
 * written, and model_checkpoint's copy with its temporary: ten copies, and a megabyte for the small files.
 */
export function runBytes(parameters: number): number {
  return parameters * 4 * 10 + 2 ** 20;
}

/** `<dir>` as a real folder (made when missing); NN4013 when it is a symbolic link or a file. */
export async function realFolder(dir: string, shown = displayPath(dir)): Promise<void> {
  const stat = await fs.lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw unusable(shown, errorReason(error));
  });
  if (stat === null) {
    await fs.mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw unusable(shown, `cannot create it (${errorReason(error)})`);
    });
    return realFolder(dir, shown);
  }
  if (stat.isDirectory()) return;
  const what = stat.isSymbolicLink() ? "a symbolic link" : "a file";
  throw unusable(
    shown,
    `is ${what}, not a folder; nnc writes only into real folders inside a run folder (move it away)`,
  );
}

/**
 * Removes the checkpoints in `resume` (a real folder, not followed if a link) other than `keep`: the folders
 * nnc names `epoch-E-step-S-PID-TIME`, temporaries of `latest.json`, and `latest.json` itself when `keep` is null.
 */
export async function pruneCheckpoints(resume: string, keep: string | null): Promise<void> {
  const stat = await fs.lstat(resume).catch(() => null);
  if (stat === null || !stat.isDirectory()) return;
  for (const entry of await fs.readdir(resume)) {
    const own =
      resumeEntry.test(entry) || /^\.latest\.json\..+\.tmp$/.test(entry) || (keep === null && entry === resumeLatest);
    if (own && entry !== keep) await removeTree(path.join(resume, entry));
  }
}

/** Removes `target` without following links: a link or file is unlinked, a folder emptied the same way first. */
export async function removeTree(target: string): Promise<void> {
  const stat = await fs.lstat(target).catch(() => null);
  if (stat === null) return;
  if (!stat.isDirectory()) return fs.unlink(target).catch(() => undefined);
  for (const entry of await fs.readdir(target)) await removeTree(path.join(target, entry));
  await fs.rmdir(target).catch(() => undefined);
}

/** Removes one entry of the marker's list: `resume` as its checkpoints, a file only through real folders. */
/** True when `root/parts[0]`, `root/parts[0]/parts[1]`, ... are all real folders (none a link). */
async function realFolders(root: string, parts: readonly string[]): Promise<boolean> {
  for (let i = 1; i <= parts.length; i++) {
    const stat = await fs.lstat(path.join(root, ...parts.slice(0, i))).catch(() => null);
    if (stat === null || !stat.isDirectory()) return false;
  }
  return true;
}

async function removeOwn(root: string, relative: string): Promise<void> {
  if (escapeProblem(relative) !== null) return;
  const parts = relative.split("/");
  if (!(await realFolders(root, parts.slice(0, -1)))) return;
  const target = path.join(root, ...parts);
  if (relative === runFolders.resume) {
    await pruneCheckpoints(target, null);
    await fs.rmdir(target).catch(() => undefined);
    return;
  }
  const stat = await fs.lstat(target).catch(() => null);
  if (stat === null || stat.isDirectory()) return; // a folder where nnc wrote a file is not nnc's
  await fs.unlink(target).catch(() => undefined);
  for (let i = parts.length - 1; i >= 1; i--) {
    if (
      !(await fs.rmdir(path.join(root, ...parts.slice(0, i))).then(
        () => true,
        () => false,
      ))
    )
      break;
  }
}

/**
 * Makes `root` (and its missing parents); returns the folders it made, `root` first and its parents upward,
 * so that a run that writes nothing can take them away again; an empty list when `root` was there already.
 */
async function makeFolder(root: string, shown: string): Promise<string[]> {
  try {
    const first = await fs.mkdir(path.dirname(root), { recursive: true });
    await fs.mkdir(root);
    const made = [root];
    if (first !== undefined) {
      for (let dir = path.dirname(root); dir.length >= first.length; dir = path.dirname(dir)) made.push(dir);
    }
    return made;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST")
      throw unusable(shown, `cannot create it (${errorReason(error as NodeJS.ErrnoException)})`);
  }
  const stat = await fs.stat(root).catch((error: NodeJS.ErrnoException) => {
    throw unusable(shown, `cannot create it (${errorReason(error)})`);
  });
  if (!stat.isDirectory()) throw unusable(shown, "is a file, not a folder; choose another folder with --out");
  return [];
}

/** Removes the folders `makeFolder` made, deepest first, each only while it is empty. */
async function unmakeFolders(made: readonly string[]): Promise<void> {
  for (const dir of made) {
    if (
      !(await fs.rmdir(dir).then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}

let validateMarker: ((value: unknown) => boolean) | undefined;

/** The folder's marker; null when it has none (or an invalid one, with `overwrite`); NN4013 when invalid. */
async function readMarker(root: string, shown: string, options: RunFolderOptions): Promise<Marker | null> {
  const file = path.join(root, markerFile);
  const stat = await fs.lstat(file).catch(() => null);
  if (stat === null) return null;
  let value: unknown;
  try {
    if (!stat.isFile() || stat.size > 16 * 2 ** 20) throw new Error("not a small regular file");
    value = JSON.parse(await fs.readFile(file, "utf8"));
  } catch {
    value = undefined;
  }
  validateMarker ??= createAjv().compile(markerSchema);
  if (value !== undefined && validateMarker(value)) {
    const marker = value as Marker;
    return { ...marker, files: marker.files.filter((f) => escapeProblem(f) === null && normalRunPath(f) === f) };
  }
  if (options.overwrite) return null;
  throw unusable(
    `${shown}/${markerFile}`,
    "not a marker nnc wrote (damaged or edited); pass --overwrite to make the folder a run folder again " +
      "(nnc deletes nothing it did not write)",
  );
}

function unusable(shown: string, why: string): NncUserError {
  return new NncUserError("NN4013", { path: shown, reason: why });
}

function bytes(n: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) [n, i] = [n / 1000, i + 1];
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}
