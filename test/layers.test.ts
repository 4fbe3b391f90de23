/**
 * The layer registry against its oracle, tfjs itself: for each case the registry's output shape and
 * parameter counts must equal what tfjs 4.22 computes for a layer built from the registry's own
 * `{ factory, config }`. Rejected cases assert code and span, and what tfjs does with the same layer.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { argumentSpan, checkArguments, type Callable } from "../src/compiler/check/args.js";
import type * as ast from "../src/compiler/syntax/ast.js";
import type { Code } from "../src/compiler/diagnostics/index.js";
import { emptyScope } from "../src/compiler/check/values.js";
import type { DType, ParamCount, Shape } from "../src/compiler/ir/index.js";
import { toTfjsConfig } from "../src/compiler/registry/layers/common.js";
import { layerKinds, lookupLayer, tfjsLayerOf, type Args, type LayerKind } from "../src/compiler/registry/layers/index.js";
import { parse } from "../src/compiler/syntax/index.js";
import { createLayer } from "../src/runtime/build.js";
import { dimValue } from "../src/compiler/ir/shapes.js";
import { marked } from "./helpers/marked.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
  expect(tf.getBackend()).toBe("cpu");
  // The cpu backend prints a "use tfjs-node" banner on its first write; these tests are about shapes.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

const prefix = "model M { ";

interface Reported {
  readonly code: Code;
  readonly span: ast.Span;
  readonly hint?: string;
}

interface Checked {
  readonly kind: LayerKind;
  readonly call: ast.Call;
  readonly args: Args | null;
  readonly outputs: Shape[] | null;
  readonly params: ParamCount | null;
  readonly diagnostics: Reported[];
  /** Spans marked `<|...|>` in the case's source, as offsets into the parsed text. */
  readonly marks: ast.Span[];
}

/** Parses one layer call, checks its arguments, then runs the entry's shape and parameter rules. */
function check(source: string, inputs: readonly Shape[]): Checked {
  const { text, spans } = marked(source);
  const file = parse(`${prefix}${text} }`, "layers.nn");
  expect(file.diagnostics).toEqual([]);
  const model = file.value.declarations[0] as ast.ModelDecl;
  const call = (model.body[0] as ast.ChainStmt).chain.steps[0]!;
  const kind = lookupLayer(call.callee.text);
  if (!kind) throw new Error(`no layer '${call.callee.text}'`);
  const source_ = { args: call.args ?? [], calleeSpan: call.callee.span, calleeText: call.callee.text };
  const checked = checkArguments(kind, source_, emptyScope, "layers.nn");
  const diagnostics: Reported[] = checked.diagnostics.map((d) => ({ code: d.code, span: d.span, hint: d.hint }));
  const marks = spans.map((s) => ({ start: s.start + prefix.length, end: s.end + prefix.length }));
  const args = checked.value;
  if (!args) return { kind, call, args, outputs: null, params: null, diagnostics, marks };
  const result = kind.outputShape(inputs, args, {
    callee: call.callee.text,
    error(code, _messageArgs, at = {}) {
      const span = (at.property && argumentSpan(call, at.property, kind.positional, 0)) || call.span;
      diagnostics.push({ code, span, hint: at.hint });
      return null;
    },
  });
  if (result === null) return { kind, call, args, outputs: null, params: null, diagnostics, marks };
  const outputs = Array.isArray(result[0]) ? [...(result as Shape[])] : [result as Shape];
  const params = kind.params?.(inputs, args, outputs) ?? { trainable: 0, nonTrainable: 0 };
  return { kind, call, args, outputs, params, diagnostics, marks };
}

/** The values as written, without schema checks or defaults: what a careless config would hand tfjs. */
function rawArgs(kind: LayerKind, call: ast.Call): Args {
  const names = [...kind.positional, ...(call.args ?? []).flatMap((a) => (a.name ? [a.name.text] : []))];
  const loose: Callable = {
    name: kind.name,
    positional: kind.positional,
    schema: { type: "object", properties: Object.fromEntries(names.map((n) => [n, {}])) },
  };
  const source = { args: call.args ?? [], calleeSpan: call.callee.span, calleeText: kind.name };
  return checkArguments(loose, source, emptyScope, "layers.nn").value!;
}

