/**
 * Small data files written by tests: a `.npy` array as numpy.save writes it, an IDX array, two blobs of
 * points as a CSV, and the error a reader throws. (A scratch folder to write them in: runs.ts.)
 */
import { NncUserError } from "../../src/runtime/errors.js";

/** A version 1.0 `.npy` file: `descr` such as `<f4`, C order, `data` the values' bytes. */
export function npyBytes(descr: string, shape: readonly number[], data: Buffer): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  return Buffer.concat([Buffer.from("\x93NUMPY\x01\x00", "latin1"), length, Buffer.from(header, "latin1"), data]);
}

/** An IDX header of unsigned bytes with dimensions `dims`, followed by `data`. */
export function idxBytes(dims: readonly number[], data: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** The NncUserError `read` throws, synchronously or not; fails when it throws anything else or nothing. */
export async function userError(read: () => unknown): Promise<NncUserError> {
  const error = await (async () => read())().then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof NncUserError) return error;
  throw error ?? new Error("expected an NncUserError");
}

/**
 * `count` points as CSV text (`x,y,side`): two blobs of a seeded spread around x = -2 ("left") and x = 2
 * ("right"), alternating, so that a tiny classifier learns them in a few epochs.
 */
export function twoBlobsCsv(count: number, seed: number): string {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const rows = Array.from(
    { length: count },
    (_, i) => `${(i % 2 ? 2 : -2) + next()},${next()},${i % 2 ? "right" : "left"}`,
  );
  return `x,y,side\n${rows.join("\n")}\n`;
}
