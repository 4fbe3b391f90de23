/**
 * One place per layer kind in the tests: the calls the registry must agree with tfjs on (layers.test.ts) and
 * the call its traits are checked with against tfjs (layer-traits.test.ts). A new kind adds an entry to each.
 */
import type { DType, Shape } from "../../src/compiler/ir/index.js";

export type Case = readonly [source: string, inputs: readonly Shape[], dtype?: DType];

/** Accepted calls, by kind: each must match tfjs exactly. */
export const accepted: Record<string, readonly Case[]> = {
  dense: [
    ["dense(10)", [[784]]],
    ["dense(4, use_bias: false, activation: relu)", [["seq", 16]]],
    ["dense(3, kernel_initializer: he_normal)", [[null, 5, 8]]],
  ],
  flatten: [
    ["flatten()", [[28, 28, 1]]],
    ["flatten", [[4, 5]]],
    ["flatten(data_format: channels_last)", [[2, 3, 4]]],
  ],
  reshape: [
    ["reshape([7, 4])", [[28]]],
    ["reshape([-1, 2])", [[4, 3]]],
    ["reshape([2, -1, 3])", [[null, 6]]],
    ["reshape(target_shape: [-1])", [["n", 3]]],
  ],
  permute: [
    ["permute([2, 1])", [[3, 5]]],
    ["permute([3, 1, 2])", [["seq", 4, 5]]],
  ],
  repeat_vector: [
    ["repeat_vector(3)", [[8]]],
    ["repeat_vector(n: 2)", [[null]]],
  ],
  activation: [
    ["activation(relu)", [[4]]],
    ["activation(softmax)", [["seq", 4]]],
    ["activation(activation: gelu)", [[2, 3]]],
  ],
  relu: [
    ["relu()", [[4]]],
    ["relu(6)", [[2, 3]]],
    ["re_lu(max_value: 0.5)", [["seq", 3]]],
  ],
  leaky_re_lu: [
    ["leaky_re_lu()", [[4]]],
    ["leaky_relu(alpha: 0.1)", [[null, 4]]],
  ],
  elu: [
    ["elu()", [[4]]],
    ["elu(alpha: 1)", [[3, 3]]],
  ],
  softmax: [
    ["softmax()", [[10]]],
    ["softmax(axis: 2)", [[3, 4]]],
    ["softmax(1)", [["seq"]]],
  ],
  conv1d: [
    ["conv1d(16, 3)", [[100, 8]]],
    ["conv1d(8, 5, strides: 2, padding: same)", [["seq", 4]]],
    ["conv1d(4, 3, dilation_rate: 2, activation: relu)", [[null, 3]]],
    ["conv1d(4, [3], use_bias: false, padding: same)", [["seq", 2]]],
    ["conv1d(2, 4, strides: 3)", [[10, 2]]],
    ["conv1d(32, 2, padding: causal, dilation_rate: 4)", [[10, 3]]],
    ["conv1d(4, 3, padding: causal, strides: 2, data_format: channels_last)", [["seq", 2]]],
    ["conv1d(2, 3, padding: causal)", [[null, 1]]],
  ],
  conv2d: [
    ["conv2d(32, 3)", [[28, 28, 1]]],
    ["conv2d(8, [3, 5], strides: [2, 1], padding: same)", [[32, 31, 3]]],
    ["conv2d(4, 3, dilation_rate: 2, use_bias: false)", [[16, 16, 2]]],
    ["conv2d(4, kernel_size: 3, padding: same)", [["h", "w", 3]]],
    ["conv(6, 5, strides: 3)", [[null, 20, 3]]],
    ["conv2d(4, 3, dilation_rate: [2, 1], padding: same, data_format: channels_last)", [[9, 8, 2]]],
  ],
  depthwise_conv2d: [
    ["depthwise_conv2d(3)", [[28, 28, 3]]],
    ["depthwise_conv2d(kernel_size: [3, 1], depth_multiplier: 2, strides: 2, padding: same)", [[15, 15, 4]]],
    ["depthwise_conv2d(5, use_bias: false)", [[null, 9, 2]]],
    ["depthwise_conv2d(3, dilation_rate: 2, depth_multiplier: 2)", [[12, 11, 3]]],
    ["depthwise_conv2d(3, dilation_rate: [1, 3], padding: same, data_format: channels_last)", [[7, "w", 1]]],
  ],
  separable_conv2d: [
    ["separable_conv2d(16, 3)", [[28, 28, 3]]],
    ["separable_conv2d(8, 3, depth_multiplier: 2, padding: same, strides: 2)", [[10, 9, 4]]],
    ["separable_conv2d(4, [3, 3], dilation_rate: 2, use_bias: false)", [[12, 12, 2]]],
    ["separable_conv2d(2, 3, dilation_rate: 3, padding: same, data_format: channels_last)", [[8, 8, 1]]],
  ],
  conv2d_transpose: [
    ["conv2d_transpose(16, 3)", [[7, 7, 8]]],
    ["conv2d_transpose(8, 4, strides: 2, padding: same)", [[7, 7, 4]]],
    ["deconv2d(2, [3, 2], strides: [2, 3], use_bias: false)", [[null, 5, 1]]],
    ["conv2d_transpose(2, 3, dilation_rate: 1, data_format: channels_last)", [[4, 4, 1]]],
    ["conv2d_transpose(2, 3, dilation_rate: [2, 3])", [[4, "w", 1]]],
    ["deconv2d(3, 2, dilation_rate: 2, padding: same)", [[3, 5, 2]]],
  ],
  max_pooling1d: [
    ["max_pooling1d()", [[10, 4]]],
    ["max_pooling1d(3, strides: 1)", [["seq", 4]]],
    ["maxpool1d(2, padding: same)", [[7, 2]]],
    ["max_pooling1d(2, data_format: channels_last)", [[6, 2]]],
  ],
  max_pooling2d: [
    ["max_pooling2d(2)", [[28, 28, 32]]],
    ["max_pooling2d(pool_size: [3, 2], strides: 1, padding: same)", [["h", "w", 3]]],
    ["maxpool2d(3, 2)", [[7, 8, 1]]],
    ["max_pooling2d(data_format: channels_last)", [[4, 4, 1]]],
  ],
  average_pooling1d: [
    ["average_pooling1d(4)", [[16, 3]]],
    ["avgpool1d(3, strides: 2, padding: same)", [[null, 5]]],
    ["average_pooling1d(2, data_format: channels_last)", [[6, 2]]],
  ],
  average_pooling2d: [
    ["average_pooling2d()", [[9, 9, 2]]],
    ["avgpool2d([2, 3], strides: [1, 2])", [[6, 7, 1]]],
    ["average_pooling2d(2, padding: same)", [[null, 5, 3]]],
    ["average_pooling2d(data_format: channels_last)", [[4, 4, 1]]],
  ],
  global_average_pooling1d: [
    ["global_average_pooling1d()", [[10, 4]]],
    ["global_average_pooling1d", [["seq", 8]]],
    ["global_average_pooling1d(data_format: channels_last)", [[5, 2]]],
  ],
  global_max_pooling1d: [
    ["global_max_pooling1d()", [[10, 4]]],
    ["global_max_pooling1d", [[null, 3]]],
    ["global_max_pooling1d(data_format: channels_last)", [[5, 2]]],
  ],
  global_average_pooling2d: [
    ["global_average_pooling2d()", [[7, 7, 3]]],
    ["global_average_pooling2d", [[null, null, 8]]],
    ["global_average_pooling2d(data_format: channels_last)", [[3, 3, 2]]],
  ],
  global_max_pooling2d: [
    ["global_max_pooling2d()", [[7, 7, 3]]],
    ["global_max_pooling2d", [["h", "w", 16]]],
    ["global_max_pooling2d(data_format: channels_last)", [[3, 3, 2]]],
  ],
  batch_normalization: [
    ["batch_normalization()", [[28, 28, 3]]],
    ["batchnorm(axis: 1, momentum: 0.9, epsilon: 1e-5)", [[4, "seq"]]],
    ["batch_normalization(axis: -2)", [[5, 6]]],
    ["batch_normalization(scale: false)", [[6, 6, 3]]],
    ["batch_normalization(center: false, axis: 1)", [[4, 5]]],
    ["batch_normalization(center: false, scale: false)", [[3]]],
  ],
  layer_normalization: [
    ["layer_normalization()", [[10, 8]]],
    ["layer_normalization(axis: [1, 2])", [[4, 6]]],
    ["layernorm(center: false)", [["seq", 8]]],
  ],
  dropout: [
    ["dropout(0.5)", [[10]]],
    ["dropout(rate: 0, seed: 1)", [["seq", 4]]],
    ["dropout(0.2, noise_shape: [?, 1, 1, 3])", [[4, 4, 3]]],
    ["dropout(0.5, [1, ?, 4])", [["seq", 4]]],
  ],
  spatial_dropout1d: [
    ["spatial_dropout1d(0.2)", [[10, 4]]],
    ["spatial_dropout1d(rate: 0.5)", [[null, 2]]],
  ],
  gaussian_noise: [
    ["gaussian_noise(0.1)", [[3, 3]]],
    ["gaussian_noise(stddev: 1)", [[null]]],
    ["gaussian_noise(0.2, seed: 3)", [[4, 4, 1]]],
    ["gaussian_noise(0.5, 7)", [["seq", 2]]],
  ],
  embedding: [
    ["embedding(1000, 64)", [[20]], "int32"],
    ["embedding(10, 4, mask_zero: true)", [["seq"]], "int32"],
    ["embedding(input_dim: 50, output_dim: 8)", [[3, 5]]],
  ],
  simple_rnn: [
    ["simple_rnn(8)", [[10, 4]]],
    ["simple_rnn(4, return_sequences: true, use_bias: false)", [["seq", 3]]],
    ["simple_rnn(2, return_state: true)", [[null, 3]]],
  ],
  lstm: [
    ["lstm(32)", [[10, 8]]],
    ["lstm(16, return_sequences: true)", [["seq", 8]]],
    ["lstm(4, return_state: true)", [[null, 3]]],
    [
      "lstm(4, return_sequences: true, return_state: true, go_backwards: true, dropout: 0.1, use_bias: false)",
      [[6, 2]],
    ],
  ],
  gru: [
    ["gru(12)", [[10, 8]]],
    ["gru(6, return_sequences: true, return_state: true)", [["seq", 2]]],
    ["gru(3, use_bias: false, recurrent_activation: hard_sigmoid)", [[5, 7]]],
  ],
  add: [
    ["add()", [[8], [8]]],
    [
      "add()",
      [
        ["seq", 4],
        ["seq", 4],
      ],
    ],
    [
      "add()",
      [
        [1, 8],
        [10, 8],
      ],
    ],
    ["add()", [[4], [4], [4]]],
    ["add()", [[8], [10, 8]]],
  ],
  multiply: [
    [
      "multiply()",
      [
        [3, 4],
        [3, 4],
      ],
    ],
    [
      "multiply()",
      [
        [null, 4],
        [5, 1],
      ],
    ],
  ],
  average: [
    ["average()", [[6], [6]]],
    [
      "average()",
      [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
    ],
  ],
  maximum: [
    ["maximum()", [[6], [6]]],
    [
      "maximum()",
      [
        ["seq", 2],
        ["seq", 2],
      ],
    ],
  ],
  minimum: [
    ["minimum()", [[6], [6]]],
    [
      "minimum()",
      [
        [1, 5],
        [3, 5],
      ],
    ],
  ],
  concatenate: [
    [
      "concatenate()",
      [
        [4, 8],
        [4, 3],
      ],
    ],
    [
      "concatenate(axis: 1)",
      [
        [2, 5],
        [3, 5],
      ],
    ],
    [
      "concat(axis: 1)",
      [
        ["seq", 4],
        ["seq", 4],
      ],
    ],
    [
      "concatenate()",
      [
        [null, 8],
        [null, 3],
        [null, 1],
      ],
    ],
    [
      "concatenate(axis: 3)",
      [
        ["seq", 4, 2],
        [null, 4, 6],
      ],
    ],
  ],
  zero_padding2d: [
    ["zero_padding2d()", [[28, 28, 1]]],
    ["zero_padding2d(2)", [[5, 5, 3]]],
    ["zero_padding2d([1, 2])", [[5, 6, 3]]],
    ["zero_padding2d(1, data_format: channels_last)", [[2, 2, 1]]],
    ["zero_padding2d(padding: [[1, 0], [2, 3]])", [["h", 5, 3]]],
  ],
  cropping2d: [
    ["cropping2d(1)", [[28, 28, 1]]],
    ["cropping2d([[1, 0], [2, 3]])", [[10, 10, 3]]],
    ["cropping2d(cropping: [2, 1])", [[8, 6, 2]]],
    ["cropping2d(1, data_format: channels_last)", [[4, 4, 1]]],
  ],
  bidirectional: [
    ["bidirectional(lstm(4, return_sequences: true))", [["seq", 3]]],
    ["bidirectional(gru(3), merge_mode: sum)", [[6, 2]]],
    ["bidirectional(simple_rnn(2, return_sequences: true, use_bias: false), mul)", [[5, 4]]],
    ["bidirectional(layer: lstm(2, return_state: true), merge_mode: ave)", [[4, 3]]],
  ],
  time_distributed: [
    ["time_distributed(dense(8))", [[10, 16]]],
    ["time_distributed(dense(3, activation: relu, kernel_regularizer: l2(0.01)))", [["seq", 4]]],
    ["time_distributed(conv2d(4, 3, padding: same))", [[5, 8, 8, 2]]],
    ["time_distributed(flatten())", [[3, 4, 5]]],
  ],
  dot: [
    [
      "dot(2)",
      [
        [3, 4],
        [5, 4],
      ],
    ],
    ["dot(axes: -1, normalize: true)", [[4], [4]]],
    [
      "dot([1, 1])",
      [
        [3, 4],
        [3, 6],
      ],
    ],
    [
      "dot(axes: [2, 1])",
      [
        ["seq", 5],
        [5, 2],
      ],
    ],
  ],
  prelu: [
    ["prelu()", [[4]]],
    ["prelu(shared_axes: [1, 2])", [[null, "w", 3]]],
    ["p_re_lu(alpha_initializer: constant(0.25), alpha_regularizer: l1(0.001), alpha_constraint: non_neg)", [[2, 3]]],
  ],
  rescaling: [
    ["rescaling(0.5)", [[28, 28, 1]]],
    ["rescaling(-1, offset: 1)", [["seq"]]],
  ],
  spatial_dropout2d: [
    ["spatial_dropout2d(0.2)", [[8, 8, 3]]],
    ["spatial_dropout2d(rate: 0.5, seed: 1)", [[null, "w", 4]]],
    ["spatial_dropout2d(0.2, data_format: channels_last)", [[3, 3, 2]]],
  ],
  up_sampling2d: [
    ["up_sampling2d()", [[7, 7, 3]]],
    ["up_sampling2d([2, 3], interpolation: bilinear)", [[null, 4, 1]]],
    ["upsample2d(size: 3)", [[2, 2, 2]]],
    ["up_sampling2d(data_format: channels_last)", [[2, 2, 1]]],
  ],
  multi_head_attention: [
    [
      "multi_head_attention(num_heads: 2, key_dim: 2)",
      [
        [8, 16],
        [8, 16],
      ],
    ],
    [
      "multi_head_attention(2, 4, value_dim: 3, output_shape: 5, use_bias: false)",
      [
        ["seq", 6],
        [null, 4],
        [null, 3],
      ],
    ],
    [
      "multi_head_attention(1, 2, return_attention_scores: true, dropout: 0.1)",
      [
        [2, 3, 4],
        [2, 3, 4],
      ],
    ],
  ],
  attention: [
    [
      "attention()",
      [
        [3, 4],
        [5, 4],
      ],
    ],
    [
      "attention(use_scale: true, score_mode: concat, return_attention_scores: true)",
      [
        ["seq", 4],
        [null, 6],
        [null, 4],
      ],
    ],
  ],
  additive_attention: [
    [
      "additive_attention()",
      [
        [3, 4],
        [5, 4],
      ],
    ],
    [
      "additive_attention(use_scale: false, dropout: 0.2)",
      [
        [null, 2],
        [6, 2],
      ],
    ],
  ],
  position_embedding: [
    ["position_embedding(10)", [[10, 4]]],
    ["position_embedding(sequence_length: 8, initializer: zeros)", [["seq", 3]]],
  ],
  sinusoidal_position_encoding: [
    ["sinusoidal_position_encoding()", [[6, 4]]],
    ["sinusoidal_position_encoding(max_wavelength: 100)", [["seq", 2, 3]]],
  ],
  token_and_position_embedding: [
    ["token_and_position_embedding(10, 6, 4)", [[6]], "int32"],
    ["token_and_position_embedding(20, 8, 3, mask_zero: true)", [["seq"]], "int32"],
  ],
  random_flip: [
    ["random_flip()", [[4, 4, 3]]],
    ["random_flip(horizontal, seed: 1)", [["h", "w", 1]]],
  ],
  random_rotation: [
    ["random_rotation(0.1)", [[5, 6, 3]]],
    [
      "random_rotation([-0.2, 0.3], fill_mode: constant, interpolation: nearest, seed: 2, fill_value: 1)",
      [[null, 4, 2]],
    ],
  ],
  random_zoom: [
    ["random_zoom(0.2)", [[5, 5, 1]]],
    ["random_zoom([-0.3, 0.1], 0.2, fill_mode: wrap, seed: 3)", [[4, "w", 3]]],
  ],
  random_translation: [
    ["random_translation(0.1, 0.2)", [[6, 6, 3]]],
    ["random_translation([-0.1, 0.2], 0.3, fill_mode: nearest, interpolation: nearest)", [[4, 5, 2]]],
  ],
  random_contrast: [
    ["random_contrast(0.2)", [[4, 4, 3]]],
    ["random_contrast([0.1, 0.4], value_range: [0, 1], seed: 4)", [["h", 4, 1]]],
  ],
  random_brightness: [
    ["random_brightness(0.2)", [[4, 4, 3]]],
    ["random_brightness([-0.1, 0.3], value_range: [0, 1], seed: 5)", [[3, 5, 2]]],
  ],
  random_crop: [
    ["random_crop(3, 3)", [[5, 5, 3]]],
    ["random_crop(height: 4, width: 2, seed: 6)", [[4, 6, 1]]],
  ],
  resizing: [
    ["resizing(3, 5)", [[6, 4, 3]]],
    ["resizing(2, 2, interpolation: nearest, crop_to_aspect_ratio: true)", [[4, 6, 2]]],
    ["resizing(4, 2, pad_to_aspect_ratio: true, fill_value: 1)", [["h", "w", 1]]],
  ],
  center_crop: [
    ["center_crop(2, 3)", [[5, 5, 3]]],
    ["center_crop(6, 6)", [[4, 8, 1]]],
  ],
};

export type Sample = readonly [expression: string, inputs?: readonly (readonly number[])[]];

export const sequence = [3, 4];
const image = [3, 3, 2];
const two = [sequence, sequence];

/** One call of each kind, on `x0` (and `x1`), of the shapes given ([steps, features] when none is). */
export const samples: Readonly<Record<string, Sample>> = {
  activation: ["x0 -> activation(relu)"],
  dense: ["x0 -> dense(3)"],
  elu: ["x0 -> elu()"],
  flatten: ["x0 -> flatten()"],
  leaky_re_lu: ["x0 -> leaky_re_lu()"],
  permute: ["x0 -> permute([2, 1])"],
  relu: ["x0 -> relu()"],
  repeat_vector: ["x0 -> repeat_vector(2)", [[4]]],
  reshape: ["x0 -> reshape([12])"],
  softmax: ["x0 -> softmax()"],
  conv1d: ["x0 -> conv1d(2, 2)"],
  conv2d: ["x0 -> conv2d(2, 2)", [image]],
  conv2d_transpose: ["x0 -> conv2d_transpose(2, 2)", [image]],
  depthwise_conv2d: ["x0 -> depthwise_conv2d(2)", [image]],
  separable_conv2d: ["x0 -> separable_conv2d(2, 2)", [image]],
  average_pooling1d: ["x0 -> average_pooling1d()", [[4, 2]]],
  average_pooling2d: ["x0 -> average_pooling2d()", [[4, 4, 2]]],
  max_pooling1d: ["x0 -> max_pooling1d()", [[4, 2]]],
  max_pooling2d: ["x0 -> max_pooling2d()", [[4, 4, 2]]],
  global_average_pooling1d: ["x0 -> global_average_pooling1d()"],
  global_average_pooling2d: ["x0 -> global_average_pooling2d()", [image]],
  global_max_pooling1d: ["x0 -> global_max_pooling1d()"],
  global_max_pooling2d: ["x0 -> global_max_pooling2d()", [image]],
  cropping2d: ["x0 -> cropping2d(1)", [[4, 4, 2]]],
  up_sampling2d: ["x0 -> up_sampling2d(2)", [image]],
  zero_padding2d: ["x0 -> zero_padding2d(1)", [image]],
  batch_normalization: ["x0 -> batch_normalization()"],
  layer_normalization: ["x0 -> layer_normalization()"],
  dropout: ["x0 -> dropout(0.5, seed: 1)"],
  spatial_dropout1d: ["x0 -> spatial_dropout1d(0.5, seed: 1)", [[3, 8]]],
  spatial_dropout2d: ["x0 -> spatial_dropout2d(0.5, seed: 1)", [[3, 3, 8]]],
  gaussian_noise: ["x0 -> gaussian_noise(1)"],
  embedding: ["x0 -> embedding(10, 3, mask_zero: true)", [[3]]],
  gru: ["x0 -> gru(2)"],
  lstm: ["x0 -> lstm(2)"],
  simple_rnn: ["x0 -> simple_rnn(2)"],
  bidirectional: ["x0 -> bidirectional(lstm(2))"],
  time_distributed: ["x0 -> time_distributed(dense(2))"],
  add: ["add(x0, x1)", two],
  average: ["average(x0, x1)", two],
  maximum: ["maximum(x0, x1)", two],
  minimum: ["minimum(x0, x1)", two],
  multiply: ["multiply(x0, x1)", two],
  concatenate: ["concatenate(x0, x1)", two],
  dot: ["dot(x0, x1, axes: 2)", two],
  prelu: ["x0 -> prelu()"],
  rescaling: ["x0 -> rescaling(2)"],
  multi_head_attention: ["multi_head_attention(x0, x1, num_heads: 2, key_dim: 2)", two],
  attention: ["attention(x0, x1)", two],
  additive_attention: ["additive_attention(x0, x1)", two],
  position_embedding: ["x0 -> position_embedding(3)"],
  sinusoidal_position_encoding: ["x0 -> sinusoidal_position_encoding()"],
  token_and_position_embedding: ["x0 -> token_and_position_embedding(20, 3, 2, mask_zero: true)", [[3]]],
  random_flip: ["x0 -> random_flip(seed: 1)", [image]],
  random_rotation: ["x0 -> random_rotation(0.2, seed: 1)", [image]],
  random_zoom: ["x0 -> random_zoom(0.3, seed: 1)", [image]],
  random_translation: ["x0 -> random_translation(0.3, 0.3, seed: 1)", [image]],
  random_contrast: ["x0 -> random_contrast(0.5, seed: 1)", [image]],
  random_brightness: ["x0 -> random_brightness(0.5, seed: 1)", [image]],
  random_crop: ["x0 -> random_crop(2, 2, seed: 1)", [image]],
  resizing: ["x0 -> resizing(2, 2)", [image]],
  center_crop: ["x0 -> center_crop(2, 2)", [image]],
};
