/**
 * Keras's layers that change an image's size: Resizing and CenterCrop (the same whether training or not) and
 * RandomCrop (a random window while training, Keras's centred crop-and-resize otherwise). tfjs 4.22's
 * `resizing` and `centerCrop` differ from Keras's (its Resizing passes `crop_to_aspect_ratio` as
 * `alignCorners` and reports the width as the channel count; its CenterCrop shifts odd crops by a pixel), so
 * these are nnc's.
 */
import * as tf from "@tensorflow/tfjs";
import { floatImages, imageShape, layerArgs, ownConfig, RandomImageLayer } from "./augmentation.js";
import { cropImages, resizeImages, type Interpolation } from "./image-sampling.js";

type Config = Record<string, unknown>;

/** The target `[height, width]` of a config. */
function targetSize(config: Config): [number, number] {
  return [config["height"] as number, config["width"] as number];
}

/** `[batch, height, width, channels]` with the target's height and width. */
function resizedShape(inputShape: tf.Shape | tf.Shape[], [height, width]: [number, number], layer: string): tf.Shape {
  const shape = imageShape(inputShape, layer);
  return [shape[0]!, height, width, shape[3]!];
}

/** A deterministic layer whose config round-trips as given. */
abstract class SizingLayer extends tf.layers.Layer {
  protected readonly options: Config;

  constructor(config: Config) {
    super(layerArgs(config));
    this.options = ownConfig(config);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return resizedShape(inputShape, targetSize(this.options), this.name);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.options as tf.serialization.ConfigDict) };
  }
}

/**
 * Keras's Resizing(height, width, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value):
 * always, to `[height, width]`.
 */
export class NncResizing extends SizingLayer {
  static className = "NncResizing";

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      resizeImages(floatImages(inputs), targetSize(this.options), {
        interpolation: (this.options["interpolation"] as Interpolation | undefined) ?? "bilinear",
        cropToAspectRatio: this.options["cropToAspectRatio"] === true,
        padToAspectRatio: this.options["padToAspectRatio"] === true,
        fillValue: (this.options["fillValue"] as number | undefined) ?? 0,
      }),
    );
  }
}

/**
 * Keras's CenterCrop(height, width): the centred window, offsets rounded down; an input smaller than the
 * target along an axis is resized to it instead, after cropping to its aspect ratio.
 */
export class NncCenterCrop extends SizingLayer {
  static className = "NncCenterCrop";

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const images = floatImages(inputs);
      const [, height, width] = images.shape;
      const size = targetSize(this.options);
      if (height < size[0] || width < size[1]) {
        return resizeImages(images, size, { interpolation: "bilinear", cropToAspectRatio: true });
      }
      return tf.clone(cropImages(images, Math.trunc((height - size[0]) / 2), Math.trunc((width - size[1]) / 2), size));
    });
  }
}

/**
 * Keras's RandomCrop(height, width, seed): while training, one random window for the whole batch (Keras crops
 * a batch at one place); otherwise, and when the input is not larger than the target along both axes, the
 * largest centred window of the target's aspect ratio, resized to the target (bilinear).
 */
export class NncRandomCrop extends RandomImageLayer {
  static className = "NncRandomCrop";

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return resizedShape(inputShape, targetSize(this.options), this.name);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Config): tf.Tensor {
    return tf.tidy(() => {
      const images = floatImages(inputs);
      const [, height, width] = images.shape;
      const size = targetSize(this.options);
      if (kwargs["training"] === true && height > size[0] && width > size[1]) return this.augmentCall(images);
      return resizeImages(images, size, { interpolation: "bilinear", cropToAspectRatio: true });
    });
  }

  protected augment(images: tf.Tensor4D): tf.Tensor4D {
    const [, height, width] = images.shape;
    const size = targetSize(this.options);
    const top = Math.floor(this.uniform(0, height - size[0] + 1));
    const left = Math.floor(this.uniform(0, width - size[1] + 1));
    return tf.clone(cropImages(images, top, left, size));
  }
}

for (const layer of [NncResizing, NncCenterCrop, NncRandomCrop]) {
  tf.serialization.registerClass(layer as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
}
