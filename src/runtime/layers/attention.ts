/**
 * Keras's attention layers, which tfjs 4.22 lacks, from plain tfjs ops (matMul, softmax, ...): tfjs's autodiff
 * differentiates them. Inputs come as `[query, value, key?, attention_mask?]` (the mask only when the config's
 * `hasAttentionMask` says so); masks follow Keras: 1 attends, 0 does not, and the masks tfjs hands a layer
 * (an embedding's `mask_zero`) mask the query's rows and the value's columns.
 */
import * as tf from "@tensorflow/tfjs";
import { NncLayer, savedSpec, weightSpec, type WeightSpec } from "./weight-objects.js";

type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];

const product = (sizes: readonly (number | null)[]): number => sizes.reduce<number>((a, b) => a * b!, 1);

/** The inputs as a list: a single shape (`[null, 3, 4]`) or tensor becomes a list of one. */
function listOf<T>(inputs: T | T[]): T[] {
  const single = Array.isArray(inputs) && inputs.every((d) => typeof d === "number" || d === null);
  return single ? [inputs as T] : ([inputs].flat() as T[]);
}

/** The masks tfjs hands a layer, one per input (or one tensor for the first): the query's and the value's. */
function inputMasks(kwargs: Kwargs): { query?: tf.Tensor; value?: tf.Tensor } {
  const mask = kwargs["mask"] as tf.Tensor | (tf.Tensor | null)[] | undefined | null;
  if (!mask) return {};
  const [query, value] = Array.isArray(mask) ? mask : [mask];
  return { query: query ?? undefined, value: value ?? undefined };
}

/**
 * Where the `[batch, Tq, Tv]` scores may attend, as 0/1 floats, or undefined for everywhere: the attention mask
 * (`[batch, ...Tq, ...Tv]`, where any axis of 1 broadcasts, as in Keras), the causal mask (no step after the
 * query's own), the query's and the value's masks.
 */
function attentionMask(
  explicit: tf.Tensor | undefined,
  kwargs: Kwargs,
  query: tf.Tensor,
  value: tf.Tensor,
  causal: boolean,
): tf.Tensor | undefined {
  const batch = query.shape[0]!;
  const [querySteps, valueSteps] = [query.shape.slice(1, -1), value.shape.slice(1, -1)];
  const [tq, tv] = [product(querySteps), product(valueSteps)];
  const parts: tf.Tensor[] = [];
  if (explicit)
    parts.push(tf.broadcastTo(explicit.toFloat(), [batch, ...querySteps, ...valueSteps]).reshape([batch, tq, tv]));
  if (causal) parts.push(tf.linalg.bandPart(tf.ones([tq, tv]), -1, 0).expandDims(0));
  const masks = inputMasks(kwargs);
  if (masks.query) parts.push(masks.query.toFloat().reshape([batch, tq, 1]));
  if (masks.value) parts.push(masks.value.toFloat().reshape([batch, 1, tv]));
  return parts.length === 0 ? undefined : parts.reduce((a, b) => tf.mul(a, b));
}

/**
 * Softmax over the last axis with masked scores set to -1e9 first (Keras's Softmax with a mask), then dropout
 * while training. `mask` broadcasts against `scores`. Returns the weights before and after dropout.
 */
function attentionWeights(
  scores: tf.Tensor,
  mask: tf.Tensor | undefined,
  dropout: number,
  training: boolean,
  seed: number | undefined,
): [tf.Tensor, tf.Tensor] {
  const masked = mask
    ? tf.where(tf.greater(tf.broadcastTo(mask, scores.shape), 0.5), scores, tf.fill(scores.shape, -1e9))
    : scores;
  const weights = tf.softmax(masked);
  return [weights, training && dropout > 0 ? tf.dropout(weights, dropout, undefined, seed) : weights];
}

/** The config keys every attention layer saves and reads. */
interface AttentionConfig {
  readonly dropout?: number;
  readonly seed?: number;
  readonly useCausalMask?: boolean;
  readonly returnAttentionScores?: boolean;
  readonly hasAttentionMask?: boolean;
}

