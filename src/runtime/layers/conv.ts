/**
 * Convolutions tfjs 4.22 builds or trains wrong, as subclasses of tfjs's own layers, so that their weights
 * (`kernel`, `bias`, `depthwise_kernel`, `pointwise_kernel`), their names and their parameter counts are
 * those of tfjs's (and Keras's) single layer:
 *
 * - `padding: causal` on conv1d: tfjs computes the output length as with `valid` and throws when the layer runs
 *   ("CAUSAL padding mode ... is not implemented yet"). Keras left-pads by `dilation_rate * (kernel_size - 1)`
 *   and runs a valid convolution, so the output length is `ceil(steps / strides)`; so does this layer.
 * - `dilation_rate` above 1: tfjs-core has no gradient for a dilated convolution ("dilation rates greater than 1
 *   are not yet supported in gradients"), and tfjs's DepthwiseConv2D and Conv2DTranspose ignore the rate. These
 *   layers spread the kernel out instead, `d - 1` zeros between its taps (`d * (k - 1) + 1` taps in all), and
 *   run an undilated convolution with it: the same sums, made of operations that all have gradients.
 */
import * as tf from "@tensorflow/tfjs";
import { convOutputLength, deconvLength, pair } from "../../compiler/ir/shapes.js";

/** What the subclasses read of tfjs's convolution layers (fields tfjs-layers keeps public in its JavaScript). */
interface ConvFields {
  kernel?: tf.LayerVariable;
  depthwiseKernel?: tf.LayerVariable;
  pointwiseKernel?: tf.LayerVariable;
  bias?: tf.LayerVariable | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  strides: number[];
  padding: "valid" | "same";
  dilationRate: number[];
  kernelSize: number[];
  filters: number;
  depthMultiplier?: number;
}

type LayerClass = new (config: Record<string, unknown>) => tf.layers.Layer;

/** tfjs exports its layers' factories, not their classes: the class of the layer a factory builds. */
function classOf(make: () => tf.layers.Layer): LayerClass {
  return make().constructor as LayerClass;
}

/**
 * `kernel` with `rates[i] - 1` zeros between its taps along spatial axis `i` (the leading axes): a kernel of
 * `k` taps becomes one of `d * (k - 1) + 1`. Made of expandDims, pad, reshape and slice, which all have
 * gradients.
 */
function dilateKernel(kernel: tf.Tensor, rates: readonly number[]): tf.Tensor {
  return rates.reduce((spread, rate, axis) => {
    if (rate === 1) return spread;
    const shape = spread.shape;
    const taps = shape[axis]!;
    const padding = shape.map((): [number, number] => [0, 0]);
    padding.splice(axis + 1, 0, [0, rate - 1]);
    const gaps = tf.pad(tf.expandDims(spread, axis + 1), padding);
    const joined = tf.reshape(gaps, [...shape.slice(0, axis), taps * rate, ...shape.slice(axis + 1)]);
    const begin = shape.map(() => 0);
    const size = shape.map((d, i) => (i === axis ? rate * (taps - 1) + 1 : d));
    return tf.slice(joined, begin, size);
  }, kernel);
}

/**
 * A layer's `call`: `convolve` on its one input, then the bias (over the channel axis, the last) and the
 * activation, as tfjs's layers add them.
 */
function convolveThen<T extends tf.Tensor>(
  layer: tf.layers.Layer,
  inputs: tf.Tensor | tf.Tensor[],
  convolve: (x: T, fields: ConvFields) => tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const fields = layer as unknown as ConvFields;
    const outputs = convolve((Array.isArray(inputs) ? inputs[0]! : inputs) as T, fields);
    return fields.activation.apply(fields.bias ? tf.add(outputs, fields.bias.read()) : outputs);
  });
}

/** The effective kernel size along each axis: `d * (k - 1) + 1`. */
const spread = (layer: ConvFields) => layer.kernelSize.map((k, i) => layer.dilationRate[i]! * (k - 1) + 1);

const Conv1DBase = classOf(() => tf.layers.conv1d({ filters: 1, kernelSize: 1 }));

/**
 * Keras's Conv1D with `padding: causal` and any `dilation_rate`: `[batch, steps, channels]` -> `[batch,
 * ceil(steps / strides), filters]` when causal.
 */
export class NncConv1D extends Conv1DBase {
  static className = "NncConv1D";
  private readonly causal: boolean;

  constructor(config: Record<string, unknown>) {
    const causal = config["padding"] === "causal";
    super({ ...config, padding: causal ? "valid" : config["padding"] });
    this.causal = causal;
  }