interface Built {
  readonly layer: tf.layers.Layer;
  readonly shapes: (number | null)[][];
}

/** Builds the tfjs layer from the registry's description and applies it to symbolic inputs. */
function buildTfjs(kind: LayerKind, args: Args, inputs: readonly Shape[], dtype: DType = "float32"): Built {
  // The runtime's builder: nested layers and objects first, and tfjs gets a copy of every config.
  const description = tfjsLayerOf(kind, args, "l");
  const before = structuredClone(description);
  const layer = createLayer(description);
  expect(description, "tfjs must not change the IR").toEqual(before);
  const symbolic = inputs.map((shape) =>
    tf.input({ shape: shape.map((d) => (typeof d === "number" ? d : null)), dtype }),
  );
  const out = layer.apply(symbolic.length === 1 ? symbolic[0]! : symbolic) as tf.SymbolicTensor | tf.SymbolicTensor[];
  return { layer, shapes: (Array.isArray(out) ? out : [out]).map((o) => o.shape as (number | null)[]) };
}

const size = (w: tf.LayerVariable): number => w.shape.reduce<number>((a, b) => a * b!, 1);
const asTfjs = (shape: Shape) => [null, ...shape.map((d) => (typeof d === "number" ? d : null))];

/** Data for a shape: a batch of 2, and 5 for every symbol or unknown size. */
const symbolSize = 5;
const concrete = (shape: Shape) => [2, ...shape.map((d) => (typeof d === "number" ? d : symbolSize))];

type Case = readonly [source: string, inputs: readonly Shape[], dtype?: DType];