/** What the attention layers share: the call flags, the mask they pass on (the query's), their config. */
abstract class AttentionBase extends NncLayer {
  protected readonly flags: Required<Omit<AttentionConfig, "seed">> & { seed?: number };
  /** Which distinct input fills each of query, value, key and mask, when the call repeats a tensor. */
  private inputIndices: number[] | undefined;

  constructor(config: AttentionConfig & tf.serialization.ConfigDict) {
    super(config as object);
    this.supportsMasking = true;
    this.flags = {
      dropout: config.dropout ?? 0,
      seed: config.seed,
      useCausalMask: config.useCausalMask ?? false,
      returnAttentionScores: config.returnAttentionScores ?? false,
      hasAttentionMask: config.hasAttentionMask ?? false,
    };
    this.inputIndices = (config["inputIndices"] as number[] | undefined) ?? undefined;
  }

  /**
   * Self-attention (`multi_head_attention(x, x)`) is applied to each distinct tensor once, with the positions
   * they fill in `inputIndices`: tfjs 4.22's executor counts a layer once per distinct input but counts down
   * once per input, so at predict time it would dispose `x` before a residual `add(x, ...)` reads it.
   */
  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[],
    kwargs?: Kwargs,
  ): tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[] {
    if (Array.isArray(inputs) && inputs[0] instanceof tf.SymbolicTensor && this.inputIndices === undefined) {
      const distinct = [...new Set<tf.Tensor | tf.SymbolicTensor>(inputs)];
      if (distinct.length < inputs.length) {
        this.inputIndices = inputs.map((t) => distinct.indexOf(t));
        return super.apply(distinct as tf.SymbolicTensor[], kwargs);
      }
    }
    return super.apply(inputs, kwargs);
  }

  /** The inputs split as the config says: query, value, key (the value when absent), attention mask. */
  protected split<T>(inputs: T | T[]): { query: T; value: T; key: T; mask: T | undefined } {
    const given = listOf(inputs);
    const list = this.inputIndices ? this.inputIndices.map((i) => given[i]!) : given;
    const mask = this.flags.hasAttentionMask ? list.at(-1) : undefined;
    const [query, value, key = value] = this.flags.hasAttentionMask ? list.slice(0, -1) : list;
    return { query: query!, value: value!, key: key!, mask };
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const query = inputMasks({ mask }).query ?? null;
    return (this.flags.returnAttentionScores ? [query, null] : query) as tf.Tensor;
  }

  /** The output, and the attention weights with `returnAttentionScores`. */
  protected outputs(output: tf.Tensor, weights: tf.Tensor): tf.Tensor | tf.Tensor[] {
    return this.flags.returnAttentionScores ? [output, weights] : output;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { seed, ...flags } = this.flags;
    const config: tf.serialization.ConfigDict = { ...flags, ...super.getConfig() };
    if (seed !== undefined) config["seed"] = seed;
    if (this.inputIndices) config["inputIndices"] = this.inputIndices;
    return config;
  }
}

/** Keras's `MultiHeadAttention`: weights `query/kernel` `[dq, h, k]`, `query/bias` `[h, k]`, ..., `attention_output/*`. */
export class MultiHeadAttention extends AttentionBase {
  static className = "NncMultiHeadAttention";
  private readonly numHeads: number;
  private readonly keyDim: number;
  private readonly valueDim: number;
  private readonly useBias: boolean;
  private readonly outputDims: number[] | undefined;
  private readonly kernel: WeightSpec;
  private readonly bias: WeightSpec;
  private projections: { kernel: tf.LayerVariable; bias?: tf.LayerVariable }[] = [];

