/**
 * The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`), plain
 * or gzip-compressed (told apart by gzip's magic bytes, not the name). A file is a big-endian header, two
 * zero bytes, a type byte, the number of dimensions, each dimension as a 32-bit integer, then the values.
 * Images are `[count, rows, columns]` bytes; pixels are scaled to [0, 1] unless `scale: false`.
 *
 * Gzip data is never inflated blind: the header is inflated first, from the file's first bytes, and the
 * whole file then only up to the size that header promises, itself at most `wholeBytes`. A small file
 * that inflates to gigabytes (a gzip bomb) stops at the promise, with an error.
 */
import { constants, gunzipSync } from "node:zlib";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { NncUserError } from "../errors.js";
import { dataLimits, formatBytes, readWholeDataFile, type DataLimits } from "./files.js";
import type { Table } from "./index.js";
import type { ArrayLayout } from "./npy.js";

interface IdxArray {
  readonly dims: number[];
  readonly values: Uint8Array;
}

/**
 * Reads an images file and a labels file of the same length into a table of pixels and class labels, or
 * the images alone (`labelsFile` null: images to predict on).
 */
export function readIdx(
  imagesFile: string,
  labelsFile: string | null,
  scale: boolean,
  limits: DataLimits = dataLimits,
): Table {
  const images = readIdxFile(imagesFile, limits);
  const imageSource = displayPath(imagesFile);
  checkImages(images.dims, imageSource);
  const [count, ...exampleShape] = images.dims as [number, ...number[]];
  const labels = labelsFile === null ? [] : readLabels(labelsFile, count, imageSource, limits);
  const features = new Float32Array(images.values.length);
  const factor = scale ? 1 / 255 : 1;
  images.values.forEach((v, i) => (features[i] = v * factor));
  return {
    source: imageSource,
    featureNames: [],
    exampleShape,
    features,
    labelName: labelsFile === null ? "" : "label",
    labels,
    lines: Array.from({ length: count }, (_, i) => i + 1),
  };
}

/** NN4006 unless `dims` are those of images: a count, then at least one axis per image. */
export function checkImages(dims: readonly number[], source: string): void {
  if (dims.length < 2) {
    throw new NncUserError("NN4006", {
      where: source,
      reason: `expected images (3 dimensions), found ${dims.length} dimension(s) [${dims.join(", ")}]`,
    });
  }
}

/** The labels of `count` images from a labels file, as strings. */
export function readLabels(
  file: string,
  count: number,
  imageSource: string,
  limits: DataLimits = dataLimits,
): string[] {
  const labels = readIdxFile(file, limits);
  const labelSource = displayPath(file);
  if (labels.dims.length !== 1) {
    throw new NncUserError("NN4006", {
      where: labelSource,
      reason: `expected labels (1 dimension), found ${labels.dims.length} dimensions [${labels.dims.join(", ")}]`,
    });
  }
  if (labels.dims[0] !== count) {
    throw new NncUserError("NN4006", {
      where: labelSource,
      reason: `${labels.dims[0]} labels for the ${count} images of ${imageSource}`,
    });
  }
  return Array.from(labels.values, String);
}

function readIdxFile(file: string, limits: DataLimits): IdxArray {
  const source = displayPath(file);
  const fix = "gunzip it: training reads a large uncompressed IDX file by offset";
  const read = readWholeDataFile(file, source, limits.wholeBytes, fix);
  const bytes = isGzip(read) ? inflateIdx(read, source, limits.wholeBytes, fix) : read;
  const layout = idxLayout(bytes, bytes.length, source);
  return {
    dims: layout.shape,
    values: new Uint8Array(bytes.buffer, bytes.byteOffset + layout.dataOffset, bytes.length - layout.dataOffset),
  };
}

/**
 * The inflated bytes of gzip-compressed IDX data: the header first, then the whole file up to the size the
 * header promises (NN4021 past `limit`); NN4006 when the data inflates to more, or is damaged.
 */
function inflateIdx(compressed: Buffer, source: string, limit: number, fix: string): Buffer {
  const { header, values } = idxHeader(inflatedHead(compressed, source), source);
  const promised = header + values;
  if (promised > limit) {
    const reason = `the header promises ${formatBytes(promised)} of data, more than the ${formatBytes(limit)} nnc inflates`;
    throw new NncUserError("NN4021", { where: source, reason }, fix);
  }
  try {
    return gunzipSync(compressed, { maxOutputLength: promised });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_BUFFER_TOO_LARGE") throw damaged(error, source);
    const reason = `the gzip data inflates to more than the ${promised} bytes its header promises`;
    throw new NncUserError("NN4006", { where: source, reason });
  }
}

/**
 * The first inflated bytes of gzip data, enough for an IDX header (at most 1,024 bytes). Prefixes of the
 * compressed data are inflated, each larger than the last, so no more than 16 KiB of input is inflated for it
 * (at most ~16 MiB of output, deflate's worst ratio).
 */
function inflatedHead(compressed: Buffer, source: string): Buffer {
  let head = Buffer.alloc(0);
  for (const prefix of [64, 1024, 16384]) {
    try {
      // Z_SYNC_FLUSH: a prefix ends mid-stream; take what it inflates to, without an "unexpected end" error.
      head = gunzipSync(compressed.subarray(0, prefix), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw damaged(error, source);
    }
    if ((head.length >= 4 && head.length >= 4 + 4 * head[3]!) || prefix >= compressed.length) break;
  }
  return head;
}

function damaged(error: unknown, source: string): NncUserError {
  return new NncUserError("NN4006", { where: source, reason: `gzip data is damaged (${(error as Error).message})` });
}

/** Whether `head` (a file's first bytes) starts a gzip stream: such a file cannot be read by offset. */
export function isGzip(head: Buffer): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The layout of an uncompressed IDX file from its first bytes (`head`), checked against its size; NN4006
 * when it is not IDX, not unsigned bytes, or its data is cut short.
 */
export function idxLayout(head: Buffer, fileSize: number, source: string): ArrayLayout {
  const { dims, header, values: size } = idxHeader(head, source);
  if (fileSize - header !== size) {
    const count = dims[0] ?? 0;
    const per = count > 0 ? size / count : 1;
    const whole = Math.floor((fileSize - header) / per);
    throw new NncUserError("NN4006", {
      where: `${source}: record ${whole + 1}`,
      reason: `the header promises ${count} records of ${per} bytes (${size} bytes), the file holds ${fileSize - header}`,
    });
  }
  return {
    shape: dims,
    dataOffset: header,
    itemBytes: 1,
    get: (view, offset) => view.getUint8(offset),
    floating: false,
  };
}

/** An IDX header read from `head`: the dimensions, the header's size and the bytes of values it promises. */
function idxHeader(head: Buffer, source: string): { dims: number[]; header: number; values: number } {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) {
    throw new NncUserError("NN4006", {
      where: source,
      reason: "not an IDX file: it does not start with two zero bytes",
    });
  }
  if (head[2] !== 0x08) {
    throw new NncUserError("NN4006", {
      where: source,
      reason: `IDX type 0x${head[2]!.toString(16)} is not supported; nnc reads unsigned bytes (0x08)`,
    });
  }
  const rank = head[3]!;
  const header = 4 + 4 * rank;
  if (head.length < header) throw new NncUserError("NN4006", { where: source, reason: "the header is cut short" });
  const dims = Array.from({ length: rank }, (_, i) => head.readUInt32BE(4 + 4 * i));
  return { dims, header, values: dims.reduce((a, b) => a * b, 1) };
}
