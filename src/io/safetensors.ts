/**
 * The safetensors format in TypeScript, for the weights the PyTorch target's script writes and reads
 * (src/compiler/emit/pytorch/python.ts has the same reader and writer in Python): an 8-byte little-endian
 * header length, a JSON header `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}}`
 * (padded with spaces), then the tensors' bytes, little-endian, back to back.
 *
 * A file read here may come from anywhere, so nothing in it is trusted: the header must lie inside the file and
 * within `safetensorsLimits.headerBytes`, be a JSON object of tensor entries of the three dtypes nnc uses (F32,
 * I64, I32), whose offsets cover the data exactly once, without holes, each as long as its shape says; and the
 * values together stay within the parameters a model may have. Each failure is one `SafetensorsUnusable` line
 * naming the file. Only node:fs: no tfjs.
 */
import { promises as fs } from "node:fs";
import { limits } from "../compiler/base/limits.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { writeFileAtomic } from "./write-atomic.js";

/** The element types nnc reads and writes: PyTorch's float32, int64 and int32. */
export type SafetensorsDtype = "F32" | "I64" | "I32";

/** One tensor: its dtype, shape and values in row-major order. */
export type SafeTensor =
  | { readonly dtype: "F32"; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: "I64"; readonly shape: readonly number[]; readonly data: BigInt64Array }
  | { readonly dtype: "I32"; readonly shape: readonly number[]; readonly data: Int32Array };

/** A safetensors file's content: its tensors by name and its `__metadata__` (strings only). */
export interface Safetensors {
  readonly tensors: ReadonlyMap<string, SafeTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** What nnc accepts of a safetensors file (beyond them it refuses the file before allocating anything). */
export const safetensorsLimits = {
  /** Bytes of the JSON header: 100 MB is some million tensor entries. */
  headerBytes: 100 * 1000 * 1000,
  /** Values of all tensors together: the most parameters a model may have. */
  values: limits.parameters.value,
  /** Bytes of the whole file: its header and that many values of 8 bytes (I64) at most. */
  fileBytes: 8 + 100 * 1000 * 1000 + 8 * limits.parameters.value,
};

/** A safetensors file nnc cannot read, or a file that is not one: `<file>: <reason>`, one line. */
export class SafetensorsUnusable extends Error {
  override readonly name = "SafetensorsUnusable";

  constructor(
    /** The file as messages show it. */
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const elementBytes: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, I64: 8, I32: 4 };

interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** Reads and validates `file` (see the file comment); throws `SafetensorsUnusable` naming it. */
export async function readSafetensors(file: string): Promise<Safetensors> {
  const shown = displayPath(file);
  const refuse = (reason: string) => new SafetensorsUnusable(shown, reason);
  const handle = await fs.open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw refuse(error.code === "ENOENT" ? "no such file" : `cannot read it (${error.code ?? error.message})`);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw refuse("not a regular file");
    const size = stats.size;
    if (size > safetensorsLimits.fileBytes) {
      throw refuse(`${size} bytes, more than the ${safetensorsLimits.fileBytes} a safetensors file nnc reads may have`);
    }
    const notSafetensors = (why: string) => refuse(`not a safetensors file (${why})`);
    if (size < 8) throw notSafetensors(`${size} bytes, shorter than the 8-byte length that starts one`);
    const lengthBytes = await readAt(handle, 0, 8);
    const length = Buffer.from(lengthBytes).readBigUInt64LE(0);
    if (length > BigInt(size - 8)) {
      throw notSafetensors(`its first 8 bytes give a header of ${length} bytes, past the end of its ${size} bytes`);
    }
    const headerLength = Number(length);
    if (headerLength > safetensorsLimits.headerBytes) {
      throw refuse(
        `its header is ${headerLength} bytes, more than the ${safetensorsLimits.headerBytes} nnc reads ` +
          "(a file of a million tensors or more)",
      );
    }
    const headerBytes = await readAt(handle, 8, headerLength);
    const entries = parseHeader(headerBytes, notSafetensors, refuse);
    const dataStart = 8 + headerLength;
    checkOffsets(entries.tensors, size - dataStart, refuse);
    const tensors = new Map<string, SafeTensor>();
    for (const entry of entries.tensors) {
      const bytes = await readAt(handle, dataStart + entry.begin, entry.end - entry.begin);
      tensors.set(entry.name, tensorOf(entry, bytes));
    }
    return { tensors, metadata: entries.metadata };
  } finally {
    await handle.close();
  }
}

/**
 * Writes `tensors` (sorted by name, as the Python writer does) and `metadata` to `file` atomically
 * (write-atomic.ts). A tensor whose values do not fill its shape is a bug of the caller: it throws.
 */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  checkLittleEndian();
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of [...tensors.keys()].sort()) {
    const tensor = tensors.get(name)!;
    if (name === "__metadata__") throw new Error("writeSafetensors: '__metadata__' is not a tensor name");
    if (tensor.data.length !== valuesOf(tensor.shape)) {
      throw new Error(
        `writeSafetensors: tensor '${name}' has ${tensor.data.length} values for shape [${tensor.shape}]`,
      );
    }
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  if (Object.keys(metadata).length > 0) header["__metadata__"] = { ...metadata };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  Buffer.from(out.buffer).writeBigUInt64LE(BigInt(headerLength), 0);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  await writeFileAtomic(file, out);
}

