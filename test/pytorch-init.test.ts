/**
 * The PyTorch module's initial weights (init.ts): a freshly built module's weights have the statistics of
 * tfjs's initializers (tfjs itself draws the oracle's weights), not PyTorch's defaults, and an initializer named in
 * the spec changes them.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { emitTorchModule, torchHelpers } from "../src/compiler/emit/pytorch/module.js";
import { tfjsToTorch } from "../src/runtime/pytorch/bridge.js";
import { seededRandom, withRandomSync } from "../src/runtime/random.js";
import { buildSpec } from "./helpers/attention-models.js";
import { hasTorch, python } from "./helpers/torch.js";

/** Per state dict key of a fresh module: size, mean, standard deviation, largest magnitude, orthogonality error. */
interface Stats {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly max: number;
  readonly orthogonal: number;
}

const statsPython = `
import json, sys
import torch
scope = dict(globals())
exec(sys.stdin.read(), scope)
torch.manual_seed(0)
module = scope[sys.argv[1]]()
stats = {}
for key, value in module.state_dict().items():
    if key.endswith("num_batches_tracked"):
        continue
    w = value.double().reshape(value.shape[0], -1) if value.dim() > 1 else value.double().reshape(1, -1)
    small = w if w.shape[0] <= w.shape[1] else w.t()
    gram = small @ small.t()
    value = value.double()
    stats[key] = {"n": value.numel(), "mean": value.mean().item(), "std": value.std().item() if value.numel() > 1 else 0.0,
                  "max": value.abs().max().item(),
                  "orthogonal": (gram - torch.eye(gram.shape[0], dtype=gram.dtype)).abs().max().item()}
print(json.dumps(stats))
`;

function statsOf(values: Float32Array): Omit<Stats, "orthogonal"> {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1);
  return { n, mean, std: Math.sqrt(variance), max: values.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
}

/** The module of a spec, freshly built in PyTorch, beside the same model freshly built by tfjs (as torch tensors). */
function fresh(
  inputs: string,
  body: string,
): { torch: Record<string, Stats>; tfjs: Map<string, Omit<Stats, "orthogonal">> } {
  // tfjs draws under a seeded Math.random, as torch under its manual_seed: two fixed draws, so a weight of a few
  // values (a batch normalization's 8 gammas) cannot fail by the chance of a narrow draw.
  const { ir, model } = withRandomSync(seededRandom(1), () => buildSpec(inputs, body));
  const emitted = emitTorchModule(ir);
  expect(emitted.diagnostics).toEqual([]);
  const code = `import json, math, os, struct\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n${torchHelpers(emitted.helpers)}\n\n${emitted.code}`;
  const done = spawnSync(python, ["-c", statsPython, ir.name], { input: code, encoding: "utf8" });
  expect(done.stderr).toBe("");
  const tfjs = new Map([...tfjsToTorch(emitted.stateDict, model)].map(([key, t]) => [key, statsOf(t.data)]));
  model.dispose();
  return { torch: JSON.parse(done.stdout) as Record<string, Stats>, tfjs };
}

/** A fresh PyTorch weight like tfjs's fresh one: constants exactly, random ones in spread and mean. */
function expectLike(actual: Stats, expected: Omit<Stats, "orthogonal">, key: string): void {
  expect(actual.n, key).toBe(expected.n);
  if (expected.std === 0) {
    expect([actual.std, actual.mean], key).toEqual([0, expected.mean]);
    return;
  }
  // Two draws of one distribution: their spreads differ by about 1/sqrt(n) of it.
  const tolerance = 4 / Math.sqrt(expected.n);
  expect(Math.abs(actual.std / expected.std - 1), key).toBeLessThan(tolerance);
  expect(Math.abs(actual.mean - expected.mean), key).toBeLessThan(5 * (expected.std / Math.sqrt(expected.n)) + 0.01);
}

const spec = {
  inputs: "input image: [12, 12, 8]\ninput steps: [10, 64]\ninput ids: [6] int32",
  body: `
  c = image -> conv2d(32, 3) -> batch_normalization() -> flatten() -> dense(64)
  r = steps -> lstm(32) -> dense(64, kernel_initializer: he_normal)
  e = ids -> embedding(400, 16) -> gru(16) -> dense(64, kernel_initializer: random_normal(stddev: 0.5), bias_initializer: ones)
  y = concatenate(c, r, e) -> dense(8, kernel_initializer: lecun_uniform, bias_initializer: constant(0.25))`,
};

