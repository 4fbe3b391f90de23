/**
 * Attention (multi_head_attention, attention, additive_attention) and positions (position_embedding,
 * sinusoidal_position_encoding, token_and_position_embedding): Keras and keras-hub layers that tfjs 4.22 lacks,
 * implemented by nnc's runtime (`namespace: "nnc"`, src/runtime/layers/). Several inputs come in Keras's order,
 * `[query, value, key?]`, then the `attention_mask:` tensor when one is given.
 */
import type { SchemaObject } from "ajv";
import { formatNnShape, type Dim, type Shape } from "../../ir/index.js";
import { compareDims } from "../../ir/shapes.js";
import { argsSchema, expectRank, fixedSize, product, schemas, shapeAxis, toTfjsConfig } from "./entry-parts.js";
import { defineLayer, type Args, type ShapeContext } from "./types.js";

/** The inputs of an attention call, split: the mask is the last one when `attention_mask:` was written. */
interface Split {
  readonly query: Shape;
  readonly value: Shape;
  readonly key: Shape;
  readonly mask: Shape | null;
}

/** A size given once or per axis: `4` or `[2, 2]`. */
const sizes = (description: string): SchemaObject => ({
  description,
  oneOf: [schemas.positiveInt, { type: "array", items: schemas.positiveInt, minItems: 1 }],
});

const dropoutRate = { type: "number", minimum: 0, exclusiveMaximum: 1, default: 0 };
const callFlags = {
  use_causal_mask: { ...schemas.bool, default: false },
  return_attention_scores: { ...schemas.bool, default: false },
};

/** The query, value and key: the inputs without the attention mask. */
const withoutMask = (inputs: readonly Shape[], args: Args): readonly Shape[] =>
  inputs.slice(0, inputs.length - ((args["attention_mask"] as number | undefined) ?? 0));

/**
 * Splits and checks `[query, value, key?, mask?]`: query, value and key have `rank` axes (at least 2 when
 * `rank` is `min2`) with a fixed feature axis; key and value agree on every axis but the features. Reports and
 * returns null otherwise.
 */
function splitInputs(inputs: readonly Shape[], args: Args, ctx: ShapeContext, rank: 2 | "min2"): Split | null {
  const masks = (args["attention_mask"] as number | undefined) ?? 0;
  if (masks > 1) {
    const detail = `attention_mask takes one tensor, not ${masks}`;
    return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "attention_mask" });
  }
  const [query, value, key = value] = withoutMask(inputs, args);
  const what = rank === 2 ? "a 2D input [steps, features]" : "an input [steps, features] or [..., features]";
  const wanted = rank === 2 ? 2 : { min: 2 };
  for (const shape of [query!, value!, key!]) {
    if (!expectRank(ctx, shape, wanted, what)) return null;
    if (fixedSize(ctx, shape, -1, "the feature axis") === null) return null;
  }
  const pairs: [Shape, Shape, string][] = [
    [query!, value!, "query and value"],
    [value!, key!, "value and key"],
  ];
  for (const [a, b, names] of pairs) {
    if (a.length !== b.length) {
      const detail = `${names} ${formatNnShape(a)} and ${formatNnShape(b)} have different ranks`;
      return ctx.error("NN3002", { callee: ctx.callee, detail });
    }
  }
  const axis = value!.slice(0, -1).findIndex((d, i) => compareDims(d, key![i]!) === "different");
  if (axis >= 0) {
    const detail = `value ${formatNnShape(value!)} and key ${formatNnShape(key!)} differ at axis ${axis + 1}`;
    return ctx.error("NN3002", { callee: ctx.callee, detail });
  }
  return { query: query!, value: value!, key: key!, mask: masks === 1 ? inputs.at(-1)! : null };
}

/**
 * The mask must be `[...query steps, ...value steps]` (a size of 1 broadcasts): NN3007 at `attention_mask`
 * otherwise.
 */
function maskFits(split: Split, ctx: ShapeContext): boolean {
  if (split.mask === null) return true;
  const scores = [...split.query.slice(0, -1), ...split.value.slice(0, -1)];
  const fits =
    split.mask.length === scores.length &&
    split.mask.every((d, i) => d === 1 || compareDims(d, scores[i]!) !== "different");
  if (fits) return true;
  const detail = `attention_mask must have shape ${formatNnShape(scores)} (query steps, then value steps), not ${formatNnShape(split.mask)}`;
  ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "attention_mask" });
  return false;
}

