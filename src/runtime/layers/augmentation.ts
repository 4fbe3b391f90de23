/**
 * Keras's random image augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
 * RandomContrast, RandomBrightness): random while training, the identity otherwise (evaluate, predict, a saved
 * model). Each image of a batch draws its own transformation. A layer with `seed` draws from its own seeded
 * generators (layer-random.ts: one per training call, from the seed and the step, so a resumed run draws as an
 * unbroken one); without one it draws from `Math.random`, which a run with `seed:` makes a seeded generator
 * (checkpointed), so seeded runs are reproducible either way.
 */
import * as tf from "@tensorflow/tfjs";
import { LayerRandom } from "./layer-random.js";
import {
  projectiveTransform,
  rotationTransform,
  translationTransform,
  zoomTransform,
  type FillMode,
  type Interpolation,
  type Transform,
} from "./image-sampling.js";

type Config = Record<string, unknown>;

/** A number `f` is the range `[-|f|, |f|]`; a pair is its own range, smallest first (Keras's `_set_factor`). */
export function factorRange(factor: unknown): [number, number] {
  if (typeof factor === "number") return [-Math.abs(factor), Math.abs(factor)];
  const [a, b] = factor as [number, number];
  return a <= b ? [a, b] : [b, a];
}

/** The input as a float batch: Keras's layers compute in float32 whatever the input's dtype. */
export function floatImages(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor4D {
  const x = Array.isArray(inputs) ? inputs[0]! : inputs;
  return (x.dtype === "float32" ? x : tf.cast(x, "float32")) as tf.Tensor4D;
}

/**
 * The common part: the config kept as given (so `getConfig` round-trips it), the random source, and the
 * identity outside training. Subclasses implement `augment` for a training call.
 */
export abstract class RandomImageLayer extends tf.layers.Layer {
  protected readonly options: Config;
  private readonly seeded: LayerRandom | null;
  private random: () => number = () => Math.random();

  constructor(config: Config) {
    super(layerArgs(config));
    this.options = ownConfig(config);
    const seed = config["seed"];
    this.seeded = typeof seed === "number" ? new LayerRandom(seed) : null;
  }

  /** A training call's augmentation, drawing from this call's generator (or `Math.random` without a seed). */
  protected augmentCall(images: tf.Tensor4D): tf.Tensor4D {
    if (this.seeded !== null) this.random = this.seeded.forCall();
    return this.augment(images);
  }

  /** A number drawn uniformly from `[lo, hi)`. */
  protected uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** One draw per image of the batch. */
  protected perImage(batch: number, lo: number, hi: number): number[] {
    return Array.from({ length: batch }, () => this.uniform(lo, hi));
  }

  protected abstract augment(images: tf.Tensor4D): tf.Tensor4D;

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return imageShape(inputShape, this.name);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Config): tf.Tensor {
    return tf.tidy(() => {
      const images = floatImages(inputs);
      return kwargs["training"] === true ? this.augmentCall(images) : tf.clone(images);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.options as tf.serialization.ConfigDict) };
  }
}

/**
 * The single input's shape, which must be a batch of images `[batch, height, width, channels]`: Keras's image
 * layers refuse other ranks, and so do these (tfjs would otherwise broadcast some of them silently).
 */
export function imageShape(inputShape: tf.Shape | tf.Shape[], layer: string): tf.Shape {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  if (shape.length !== 4) {
    throw new Error(`${layer}: expected images [batch, height, width, channels], got [${shape.join(", ")}]`);
  }
  return shape;
}

/** A config as given, without what tf.loadLayersModel adds to it (`customObjects`). */
export function ownConfig(config: Config): Config {
  const { customObjects: _added, ...own } = config;
  return own;
}

/** The tfjs base-layer arguments among a config (the rest are the layer's own). */
export function layerArgs(config: Config): Config {
  const base = ["name", "trainable", "inputShape", "batchInputShape", "batchSize", "dtype", "inputDType"];
  return Object.fromEntries(Object.entries(config).filter(([key]) => base.includes(key)));
}

/** Keras's RandomFlip(mode, seed): one draw per image, flipping it along every axis `mode` names. */
export class NncRandomFlip extends RandomImageLayer {
  static className = "NncRandomFlip";

  /**
   * tf.loadLayersModel turns snake_case string values into camelCase (`horizontalAndVertical`), so the mode is
   * kept in that form from the start and the config reads the same before and after a reload.
   */
  constructor(config: Config) {
    const mode = (config["mode"] as string | undefined) ?? "horizontal_and_vertical";
    super({ ...config, mode: mode.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) });
  }

  protected augment(images: tf.Tensor4D): tf.Tensor4D {
    const mode = this.options["mode"] as string;
    const axes = [...(/vertical/i.test(mode) ? [1] : []), ...(mode.startsWith("horizontal") ? [2] : [])];
    const flips = this.perImage(images.shape[0], 0, 1).map((r) => r <= 0.5);
    // A choice, not a blend: x*mask + x'*(1-mask) would let a NaN or Inf pixel poison the unchosen image too.
    const mask = tf.broadcastTo(tf.tensor4d(flips, [flips.length, 1, 1, 1], "bool"), images.shape);
    return tf.where(mask, tf.reverse(images, axes), images);
  }
}

