/**
 * Small data files written by tests: a scratch folder, a `.npy` array as numpy.save writes it, an IDX array,
 * and the one-line form of a reader's error.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NncUserError } from "../../src/runtime/errors.js";

/** A fresh folder; `file(name, content)` writes into it and returns the absolute path. */
export function scratchFolder(prefix: string): {
  dir: string;
  file: (name: string, content: string | Buffer) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    },
  };
}

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
