/**
 * The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`), plain
 * or gzip-compressed (told apart by gzip's magic bytes, not the name). A file is a big-endian header, two
 * zero bytes, a type byte, the number of dimensions, each dimension as a 32-bit integer, then the values.
 * Images are `[count, rows, columns]` bytes; pixels are scaled to [0, 1] unless `scale: false`.
 */
import { gunzipSync } from "node:zlib";
import { displayPath } from "../../compiler/render.js";
import { NncUserError, readDataFile } from "../errors.js";
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
export function readIdx(imagesFile: string, labelsFile: string | null, scale: boolean): Table {
  const images = readIdxFile(imagesFile);
  const imageSource = displayPath(imagesFile);
  checkImages(images.dims, imageSource);
  const [count, ...exampleShape] = images.dims as [number, ...number[]];
  const labels = labelsFile === null ? [] : readLabels(labelsFile, count, imageSource);
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
    throw new NncUserError("NN4006", { where: source, reason: `expected images (3 dimensions), found ${dims.length} dimension(s) [${dims.join(", ")}]` });
  }
}

/** The labels of `count` images from a labels file, as strings. */
export function readLabels(file: string, count: number, imageSource: string): string[] {
  const labels = readIdxFile(file);
  const labelSource = displayPath(file);
  if (labels.dims.length !== 1) {
    throw new NncUserError("NN4006", { where: labelSource, reason: `expected labels (1 dimension), found ${labels.dims.length} dimensions [${labels.dims.join(", ")}]` });
  }
  if (labels.dims[0] !== count) {
    throw new NncUserError("NN4006", {
      where: labelSource,
      reason: `${labels.dims[0]} labels for the ${count} images of ${imageSource}`,
    });
  }
  return Array.from(labels.values, String);
}

function readIdxFile(file: string): IdxArray {
  const source = displayPath(file);
  let bytes = readDataFile(file, source);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new NncUserError("NN4006", { where: source, reason: `gzip data is damaged (${(error as Error).message})` });
    }
  }
  const layout = idxLayout(bytes, bytes.length, source);
  return { dims: layout.shape, values: new Uint8Array(bytes.buffer, bytes.byteOffset + layout.dataOffset, bytes.length - layout.dataOffset) };
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
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) {
    throw new NncUserError("NN4006", { where: source, reason: "not an IDX file: it does not start with two zero bytes" });
  }
  if (head[2] !== 0x08) {
    throw new NncUserError("NN4006", { where: source, reason: `IDX type 0x${head[2]!.toString(16)} is not supported; nnc reads unsigned bytes (0x08)` });
  }
  const rank = head[3]!;
  const header = 4 + 4 * rank;
  if (head.length < header) throw new NncUserError("NN4006", { where: source, reason: "the header is cut short" });
  const dims = Array.from({ length: rank }, (_, i) => head.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (fileSize - header !== size) {
    const count = dims[0] ?? 0;
    const per = count > 0 ? size / count : 1;
    const whole = Math.floor((fileSize - header) / per);
    throw new NncUserError("NN4006", {
      where: `${source}: record ${whole + 1}`,
      reason: `the header promises ${count} records of ${per} bytes (${size} bytes), the file holds ${fileSize - header}`,
    });
  }
  return { shape: dims, dataOffset: header, itemBytes: 1, get: (view, offset) => view.getUint8(offset) };
}
