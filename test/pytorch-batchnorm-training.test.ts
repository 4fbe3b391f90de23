/**
 * batch_normalization in training, PyTorch against tfjs: one training-mode forward of the same batch from the
 * same weights gives the same output and moves the moving mean and variance the same way (tfjs moves the
 * variance towards the batch's biased variance; nn.BatchNorm would move it towards the unbiased one).
 */
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { emitTorchModule, torchHelpers } from "../src/compiler/emit/pytorch/module.js";
import { tfjsToTorch } from "../src/runtime/pytorch/bridge.js";
import { buildSpec } from "./helpers/attention-models.js";
import { hasTorch, python } from "./helpers/torch.js";
import { largestDifference } from "./helpers/torch-parity.js";

const cases = [
  ["input x: [3]", "batch_normalization(momentum: 0.5)", [4, 3]],
  ["input x: [5, 2]", "batch_normalization(momentum: 0.8, epsilon: 0.01, center: false)", [3, 5, 2]],
  ["input x: [3, 3, 2]", "batch_normalization(momentum: 0.6, scale: false)", [2, 3, 3, 2]],
] as const;

const program = `
import json, math, os, struct, sys
import torch
from torch import nn
import torch.nn.functional as F
case = json.loads(sys.stdin.read())
scope = dict(globals())
exec(case["code"], scope)
module = scope["M"]()
state = {k: torch.tensor(v["data"]).reshape(v["shape"]) for k, v in case["state"].items()}
missing = module.load_state_dict(state, strict=False).missing_keys
assert all(k.endswith("num_batches_tracked") for k in missing), missing
module.train()
out = module(torch.tensor(case["x"]).reshape(case["shape"]))
moved = {k: v.flatten().tolist() for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}
print(json.dumps({"out": out.detach().flatten().tolist(), "state": moved}))
`;

/** The module's state dict as tfjs's weights are now, by key. */
function stateOf(map: ReturnType<typeof emitTorchModule>["stateDict"], model: tf.LayersModel) {
  return Object.fromEntries(
    [...tfjsToTorch(map, model)].map(([key, t]) => [key, { shape: t.shape, data: [...t.data] }]),
  );
}

describe.runIf(hasTorch)("batch_normalization in training, PyTorch against tfjs", () => {
  it.each(cases)("%s -> %s", (inputs, call, shape) => {
    const { ir, model } = buildSpec(inputs, `y = x -> ${call}`);
    const emitted = emitTorchModule(ir);
    expect(emitted.diagnostics).toEqual([]);
    const size = shape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: size }, (_, i) => Math.sin(1.7 * i) * (1 + (i % 3)));
    const state = stateOf(emitted.stateDict, model);
    const y = model.apply(tf.tensor(x, [...shape]), { training: true }) as tf.Tensor;
    const expected = { out: y.dataSync() as Float32Array, state: stateOf(emitted.stateDict, model) };
    // The step moved the moving variance, so the comparison below can tell the two variances apart.
    const variance = Object.keys(state).find((key) => key.endsWith("running_var"))!;
    expect(
      largestDifference(Float32Array.from(state[variance]!.data), Float32Array.from(expected.state[variance]!.data)),
    ).toBeGreaterThan(0.01);
    const code = `${torchHelpers(emitted.helpers)}\n\n${emitted.code}`;
    const input = JSON.stringify({ code, state, x: [...x], shape });
    const run = spawnSync(python, ["-c", program], { input, encoding: "utf8" });
    expect(run.stderr).toBe("");
    const actual = JSON.parse(run.stdout) as { out: number[]; state: Record<string, number[]> };
    expect(largestDifference(expected.out, Float32Array.from(actual.out))).toBeLessThan(1e-5);
    expect(Object.keys(actual.state).sort()).toEqual(Object.keys(expected.state).sort());
    for (const [key, value] of Object.entries(expected.state)) {
      expect(largestDifference(Float32Array.from(value.data), Float32Array.from(actual.state[key]!)), key).toBeLessThan(
        1e-5,
      );
    }
    model.dispose();
  });
});