/** Accepted calls, by kind: each must match tfjs exactly. */
const accepted: Record<string, readonly Case[]> = {
  dense: [
    ["dense(10)", [[784]]],
    ["dense(4, use_bias: false, activation: relu)", [["seq", 16]]],
    ["dense(3, kernel_initializer: he_normal)", [[null, 5, 8]]],
  ],
  flatten: [
    ["flatten()", [[28, 28, 1]]],
    ["flatten", [[4, 5]]],
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
  ],
  conv2d: [
    ["conv2d(32, 3)", [[28, 28, 1]]],
    ["conv2d(8, [3, 5], strides: [2, 1], padding: same)", [[32, 31, 3]]],
    ["conv2d(4, 3, dilation_rate: 2, use_bias: false)", [[16, 16, 2]]],
    ["conv2d(4, kernel_size: 3, padding: same)", [["h", "w", 3]]],
    ["conv(6, 5, strides: 3)", [[null, 20, 3]]],
  ],
  depthwise_conv2d: [
    ["depthwise_conv2d(3)", [[28, 28, 3]]],
    ["depthwise_conv2d(kernel_size: [3, 1], depth_multiplier: 2, strides: 2, padding: same)", [[15, 15, 4]]],
    ["depthwise_conv2d(5, use_bias: false)", [[null, 9, 2]]],
  ],
  separable_conv2d: [
    ["separable_conv2d(16, 3)", [[28, 28, 3]]],
    ["separable_conv2d(8, 3, depth_multiplier: 2, padding: same, strides: 2)", [[10, 9, 4]]],
    ["separable_conv2d(4, [3, 3], dilation_rate: 2, use_bias: false)", [[12, 12, 2]]],
  ],
  conv2d_transpose: [
    ["conv2d_transpose(16, 3)", [[7, 7, 8]]],
    ["conv2d_transpose(8, 4, strides: 2, padding: same)", [[7, 7, 4]]],
    ["deconv2d(2, [3, 2], strides: [2, 3], use_bias: false)", [[null, 5, 1]]],
  ],
  max_pooling1d: [
    ["max_pooling1d()", [[10, 4]]],
    ["max_pooling1d(3, strides: 1)", [["seq", 4]]],
    ["maxpool1d(2, padding: same)", [[7, 2]]],
  ],
  max_pooling2d: [
    ["max_pooling2d(2)", [[28, 28, 32]]],
    ["max_pooling2d(pool_size: [3, 2], strides: 1, padding: same)", [["h", "w", 3]]],
    ["maxpool2d(3, 2)", [[7, 8, 1]]],
  ],
  average_pooling1d: [
    ["average_pooling1d(4)", [[16, 3]]],
    ["avgpool1d(3, strides: 2, padding: same)", [[null, 5]]],
  ],
  average_pooling2d: [
    ["average_pooling2d()", [[9, 9, 2]]],
    ["avgpool2d([2, 3], strides: [1, 2])", [[6, 7, 1]]],
    ["average_pooling2d(2, padding: same)", [[null, 5, 3]]],
  ],
  global_average_pooling1d: [
    ["global_average_pooling1d()", [[10, 4]]],
    ["global_average_pooling1d", [["seq", 8]]],
  ],
  global_max_pooling1d: [
    ["global_max_pooling1d()", [[10, 4]]],
    ["global_max_pooling1d", [[null, 3]]],
  ],
  global_average_pooling2d: [
    ["global_average_pooling2d()", [[7, 7, 3]]],
    ["global_average_pooling2d", [[null, null, 8]]],
  ],
  global_max_pooling2d: [
    ["global_max_pooling2d()", [[7, 7, 3]]],
    ["global_max_pooling2d", [["h", "w", 16]]],
  ],
  batch_normalization: [
    ["batch_normalization()", [[28, 28, 3]]],
    ["batchnorm(axis: 1, momentum: 0.9, epsilon: 1e-5)", [[4, "seq"]]],
    ["batch_normalization(axis: -2)", [[5, 6]]],
  ],
  layer_normalization: [
    ["layer_normalization()", [[10, 8]]],
    ["layer_normalization(axis: [1, 2])", [[4, 6]]],
    ["layernorm(center: false)", [["seq", 8]]],
  ],
  dropout: [
    ["dropout(0.5)", [[10]]],
    ["dropout(rate: 0, seed: 1)", [["seq", 4]]],
  ],
  spatial_dropout1d: [
    ["spatial_dropout1d(0.2)", [[10, 4]]],
    ["spatial_dropout1d(rate: 0.5)", [[null, 2]]],
  ],
  gaussian_noise: [
    ["gaussian_noise(0.1)", [[3, 3]]],
    ["gaussian_noise(stddev: 1)", [[null]]],
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
    ["zero_padding2d(padding: [[1, 0], [2, 3]])", [["h", 5, 3]]],
  ],
  cropping2d: [
    ["cropping2d(1)", [[28, 28, 1]]],
    ["cropping2d([[1, 0], [2, 3]])", [[10, 10, 3]]],
    ["cropping2d(cropping: [2, 1])", [[8, 6, 2]]],
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
  ],
  up_sampling2d: [
    ["up_sampling2d()", [[7, 7, 3]]],
    ["up_sampling2d([2, 3], interpolation: bilinear)", [[null, 4, 1]]],
    ["upsample2d(size: 3)", [[2, 2, 2]]],
  ],
};

