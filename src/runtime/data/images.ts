/**
 * `images(path, size:, color:, interpolation:, crop_to_aspect_ratio:, class_names:, corrupt:)`: a folder of
 * PNG and JPEG files, one sub-folder per class (image-folder.ts lists it), read as `RecordReader` rows.
 *
 * Opening the folder checks every image once: its header (format and size, against the pixel limit, before
 * anything is allocated), then a full decode, one file at a time, so that a damaged file is found before the
 * first training step (an error naming it, or left out and counted with `corrupt: skip`). The reader then
 * holds paths and labels, never pixels: a batch decodes the files it asks for, so a folder larger than
 * memory trains in batches.
 */
import { closeSync, readSync } from "node:fs";
import type { IrCall } from "../../compiler/ir/index.js";
import { NncUserError } from "../errors.js";
import { formatBytes, openDataFile } from "./files.js";
import { decodeImage, imageHeader, type Pixels } from "./image-decode.js";
import {
  classFolders,
  imageLimits,
  listImageFolder,
  shownPath,
  type ImageFile,
  type ImageLimits,
} from "./image-folder.js";
import { channelsOf, toExample, type ImageReading } from "./image-resize.js";
import type { Table } from "./index.js";
import type { RecordOptions, RecordReader } from "./record-reader.js";

/** How an images() call reads each file (the checker has filled `size` and `color` in from the model's input). */
export function imageReading(source: IrCall): ImageReading {
  const size = source.args["size"] as [number, number];
  return {
    size: [size[0], size[1]],
    color: source.args["color"] as ImageReading["color"],
    interpolation: source.args["interpolation"] === "nearest" ? "nearest" : "bilinear",
    crop_to_aspect_ratio: source.args["crop_to_aspect_ratio"] === true,
  };
}

/** The classes of an images() source, in class order, for a model trained on it (null for other sources). */
export function folderClasses(source: IrCall): readonly string[] | null {
  return source.name === "images" ? classFolders(String(source.args["path"]), classNamesOf(source)) : null;
}

function classNamesOf(source: IrCall): readonly string[] | undefined {
  const given = source.args["class_names"];
  return Array.isArray(given) ? given.map(String) : undefined;
}

/** Opens an images() source for reading by index (see the file comment). */
export function openImages(
  source: IrCall,
  options: Pick<RecordOptions, "labelled">,
  limits: ImageLimits = imageLimits,
): RecordReader {
  const reading = imageReading(source);
  const root = String(source.args["path"]);
  const shown = shownPath(root);
  const folder = listImageFolder(root, classNamesOf(source), limits);
  const skip = source.args["corrupt"] === "skip";
  const skipped: string[] = [];
  const files = folder.files.filter((file) => {
    try {
      loadImage(file.path, file.shown, limits);
      return true;
    } catch (error) {
      // A file past a limit is skipped as a damaged one is: neither can be read.
      if (!skip || !(error instanceof NncUserError) || (error.code !== "NN4049" && error.code !== "NN4050"))
        throw error;
      skipped.push(file.shown);
      return false;
    }
  });
  const listed = skipped.length > 3 ? `${skipped.slice(0, 3).join(", ")}, ...` : skipped.join(", ");
  const notice = `skipped ${skipped.length} image file${skipped.length === 1 ? "" : "s"} of ${shown} that could not be decoded (corrupt: skip): ${listed}`;
  if (files.length === 0) {
    throw new NncUserError("NN4048", { where: shown, reason: "holds no image that could be decoded" });
  }
  const labelled = options.labelled !== false;
  const labelOf = (file: ImageFile) => folder.classes[file.label]!;
  const labelLines = new Map<string, number>();
  if (labelled) files.forEach((file, row) => labelLines.has(labelOf(file)) || labelLines.set(labelOf(file), row + 1));
  const [height, width] = reading.size;
  const exampleShape = [height, width, channelsOf[reading.color]];
  const exampleSize = height * width * channelsOf[reading.color];
  const table = (features: Float32Array, indices: readonly number[]): Table => ({
    source: shown,
    featureNames: [],
    exampleShape,
    features,
    labelName: labelled ? "class" : "",
    labels: labelled ? indices.map((i) => labelOf(files[i]!)) : [],
    lines: indices.map((i) => i + 1),
  });
  const reader = {
    source: shown,
    rows: files.length,
    streamed: true,
    labelLines,
    dropped: 0,
    ...(skipped.length > 0 ? { skipped: { count: skipped.length, notice } } : {}),
    layout: table(new Float32Array(0), []),
    peakRows: 0,
    read(indices: readonly number[]): Table {
      reader.peakRows = Math.max(reader.peakRows, indices.length);
      const features = new Float32Array(indices.length * exampleSize);
      indices.forEach((index, k) => {
        const file = files[index]!;
        toExample(loadImage(file.path, file.shown, limits), reading, features, k * exampleSize);
      });
      return table(features, indices);
    },
    close: () => undefined,
  };
  return reader;
}

/**
 * Reads and decodes one image file: NN4050 past a limit (its size, its pixels from the header), NN4049 when
 * it is not a PNG or JPEG that decodes.
 */
export function loadImage(file: string, shown: string, limits: ImageLimits = imageLimits): Pixels {
  const { fd, size } = openDataFile(file, shown);
  let bytes: Buffer;
  try {
    if (size > limits.fileBytes) {
      const reason = `the file is ${formatBytes(size)}; nnc reads image files of at most ${formatBytes(limits.fileBytes)}`;
      throw new NncUserError("NN4050", { where: shown, reason });
    }
    bytes = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(fd, bytes, filled, size - filled, filled);
      if (read === 0) break; // the file shrank since fstat
      filled += read;
    }
    bytes = bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
  const header = imageHeader(bytes);
  if (typeof header === "string") throw corrupt(shown, header);
  const pixels = header.width * header.height;
  if (pixels > limits.pixels) {
    const reason = `the image is ${header.width} x ${header.height} pixels; nnc decodes at most ${limits.pixels.toLocaleString("en-US")} pixels per image`;
    throw new NncUserError("NN4050", { where: shown, reason });
  }
  try {
    return decodeImage(bytes, header, limits.pixels);
  } catch (error) {
    throw corrupt(shown, `the ${header.format.toUpperCase()} does not decode: ${(error as Error).message}`);
  }
}

function corrupt(shown: string, reason: string): NncUserError {
  return new NncUserError(
    "NN4049",
    { where: shown, reason },
    "fix or remove the file, or leave such files out with corrupt: skip",
  );
}