  /** How many steps of zeros go before the input: `dilation_rate * (kernel_size - 1)` when causal. */
  private get leftPad(): number {
    const self = this as unknown as ConvFields;
    return this.causal ? spread(self)[0]! - 1 : 0;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = inputShape as tf.Shape;
    const steps = shape[1] === null || shape[1] === undefined ? null : shape[1] + this.leftPad;
    return super.computeOutputShape([shape[0]!, steps, ...shape.slice(2)]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return convolveThen<tf.Tensor3D>(this, inputs, (x, self) => {
      const padded =
        this.leftPad > 0
          ? tf.pad(x, [
              [0, 0],
              [this.leftPad, 0],
              [0, 0],
            ])
          : x;
      const kernel = dilateKernel(self.kernel!.read(), self.dilationRate) as tf.Tensor3D;
      return tf.conv1d(padded, kernel, self.strides[0]!, self.padding);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.causal ? { padding: "causal" } : {}) };
  }
}

const Conv2DBase = classOf(() => tf.layers.conv2d({ filters: 1, kernelSize: 1 }));

/** Keras's Conv2D with a `dilation_rate` above 1 that also trains. */
export class NncConv2D extends Conv2DBase {
  static className = "NncConv2D";

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return convolveThen<tf.Tensor4D>(this, inputs, (x, self) => {
      const kernel = dilateKernel(self.kernel!.read(), self.dilationRate) as tf.Tensor4D;
      return tf.conv2d(x, kernel, self.strides as [number, number], self.padding);
    });
  }
}

const DepthwiseBase = classOf(() => tf.layers.depthwiseConv2d({ kernelSize: 1 }));

/**
 * Keras's DepthwiseConv2D with a `dilation_rate` above 1: tfjs's keeps the rate in its config but convolves
 * (and computes its output shape) without it.
 */
export class NncDepthwiseConv2D extends DepthwiseBase {
  static className = "NncDepthwiseConv2D";

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = inputShape as tf.Shape;
    const self = this as unknown as ConvFields;
    // The checker's own rule: with numbers in, a number (or null) out.
    const [rows, cols] = [1, 2].map(
      (axis, i) =>
        convOutputLength(shape[axis] ?? null, spread(self)[i]!, self.padding, self.strides[i]!) as number | null,
    );
    const channels = shape[3] === null || shape[3] === undefined ? null : shape[3] * self.depthMultiplier!;
    return [shape[0]!, rows!, cols!, channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return convolveThen<tf.Tensor4D>(this, inputs, (x, self) => {
      const kernel = dilateKernel(self.depthwiseKernel!.read(), self.dilationRate) as tf.Tensor4D;
      return tf.depthwiseConv2d(x, kernel, self.strides as [number, number], self.padding);
    });
  }
}

const SeparableBase = classOf(() => tf.layers.separableConv2d({ filters: 1, kernelSize: 1 }));

/** Keras's SeparableConv2D with a `dilation_rate` above 1 that also trains (tfjs's shapes are right). */
export class NncSeparableConv2D extends SeparableBase {
  static className = "NncSeparableConv2D";

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return convolveThen<tf.Tensor4D>(this, inputs, (x, self) => {
      const depthwise = dilateKernel(self.depthwiseKernel!.read(), self.dilationRate) as tf.Tensor4D;
      const pointwise = self.pointwiseKernel!.read() as tf.Tensor4D;
      return tf.separableConv2d(x, depthwise, pointwise, self.strides as [number, number], self.padding);
    });
  }
}

const TransposeBase = classOf(() => tf.layers.conv2dTranspose({ filters: 1, kernelSize: 1 }));

/**
 * Keras's Conv2DTranspose with a `dilation_rate` above 1: tfjs's drops the argument, and tfjs-core's
 * conv2dTranspose takes none. Each axis is `length * strides` with `same` padding, `length * strides +
 * max(d * (k - 1) + 1 - strides, 0)` with `valid` (Keras's deconv_output_length).
 */
export class NncConv2DTranspose extends TransposeBase {
  static className = "NncConv2DTranspose";

  constructor(config: Record<string, unknown>) {
    super(config);
    // tfjs's constructor leaves the rate out; the base class of every convolution reads it as a number or a pair.
    (this as unknown as ConvFields).dilationRate = pair((config["dilationRate"] ?? 1) as number | number[]);
  }

  private outputSize(length: number | null, axis: number): number | null {
    const self = this as unknown as ConvFields;
    return deconvLength(length, self.strides[axis]!, spread(self)[axis]!, self.padding) as number | null;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = inputShape as tf.Shape;
    const self = this as unknown as ConvFields;
    return [shape[0]!, this.outputSize(shape[1] ?? null, 0), this.outputSize(shape[2] ?? null, 1), self.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return convolveThen<tf.Tensor4D>(this, inputs, (x, self) => {
      const [batch, height, width] = x.shape;
      const size = [this.outputSize(height, 0)!, this.outputSize(width, 1)!];
      const kernel = dilateKernel(self.kernel!.read(), self.dilationRate) as tf.Tensor4D;
      const strides = self.strides as [number, number];
      return tf.conv2dTranspose(x, kernel, [batch, size[0]!, size[1]!, self.filters], strides, self.padding);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dilationRate: (this as unknown as ConvFields).dilationRate };
  }
}

for (const layer of [NncConv1D, NncConv2D, NncDepthwiseConv2D, NncSeparableConv2D, NncConv2DTranspose]) {
  tf.serialization.registerClass(layer as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
}
