/**
 * Gaussian noise with Keras's `seed`: tfjs 4.22's GaussianNoise has no seed (it draws from the generator
 * `Math.random` seeds, which a train block's `seed` makes reproducible). With a seed, this subclass draws each
 * training call's noise from a generator seeded by it and the step (layer-random.ts), so the noise sequence is
 * the same from run to run whatever the rest of the run draws, as Keras's `SeedGenerator` does, and a resumed
 * run draws as an unbroken one; predicting, it is the identity.
 */
import * as tf from "@tensorflow/tfjs";
import { LayerRandom } from "./layer-random.js";

type LayerClass = new (config: Record<string, unknown>) => tf.layers.Layer;

// tfjs exports the layer's factory, not its class.
const GaussianNoiseBase = tf.layers.gaussianNoise({ stddev: 0 }).constructor as LayerClass;

/** Keras's GaussianNoise(stddev, seed). */
export class NncGaussianNoise extends GaussianNoiseBase {
  static className = "NncGaussianNoise";
  private readonly seed: number;
  private readonly stddev: number;
  private readonly random: LayerRandom;

  constructor(config: Record<string, unknown>) {
    super(config);
    this.seed = config["seed"] as number;
    this.stddev = config["stddev"] as number;
    this.random = new LayerRandom(this.seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs["training"] !== true) return tf.clone(x);
    // A fresh seed per call: tfjs's randomNormal with one fixed seed would draw the same noise every step.
    const seed = Math.floor(this.random.forCall()() * 2 ** 32);
    return tf.tidy(() => tf.add(x, tf.randomNormal(x.shape, 0, this.stddev, "float32", seed)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

tf.serialization.registerClass(
  NncGaussianNoise as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>,
);