/** Keras's causal mask is built from the first step axis of each input: 2D inputs only here. */
function causalFits(split: Split, args: Args, ctx: ShapeContext): boolean {
  if (!args["use_causal_mask"] || split.query.length === 2) return true;
  const detail = "use_causal_mask needs 2D inputs [steps, features]";
  ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "use_causal_mask" });
  return false;
}

/** The steps of a shape: every axis but the features. */
const steps = (shape: Shape): Dim[] => shape.slice(0, -1);
const last = (shape: Shape): number => shape.at(-1) as number;

/** The tfjs config: the arguments in camelCase, and whether the last input is the attention mask. */
function attentionConfig({ attention_mask, ...args }: Args) {
  return { ...toTfjsConfig(args), hasAttentionMask: attention_mask === 1 };
}

type MhaArgs = {
  num_heads: number;
  key_dim: number;
  value_dim?: number;
  use_bias: boolean;
  output_shape?: number | number[];
  attention_axes?: number | number[];
  return_attention_scores: boolean;
};

const mhaSizes = (inputs: readonly Shape[], args: MhaArgs) => {
  const [query, value, key = value] = withoutMask(inputs, args);
  const valueDim = args.value_dim ?? args.key_dim;
  const out = args.output_shape === undefined ? [last(query!)] : [args.output_shape].flat();
  return { query: query!, value: value!, key: key!, valueDim, out };
};

/**
 * `multi_head_attention(query, value[, key], num_heads:, key_dim:)` (Keras `MultiHeadAttention`): query
 * `[...Tq, dq]`, value `[...Tv, dv]`, key `[...Tv, dk]` (default the value) -> `[...Tq, dq]` (or
 * `[...Tq, ...output_shape]`), and with `return_attention_scores` the scores `[num_heads, ...Tq, ...Tv]`.
 * `attention_mask: m` takes `[...Tq, ...Tv]` (1 attends, 0 does not). Attention runs over every axis between
 * the batch and the features (Keras's default `attention_axes`; other axes are refused).
 * Params: `dq*h*k + dk*h*k + dv*h*v + h*v*out`, plus the biases `h*k + h*k + h*v + out` with `use_bias`
 * (h = num_heads, k = key_dim, v = value_dim, default key_dim, out = the product of output_shape, default dq).
 * MACs: the four projections, and `Tq*Tv*h*(k + v)` for the scores and their weighted sum.
 */
export const multiHeadAttention = defineLayer<MhaArgs>({
  name: "multi_head_attention",
  doc: "Multi-head scaled dot-product attention of a query over a value (and key), with learned projections.",
  traits: ["bias", "keeps-mask", "reads-mask"],
  positional: ["num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes"],
  schema: argsSchema(
    {
      num_heads: schemas.positiveInt,
      key_dim: schemas.positiveInt,
      value_dim: schemas.positiveInt,
      dropout: dropoutRate,
      use_bias: { ...schemas.bool, default: true },
      output_shape: sizes("a size or a list of sizes"),
      attention_axes: {
        description: "an axis or a list of axes",
        oneOf: [schemas.axis, { type: "array", items: schemas.axis, minItems: 1 }],
      },
      kernel_initializer: { ...schemas.initializer, default: "glorot_uniform" },
      bias_initializer: { ...schemas.initializer, default: "zeros" },
      kernel_regularizer: schemas.regularizer,
      bias_regularizer: schemas.regularizer,
      kernel_constraint: schemas.constraint,
      bias_constraint: schemas.constraint,
      seed: schemas.nonNegativeInt,
      ...callFlags,
    },
    ["num_heads", "key_dim"],
  ),
  inputs: { min: 2, max: 3 },
  tensorArgs: ["attention_mask"],
  factory: "multiHeadAttention",
  namespace: "nnc",
  config: attentionConfig,
  outputShape(inputs, args, ctx) {
    const split = splitInputs(inputs, args, ctx, "min2");
    if (!split || !maskFits(split, ctx) || !causalFits(split, args, ctx)) return null;
    if (args.attention_axes !== undefined) {
      const rank = split.query.length;
      const given = [args.attention_axes].flat().map((axis) => shapeAxis(ctx, axis, rank, "attention_axes"));
      if (given.includes(null)) return null;
      const all = new Set(given);
      if (all.size !== rank - 1 || all.has(rank - 1)) {
        const detail = `nnc attends over every axis between the batch and the features only (Keras's default)`;
        const hint = `leave attention_axes out, or write ${
          rank === 2
            ? "1"
            : `[${steps(split.query)
                .map((_, i) => i + 1)
                .join(", ")}]`
        }`;
        return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "attention_axes", hint });
      }
    }
    const { out } = mhaSizes(inputs, args);
    const output = [...steps(split.query), ...out];
    if (!args.return_attention_scores) return output;
    return [output, [args.num_heads, ...steps(split.query), ...steps(split.value)]];
  },
  params(inputs, args) {
    const { query, value, key, valueDim, out } = mhaSizes(inputs, args);
    const [h, k] = [args.num_heads, args.key_dim];
    const kernels =
      last(query) * h * k + last(key) * h * k + last(value) * h * valueDim + h * valueDim * product(...out);
    const biases = args.use_bias ? 2 * h * k + h * valueDim + product(...out) : 0;
    return { trainable: kernels + biases, nonTrainable: 0 };
  },
  macs(inputs, args) {
    const { query, value, key, valueDim, out } = mhaSizes(inputs, args);
    const [h, k] = [args.num_heads, args.key_dim];
    const [tq, tv] = [product(...(steps(query) as number[])), product(...(steps(value) as number[]))];
    const projections = tq * last(query) * h * k + tv * (last(key) * h * k + last(value) * h * valueDim);
    return projections + tq * tv * h * (k + valueDim) + tq * h * valueDim * product(...out);
  },
});

