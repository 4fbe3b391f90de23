/**
 * The image arithmetic behind the augmentation layers (augmentation.ts): projective resampling with Keras's
 * fill modes, and resizing with Keras's aspect-ratio crop and pad. Everything is built from ops tfjs 4.22
 * differentiates (gather, multiply, add, slice, pad, resizeBilinear), so a model trains with these layers
 * anywhere in it; tfjs's own `tf.image.transform` has no gradient.
 */
import * as tf from "@tensorflow/tfjs";

export type FillMode = "reflect" | "wrap" | "constant" | "nearest";
export type Interpolation = "nearest" | "bilinear";

/**
 * Keras's 8-number projective transform of one image: an output pixel at column `x`, row `y` reads the input
 * at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)` with `k = c0 x + c1 y + 1`.
 */
export type Transform = readonly [number, number, number, number, number, number, number, number];

/** Rotation by `angle` radians (counter-clockwise when positive) about the image's centre, as Keras's. */
export function rotationTransform(angle: number, height: number, width: number): Transform {
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const xOffset = (width - 1 - (cos * (width - 1) - sin * (height - 1))) / 2;
  const yOffset = (height - 1 - (sin * (width - 1) + cos * (height - 1))) / 2;
  return [cos, -sin, xOffset, sin, cos, yOffset, 0, 0];
}

/** Zoom about the centre: `zx`, `zy` above 1 zoom out (the input shrinks), below 1 zoom in. */
export function zoomTransform(zx: number, zy: number, height: number, width: number): Transform {
  return [zx, 0, ((width - 1) / 2) * (1 - zx), 0, zy, ((height - 1) / 2) * (1 - zy), 0, 0];
}

/** A shift by `dx` pixels right and `dy` pixels down. */
export function translationTransform(dx: number, dy: number): Transform {
  return [1, 0, -dx, 0, 1, -dy, 0, 0];
}

/**
 * A coordinate outside `[0, size - 1]` mapped back in as TensorFlow's ImageProjectiveTransformV3 (Keras's
 * backend) does: reflect `(d c b a | a b c d | d c b a)`, wrap `(a b c d | a b c d)`, nearest `(a a | a b c d |
 * d d)`; `constant` leaves it outside, to read the fill value.
 */
function mapCoordinate(c: number, size: number, mode: FillMode): number {
  if (mode === "constant") return c;
  if (mode === "nearest" || size <= 1) return Math.min(Math.max(c, 0), size - 1);
  if (mode === "reflect") {
    const period = 2 * size;
    if (c < 0) {
      c += period * Math.trunc(-c / period);
      c = c < -size ? c + period : -c - 1;
    } else if (c > size - 1) {
      c -= period * Math.trunc(c / period);
      if (c >= size) c = period - c - 1;
    }
  } else if (c < 0) c += size * (Math.trunc(-c / (size - 1)) + 1);
  else if (c > size - 1) c -= size * Math.trunc(c / (size - 1));
  return Math.min(Math.max(c, 0), size - 1);
}

/** C's `round`: halves away from zero, as TensorFlow's nearest interpolation. */
function roundHalfAway(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

/** Where each output pixel reads the input: up to four source pixels with their weights, and the fill's weight. */
interface SamplingPlan {
  readonly corners: number;
  /** `corners * pixels` flat input pixel indices (`(b * height + row) * width + col`), -1 for none. */
  readonly indices: Int32Array;
  readonly weights: Float32Array;
  /** Per output pixel, the weight of the corners outside the image, which read the fill value. */
  readonly outside: Float32Array;
}

/** The sampling plan of a batch `[batch, height, width]` through one transform per image. */
function samplingPlan(
  shape: readonly number[],
  transforms: readonly Transform[],
  interpolation: Interpolation,
  fillMode: FillMode,
): SamplingPlan {
  const [batch, height, width] = shape as [number, number, number];
  const corners = interpolation === "nearest" ? 1 : 4;
  const pixels = batch * height * width;
  const indices = new Int32Array(corners * pixels).fill(-1);
  const weights = new Float32Array(corners * pixels);
  const outside = new Float32Array(pixels);
  const read = (p: number, corner: number, b: number, row: number, col: number, weight: number) => {
    if (row >= 0 && row < height && col >= 0 && col < width) {
      indices[corner * pixels + p] = (b * height + row) * width + col;
      weights[corner * pixels + p] = weight;
    } else outside[p] += weight;
  };
  let p = 0;
  for (let b = 0; b < batch; b++) {
    const [a0, a1, a2, b0, b1, b2, c0, c1] = transforms[b]!;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++, p++) {
        const k = c0 * x + c1 * y + 1;
        const sx = mapCoordinate((a0 * x + a1 * y + a2) / k, width, fillMode);
        const sy = mapCoordinate((b0 * x + b1 * y + b2) / k, height, fillMode);
        if (corners === 1) {
          read(p, 0, b, roundHalfAway(sy), roundHalfAway(sx), 1);
          continue;
        }
        const fy = Math.floor(sy);
        const fx = Math.floor(sx);
        const dy = sy - fy;
        const dx = sx - fx;
        read(p, 0, b, fy, fx, (1 - dy) * (1 - dx));
        read(p, 1, b, fy, fx + 1, (1 - dy) * dx);
        read(p, 2, b, fy + 1, fx, dy * (1 - dx));
        read(p, 3, b, fy + 1, fx + 1, dy * dx);
      }
    }
  }
  return { corners, indices, weights, outside };
}

