/**
 * Opening data files. Only a regular file is read: a device such as /dev/zero never ends and a FIFO blocks
 * its reader until a writer comes, so both are refused, from `fstat`, before a byte is read. A file read
 * whole must fit `wholeBytes`, and no record (a line) may pass `recordBytes`, so no file, however large or
 * however written, makes a reader hold more than these limits. Every reader opens its files here: training,
 * validation, `nnc evaluate` and `nnc predict` get the same checks.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { limits } from "../../compiler/base/limits.js";
import { NncUserError } from "../errors.js";

/** The limits a reader applies; tests lower them to prove each one with small files. */
export interface DataLimits {
  /** Bytes in one record: a CSV or JSON Lines line. */
  readonly recordBytes: number;
  /** Bytes of a file read whole: any file that is not streamed, and an IDX file's inflated gzip data. */
  readonly wholeBytes: number;
  /** Levels of nesting in one JSON value. */
  readonly jsonDepth: number;
  /** Steps in one sequence (a JSON array feature); `sequenceStepLimit` when absent. */
  readonly sequenceSteps?: number;
}

/**
 * The most steps one sequence feature may have: a batch is padded to its longest sequence, so one record of a
 * million steps would make every batch it lands in a million steps long.
 */
export const sequenceStepLimit = 100_000;

export const dataLimits: DataLimits = {
  recordBytes: limits.recordBytes.value,
  wholeBytes: limits.wholeDataBytes.value,
  jsonDepth: limits.jsonDepth.value,
};

/** An open regular file and its size; the caller closes `fd`. */
export interface OpenedFile {
  readonly fd: number;
  readonly size: number;
}

/** Opens `file` to read it; NN4005, naming it as `shown`, unless it is a regular file that can be opened. */
export function openDataFile(file: string, shown: string): OpenedFile {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO waits for a writer otherwise, before fstat could refuse it. It changes
    // nothing for a regular file (constants.O_NONBLOCK is undefined on Windows, which has no FIFOs).
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new NncUserError("NN4005", { path: shown, reason });
  }
  const stats = fstatSync(fd);
  if (stats.isFile()) return { fd, size: stats.size };
  closeSync(fd);
  const kind = stats.isDirectory()
    ? "a directory"
    : stats.isFIFO()
      ? "a named pipe (FIFO)"
      : stats.isSocket()
        ? "a socket"
        : "a device";
  throw new NncUserError("NN4005", {
    path: shown,
    reason: `is ${kind}, not a regular file; nnc reads data only from regular files`,
  });
}

/**
 * Reads `file` whole; NN4021 when it is larger than `limit` bytes, with `fix` saying what to do instead
 * (stream it, convert it).
 */
export function readWholeDataFile(file: string, shown: string, limit: number, fix: string): Buffer {
  const { fd, size } = openDataFile(file, shown);
  try {
    if (size > limit) {
      const reason = `the file is ${formatBytes(size)}; nnc reads at most ${formatBytes(limit)} of a file it reads whole`;
      throw new NncUserError("NN4021", { where: shown, reason }, fix);
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(fd, bytes, filled, size - filled, filled);
      if (read === 0) break; // the file shrank since fstat
      filled += read;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** NN4021 for a record (at line `line` of `source`) longer than `limit` bytes. */
export function recordTooLarge(source: string, line: number, limit: number): NncUserError {
  const reason = `the record is longer than ${formatBytes(limit)}, the most nnc reads as one record`;
  return new NncUserError(
    "NN4021",
    { where: `${source}:${line}`, reason },
    "is the file really CSV or JSON Lines, one record per line?",
  );
}

/**
 * Counts the lines of a text that goes by in pieces and refuses one longer than `limit` bytes, naming it.
 * A CSV parser builds a record from a line before it can check it (a line of commas is millions of empty
 * fields), so the line is measured first. A line ends at LF, CRLF or a lone CR (old spreadsheet exports).
 */
export class LineMeter {
  private line = 1;
  private length = 0;

  constructor(
    private readonly source: string,
    private readonly limit: number,
  ) {}

  feed(piece: Buffer): void {
    let from = 0;
    // The next LF and the next CR, each searched for again only once passed: one scan of the piece.
    let lf = piece.indexOf(10);
    let cr = piece.indexOf(13);
    while (lf >= 0 || cr >= 0) {
      const atCr = lf < 0 || (cr >= 0 && cr < lf);
      const at = atCr ? cr : lf;
      this.check(this.length + at - from);
      // CRLF is one line end, counted at its LF.
      if (!atCr || piece[at + 1] !== 10) this.line++;
      if (atCr) cr = piece.indexOf(13, at + 1);
      else lf = piece.indexOf(10, at + 1);
      this.length = 0;
      from = at + 1;
    }
    this.length += piece.length - from;
    this.check(this.length);
  }

  private check(length: number): void {
    if (length > this.limit) throw recordTooLarge(this.source, this.line, this.limit);
  }
}

/** 268435456 -> "256 MiB", 1536 -> "1536 bytes": sizes as the limits table shows them. */
export function formatBytes(bytes: number): string {
  const mib = 1024 * 1024;
  if (bytes >= mib) return `${Number.isInteger(bytes / mib) ? bytes / mib : (bytes / mib).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}