describe("registry entries agree with tfjs 4.22", () => {
  for (const [kindName, cases] of Object.entries(accepted)) {
    describe(kindName, () => {
      for (const [source, inputs, dtype] of cases) {
        it(`${source} on ${JSON.stringify(inputs)}`, () => {
          const checked = check(source, inputs);
          expect(checked.diagnostics).toEqual([]);
          expect(checked.kind.name).toBe(kindName);
          const built = buildTfjs(checked.kind, checked.args!, inputs, dtype);
          expect(built.shapes).toEqual(checked.outputs!.map(asTfjs));
          const { trainable, nonTrainable } = checked.params!;
          expect(trainable + nonTrainable).toBe(built.layer.countParams());
          expect(trainable).toBe(built.layer.trainableWeights.map(size).reduce((a, b) => a + b, 0));
          expect(nonTrainable).toBe(built.layer.nonTrainableWeights.map(size).reduce((a, b) => a + b, 0));
          // Run it on data too: every fixed size must be the size tfjs produces, and a symbol the size it stands for.
          const ran = tf.tidy(() => {
            const data = inputs.map((shape) => tf.ones(concrete(shape), dtype));
            const out = built.layer.apply(data.length === 1 ? data[0]! : data) as tf.Tensor | tf.Tensor[];
            return (Array.isArray(out) ? out : [out]).map((t) => t.shape);
          });
          expect(ran.map((shape) => shape.length)).toEqual(checked.outputs!.map((shape) => shape.length + 1));
          checked.outputs!.forEach((shape, o) =>
            shape.forEach((d, i) => {
              if (d !== null) expect(ran[o]![i + 1]).toBe(dimValue(d, () => symbolSize));
            }),
          );
        });
      }
    });
  }

  it("covers every registered kind with at least two cases", () => {
    for (const kind of layerKinds) {
      // A kind tfjs lacks has no accepted call; its rejection is tested below.
      if (kind.factory === "") continue;
      expect(accepted[kind.name]?.length ?? 0, kind.name).toBeGreaterThanOrEqual(2);
    }
  });

  it("keeps a symbolic size where tfjs can only say unknown", () => {
    expect(check("conv2d(4, 3, padding: same)", [["h", "w", 3]]).outputs).toEqual([["h", "w", 4]]);
    expect(check("dense(3)", [["seq", 8]]).outputs).toEqual([["seq", 3]]);
    expect(
      check("add()", [
        ["seq", 1],
        ["seq", 4],
      ]).outputs,
    ).toEqual([["seq", 4]]);
    expect(check("lstm(2, return_state: true)", [["seq", 3]]).outputs).toEqual([[2], [2], [2]]);
  });
});

/** What tfjs does with the same layer: refuses to build it, builds it with an empty axis, or fails to run it. */
type TfjsOutcome = "throws" | "empty" | "fails-to-run" | "fails-to-train" | "rejects-config";

type Rejected = readonly [source: string, inputs: readonly Shape[], code: Code, tfjs?: TfjsOutcome];

