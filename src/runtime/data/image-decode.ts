/**
 * PNG and JPEG files to pixels, with pure-JS decoders (pngjs, jpeg-js). The format is told by the file's
 * first bytes, not its name. The header is read before anything is decoded, so a file that claims to be
 * 100000 x 100000 pixels is refused from its size alone, never allocated: `imageHeader` reads the
 * dimensions (PNG's IHDR chunk, a JPEG's start-of-frame marker), and the decoders run only below the limit.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { pngDataShortfall } from "./png-data.js";

/** A decoded image: `height x width x channels` bytes, row after row (channels 1 to 4, as stored). */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/** What an image file's header says. */
export interface ImageHeader {
  readonly format: "png" | "jpeg";
  readonly width: number;
  readonly height: number;
}

const pngMagic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The format and size of an image from its bytes (the whole file: a JPEG's metadata before its frame header
 * may run to megabytes), or a sentence saying why it is not a PNG or JPEG nnc can read.
 */
export function imageHeader(head: Uint8Array): ImageHeader | string {
  if (pngMagic.every((byte, i) => head[i] === byte)) {
    // The IHDR chunk comes first: length (4), "IHDR" (4), width (4), height (4).
    if (head.length < 24 || new TextDecoder("latin1").decode(head.subarray(12, 16)) !== "IHDR")
      return "a PNG without its header";
    const view = new DataView(head.buffer, head.byteOffset, head.length);
    return checked({ format: "png", width: view.getUint32(16), height: view.getUint32(20) });
  }
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return jpegHeader(head);
  if (head[0] === 0x47 && head[1] === 0x49 && head[2] === 0x46) return "a GIF image; nnc reads PNG and JPEG";
  if (head[0] === 0x42 && head[1] === 0x4d) return "a BMP image; nnc reads PNG and JPEG";
  return "not a PNG or JPEG image";
}

function checked(header: ImageHeader): ImageHeader | string {
  return header.width > 0 && header.height > 0 ? header : `a ${header.format.toUpperCase()} of no pixels`;
}

/** The size in a JPEG's start-of-frame marker (SOF0-SOF15 but DHT, JPG and DAC), walking the markers before it. */
function jpegHeader(head: Uint8Array): ImageHeader | string {
  let at = 2;
  while (at + 4 <= head.length) {
    if (head[at] !== 0xff) return "a JPEG whose markers are damaged";
    const marker = head[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (head[at + 2]! << 8) | head[at + 3]!;
    const frame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (frame) {
      if (at + 9 > head.length) break;
      const height = (head[at + 5]! << 8) | head[at + 6]!;
      const width = (head[at + 7]! << 8) | head[at + 8]!;
      return checked({ format: "jpeg", width, height });
    }
    if (length < 2) return "a JPEG whose markers are damaged";
    at += 2 + length;
  }
  return "a JPEG without a frame header";
}

/**
 * Decodes `bytes` (a file whose header `imageHeader` accepted); throws an `Error` whose message says what is
 * wrong with a file that does not decode (the caller names the file).
 */
export function decodeImage(bytes: Buffer, header: ImageHeader, maxPixels: number): Pixels {
  if (header.format === "png") {
    const short = pngDataShortfall(bytes);
    if (short) throw new Error(short);
    let png: PNG;
    try {
      png = PNG.sync.read(bytes);
    } catch (error) {
      // pngjs says a cut-off file leaves "read requests waiting on finished stream".
      const message = (error as Error).message;
      throw new Error(/finished stream|unexpected end/i.test(message) ? "the file ends early" : message);
    }
    if (png.data.length !== png.width * png.height * 4) throw new Error("the PNG's data is incomplete");
    return { width: png.width, height: png.height, channels: 4, data: png.data };
  }
  // maxMemoryUsageInMB bounds jpeg-js's buffers for the frame whose size the header already passed.
  const maxResolutionInMP = maxPixels / 1_000_000;
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    // A truncated or damaged file is an error, not an image padded with grey blocks.
    tolerantDecoding: false,
    maxResolutionInMP,
    maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 12) / (1024 * 1024))),
  });
  const channels = image.data.length / (image.width * image.height);
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new Error("the JPEG's data is incomplete");
  return { width: image.width, height: image.height, channels, data: image.data };
}
