import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateDictMap, WeightLink } from "../src/compiler/emit/pytorch/types.js";
import { tfjsToTorch, torchToTfjs, transpose, type GivenTensor } from "../src/runtime/pytorch/bridge.js";
import { userError } from "./helpers/data-files.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";

/** A link as the PyTorch target writes it, its torch shape the tfjs shape permuted. */
function link(torch: string, tfjs: number, tfjsShape: number[], permute?: number[]): WeightLink {
  const torchShape = permute ? permute.map((axis) => tfjsShape[axis]!) : tfjsShape;
  return { torch, tfjs, tfjsShape, torchShape, ...(permute ? { permute } : {}) };
}

/** Dense 4 -> 5, conv2d 3x3 of 2 -> 3 channels, batch normalization, an LSTM of 6 units: one of each link kind. */
function models(): { map: StateDictMap; build: () => tf.LayersModel } {
  const map: StateDictMap = {
    model: "Mixed",
    layers: [
      {
        layer: "conv",
        attribute: "conv",
        links: [link("weight", 0, [3, 3, 2, 3], [3, 2, 0, 1]), link("bias", 1, [3])],
      },
      {
        layer: "bn",
        attribute: "bn",
        links: [
          link("weight", 0, [3]),
          link("bias", 1, [3]),
          link("running_mean", 2, [3]),
          link("running_var", 3, [3]),
        ],
      },
      {
        layer: "lstm",
        attribute: "lstm",
        links: [
          link("weight_ih_l0", 0, [3, 24], [1, 0]),
          link("weight_hh_l0", 1, [6, 24], [1, 0]),
          link("bias_ih_l0", 2, [24]),
          link("bias_hh_l0", 2, [24]),
        ],
      },
      { layer: "dense/1", attribute: "dense_1", links: [link("weight", 0, [6, 5], [1, 0]), link("bias", 1, [5])] },
    ],
  };
  const build = () => {
    const input = tf.input({ shape: [4, 4, 2] });
    let x = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", name: "conv" }).apply(input);
    x = tf.layers.batchNormalization({ name: "bn" }).apply(x);
    x = tf.layers.reshape({ targetShape: [16, 3] }).apply(x);
    x = tf.layers.lstm({ units: 6, name: "lstm" }).apply(x);
    const output = tf.layers.dense({ units: 5, name: "dense/1" }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output, name: "Mixed" });
  };
  return { map, build };
}

/** Sets every weight of `model` to seeded values (the moving variance positive), so no two models agree by chance. */
function randomize(model: tf.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layer.setWeights(weights.map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -1, 1, "float32", seed + i)));
  }
}

const built: tf.LayersModel[] = [];
function model(seed: number): tf.LayersModel {
  const m = models().build();
  randomize(m, seed);
  built.push(m);
  return m;
}
beforeAll(useCpuBackend);
afterAll(() => built.forEach((m) => m.dispose()));

function weightsOf(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => [...w.dataSync()]);
}