/** `length` bytes of the open file from `position`, in a buffer of their own (aligned for any typed array). */
async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`readSafetensors: the file ended at ${position + done} bytes while read`);
    done += bytesRead;
  }
  return bytes;
}

/** The header's tensor entries (in file order) and metadata, every field checked. */
function parseHeader(
  bytes: Uint8Array,
  notSafetensors: (why: string) => SafetensorsUnusable,
  refuse: (reason: string) => SafetensorsUnusable,
): { tensors: HeaderEntry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw notSafetensors(`its header is not JSON: ${(error as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw notSafetensors("its header is not a JSON object");
  }
  const tensors: HeaderEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = metadataOf(value, refuse);
      continue;
    }
    tensors.push(entryOf(name, value, refuse));
  }
  return { tensors, metadata };
}

function metadataOf(value: unknown, refuse: (reason: string) => SafetensorsUnusable): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw refuse("__metadata__ must be an object of strings");
  }
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") throw refuse(`__metadata__.${key} must be a string`);
    Object.defineProperty(metadata, key, { value: item, enumerable: true, writable: false });
  }
  return metadata;
}

function entryOf(name: string, value: unknown, refuse: (reason: string) => SafetensorsUnusable): HeaderEntry {
  const bad = (why: string) => refuse(`tensor '${name}' ${why}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("is not an object");
  const { dtype, shape, data_offsets: offsets, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw bad(`has a field '${extra[0]}' that safetensors does not have`);
  if (typeof dtype !== "string") throw bad("has no dtype");
  if (!Object.hasOwn(elementBytes, dtype)) throw bad(`has dtype ${dtype}; nnc reads F32, I64 and I32`);
  if (!Array.isArray(shape) || !shape.every(isIndex) || shape.length > 16) {
    throw bad("has no shape (a list of at most 16 whole numbers >= 0)");
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    throw bad("has no data_offsets (two whole numbers [begin, end], begin <= end)");
  }
  const entry = { name, dtype: dtype as SafetensorsDtype, shape, begin: offsets[0], end: offsets[1] };
  const values = valuesOf(shape);
  if (values > safetensorsLimits.values) {
    throw bad(`has ${values} values, more than the ${safetensorsLimits.values} a model may have`);
  }
  const expected = values * elementBytes[entry.dtype];
  if (entry.end - entry.begin !== expected) {
    throw bad(
      `is ${entry.end - entry.begin} bytes (data_offsets [${entry.begin}, ${entry.end}]), but ${entry.dtype} ` +
        `of shape [${shape.join(", ")}] is ${expected}`,
    );
  }
  return entry;
}

/** The entries' data, sorted by offset, must cover the `body` bytes after the header exactly, without holes. */
function checkOffsets(
  entries: readonly HeaderEntry[],
  body: number,
  refuse: (reason: string) => SafetensorsUnusable,
): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let values = 0;
  for (const entry of sorted) {
    if (entry.begin !== at) {
      const why = entry.begin < at ? "overlaps the tensor before it" : `leaves bytes ${at} to ${entry.begin} unused`;
      throw refuse(`tensor '${entry.name}' (data_offsets [${entry.begin}, ${entry.end}]) ${why}`);
    }
    at = entry.end;
    values += valuesOf(entry.shape);
    if (values > safetensorsLimits.values) {
      throw refuse(`its tensors hold more than the ${safetensorsLimits.values} values a model may have`);
    }
  }
  if (at !== body) {
    throw refuse(
      at > body
        ? `its tensors need ${at} bytes of data, but the file has ${body} after its header (it is cut short)`
        : `its tensors describe ${at} bytes of data, but the file has ${body} after its header`,
    );
  }
}

function tensorOf(entry: HeaderEntry, bytes: Uint8Array): SafeTensor {
  checkLittleEndian();
  const { buffer } = bytes;
  switch (entry.dtype) {
    case "F32":
      return { dtype: "F32", shape: entry.shape, data: new Float32Array(buffer) };
    case "I64":
      return { dtype: "I64", shape: entry.shape, data: new BigInt64Array(buffer) };
    case "I32":
      return { dtype: "I32", shape: entry.shape, data: new Int32Array(buffer) };
  }
}

/**
 * Typed arrays use the machine's byte order; safetensors is little-endian, as every machine nnc runs on. Asked of
 * a typed array, not node:os: this module is in the bundle every command loads, and node:os is not loaded yet.
 */
function checkLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error("safetensors: nnc reads and writes them on little-endian machines only");
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** The values a shape holds; past 2^53 it stops counting exactly, which the limits refuse anyway. */
function valuesOf(shape: readonly number[]): number {
  return shape.reduce((product, n) => product * n, 1);
}
