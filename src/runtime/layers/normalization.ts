/**
 * nnc's batch normalization, used for every `batch_normalization`, since tfjs 4.22's is wrong:
 *
 * - when frozen: Keras's (TF2) layer with `trainable = False` runs in inference mode, even inside `fit` (it
 *   normalizes with its moving mean and variance and leaves them alone), which is what lets a frozen base
 *   keep what it learned in transfer learning; tfjs's ignores `trainable` there, normalizes with the batch's
 *   statistics and updates its moving averages;
 * - without `center` or `scale` (InceptionV3's `scale: false`): tfjs builds the layer with only the weights it
 *   needs, as Keras does, but its training step reads gamma and beta unconditionally ("Cannot read properties
 *   of undefined (reading 'read')"), and tfjs-core's batchNorm, which takes a missing scale, has no gradient
 *   without one (its backward pass saves the scale);
 * - along an axis that is not the last: tfjs-core's batchNorm kernels apply mean, variance, gamma and beta as
 *   if they ran along the last axis (element `i` of the flattened input takes entry `i mod n`).
 *
 * This subclass keeps tfjs's weights, names and config, and writes the normalization out in elementwise
 * operations, which broadcast along any axis and all have gradients: the math of Keras's and tfjs's layer,
 * the moving averages included.
 */
import * as tf from "@tensorflow/tfjs";

/** What the subclass reads of tfjs's BatchNormalization (fields tfjs-layers keeps public in its JavaScript). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: tf.LayerVariable;
  beta?: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type LayerClass = new (config: Record<string, unknown>) => tf.layers.Layer;

// tfjs exports the layer's factory, not its class.
const BatchNormBase = tf.layers.batchNormalization({}).constructor as LayerClass;

/** Keras's BatchNormalization: tfjs's weights and config, Keras's math when frozen, uncentred or along any axis. */
export class NncBatchNormalization extends BatchNormBase {
  static className = "NncBatchNormalization";

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const self = this as unknown as BatchNormFields;
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const axis = self.axis >= 0 ? self.axis : self.axis + x.rank;
      // Mean and variance are per position along `axis`; they broadcast against x in this shape.
      const broadcast = x.shape.map((d, i) => (i === axis ? d : 1));
      const along = (v: tf.Tensor | undefined) => (v === undefined ? undefined : tf.reshape(v, broadcast));
      const normalize = (mean: tf.Tensor, variance: tf.Tensor) => {
        const scaled = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, self.epsilon)));
        const gamma = along(self.gamma?.read());
        const beta = along(self.beta?.read());
        const withGamma = gamma ? tf.mul(scaled, gamma) : scaled;
        return beta ? tf.add(withGamma, beta) : withGamma;
      };
      // Read at each call, not when built: fine-tuning unfreezes a layer by setting `trainable`.
      if (kwargs["training"] !== true || !this.trainable) {
        return normalize(along(self.movingMean.read())!, along(self.movingVariance.read())!);
      }
      const reduced = x.shape.map((_, i) => i).filter((i) => i !== axis);
      const { mean, variance } = tf.moments(x, reduced);
      // tfjs's update: moving -= (moving - batch) * (1 - momentum).
      for (const [moving, batch] of [
        [self.movingMean, mean],
        [self.movingVariance, variance],
      ] as const) {
        const value = moving.read();
        moving.write(tf.sub(value, tf.mul(tf.sub(value, batch), 1 - self.momentum)));
      }
      return normalize(tf.reshape(mean, broadcast), tf.reshape(variance, broadcast));
    });
  }
}

tf.serialization.registerClass(
  NncBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>,
);