/** Each `<|...|>` marks the span the diagnostic must cover. */
const rejected: readonly Rejected[] = [
  // Arguments
  ["dense(<|-3|>)", [[4]], "NN2005", "rejects-config"],
  ["dense(<|2.5|>)", [[4]], "NN2005"],
  ["dropout(<|1.0|>)", [[4]], "NN2005"],
  ["dropout(rate: <|-0.1|>)", [[4]], "NN2005"],
  ["conv2d(8, <|[3, 3, 3]|>)", [[8, 8, 1]], "NN2005", "rejects-config"],
  ["conv2d(8, 3, strides: <|0|>)", [[8, 8, 1]], "NN2005"],
  ["max_pooling2d(padding: <|full|>)", [[8, 8, 1]], "NN2005", "rejects-config"],
  ["<|conv2d|>(8)", [[8, 8, 1]], "NN2004", "rejects-config"],
  ["lstm(<|0|>)", [[5, 2]], "NN2005"],
  ["embedding(10, <|0|>)", [[5]], "NN2005", "rejects-config"],
  ["zero_padding2d(<|-1|>)", [[5, 5, 1]], "NN2005"],
  ["activation(<|rellu|>)", [[5]], "NN2005", "rejects-config"],
  ["reshape([<|0|>, 4])", [[4]], "NN2005"],
  // Ranks
  ["<|conv2d(32, 3)|>", [[28, 28]], "NN3001", "throws"],
  ["<|conv1d(8, 3)|>", [[28, 28, 1]], "NN3001", "throws"],
  ["<|flatten()|>", [[10]], "NN3001", "throws"],
  ["<|lstm(8)|>", [[10]], "NN3001", "throws"],
  ["<|global_average_pooling2d()|>", [[10, 4]], "NN3001", "throws"],
  ["<|max_pooling1d(2)|>", [[10]], "NN3001", "throws"],
  ["<|permute([2, 1])|>", [[3, 4, 5]], "NN3001", "throws"],
  ["<|repeat_vector(3)|>", [[2, 3]], "NN3001", "throws"],
  ["<|spatial_dropout1d(0.5)|>", [[4]], "NN3001", "throws"],
  ["<|zero_padding2d()|>", [[4, 4]], "NN3001", "throws"],
  // Windows
  ["max_pooling2d(<|5|>)", [[4, 4, 3]], "NN3003", "empty"],
  ["conv2d(8, <|5|>)", [[3, 10, 1]], "NN3003", "empty"],
  ["conv1d(4, kernel_size: <|3|>, dilation_rate: 3)", [[6, 1]], "NN3003", "empty"],
  ["average_pooling1d(pool_size: <|[4]|>)", [[3, 1]], "NN3003", "empty"],
  ["depthwise_conv2d(<|[1, 9]|>)", [[9, 8, 2]], "NN3003", "empty"],
  ["cropping2d(<|[[2, 2], [0, 0]]|>)", [[4, 4, 1]], "NN3003", "empty"],
  // Merges
  ["<|add()|>", [[8], [16]], "NN3002", "throws"],
  [
    "<|multiply()|>",
    [
      [3, 4],
      [4, 4],
    ],
    "NN3002",
    "throws",
  ],
  [
    "<|add()|>",
    [
      ["seq", 4],
      ["len", 4],
    ],
    "NN3002",
  ],
  [
    "<|concatenate()|>",
    [
      [4, 8],
      [5, 3],
    ],
    "NN3002",
    "throws",
  ],
  [
    "<|concatenate()|>",
    [
      [null, 8],
      [10, 3],
    ],
    "NN3002",
    "throws",
  ],
  ["<|concatenate()|>", [[4], [4, 4]], "NN3002", "throws"],
  ["concatenate(axis: <|0|>)", [[4], [4]], "NN3007"],
  // Reshape
  // tfjs builds these (the batch size is unknown then) and fails once data flows.
  ["reshape(<|[5, 2]|>)", [[12]], "NN3004", "fails-to-run"],
  ["reshape(<|[-1, 5]|>)", [[12]], "NN3004", "fails-to-run"],
  ["reshape(<|[-1, -1]|>)", [[12]], "NN3007", "fails-to-run"],
  // Sizes that must be fixed
  ["<|dense(10)|>", [[28, null]], "NN3006", "throws"],
  ["<|flatten()|>", [[null, 8]], "NN3006", "throws"],
  ["<|conv2d(8, 3)|>", [[28, 28, null]], "NN3006", "throws"],
  ["<|lstm(8)|>", [[10, null]], "NN3006", "throws"],
  ["<|batch_normalization()|>", [[4, null]], "NN3006", "throws"],
  // Configurations tfjs cannot run
  ["conv2d(4, 3, strides: 2, dilation_rate: <|2|>)", [[9, 9, 1]], "NN3007", "fails-to-run"],
  ["conv1d(4, 3, strides: 2, dilation_rate: <|2|>)", [[9, 1]], "NN3007", "fails-to-run"],
  ["elu(alpha: <|0.5|>)", [[4]], "NN3007", "rejects-config"],
  ["batch_normalization(center: <|false|>)", [[4]], "NN3007", "fails-to-train"],
  ["permute(<|[1, 1]|>)", [[3, 3]], "NN3007", "rejects-config"],
  ["softmax(<|2|>)", [[4]], "NN3007"],
  ["softmax(axis: <|1|>)", [[3, 4]], "NN3007", "fails-to-run"],
  [
    "concatenate(axis: <|-2|>)",
    [
      [2, 4],
      [3, 4],
    ],
    "NN3007",
    "fails-to-run",
  ],
  ["layer_normalization(axis: <|[1, -1]|>)", [[4]], "NN3007"],
  // Nested calls: errors point into the nested call
  ["dense(4, kernel_regularizer: l2(<|l3|>: 1))", [[4]], "NN2003"],
  ["dense(4, kernel_regularizer: <|l3|>(1))", [[4]], "NN2005"],
  ["dense(4, kernel_initializer: random_normal(stddev: <|0|>))", [[4]], "NN2005"],
  ["dense(4, kernel_constraint: <|max_nrm|>)", [[4]], "NN2005"],
  ["conv2d(4, 3, bias_initializer: he_normal(seed: <|-1|>))", [[5, 5, 1]], "NN2005"],
  ["bidirectional(lstm(<|0|>))", [[4, 2]], "NN2005"],
  ["<|bidirectional|>()", [[4, 2]], "NN2004"],
  ["bidirectional(lstm(2), merge_mode: <|avg|>)", [[4, 2]], "NN2005"],
  ["bidirectional(<|add|>())", [[4, 2]], "NN2005"],
  ["bidirectional(<|dense(3)|>)", [[4, 2]], "NN3007"],
  ["time_distributed(<|lstm(2, return_state: true)|>)", [[4, 2, 3]], "NN3007"],
  ["time_distributed(<|conv2d(4, 3)|>)", [[4, 2, 3]], "NN3001"],
  ["<|time_distributed(dense(2))|>", [[4]], "NN3001", "throws"],
  // dot
  ["<|dot(2)|>", [[4, 3], [4, 5]], "NN3002", "throws"],
  ["dot(<|0|>)", [[4], [4]], "NN3007"],
  ["<|dot(1)|>", [[2, 3, 4], [2, 3, 4]], "NN3007", "throws"],
  ["<|prelu()|>", [[null, 3]], "NN3006", "throws"],
  ["<|spatial_dropout2d(0.1)|>", [[4, 3]], "NN3001"],
  // Layers tfjs 4.22 lacks
  ["<|subtract()|>", [[4], [4]], "NN3010"],
  ["<|multi_head_attention(2, key_dim: 4)|>", [[4, 8], [4, 8]], "NN3010"],
];