/**
 * Resamples a batch `[batch, height, width, channels]` through one transform per image, as Keras's
 * `affine_transform` (TensorFlow's ImageProjectiveTransformV3). The sums run over typed arrays (tfjs's gather
 * on the CPU copies element by element: ten times slower on a batch of 224 x 224 images), and the gradient is
 * the plan's transpose, so the result has a gradient with respect to the image.
 */
export function projectiveTransform(
  images: tf.Tensor4D,
  transforms: readonly Transform[],
  interpolation: Interpolation,
  fillMode: FillMode,
  fillValue: number,
): tf.Tensor4D {
  const shape = images.shape;
  const channels = shape[3];
  const plan = samplingPlan(shape, transforms, interpolation, fillMode);
  const pixels = plan.outside.length;
  /** `forward` reads `from` at the plan's sources into `to`; backward adds `from` into the sources of `to`. */
  const apply = (from: ArrayLike<number>, to: Float32Array, forward: boolean) => {
    for (let corner = 0; corner < plan.corners; corner++) {
      for (let p = 0; p < pixels; p++) {
        const source = plan.indices[corner * pixels + p]!;
        if (source < 0) continue;
        const weight = plan.weights[corner * pixels + p]!;
        const write = (forward ? p : source) * channels;
        const read = (forward ? source : p) * channels;
        for (let c = 0; c < channels; c++) to[write + c]! += weight * from[read + c]!;
      }
    }
  };
  // tfjs types the function's arguments as tensors or its `save` callback; here there is one, the images.
  const resample = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = inputs[0] as tf.Tensor;
    const out = new Float32Array(pixels * channels);
    apply(x.dataSync(), out, true);
    if (fillValue !== 0) {
      for (let p = 0; p < pixels; p++)
        for (let c = 0; c < channels; c++) out[p * channels + c]! += plan.outside[p]! * fillValue;
    }
    return {
      value: tf.tensor4d(out, shape),
      gradFunc: (dy: tf.Tensor) => {
        const dx = new Float32Array(pixels * channels);
        apply(dy.dataSync(), dx, false);
        return tf.tensor4d(dx, shape);
      },
    };
  });
  return resample(images) as tf.Tensor4D;
}

/** A window of the batch: `size` rows and columns from `top`, `left`. */
export function cropImages(images: tf.Tensor4D, top: number, left: number, size: [number, number]): tf.Tensor4D {
  return tf.slice(images, [0, top, left, 0], [-1, size[0], size[1], -1]);
}

export interface ResizeOptions {
  readonly interpolation: Interpolation;
  readonly cropToAspectRatio?: boolean;
  readonly padToAspectRatio?: boolean;
  readonly fillValue?: number;
}

/**
 * Keras's `image.resize` of a batch to `size`: with `cropToAspectRatio`, first the largest centred window of
 * the target's aspect ratio; with `padToAspectRatio`, first padding (with `fillValue`) to it. Half-pixel
 * centres, no antialiasing, as TensorFlow's `resize`.
 */
export function resizeImages(images: tf.Tensor4D, size: [number, number], options: ResizeOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = images.shape;
    const [th, tw] = size;
    let x = images;
    if (options.cropToAspectRatio) {
      const cropHeight = Math.max(Math.min(height, Math.trunc((width * th) / tw)), 1);
      const cropWidth = Math.max(Math.min(width, Math.trunc((height * tw) / th)), 1);
      const top = Math.trunc((height - cropHeight) / 2);
      const left = Math.trunc((width - cropWidth) / 2);
      x = cropImages(x, top, left, [cropHeight, cropWidth]);
    } else if (options.padToAspectRatio) {
      const padHeight = Math.max(height, Math.trunc((width * th) / tw));
      const padWidth = Math.max(width, Math.trunc((height * tw) / th));
      const top = Math.trunc((padHeight - height) / 2);
      const left = Math.trunc((padWidth - width) / 2);
      const paddings: [number, number][] = [
        [0, 0],
        [top, padHeight - height - top],
        [left, padWidth - width - left],
        [0, 0],
      ];
      x = tf.pad(x, paddings, options.fillValue ?? 0);
    }
    if (x.shape[1] === th && x.shape[2] === tw) return tf.clone(x);
    return options.interpolation === "nearest"
      ? tf.image.resizeNearestNeighbor(x, size, false, true)
      : tf.image.resizeBilinear(x, size, false, true);
  });
}
