/**
 * keras-hub's position layers, which tfjs 4.22 lacks: `PositionEmbedding` (learned), `SinusoidalPositionEncoding`
 * (fixed) and `TokenAndPositionEmbedding` (an embedding plus a position embedding). The first two return the
 * positions' vectors for an input `[batch, ..., steps, features]`, to be added to it, and pass its mask on.
 */
import * as tf from "@tensorflow/tfjs";
import { NncUserError } from "../errors.js";
import { NncLayer, savedObject, savedSpec, weightObject, weightSpec, type WeightSpec } from "./weight-objects.js";

type Kwargs = Record<string, unknown>;
const one = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => [inputs].flat()[0]!;

/**
 * The first `steps` rows of a layer's position table. A longer input than the table is the user's data (the
 * checker cannot see a length written `?`), so it is NN4007, as Keras raises: tfjs's slice would read past the
 * table on wasm (garbage, silently) and throw its own stack trace on cpu.
 */
function positionRows(layer: tf.layers.Layer, kind: string, table: tf.LayerVariable, steps: number): tf.Tensor {
  const [rows, features] = table.shape as [number, number];
  if (steps > rows) {
    const detail = `${kind} '${layer.name}' has positions for ${rows} steps, but the input has ${steps}`;
    throw new NncUserError("NN4007", { detail }, `raise sequence_length or cut the sequences to ${rows} steps`);
  }
  return table.read().slice([0, 0], [steps, features]);
}

/** keras-hub's `PositionEmbedding`: weight `embeddings` `[sequenceLength, features]`, rows `0..steps-1` used. */
export class PositionEmbedding extends NncLayer {
  static className = "NncPositionEmbedding";
  private readonly sequenceLength: number;
  private readonly spec: WeightSpec;
  private embeddings: tf.LayerVariable | undefined;

  constructor(config: tf.serialization.ConfigDict) {
    super(config as object);
    this.supportsMasking = true;
    this.sequenceLength = config["sequenceLength"] as number;
    this.spec = { initializer: weightObject("initializers", config["initializer"] ?? "glorotUniform")! };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = [inputShape].flat() as (number | null)[];
    this.embeddings = this.weight("embeddings", [this.sequenceLength, shape.at(-1)!], this.spec);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const input = one(inputs);
      const steps = input.shape.at(-2)!;
      return tf.broadcastTo(positionRows(this, "position_embedding", this.embeddings!, steps), input.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const initializer = savedObject(this.spec.initializer);
    return { sequenceLength: this.sequenceLength, initializer, ...super.getConfig() };
  }
}

/**
 * keras-hub's `SinusoidalPositionEncoding`: feature `i` of step `p` is `sin(p * t_i)` for even `i` and
 * `cos(p * t_i)` for odd `i`, with `t_i = (1 / maxWavelength) ** (2 * floor(i / 2) / features)`.
 */
export class SinusoidalPositionEncoding extends NncLayer {
  static className = "NncSinusoidalPositionEncoding";
  private readonly maxWavelength: number;

  constructor(config: tf.serialization.ConfigDict) {
    super(config as object);
    this.supportsMasking = true;
    this.maxWavelength = (config["maxWavelength"] as number | undefined) ?? 10000;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const input = one(inputs);
      const [steps, features] = input.shape.slice(-2) as [number, number];
      const positions = tf.range(0, steps).reshape([steps, 1]);
      const pairs = tf.range(0, features).div(2).floor().mul(2).div(features);
      const angles = positions.mul(tf.pow(1 / this.maxWavelength, pairs).reshape([1, features]));
      const odd = tf.range(0, features).mod(2);
      const encoding = tf.sin(angles).mul(tf.sub(1, odd)).add(tf.cos(angles).mul(odd));
      return tf.broadcastTo(encoding, input.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { maxWavelength: this.maxWavelength, ...super.getConfig() };
  }
}

/**
 * keras-hub's `TokenAndPositionEmbedding`: ids `[batch, steps]` -> each id's row of
 * `token_embedding/embeddings` plus its position's row of `position_embedding/embeddings`; with `maskZero`, id 0
 * is masked.
 */
export class TokenAndPositionEmbedding extends NncLayer {
  static className = "NncTokenAndPositionEmbedding";
  private readonly sizes: { vocabularySize: number; sequenceLength: number; embeddingDim: number };
  private readonly maskZero: boolean;
  private readonly spec: WeightSpec;
  private tokens: tf.LayerVariable | undefined;
  private positions: tf.LayerVariable | undefined;

  constructor(config: tf.serialization.ConfigDict) {
    super(config as object);
    this.sizes = {
      vocabularySize: config["vocabularySize"] as number,
      sequenceLength: config["sequenceLength"] as number,
      embeddingDim: config["embeddingDim"] as number,
    };
    this.maskZero = (config["maskZero"] as boolean | undefined) ?? false;
    this.supportsMasking = this.maskZero;
    this.spec = weightSpec(config, "embeddings", "randomUniform");
  }

  override build(): void {
    const { vocabularySize, sequenceLength, embeddingDim } = this.sizes;
    this.tokens = this.weight("token_embedding/embeddings", [vocabularySize, embeddingDim], this.spec);
    this.positions = this.weight("position_embedding/embeddings", [sequenceLength, embeddingDim], this.spec);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...([inputShape].flat() as (number | null)[]), this.sizes.embeddingDim];
  }

  override computeMask(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    // tfjs's type leaves null out; its executor takes it as "no mask".
    return this.maskZero ? tf.notEqual(one(inputs), 0) : (null as unknown as tf.Tensor);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const ids = one(inputs).toInt();
      const steps = ids.shape[1]!;
      const tokens = tf.gather(this.tokens!.read(), ids);
      return tokens.add(positionRows(this, "token_and_position_embedding", this.positions!, steps));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { embeddingsInitializer } = savedSpec(this.spec, "embeddings");
    return {
      ...this.sizes,
      maskZero: this.maskZero,
      embeddingsInitializer: embeddingsInitializer!,
      ...super.getConfig(),
    };
  }
}

for (const cls of [PositionEmbedding, SinusoidalPositionEncoding, TokenAndPositionEmbedding]) {
  tf.serialization.registerClass(cls);
}