describe("rejected calls", () => {
  for (const [source, inputs, code, tfjsOutcome] of rejected) {
    it(`${source} on ${JSON.stringify(inputs)}: ${code}`, () => {
      const checked = check(source, inputs);
      expect(checked.marks).toHaveLength(1);
      expect(checked.diagnostics.map((d) => ({ code: d.code, span: d.span }))).toEqual([
        { code, span: checked.marks[0] },
      ]);
      expect(checked.outputs).toBeNull();
      if (!tfjsOutcome) return;
      if (tfjsOutcome === "rejects-config") {
        const raw = rawArgs(checked.kind, checked.call);
        expect(() => buildTfjs(checked.kind, raw, inputs)).toThrow();
        return;
      }
      const args = checked.args!;
      if (tfjsOutcome === "throws") {
        expect(() => buildTfjs(checked.kind, args, inputs)).toThrow();
        return;
      }
      const built = buildTfjs(checked.kind, args, inputs);
      if (tfjsOutcome === "empty") {
        expect(built.shapes[0]!.some((d) => d !== null && d <= 0)).toBe(true);
        return;
      }
      const training = tfjsOutcome === "fails-to-train";
      const run = () => tf.tidy(() => built.layer.apply(tf.ones(concrete(inputs[0]!)), { training }) as tf.Tensor);
      expect(run).toThrow();
    });
  }

  it("names the fix in the hint", () => {
    const hintOf = (source: string, inputs: Shape[]) => check(source, inputs).diagnostics[0]?.hint ?? "";
    expect(hintOf("conv2d(32, 3)", [[28, 28]])).toContain("[28, 28, 1]");
    expect(hintOf("conv1d(8, 3)", [[28, 28, 1]])).toContain("conv2d");
    expect(hintOf("lstm(8)", [[100]])).toContain("embedding");
    expect(hintOf("max_pooling2d(5)", [[4, 4, 3]])).toContain("padding: same");
  });
});

describe("the registry", () => {
  it("names each kind and alias once, and describes each kind", () => {
    for (const kind of layerKinds) {
      expect(lookupLayer(kind.name)).toBe(kind);
      for (const alias of kind.aliases ?? []) expect(lookupLayer(alias)).toBe(kind);
      expect(kind.doc.length).toBeGreaterThan(10);
      expect(Object.keys(kind.schema["properties"] as object)).toEqual(expect.arrayContaining([...kind.positional]));
    }
  });

  it("gives tfjs camelCase config keys and tfjs identifiers", () => {
    const conv = check("conv2d(8, 3, kernel_initializer: he_normal, activation: hard_sigmoid)", [[8, 8, 1]]);
    const config = tfjsLayerOf(conv.kind, conv.args!, "c1").config;
    expect(config).toMatchObject({
      kernelSize: 3,
      kernelInitializer: "heNormal",
      activation: "hardSigmoid",
      name: "c1",
    });
    const pool = check("max_pooling2d(3)", [[9, 9, 1]]);
    expect(tfjsLayerOf(pool.kind, pool.args!, "p").config).toMatchObject({ poolSize: 3, strides: 3 });
    expect(toTfjsConfig({ use_bias: false })).toEqual({ useBias: false });
  });
});