describe.runIf(hasTorch)("the PyTorch module's initial weights", () => {
  const { torch, tfjs } = fresh(spec.inputs, spec.body);
  const at = (key: string) => torch[key]!;

  it("follows tfjs's initializer for every weight: constants exactly, random ones in spread and bounds", () => {
    expect(Object.keys(torch).sort()).toEqual([...tfjs.keys()].sort());
    for (const [key, expected] of tfjs) expectLike(at(key), expected, key);
  });

  it("draws Keras's formulas: Glorot over conv fans, He's truncated normal, orthogonal recurrent kernels", () => {
    // glorot_uniform of a 3x3 conv kernel from 8 to 32 channels: fans 9 * 8 and 9 * 32.
    const conv = Math.sqrt(6 / (9 * 8 + 9 * 32));
    expect(at("conv2d.weight").max).toBeLessThanOrEqual(conv);
    expect(at("conv2d.weight").std).toBeCloseTo(conv / Math.sqrt(3), 2);
    // he_normal as tfjs draws it: sqrt(2 / fan_in) truncated at two deviations (its spread 0.87962566 of that).
    const he = Math.sqrt(2 / 32);
    expect(at("dense_1.weight").max).toBeLessThanOrEqual(2 * he);
    expect(Math.abs(at("dense_1.weight").std / (he * 0.87962566103423978) - 1)).toBeLessThan(0.04);
    expect(at("dense_2.weight").std).toBeCloseTo(0.5, 1);
    expect(at("dense_3.weight").max).toBeLessThanOrEqual(Math.sqrt(3 / 192));
    expect([at("dense_2.bias").mean, at("dense_3.bias").mean, at("dense.bias").max]).toEqual([1, 0.25, 0]);
    expect(at("embedding.weight").max).toBeLessThanOrEqual(0.05);
    expect(at("lstm.weight_hh_l0").orthogonal).toBeLessThan(1e-5);
    expect(at("gru.recurrent_kernel").orthogonal).toBeLessThan(1e-5);
    // unit_forget_bias: the forget gate's quarter of the bias is ones, the rest zeros; the second bias is zero.
    expect([at("lstm.bias_ih_l0").mean, at("lstm.bias_hh_l0").max]).toEqual([0.25, 0]);
    expect([at("batch_normalization.weight").mean, at("batch_normalization.running_var").mean]).toEqual([1, 1]);
  });
});

/** Every other kind with weights, each weight compared with tfjs's as above. */
const others = {
  inputs: "input image: [10, 10, 16]\ninput seq: [12, 32]\ninput ids: [8] int32",
  body: `
  a = image -> separable_conv2d(32, 3, depth_multiplier: 2) -> depthwise_conv2d(3) -> conv2d_transpose(8, 3)
  b = a -> batch_normalization(center: false, gamma_initializer: random_uniform(minval: 0.5, maxval: 1.5)) -> flatten()
  s = seq -> conv1d(32, 3, padding: same) -> layer_normalization() -> prelu(alpha_initializer: constant(0.3))
  t = s -> bidirectional(lstm(16, return_sequences: true)) -> time_distributed(dense(32)) -> simple_rnn(16, return_sequences: true)
  m = multi_head_attention(t, t, num_heads: 4, key_dim: 16) -> attention(t, use_scale: true, score_mode: concat)
  n = additive_attention(m, t) -> position_embedding(12) -> flatten()
  p = ids -> token_and_position_embedding(50, 8, 16) -> flatten()
  y = concatenate(b, n, p)`,
};

describe.runIf(hasTorch)("the PyTorch module's initial weights of every kind with weights", () => {
  it("follows tfjs's initializer for every weight", () => {
    const { torch, tfjs } = fresh(others.inputs, others.body);
    expect(Object.keys(torch).sort()).toEqual([...tfjs.keys()].sort());
    for (const [key, expected] of tfjs) expectLike(torch[key]!, expected, key);
  });
});

describe("initializers without a PyTorch form", () => {
  it("is NN6001 at the layer naming the initializer", () => {
    const checked = checkSource("model M {\n  input x: [4]\n  dense(3, kernel_initializer: identity)\n}\n", "m.nn");
    const emitted = emitTorchModule(checked.program!.models[0]!);
    expect(emitted.diagnostics.map((d) => [d.code, /identity/.test(d.message)])).toEqual([["NN6001", true]]);
  });
});