type ScoredArgs = {
  use_scale: boolean;
  return_attention_scores: boolean;
  score_mode: "dot" | "concat";
};

/**
 * Keras's `Attention` and `AdditiveAttention`: query `[Tq, d]`, value `[Tv, dv]`, key `[Tv, d]` (default the
 * value) -> `[Tq, dv]`, and with `return_attention_scores` the weights `[Tq, Tv]`; the query and the key must
 * have the same features. `attention_mask: m` takes `[Tq, Tv]`.
 */
function scoredAttention(
  name: string,
  factory: string,
  doc: string,
  extra: Record<string, SchemaObject>,
  params: (query: Shape, args: ScoredArgs) => number,
) {
  return defineLayer<ScoredArgs>({
    name,
    doc,
    traits: ["keeps-mask", "reads-mask"],
    positional: Object.keys(extra),
    schema: argsSchema({ ...extra, seed: schemas.nonNegativeInt, ...callFlags }),
    inputs: { min: 2, max: 3 },
    tensorArgs: ["attention_mask"],
    factory,
    namespace: "nnc",
    config: attentionConfig,
    outputShape(inputs, args, ctx) {
      const split = splitInputs(inputs, args, ctx, 2);
      if (!split || !maskFits(split, ctx)) return null;
      if (last(split.query) !== last(split.key)) {
        const detail = `the query's features (${last(split.query)}) and the key's (${last(split.key)}) differ`;
        return ctx.error("NN3002", { callee: ctx.callee, detail });
      }
      const output = [split.query[0]!, last(split.value)];
      return args.return_attention_scores ? [output, [split.query[0]!, split.value[0]!]] : output;
    },
    params: ([query], args) => ({ trainable: params(query!, args), nonTrainable: 0 }),
    macs: ([query, value]) => (query![0] as number) * (value![0] as number) * (last(query!) + last(value!)),
  });
}

/**
 * `attention(query, value[, key], use_scale: false, score_mode: dot)` (Keras `Attention`): dot-product (or
 * `concat`: tanh of the sum) attention. Params: 1 (a learned scale) with `use_scale`, and 1 more with `concat`.
 */
export const attention = scoredAttention(
  "attention",
  "attention",
  "Dot-product attention of a query over a value (Luong-style), without projections.",
  {
    use_scale: { ...schemas.bool, default: false },
    score_mode: { enum: ["dot", "concat"], default: "dot" },
    dropout: dropoutRate,
  },
  (_query, args) => Number(args.use_scale) + Number(args.score_mode === "concat"),
);

/**
 * `additive_attention(query, value[, key], use_scale: true)` (Keras `AdditiveAttention`): Bahdanau-style
 * scores, the sum over the features of `scale * tanh(query + key)`. Params: `d` (the scale) with `use_scale`.
 */
export const additiveAttention = scoredAttention(
  "additive_attention",
  "additiveAttention",
  "Additive (Bahdanau-style) attention of a query over a value, without projections.",
  { use_scale: { ...schemas.bool, default: true }, dropout: dropoutRate },
  (query, args) => (args.use_scale ? last(query) : 0),
);