describe("nested calls as argument values reach tfjs", () => {
  type Weight = { read(): tf.Tensor; constraint: unknown };
  const weightsOf = (layer: tf.layers.Layer) =>
    layer as unknown as { losses: (() => tf.Scalar)[]; kernel: Weight; bias: Weight };
  const valueOf = (t: tf.Tensor) => t.dataSync()[0]!;

  it("a regularizer adds its penalty, a constraint and a seeded initializer are the weights'", () => {
    const source =
      "dense(3, kernel_regularizer: l2(0.5), bias_regularizer: l1_l2(l1: 0.25, l2: 0), " +
      "kernel_constraint: max_norm(2), bias_constraint: non_neg, kernel_initializer: he_normal(seed: 7), " +
      "bias_initializer: constant(0.5))";
    const checked = check(source, [[4]]);
    expect(checked.diagnostics).toEqual([]);
    const first = weightsOf(buildTfjs(checked.kind, checked.args!, [[4]]).layer);
    const second = weightsOf(buildTfjs(checked.kind, checked.args!, [[4]]).layer);
    const kernel = first.kernel.read();
    expect(first.losses).toHaveLength(2);
    expect(valueOf(first.losses[0]!())).toBeCloseTo(0.5 * valueOf(tf.sum(tf.square(kernel))), 5);
    expect(valueOf(first.losses[1]!())).toBeCloseTo(0.25 * 3 * 0.5, 5);
    expect(first.kernel.constraint?.constructor.name).toBe("MaxNorm");
    expect(first.bias.constraint?.constructor.name).toBe("NonNeg");
    expect([...first.bias.read().dataSync()]).toEqual([0.5, 0.5, 0.5]);
    expect([...kernel.dataSync()]).toEqual([...second.kernel.read().dataSync()]);
  });

  it("keeps nested calls as { call, args } JSON in the arguments, with defaults filled in", () => {
    const checked = check("conv2d(4, 3, kernel_regularizer: l1, kernel_initializer: variance_scaling(mode: fan_avg))", [
      [5, 5, 1],
    ]);
    expect(checked.args).toMatchObject({
      kernel_regularizer: { call: "l1", args: { l1: 0.01 } },
      kernel_initializer: { call: "variance_scaling", args: { scale: 1, mode: "fan_avg", distribution: "normal" } },
    });
    expect(tfjsLayerOf(checked.kind, checked.args!, "c").config).toMatchObject({
      kernelRegularizer: { namespace: "regularizers", factory: "l1", config: { l1: 0.01 } },
      kernelInitializer: { namespace: "initializers", factory: "varianceScaling", config: { mode: "fanAvg" } },
    });
  });

  it("names tfjs's initializer identifiers, lecun included", () => {
    for (const name of ["lecun_uniform", "lecun_normal", "glorot_uniform", "orthogonal"]) {
      const checked = check(`dense(2, kernel_initializer: ${name})`, [[3]]);
      expect(() => buildTfjs(checked.kind, checked.args!, [[3]]), name).not.toThrow();
    }
  });

  it("builds a wrapped layer with the wrapper's weights: time_distributed shares one dense over the steps", () => {
    const checked = check("time_distributed(dense(2, kernel_initializer: ones, name: \"inner\"))", [[3, 4]]);
    const built = buildTfjs(checked.kind, checked.args!, [[3, 4]]);
    const out = tf.tidy(() => Array.from((built.layer.apply(tf.ones([1, 3, 4])) as tf.Tensor).dataSync()));
    expect(out).toEqual([4, 4, 4, 4, 4, 4]);
    expect((built.layer as unknown as { layer: tf.layers.Layer }).layer.name).toBe("inner");
  });
});