  constructor(config: tf.serialization.ConfigDict) {
    super(config);
    this.numHeads = config["numHeads"] as number;
    this.keyDim = config["keyDim"] as number;
    this.valueDim = (config["valueDim"] as number | undefined) ?? this.keyDim;
    this.useBias = (config["useBias"] as boolean | undefined) ?? true;
    const shape = config["outputShape"] as number | number[] | undefined | null;
    this.outputDims = shape === undefined || shape === null ? undefined : [shape].flat();
    this.kernel = weightSpec(config, "kernel", "glorotUniform");
    this.bias = weightSpec(config, "bias", "zeros");
  }

  private outputDimsOf(query: Shape): number[] {
    return this.outputDims ?? [query.at(-1)!];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { query, value, key } = this.split<Shape>(inputShape as Shape[]);
    const [h, k, v] = [this.numHeads, this.keyDim, this.valueDim];
    const project = (name: string, kernelShape: number[], biasShape: number[]) => ({
      kernel: this.weight(`${name}/kernel`, kernelShape, this.kernel),
      bias: this.useBias ? this.weight(`${name}/bias`, biasShape, this.bias) : undefined,
    });
    const out = this.outputDimsOf(query);
    this.projections = [
      project("query", [query.at(-1)!, h, k], [h, k]),
      project("key", [key.at(-1)!, h, k], [h, k]),
      project("value", [value.at(-1)!, h, v], [h, v]),
      project("attention_output", [h, v, ...out], out),
    ];
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const { query, value } = this.split<Shape>(inputShape as Shape[]);
    const output = [...query.slice(0, -1), ...this.outputDimsOf(query)];
    const scores = [query[0]!, this.numHeads, ...query.slice(1, -1), ...value.slice(1, -1)];
    return this.flags.returnAttentionScores ? [output, scores] : output;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const { query, value, key, mask } = this.split(inputs);
      const [batch] = query.shape as number[];
      const [tq, tv] = [product(query.shape.slice(1, -1)), product(value.shape.slice(1, -1))];
      const [h, k, v] = [this.numHeads, this.keyDim, this.valueDim];
      const [pq, pk, pv, po] = this.projections;
      // [batch, ...steps, d] -> [batch, heads, steps, size]: a dense layer of heads * size units, split.
      const heads = (x: tf.Tensor, steps: number, size: number, p: (typeof this.projections)[number]) => {
        const d = x.shape.at(-1)!;
        let y = tf.matMul(x.reshape([batch! * steps, d]), p.kernel.read().reshape([d, h * size]));
        if (p.bias) y = y.add(p.bias.read().reshape([h * size]));
        return y.reshape([batch!, steps, h, size]).transpose([0, 2, 1, 3]);
      };
      const q = heads(query, tq, k, pq!).mul(1 / Math.sqrt(k));
      const scores = tf.matMul(q, heads(key, tv, k, pk!), false, true);
      const allowed = attentionMask(mask, kwargs, query, value, this.flags.useCausalMask);
      const training = kwargs["training"] === true;
      const [weights, dropped] = attentionWeights(
        scores,
        allowed?.expandDims(1),
        this.flags.dropout,
        training,
        this.flags.seed,
      );
      const attended = tf
        .matMul(dropped, heads(value, tv, v, pv!))
        .transpose([0, 2, 1, 3])
        .reshape([batch! * tq, h * v]);
      const out = this.outputDimsOf(query.shape);
      let output = tf.matMul(attended, po!.kernel.read().reshape([h * v, product(out)]));
      if (po!.bias) output = output.add(po!.bias.read().reshape([product(out)]));
      const result = output.reshape([batch!, ...query.shape.slice(1, -1), ...out]);
      return this.outputs(
        result,
        weights.reshape([batch!, h, ...query.shape.slice(1, -1), ...value.shape.slice(1, -1)]),
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      useBias: this.useBias,
      outputShape: this.outputDims ?? null,
      ...savedSpec(this.kernel, "kernel"),
      ...savedSpec(this.bias, "bias"),
      ...super.getConfig(),
    };
  }
}

/**
 * Keras's `Attention` (`dot` or `concat` scores, an optional learned `scale`, and `concat_score_weight` for
 * `concat`) and `AdditiveAttention` (`additive`: a learned `scale` of the query's features with `useScale`).
 */
