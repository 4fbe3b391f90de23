/**
 * The layer registry's other promises: a call it rejects gets its code on the right span (and tfjs, given the
 * same layer, refuses it too or builds something broken), every kind has one name and a description, and the
 * tfjs config it describes (camelCase keys, nested calls as initializers, regularizers and constraints) is
 * what tfjs builds. The accepted calls are in layers.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Code } from "../src/compiler/diagnostics/index.js";
import type { Shape } from "../src/compiler/ir/index.js";
import { toTfjsConfig } from "../src/compiler/registry/layers/entry-parts.js";
import { layerKinds, lookupLayer, tfjsLayerOf } from "../src/compiler/registry/layers/index.js";
import { buildTfjs, check, concrete, rawArgs, useCpuBackend } from "./helpers/layer-oracle.js";

beforeAll(useCpuBackend);

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
  // Keras refuses strides and dilation both above 1 (tfjs-core when the model runs; nnc's runtime layer, which a
  // dilation gives, would run it).
  ["conv2d(4, 3, strides: 2, dilation_rate: <|2|>)", [[9, 9, 1]], "NN3007"],
  ["conv1d(4, 3, strides: 2, dilation_rate: <|2|>)", [[9, 1]], "NN3007"],
  ["conv2d_transpose(4, 3, strides: 2, dilation_rate: <|2|>)", [[5, 5, 1]], "NN3007"],
  ["conv2d(4, 3, data_format: <|channels_first|>)", [[1, 5, 5]], "NN2005"],
  ["global_average_pooling1d(data_format: <|channels_first|>)", [[5, 3]], "NN2005"],
  ["dropout(0.5, noise_shape: <|[1, 4]|>)", [[3, 4]], "NN3007"],
  ["dropout(0.5, noise_shape: <|[2, 1, 4]|>)", [[3, 4]], "NN3007"],
  ["dropout(0.5, noise_shape: <|[?, 2, 4]|>)", [[3, 4]], "NN3007"],
  ["conv1d(4, 3, padding: <|full|>)", [[9, 1]], "NN2005"],
  ["conv2d(4, 3, padding: <|causal|>)", [[9, 9, 1]], "NN2005"],
  ["elu(alpha: <|0.5|>)", [[4]], "NN3007", "rejects-config"],
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
  [
    "<|dot(2)|>",
    [
      [4, 3],
      [4, 5],
    ],
    "NN3002",
    "throws",
  ],
  ["dot(<|0|>)", [[4], [4]], "NN3007"],
  [
    "<|dot(1)|>",
    [
      [2, 3, 4],
      [2, 3, 4],
    ],
    "NN3007",
    "throws",
  ],
  ["<|prelu()|>", [[null, 3]], "NN3006", "throws"],
  ["<|spatial_dropout2d(0.1)|>", [[4, 3]], "NN3001"],
  // Layers tfjs 4.22 lacks
  ["<|subtract()|>", [[4], [4]], "NN3010"],
  [
    "multi_head_attention(2, key_dim: 4, attention_axes: <|2|>)",
    [
      [3, 4, 8],
      [3, 4, 8],
    ],
    "NN3007",
  ],
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
    const checked = check('time_distributed(dense(2, kernel_initializer: ones, name: "inner"))', [[3, 4]]);
    const built = buildTfjs(checked.kind, checked.args!, [[3, 4]]);
    const out = tf.tidy(() => Array.from((built.layer.apply(tf.ones([1, 3, 4])) as tf.Tensor).dataSync()));
    expect(out).toEqual([4, 4, 4, 4, 4, 4]);
    expect((built.layer as unknown as { layer: tf.layers.Layer }).layer.name).toBe("inner");
  });
});