describe("the weight bridge between tfjs and PyTorch", () => {
  it("transposes as the axes say", () => {
    // [2, 3] -> [3, 2]
    expect([...transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0])]).toEqual([1, 4, 2, 5, 3, 6]);
    const values = Float32Array.from({ length: 24 }, (_, i) => i);
    const moved = transpose(values, [2, 3, 4], [2, 0, 1]);
    // moved[k][i][j] = values[i][j][k]
    expect(moved[1 * 6 + 1 * 3 + 2]).toBe(values[1 * 12 + 2 * 4 + 1]);
    expect([...transpose(moved, [4, 2, 3], [1, 2, 0])]).toEqual([...values]);
  });

  it("exports tfjs's weights in PyTorch's layout, with zeros in a second bias", () => {
    const { map } = models();
    const m = model(1);
    const state = tfjsToTorch(map, m);
    expect([...state.keys()].sort()).toEqual(
      [
        "conv.weight",
        "conv.bias",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "lstm.weight_ih_l0",
        "lstm.weight_hh_l0",
        "lstm.bias_ih_l0",
        "lstm.bias_hh_l0",
        "dense_1.weight",
        "dense_1.bias",
      ].sort(),
    );
    const kernel = m.getLayer("conv").getWeights()[0]!.arraySync() as number[][][][];
    const weight = state.get("conv.weight")!;
    expect(weight.shape).toEqual([3, 2, 3, 3]);
    // torch weight[o][i][y][x] is tfjs's kernel[y][x][i][o]
    expect(weight.data[2 * 18 + 1 * 9 + 0 * 3 + 2]).toBe(kernel[0]![2]![1]![2]);
    const dense = m.getLayer("dense/1").getWeights()[0]!.arraySync() as number[][];
    expect(state.get("dense_1.weight")!.data[4 * 6 + 1]).toBe(dense[1]![4]);
    expect([...state.get("lstm.bias_ih_l0")!.data]).toEqual([...m.getLayer("lstm").getWeights()[2]!.dataSync()]);
    expect([...state.get("lstm.bias_hh_l0")!.data]).toEqual(new Array(24).fill(0));
  });

  it("round-trips tfjs -> PyTorch -> tfjs exactly for dense, conv, batch normalization and LSTM", () => {
    const { map } = models();
    const from = model(1);
    const into = model(100);
    expect(weightsOf(into)).not.toEqual(weightsOf(from));
    torchToTfjs(map, tfjsToTorch(map, from), into);
    expect(weightsOf(into)).toEqual(weightsOf(from));
    const input = tf.randomNormal([2, 4, 4, 2], 0, 1, "float32", 7);
    const [a, b] = [from.predict(input) as tf.Tensor, into.predict(input) as tf.Tensor];
    expect([...b.dataSync()]).toEqual([...a.dataSync()]);
    tf.dispose([input, a, b]);
  });

  it("imports PyTorch's two recurrent biases as their sum", () => {
    const { map } = models();
    const m = model(3);
    const exported = tfjsToTorch(map, m);
    const state = new Map<string, GivenTensor>(exported);
    const ih = exported.get("lstm.bias_ih_l0")!;
    state.set("lstm.bias_ih_l0", { shape: ih.shape, data: ih.data.map((v) => v - 0.25) });
    state.set("lstm.bias_hh_l0", { shape: ih.shape, data: new Float32Array(24).fill(0.25) });
    const before = [...m.getLayer("lstm").getWeights()[2]!.dataSync()];
    torchToTfjs(map, state, m);
    const after = [...m.getLayer("lstm").getWeights()[2]!.dataSync()];
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i]!, 6));
  });

  it("refuses a state dict that does not fit: missing, extra, mis-shaped or integer keys, naming key and layer", async () => {
    const { map } = models();
    const m = model(5);
    const before = weightsOf(m);
    const state = () => new Map<string, GivenTensor>(tfjsToTorch(map, m));
    const refusal = async (change: (s: Map<string, GivenTensor>) => void) => {
      const s = state();
      change(s);
      return (await userError(() => torchToTfjs(map, s, m, "runs/M-pytorch/weights.safetensors"))).format();
    };
    expect(await refusal((s) => s.delete("bn.running_var"))).toBe(
      "error[NN4035]: cannot load weights from runs/M-pytorch/weights.safetensors: it has no tensor " +
        "'bn.running_var' for layer 'bn' (model Mixed)",
    );
    expect(await refusal((s) => s.set("head.weight", { shape: [1], data: [1] }))).toBe(
      "error[NN4035]: cannot load weights from runs/M-pytorch/weights.safetensors: it has a tensor " +
        "'head.weight' that model Mixed has no weight for",
    );
    expect(await refusal((s) => s.set("dense_1.weight", { shape: [6, 5], data: s.get("dense_1.weight")!.data }))).toBe(
      "error[NN4035]: cannot load weights from runs/M-pytorch/weights.safetensors: its tensor " +
        "'dense_1.weight' is [6, 5], but layer 'dense/1' needs [5, 6]",
    );
    expect(
      await refusal((s) => s.set("conv.bias", { dtype: "I64", shape: [3], data: BigInt64Array.from([1n, 2n, 3n]) })),
    ).toMatch(/its tensor 'conv.bias' is I64, but layer 'conv' holds float32/);
    // Nothing was set by the refused imports; BatchNorm's batch counter is no weight and is passed over.
    expect(weightsOf(m)).toEqual(before);
    const counted = state();
    counted.set("bn.num_batches_tracked", { dtype: "I64", shape: [], data: BigInt64Array.from([12n]) });
    torchToTfjs(map, counted, m);
    expect(weightsOf(m)).toEqual(before);
  });

  it("refuses a tfjs model that is not the map's (NN4011), naming the layer", async () => {
    const { map } = models();
    const other = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [6], name: "dense/1" })] });
    built.push(other);
    const missing = await userError(() => tfjsToTorch(map, other));
    expect(missing.format()).toMatch(/^error\[NN4011\]: model sequential_\d+ has no layer 'conv', which model Mixed/);
    const wrong: StateDictMap = {
      model: "Mixed",
      layers: [map.layers[3]!].map((l) => ({ ...l, links: [l.links[0]!] })),
    };
    expect((await userError(() => tfjsToTorch(wrong, other))).format()).toBe(
      "error[NN4011]: layer 'dense/1' has 2 weights, more than model Mixed of the spec says",
    );
    const shapes: StateDictMap = {
      model: "Mixed",
      layers: [{ layer: "dense/1", attribute: "d", links: [link("weight", 0, [5, 6], [1, 0]), link("bias", 1, [5])] }],
    };
    expect((await userError(() => tfjsToTorch(shapes, other))).format()).toBe(
      "error[NN4011]: layer 'dense/1' has a weight of shape [6, 5] where model Mixed of the spec has [5, 6]",
    );
  });
});
