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

/**
 * Reads `file`, the records of a sweep whose parameters are `names`; a missing file has no records. A complete
 * line that is not a trial's record (the file was edited or damaged) throws `line N: <why>`: nothing in it may
 * reach the tables, the pruners or a path unchecked.
 */
export async function readTrials(file: string, names: readonly string[]): Promise<TrialsFile> {
  const stat = await fs.lstat(file).catch(() => null);
  if (stat !== null && !stat.isFile()) throw new Error("it is not a file nnc wrote (a link or a folder)");
  const text = await fs.readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const lines = text.split("\n");
  const last = lines.pop()!;
  const records: TrialRecord[] = [];
  const seen = new Set<number>();
  const parameters = new Set(names);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const record = parseRecord(line, parameters);
    if (typeof record === "string") throw new Error(`line ${index + 1}: ${record}`);
    if (seen.has(record.trial)) throw new Error(`line ${index + 1}: trial ${record.trial} is recorded twice`);
    seen.add(record.trial);
    records.push(record);
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

/** The record on `line`, or why it is not one. */
function parseRecord(line: string, parameters: ReadonlySet<string>): TrialRecord | string {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a trial's record";
  const { trial, config, state, objective, bestEpoch, epochs, params, seconds, started, finished, run, error } = value;
  const count = (n: unknown, least: number) => Number.isSafeInteger(n) && (n as number) >= least;
  const finite = (n: unknown) => typeof n === "number" && Number.isFinite(n);
  if (!count(trial, 1)) return "its trial is not a whole number from 1";
  if (typeof config !== "object" || config === null || Array.isArray(config)) return "its config is not an object";
  for (const [name, v] of Object.entries(config)) {
    if (!parameters.has(name)) return `its config sets '${name}', which the sweep does not vary`;
    if (typeof v !== "string" && !finite(v)) return `its config's '${name}' is not a value of the sweep's`;
  }
  if (state !== "complete" && state !== "pruned" && state !== "failed")
    return "its state is not complete, pruned or failed";
  if (objective !== null && !finite(objective)) return "its objective is not a number or null";
  if (bestEpoch !== null && !count(bestEpoch, 1)) return "its bestEpoch is not an epoch or null";
  // JSON writes a NaN objective as null: read back as NaN, what the trial reported.
  if (!Array.isArray(epochs) || !epochs.every((e) => e === null || finite(e))) {
    return "its epochs are not numbers (or null)";
  }
  if (!count(params, 0) || !(finite(seconds) && (seconds as number) >= 0))
    return "its params or seconds are not counts";
  if (typeof started !== "string" || typeof finished !== "string") return "its started or finished is not a time";
  if (run !== `trial-${trial as number}`) return `its run is not trial-${trial as number}`;
  if (error !== undefined && typeof error !== "string") return "its error is not text";
  return { ...(value as unknown as TrialRecord), epochs: epochs.map((e) => (e === null ? NaN : (e as number))) };
}