/** The fill and interpolation arguments of the geometric layers, with Keras's defaults. */
function sampling(options: Config): [Interpolation, FillMode, number] {
  return [
    (options["interpolation"] as Interpolation | undefined) ?? "bilinear",
    (options["fillMode"] as FillMode | undefined) ?? "reflect",
    (options["fillValue"] as number | undefined) ?? 0,
  ];
}

/** The geometric layers: one projective transform per image. */
abstract class RandomTransformLayer extends RandomImageLayer {
  protected abstract transforms(batch: number, height: number, width: number): Transform[];

  protected augment(images: tf.Tensor4D): tf.Tensor4D {
    const [batch, height, width] = images.shape;
    return projectiveTransform(images, this.transforms(batch, height, width), ...sampling(this.options));
  }
}

/** Keras's RandomRotation(factor): by `factor` turns (a fraction of 360 degrees), counter-clockwise when positive. */
export class NncRandomRotation extends RandomTransformLayer {
  static className = "NncRandomRotation";

  protected transforms(batch: number, height: number, width: number): Transform[] {
    const [lo, hi] = factorRange(this.options["factor"]);
    return this.perImage(batch, lo * 2 * Math.PI, hi * 2 * Math.PI).map((a) => rotationTransform(a, height, width));
  }
}

/** Keras's RandomZoom(height_factor, width_factor): above zero zooms out; no width factor keeps the aspect. */
export class NncRandomZoom extends RandomTransformLayer {
  static className = "NncRandomZoom";

  protected transforms(batch: number, height: number, width: number): Transform[] {
    const [hl, hu] = factorRange(this.options["heightFactor"]);
    const zy = this.perImage(batch, 1 + hl, 1 + hu);
    const widthFactor = this.options["widthFactor"];
    const zx = widthFactor === undefined || widthFactor === null ? zy : this.zoomsOf(batch, widthFactor);
    return zy.map((z, i) => zoomTransform(zx[i]!, z, height, width));
  }

  private zoomsOf(batch: number, factor: unknown): number[] {
    const [lo, hi] = factorRange(factor);
    return this.perImage(batch, 1 + lo, 1 + hi);
  }
}

/** Keras's RandomTranslation(height_factor, width_factor): shifts by fractions of the height and width. */
export class NncRandomTranslation extends RandomTransformLayer {
  static className = "NncRandomTranslation";

  protected transforms(batch: number, height: number, width: number): Transform[] {
    const [hl, hu] = factorRange(this.options["heightFactor"]);
    const [wl, wu] = factorRange(this.options["widthFactor"]);
    const dy = this.perImage(batch, hl * height, hu * height);
    const dx = this.perImage(batch, wl * width, wu * width);
    return dy.map((y, i) => translationTransform(dx[i]!, y));
  }
}

/** `value_range` with Keras's default `[0, 255]`, smallest first. */
function valueRange(options: Config): [number, number] {
  const [a, b] = (options["valueRange"] as [number, number] | undefined) ?? [0, 255];
  return a <= b ? [a, b] : [b, a];
}

/** One value per image as a `[batch, 1, 1, 1]` tensor, to scale or shift whole images. */
function perImageTensor(values: number[]): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1]);
}

/**
 * Keras's RandomContrast(factor, value_range): each image's channels move away from (or towards) their mean
 * over the image, `(x - mean) * c + mean` with `c` drawn from `[1 - lower, 1 + upper]`, then clipped to
 * `value_range`.
 */
export class NncRandomContrast extends RandomImageLayer {
  static className = "NncRandomContrast";

  protected augment(images: tf.Tensor4D): tf.Tensor4D {
    const factor = this.options["factor"];
    const [lower, upper] = typeof factor === "number" ? [factor, factor] : factorRange(factor);
    const contrast = perImageTensor(this.perImage(images.shape[0], 1 - lower, 1 + upper));
    const mean = tf.mean(images, [1, 2], true);
    const [lo, hi] = valueRange(this.options);
    return tf.clipByValue(tf.add(tf.mul(tf.sub(images, mean), contrast), mean), lo, hi) as tf.Tensor4D;
  }
}

/**
 * Keras's RandomBrightness(factor, value_range): adds to each image a delta drawn from the factor's range times
 * the width of `value_range` (-1 turns it black, 1 white), then clips to `value_range`.
 */
export class NncRandomBrightness extends RandomImageLayer {
  static className = "NncRandomBrightness";

  protected augment(images: tf.Tensor4D): tf.Tensor4D {
    const [fl, fu] = factorRange(this.options["factor"]);
    const [lo, hi] = valueRange(this.options);
    const delta = perImageTensor(this.perImage(images.shape[0], fl * (hi - lo), fu * (hi - lo)));
    return tf.clipByValue(tf.add(images, delta), lo, hi) as tf.Tensor4D;
  }
}

for (const layer of [
  NncRandomFlip,
  NncRandomRotation,
  NncRandomZoom,
  NncRandomTranslation,
  NncRandomContrast,
  NncRandomBrightness,
]) {
  tf.serialization.registerClass(layer as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
}