/** Checks `[..., steps, features]` with fixed features and at most `limit` steps; the steps axis's size. */
function positionsFit(input: Shape, limit: number | null, ctx: ShapeContext): boolean {
  if (!expectRank(ctx, input, { min: 2 }, "an input [steps, features]")) return false;
  if (fixedSize(ctx, input, -1, "the feature axis") === null) return false;
  const length = input.at(-2)!;
  if (limit === null || typeof length !== "number" || length <= limit) return true;
  const detail = `the input has ${length} steps, more than sequence_length ${limit}`;
  ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "sequence_length" });
  return false;
}

/**
 * `position_embedding(sequence_length, initializer: glorot_uniform)` (keras-hub `PositionEmbedding`):
 * `[..., T, D]` -> `[..., T, D]`, the learned vectors of positions `0..T-1` (add them to the input:
 * `add(x, h)`); T must be at most sequence_length. Params: `sequence_length * D`.
 */
export const positionEmbedding = defineLayer<{ sequence_length: number }>({
  name: "position_embedding",
  doc: "The learned vector of each position of a sequence (add it to the sequence).",
  traits: ["keeps-mask"],
  positional: ["sequence_length"],
  schema: argsSchema(
    {
      sequence_length: schemas.positiveInt,
      initializer: { ...schemas.initializer, default: "glorot_uniform" },
    },
    ["sequence_length"],
  ),
  factory: "positionEmbedding",
  namespace: "nnc",
  outputShape: ([input], args, ctx) => (positionsFit(input!, args.sequence_length, ctx) ? input! : null),
  params: ([input], args) => ({ trainable: args.sequence_length * last(input!), nonTrainable: 0 }),
});

/**
 * `sinusoidal_position_encoding(max_wavelength: 10000)` (keras-hub `SinusoidalPositionEncoding`):
 * `[..., T, D]` -> `[..., T, D]`, sines at even features and cosines at odd ones of the positions, at
 * wavelengths from 2π to `max_wavelength`. No params.
 */
export const sinusoidalPositionEncoding = defineLayer<{ max_wavelength: number }>({
  name: "sinusoidal_position_encoding",
  doc: "Fixed sine and cosine encodings of each position of a sequence (add them to the sequence).",
  traits: ["keeps-mask"],
  positional: ["max_wavelength"],
  schema: argsSchema({ max_wavelength: { type: "number", exclusiveMinimum: 0, default: 10000 } }),
  factory: "sinusoidalPositionEncoding",
  namespace: "nnc",
  outputShape: ([input], _args, ctx) => (positionsFit(input!, null, ctx) ? input! : null),
});

type TokenArgs = { vocabulary_size: number; sequence_length: number; embedding_dim: number };

/**
 * `token_and_position_embedding(vocabulary_size, sequence_length, embedding_dim)` (keras-hub
 * `TokenAndPositionEmbedding`): ids `[T]` -> `[T, embedding_dim]`, each id's vector plus its position's; T
 * must be at most sequence_length. Params: `(vocabulary_size + sequence_length) * embedding_dim`.
 */
export const tokenAndPositionEmbedding = defineLayer<TokenArgs>({
  name: "token_and_position_embedding",
  doc: "Looks up a learned vector for each integer id and adds the learned vector of its position.",
  traits: ["makes-mask"],
  positional: ["vocabulary_size", "sequence_length", "embedding_dim"],
  schema: argsSchema(
    {
      vocabulary_size: schemas.positiveInt,
      sequence_length: schemas.positiveInt,
      embedding_dim: schemas.positiveInt,
      embeddings_initializer: { ...schemas.initializer, default: "random_uniform" },
      mask_zero: { ...schemas.bool, default: false },
    },
    ["vocabulary_size", "sequence_length", "embedding_dim"],
  ),
  factory: "tokenAndPositionEmbedding",
  namespace: "nnc",
  outputShape([input], args, ctx) {
    if (!expectRank(ctx, input!, 1, "a 1D input of ids [steps]")) return null;
    const [length] = input!;
    if (typeof length === "number" && length > args.sequence_length) {
      const detail = `the input has ${length} steps, more than sequence_length ${args.sequence_length}`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "sequence_length" });
    }
    return [length!, args.embedding_dim];
  },
  params: (_inputs, args) => ({
    trainable: (args.vocabulary_size + args.sequence_length) * args.embedding_dim,
    nonTrainable: 0,
  }),
});
