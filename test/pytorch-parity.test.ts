/**
 * The PyTorch target computes what tfjs computes: for every layer kind layers.ts supports, a small spec built by
 * nnc's runtime with random weights and its module.ts class with the same weights (through the bridge) give the
 * same outputs to 1e-4 (relative above 1), and PyTorch holds as many parameters and buffers as nnc counts.
 * One Python process runs every case (test/helpers/torch-parity.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { largestDifference, runParity, type ParityCase, type ParityResult } from "./helpers/torch-parity.js";
import { hasTorch } from "./helpers/torch.js";

const vector = "input x: [6]";
const sequence = "input x: [10, 3]";
const image = "input x: [9, 9, 2]";
const even = "input x: [8, 8, 3]";
const pair = "input a: [4]\ninput b: [4]";

/** `y = x -> <call>` on `inputs`. */
const on = (inputs: string, call: string, feed?: number[][]): ParityCase => ({
  title: `${call} on ${inputs.replace(/input \w+: /g, "")}`,
  inputs,
  body: `y = x -> ${call}`,
  ...(feed ? { feed } : {}),
});

const activations = "linear relu relu6 elu selu sigmoid hard_sigmoid tanh softmax softplus softsign swish mish gelu";

const cases: ParityCase[] = [
  on(vector, "dense(4)"),
  on("input x: [3, 5]", "dense(4, use_bias: false)"),
  ...activations.split(" ").map((name) => on(vector, `dense(5, activation: ${name})`)),
  on("input x: [3, 4]", "activation(softmax)"),
  on("input x: [3, 4]", "relu()"),
  on("input x: [3, 4]", "relu(0.5)"),
  on("input x: [3, 4]", "leaky_relu(alpha: 0.1)"),
  on("input x: [3, 4]", "elu()"),
  on("input x: [3, 4]", "softmax()"),
  on("input x: [4, 4, 3]", "prelu()"),
  on("input x: [4, 4, 3]", "prelu(shared_axes: [1, 2])"),
  on(sequence, "conv1d(4, 3)"),
  on(sequence, "conv1d(4, 3, strides: 2, padding: same)"),
  on(sequence, "conv1d(4, 4, padding: same, activation: relu)"),
  on(sequence, "conv1d(4, 3, dilation_rate: 2, padding: causal)"),
  on("input x: [?, 3]", "conv1d(4, 3, strides: 2, padding: same)", [[11, 3]]),
  on(image, "conv2d(3, 3)"),
  on(image, "conv2d(3, 3, strides: 2, padding: same)"),
  on(even, "conv2d(3, 3, strides: 2, padding: same)"),
  on(even, "conv2d(3, [2, 3], padding: same, use_bias: false, activation: softmax)"),
  on(image, "conv2d(3, 3, dilation_rate: 2, padding: same)"),
  on(image, "depthwise_conv2d(3, depth_multiplier: 2)"),
  on(even, "depthwise_conv2d(3, strides: 2, padding: same)"),
  on(image, "separable_conv2d(4, 3, padding: same, depth_multiplier: 2)"),
  on("input x: [4, 5, 2]", "conv2d_transpose(3, 3)"),
  on("input x: [4, 5, 2]", "conv2d_transpose(3, 3, strides: 2, padding: same)"),
  on("input x: [4, 5, 2]", "conv2d_transpose(3, 4, strides: 2, padding: same)"),
  on("input x: [4, 5, 2]", "conv2d_transpose(3, 1, strides: 2, activation: relu)"),
  on(image, "max_pooling2d()"),
  on(image, "max_pooling2d(3, strides: 2, padding: same)"),
  on(even, "max_pooling2d(2, strides: 1, padding: same)"),
  on(image, "average_pooling2d(2)"),
  on(image, "average_pooling2d(3, strides: 2, padding: same)"),
  on(sequence, "max_pooling1d(3, padding: same)"),
  on(sequence, "average_pooling1d(2, strides: 1, padding: same)"),
  on(sequence, "global_max_pooling1d()"),
  on(sequence, "global_average_pooling1d()"),
  on(image, "global_max_pooling2d()"),
  on(image, "global_average_pooling2d()"),
  {
    title: "conv2d, max_pooling2d, flatten, dense: flatten in tfjs's order",
    inputs: image,
    body: "c = x -> conv2d(4, 3, activation: relu) -> max_pooling2d()\ny = c -> flatten() -> dense(3)",
  },
  on("input x: [12]", "reshape([3, 4])"),
  on("input x: [3, 4]", "reshape([-1, 2])"),
  on("input x: [3, 4, 2]", "permute([3, 1, 2])"),
  on("input x: [4]", "repeat_vector(3)"),
  on(vector, "dropout(0.5)"),
  on("input x: [3, 4]", "dropout(0.5, noise_shape: [?, 1, 4])"),
  on(sequence, "spatial_dropout1d(0.3)"),
  on(even, "spatial_dropout2d(0.3)"),
  on(vector, "gaussian_noise(0.5)"),
  on(vector, "batch_normalization()"),
  on(sequence, "batch_normalization(momentum: 0.9, epsilon: 0.01)"),
  on(even, "batch_normalization()"),
  on(even, "batch_normalization(center: false, scale: false)"),
  on(vector, "batch_normalization(trainable: false)"),
  on(even, "batch_normalization(scale: false)"),
  on(sequence, "batch_normalization(center: false)"),
  on(vector, "layer_normalization()"),
  on("input x: [3, 4]", "layer_normalization(axis: [1, 2], epsilon: 0.01)"),
  on("input x: [seq, 4]", "layer_normalization(axis: [1, 2], center: false, scale: false)", [[3, 4]]),
  { title: "embedding", inputs: "input x: [5] int32", body: "y = x -> embedding(7, 4)" },
  {
    title: "embedding(mask_zero)'s mask through a dense into an lstm",
    inputs: "input x: [6] int32",
    body: "y = x -> embedding(7, 4, mask_zero: true) -> dense(3) -> lstm(4, return_sequences: true) -> lstm(2)",
  },
  on(image, "zero_padding2d(1)"),
  on(image, "zero_padding2d([[1, 0], [2, 1]])"),
  on(image, "cropping2d([[1, 0], [0, 2]])"),
  on("input x: [3, 4, 2]", "up_sampling2d(2)"),
  on("input x: [3, 4, 2]", "up_sampling2d([2, 3])"),
  on("input x: [3, 4, 2]", "up_sampling2d([2, 3], interpolation: bilinear)"),
  on(vector, "rescaling(0.5, offset: 1)"),
  on(even, "random_flip()"),
  on(even, "random_contrast(0.3)"),
  on(even, "random_brightness([-0.2, 0.1], value_range: [-2, 2])"),
  on("input x: [6, 7, 2]", "resizing(4, 9)"),
  on("input x: [6, 7, 2]", "resizing(9, 5, interpolation: nearest)"),
  on("input x: [6, 7, 2]", "center_crop(3, 4)"),
  ...["add", "multiply", "average", "maximum", "minimum", "concatenate"].map((merge) => ({
    title: merge,
    inputs: pair,
    body: `y = ${merge}(a, b)`,
  })),
  {
    title: "concatenate of images after convolutions (channels-first)",
    inputs: "input a: [5, 5, 2]\ninput b: [5, 5, 1]",
    body: "c = a -> conv2d(3, 3, padding: same)\ny = concatenate(c, b) -> conv2d(2, 1)",
  },
  {
    title: "add of a convolution and its input (layouts aligned)",
    inputs: "input a: [5, 5, 2]",
    body: "c = a -> conv2d(2, 3, padding: same)\ny = add(c, a)",
  },
  { title: "dot", inputs: pair, body: "y = dot(a, b, axes: 1)" },
  { title: "dot, normalized", inputs: pair, body: "y = dot(a, b, axes: 1, normalize: true)" },
  { title: "dot of sequences", inputs: "input a: [3, 4]\ninput b: [5, 4]", body: "y = dot(a, b, axes: 2)" },
  {
    title: "multi_head_attention, self-attention",
    inputs: "input x: [5, 6]",
    body: "y = x -> multi_head_attention(x, num_heads: 2, key_dim: 3)",
  },
  {
    title: "multi_head_attention: key, value_dim, output_shape, no bias, with the scores",
    inputs: "input q: [4, 6]\ninput v: [5, 3]\ninput k: [5, 2]",
    body:
      "y, s = multi_head_attention(q, v, k, num_heads: 2, key_dim: 3, value_dim: 4, output_shape: 5, use_bias: false, " +
      "return_attention_scores: true)",
    output: "y, s",
  },
  {
    title: "multi_head_attention, causal, with an attention mask",
    inputs: "input x: [4, 6]\ninput m: [4, 4]",
    body: "y = x -> multi_head_attention(x, num_heads: 3, key_dim: 2, use_causal_mask: true, attention_mask: m)",
  },
  { title: "attention", inputs: "input q: [3, 4]\ninput v: [5, 4]", body: "y = attention(q, v)" },
  {
    title: "attention: scaled, concat, causal, with an attention mask and the scores",
    inputs: "input q: [4, 3]\ninput v: [4, 2]\ninput k: [4, 3]\ninput m: [4, 4]",
    body:
      "y, s = attention(q, v, k, use_scale: true, score_mode: concat, use_causal_mask: true, attention_mask: m, " +
      "return_attention_scores: true)",
    output: "y, s",
  },
  { title: "additive_attention", inputs: "input q: [3, 4]\ninput v: [5, 4]", body: "y = additive_attention(q, v)" },
  {
    title: "additive_attention without scale, with a key",
    inputs: "input q: [3, 4]\ninput v: [5, 2]\ninput k: [5, 4]",
    body: "y = additive_attention(q, v, k, use_scale: false)",
  },
  {
    title: "multi_head_attention over embeddings with mask_zero (the query's mask, as tfjs hands it)",
    inputs: "input a: [5] int32\ninput b: [6] int32",
    body:
      "q = a -> embedding(5, 4, mask_zero: true)\nv = b -> embedding(5, 4, mask_zero: true)\n" +
      "y = multi_head_attention(q, v, num_heads: 2, key_dim: 3) -> lstm(3)",
  },
  {
    title: "additive_attention over embeddings with mask_zero (the query's mask, as tfjs hands it)",
    inputs: "input a: [5] int32\ninput b: [6] int32",
    body:
      "q = a -> embedding(5, 4, mask_zero: true)\nv = b -> embedding(5, 4, mask_zero: true)\n" +
      "y = additive_attention(q, v) -> lstm(3, return_sequences: true)",
  },
  on("input x: [5, 4]", "position_embedding(7)"),
  on("input x: [5, 4]", "sinusoidal_position_encoding(max_wavelength: 100)"),
  {
    title: "token_and_position_embedding",
    inputs: "input x: [5] int32",
    body: "y = x -> token_and_position_embedding(6, 8, 4)",
  },
  {
    title: "time_distributed(dense)",
    inputs: "input x: [5, 4]",
    body: "y = x -> time_distributed(dense(3, activation: relu))",
  },
  {
    title: "a shared layer and two outputs",
    inputs: pair,
    body: "layer shared = dense(3, activation: tanh)\np = a -> shared\nq = b -> shared\ns = add(p, q) -> dense(2)",
    output: "s, q",
  },
];

/** The parameters PyTorch has beyond nnc's count, as the notes beside the attributes state them (`: +512`). */
const noted = (code: string): number =>
  [...code.matchAll(/^\s*#.*: \+([\d,]+)$/gm)].reduce((sum, m) => sum + Number(m[1]!.replace(/,/g, "")), 0);

describe.runIf(hasTorch)("the PyTorch target against tfjs", () => {
  let results: ParityResult[] = [];

  beforeAll(async () => {
    await useCpuBackend();
    results = await runParity(cases);
  }, 60_000);

  it.each(cases.map((c, i) => [c.title, i] as const))("%s", (_title, index) => {
    const result = results[index]!;
    expect(result.error, result.code).toBeUndefined();
    expect(result.actual.length).toBe(result.expected.length);
    result.expected.forEach((expected, i) => {
      expect(result.actual[i]!.length).toBe(expected.length);
      expect(largestDifference(expected, result.actual[i]!), result.code).toBeLessThan(1e-4);
    });
    const params = result.ir.layers.reduce((sum, l) => sum + l.params.trainable + l.params.nonTrainable, 0);
    expect(result.torchParams).toBe(params + noted(result.code));
  });
});