abstract class ScoredAttention extends AttentionBase {
  protected readonly useScale: boolean;
  protected scale: tf.LayerVariable | undefined;

  constructor(config: tf.serialization.ConfigDict, useScaleDefault: boolean) {
    super(config);
    this.useScale = (config["useScale"] as boolean | undefined) ?? useScaleDefault;
  }

  /** `[batch, Tq, Tv]` scores of the query against the key. */
  protected abstract scores(query: tf.Tensor, key: tf.Tensor): tf.Tensor;

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const { query, value } = this.split<Shape>(inputShape as Shape[]);
    const output = [query[0]!, query[1]!, value.at(-1)!];
    return this.flags.returnAttentionScores ? [output, [query[0]!, query[1]!, value[1]!]] : output;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const { query, value, key, mask } = this.split(inputs);
      const masks = inputMasks(kwargs);
      // Keras multiplies the query's mask into the output instead of masking the scores' rows.
      const allowed = attentionMask(
        mask,
        { mask: [null, masks.value ?? null] },
        query,
        value,
        this.flags.useCausalMask,
      );
      const training = kwargs["training"] === true;
      const [, dropped] = attentionWeights(
        this.scores(query, key),
        allowed,
        this.flags.dropout,
        training,
        this.flags.seed,
      );
      let output = tf.matMul(dropped, value);
      if (masks.query) output = output.mul(masks.query.toFloat().expandDims(-1));
      // Keras's Attention returns the weights after dropout.
      return this.outputs(output, dropped);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { useScale: this.useScale, ...super.getConfig() };
  }
}

/** `[batch, Tq, 1, d] + [batch, 1, Tv, d]`: every query step beside every key step, for additive scores. */
const pairwiseSum = (query: tf.Tensor, key: tf.Tensor): tf.Tensor => tf.add(query.expandDims(2), key.expandDims(1));

export class Attention extends ScoredAttention {
  static className = "NncAttention";
  private readonly scoreMode: "dot" | "concat";
  private concatScoreWeight: tf.LayerVariable | undefined;

  constructor(config: tf.serialization.ConfigDict) {
    super(config, false);
    this.scoreMode = (config["scoreMode"] as "dot" | "concat" | undefined) ?? "dot";
  }

  override build(): void {
    const ones = { initializer: tf.initializers.ones() };
    if (this.useScale) this.scale = this.weight("scale", [], ones);
    if (this.scoreMode === "concat") this.concatScoreWeight = this.weight("concat_score_weight", [], ones);
    this.built = true;
  }

  protected scores(query: tf.Tensor, key: tf.Tensor): tf.Tensor {
    if (this.scoreMode === "dot") {
      const scores = tf.matMul(query, key, false, true);
      return this.scale ? scores.mul(this.scale.read()) : scores;
    }
    const sum = pairwiseSum(query, key);
    const scaled = this.scale ? sum.mul(this.scale.read()) : sum;
    return tf.tanh(scaled).sum(-1).mul(this.concatScoreWeight!.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { scoreMode: this.scoreMode, ...super.getConfig() };
  }
}

export class AdditiveAttention extends ScoredAttention {
  static className = "NncAdditiveAttention";

  constructor(config: tf.serialization.ConfigDict) {
    super(config, true);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { query } = this.split<Shape>(inputShape as Shape[]);
    const init = { initializer: tf.initializers.glorotUniform({}) };
    if (this.useScale) this.scale = this.weight("scale", [query.at(-1)!], init);
    this.built = true;
  }

  protected scores(query: tf.Tensor, key: tf.Tensor): tf.Tensor {
    const activated = tf.tanh(pairwiseSum(query, key));
    return (this.scale ? activated.mul(this.scale.read()) : activated).sum(-1);
  }
}

for (const cls of [MultiHeadAttention, Attention, AdditiveAttention]) tf.serialization.registerClass(cls);
