/**
 * `runs/<sweep>/trials.jsonl`: one TrialRecord per finished trial, appended as each trial ends. A sweep killed
 * while appending leaves at most a torn last line (no newline after it); reading skips it, and the sweep that
 * resumes rewrites the file without it (atomically) before appending again, so no record is glued onto it.
 */
import { promises as fs } from "node:fs";
import { writeFileAtomic } from "../../io/write-atomic.js";
import type { TrialRecord } from "./trial-record.js";

export interface TrialsFile {
  /** The records of the complete lines, in file order, the first record of each trial only. */
  readonly records: readonly TrialRecord[];
  /** Whether the file ends with a torn line (a kill during the last append). */
  readonly torn: boolean;
}

/** Reads `file`; a missing file has no records. A complete line that is not a trial's record is an error. */
export async function readTrials(file: string): Promise<TrialsFile> {
  const stat = await fs.lstat(file).catch(() => null);
  if (stat !== null && !stat.isFile()) throw new Error("it is not a file nnc wrote (a link or a folder)");
  const text = await fs.readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const lines = text.split("\n");
  const last = lines.pop()!;
  const records: TrialRecord[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const record = parseRecord(line);
    if (record === null) throw new Error(`line ${index + 1} is not a trial's record`);
    if (!records.some((r) => r.trial === record.trial)) records.push(record);
  }
  return { records, torn: last.trim() !== "" };
}

/** Rewrites `file` as `records` alone, one per line (drops a torn last line). */
export async function rewriteTrials(file: string, records: readonly TrialRecord[]): Promise<void> {
  await writeFileAtomic(file, records.map((record) => `${JSON.stringify(record)}\n`).join(""));
}

/**
 * Appends one record as one line. Appending follows a link, so a trials.jsonl that is not a plain file (a link
 * someone put in the sweep folder) is refused: the record would land in a file nnc did not make.
 */
export async function appendTrial(file: string, record: TrialRecord): Promise<void> {
  const stat = await fs.lstat(file).catch(() => null);
  if (stat !== null && !stat.isFile()) throw new Error("it is not a file nnc wrote (a link or a folder)");
  await fs.appendFile(file, `${JSON.stringify(record)}\n`);
}

function parseRecord(line: string): TrialRecord | null {
  try {
    const value = JSON.parse(line) as TrialRecord;
    const valid =
      Number.isSafeInteger(value.trial) &&
      value.trial >= 1 &&
      typeof value.config === "object" &&
      value.config !== null &&
      ["complete", "pruned", "failed"].includes(value.state) &&
      Array.isArray(value.epochs) &&
      typeof value.run === "string";
    return valid ? value : null;
  } catch {
    return null;
  }
}
