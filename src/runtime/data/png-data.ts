/**
 * Whether a PNG's compressed image data holds every scanline its header promises. pngjs inflates the IDAT
 * chunks into a buffer of the image's size and does not say when the stream ended short of it: the rows it
 * did not get are whatever memory held (a different image on every run). So the data is inflated here first,
 * as far as it goes, and its length compared with the scanline bytes the header implies (Adam7's seven
 * passes for an interlaced image).
 */
import { constants, inflateSync } from "node:zlib";

/** Channels of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const channelsOfColorType: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's passes: first column and row, column and row step. */
const adam7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Why the PNG `bytes` (whose IHDR `imageHeader` has read) has too little image data ("the file ends early"),
 * or undefined when its IDAT chunks inflate to at least every scanline (pngjs reports the other faults).
 */
export function pngDataShortfall(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < 33) return "the file ends early";
  const [width, height] = [view.getUint32(16), view.getUint32(20)];
  const [depth, colorType, interlace] = [bytes[24]!, bytes[25]!, bytes[28]!];
  const channels = channelsOfColorType[colorType];
  if (channels === undefined) return undefined; // pngjs names the bad colour type
  const rowBytes = (w: number) => 1 + Math.ceil((w * channels * depth) / 8);
  let expected = 0;
  if (interlace === 0) expected = height * rowBytes(width);
  else {
    for (const [x0, y0, dx, dy] of adam7) {
      const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
      const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
      if (w > 0 && h > 0) expected += h * rowBytes(w);
    }
  }
  const parts: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (type === "IDAT") parts.push(bytes.subarray(at + 8, Math.min(at + 8 + length, bytes.length)));
    if (type === "IEND") break;
    at += 12 + length;
  }
  let inflated: Buffer;
  try {
    // A sync flush gives what a cut-off stream holds instead of an error; one byte more than needed is enough.
    inflated = inflateSync(Buffer.concat(parts), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: expected + 1,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return undefined;
    return `its image data does not inflate: ${(error as Error).message}`;
  }
  return inflated.length < expected ? "the file ends early" : undefined;
}
