/**
 * Decoded pixels to a model's input: the colour mode's channels, an optional centre crop to the target's
 * aspect ratio, and a resize to `[height, width]`, scaled to [0, 1] as float32, `[h, w, c]` row after row.
 *
 * The resize is `tf.image.resize`'s without antialiasing (TensorFlow 2's half-pixel centres): output pixel
 * `y` samples the source at `(y + 0.5) * in / out - 0.5`, bilinear between the two nearest rows (clamped at
 * the edges), or for `nearest` the row `floor((y + 0.5) * in / out)`. The crop is Keras's
 * `crop_to_aspect_ratio` (`smart_resize`): the largest centred window of the target's aspect ratio.
 * Grey is ITU-R BT.601's luma, `0.299 R + 0.587 G + 0.114 B` (a JPEG's Y, PIL's `convert("L")`); alpha is
 * dropped for rgb and grayscale, and is 255 (opaque) for an image without it read as rgba.
 */
import { channelsOfColor as channelsOf, type ColorMode } from "../../compiler/registry/image-shapes.js";
import type { Pixels } from "./image-decode.js";

export { channelsOf, type ColorMode };
export type Interpolation = "bilinear" | "nearest";

/** How an images() source turns a file into an example; saved in a run's `preprocessing.json`. */
export interface ImageReading {
  readonly size: readonly [number, number];
  readonly color: ColorMode;
  readonly interpolation: Interpolation;
  readonly crop_to_aspect_ratio: boolean;
}

/** `pixels` as the example `reading` says, written into `into` at `offset` (h * w * channels values). */
export function toExample(pixels: Pixels, reading: ImageReading, into: Float32Array, offset: number): void {
  const source = colored(pixels, reading.color);
  const channels = channelsOf[reading.color];
  const [outH, outW] = reading.size;
  const crop = reading.crop_to_aspect_ratio
    ? centreCrop(pixels.height, pixels.width, outH, outW)
    : { top: 0, left: 0, height: pixels.height, width: pixels.width };
  const rows = axisSamples(crop.height, outH, reading.interpolation, crop.top);
  const cols = axisSamples(crop.width, outW, reading.interpolation, crop.left);
  const stride = pixels.width * channels;
  for (let y = 0; y < outH; y++) {
    const r = rows[y]!;
    for (let x = 0; x < outW; x++) {
      const c = cols[x]!;
      const out = offset + (y * outW + x) * channels;
      const [lowLow, lowHigh] = [r.low * stride + c.low * channels, r.low * stride + c.high * channels];
      const [highLow, highHigh] = [r.high * stride + c.low * channels, r.high * stride + c.high * channels];
      for (let k = 0; k < channels; k++) {
        const top = source[lowLow + k]! + (source[lowHigh + k]! - source[lowLow + k]!) * c.weight;
        const bottom = source[highLow + k]! + (source[highHigh + k]! - source[highLow + k]!) * c.weight;
        into[out + k] = (top + (bottom - top) * r.weight) / 255;
      }
    }
  }
}

/** Where each output position along one axis samples the source: two source positions and a weight. */
interface Sample {
  readonly low: number;
  readonly high: number;
  readonly weight: number;
}

function axisSamples(inSize: number, outSize: number, interpolation: Interpolation, start: number): Sample[] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => {
    if (interpolation === "nearest") {
      const at = start + Math.min(Math.floor((i + 0.5) * scale), inSize - 1);
      return { low: at, high: at, weight: 0 };
    }
    const position = (i + 0.5) * scale - 0.5;
    const floor = Math.floor(position);
    const low = Math.max(floor, 0);
    const high = Math.min(Math.ceil(position), inSize - 1);
    return { low: start + low, high: start + high, weight: position - floor };
  });
}

/** Keras's `smart_resize` window: the largest centred crop of the target's aspect ratio. */
function centreCrop(height: number, width: number, outH: number, outW: number) {
  const cropH = Math.min(height, Math.trunc((width * outH) / outW));
  const cropW = Math.min(width, Math.trunc((height * outW) / outH));
  return {
    top: Math.trunc((height - cropH) / 2),
    left: Math.trunc((width - cropW) / 2),
    height: Math.max(cropH, 1),
    width: Math.max(cropW, 1),
  };
}

/** The pixels with the colour mode's channels, as numbers 0-255. */
function colored(pixels: Pixels, color: ColorMode): Float32Array {
  const count = pixels.width * pixels.height;
  const channels = channelsOf[color];
  const out = new Float32Array(count * channels);
  const from = pixels.channels;
  const data = pixels.data;
  // Grey (1 channel) or grey with alpha (2) has one value for red, green and blue.
  const [gOffset, bOffset] = from < 3 ? [0, 0] : [1, 2];
  const alphaOffset = from === 2 ? 1 : from === 4 ? 3 : -1;
  for (let p = 0, i = 0, o = 0; p < count; p++, i += from, o += channels) {
    const r = data[i]!;
    const g = data[i + gOffset]!;
    const b = data[i + bOffset]!;
    if (channels === 1) {
      out[o] = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
      continue;
    }
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    if (channels === 4) out[o + 3] = alphaOffset < 0 ? 255 : data[i + alphaOffset]!;
  }
  return out;
}
