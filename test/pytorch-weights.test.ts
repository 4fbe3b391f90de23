import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { torchStateDict } from "../src/compiler/emit/pytorch/module.js";
import type { StateDictMap, WeightLink } from "../src/compiler/emit/pytorch/types.js";
import { checkFile, checkSource } from "../src/compiler/index.js";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors.js";
import { buildModel } from "../src/runtime/build.js";
import { loadRun } from "../src/runtime/saved-run.js";
import { tfjsToTorch, torchToTfjs, transpose, type GivenTensor } from "../src/runtime/pytorch/bridge.js";
import { nnc, repo } from "./helpers/cli.js";
import { userError } from "./helpers/data-files.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { irisHistory, irisRunJson, randomize, writeIrisSpec, writePytorchRun } from "./helpers/pytorch-run.js";
import { scratchFolder } from "./helpers/runs.js";

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

describe("the bridge with the PyTorch target's own state dict maps", () => {
  const specs: Record<string, string> = {
    dense: "input x: [4]\n  dense(8, activation: relu)\n  dense(3, activation: softmax)",
    conv: [
      "input image: [8, 8, 3]",
      "conv2d(4, 3, activation: relu)",
      "batch_normalization()",
      "max_pooling2d(2)",
      "flatten()",
      "dense(5)",
    ].join("\n  "),
    lstm: "input seq: [6, 3]\n  lstm(5, return_sequences: true)\n  gru(4)\n  dense(2)",
  };

  it.each(Object.keys(specs))("round-trips the %s model's weights through its map exactly", (name) => {
    const { program, diagnostics } = checkSource(`model M {\n  ${specs[name]!}\n}\n`, "m.nn");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ir = program!.models[0]!;
    const map = torchStateDict(ir);
    if (Array.isArray(map)) throw new Error(`not expressible: ${map.map((d) => d.message).join("; ")}`);
    const from = buildModel(ir);
    const into = buildModel(ir);
    built.push(from, into);
    randomize(from, 11);
    randomize(into, 77);
    const state = tfjsToTorch(map, from);
    // Every state-dict tensor has the shape the map gives it, and together they hold every tfjs weight.
    for (const entry of map.layers)
      for (const l of entry.links) expect(state.get(`${entry.attribute}.${l.torch}`)!.shape).toEqual(l.torchShape);
    torchToTfjs(map, state, into);
    expect(weightsOf(into)).toEqual(weightsOf(from));
  });
});

describe("nnc import-weights and nnc export-weights (no PyTorch: the PyTorch run folder is written here)", () => {
  const { dir } = scratchFolder("nnc-import-weights-");
  const spec = writeIrisSpec(dir);
  const [runJson, history] = [irisRunJson, irisHistory];

  /** The spec's model with seeded weights, and a PyTorch run folder `name` holding them as the script saves them. */
  async function pytorchRun(name: string): Promise<{ run: string; model: tf.LayersModel; map: StateDictMap }> {
    const written = await writePytorchRun(dir, spec, name);
    built.push(written.model);
    return written;
  }

  it("makes a run folder that nnc evaluate and loadRun read, with the PyTorch run's weights, and exports them back", async () => {
    const { run, model } = await pytorchRun("pt");
    const out = join(dir, "imported");
    const imported = nnc(["import-weights", run, "--out", out], { cwd: dir });
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toBe(
      "imported Iris from pt/ (PyTorch 1.13.1, 2 processes, 2 epochs)\nfinal: loss: 0.9000 - accuracy: 0.6000\n" +
        "saved imported/ (history.json, history.png, history.svg, labels.json, model.json, preprocessing.json, weights.bin)\n",
    );
    const saved = await loadRun(out);
    expect(weightsOf(saved.model)).toEqual(weightsOf(model));
    expect(saved.labels).toEqual(runJson.data.labels);
    expect(JSON.parse(readFileSync(join(out, "history.json"), "utf8"))).toEqual(history);
    saved.model.dispose();
    const evaluated = nnc(["evaluate", spec, "--model", out, "--format", "json"]);
    expect(evaluated.stderr).toBe("");
    const figures = JSON.parse(evaluated.stdout) as Record<string, number>;
    expect(Object.keys(figures)).toEqual(["loss", "accuracy"]);

    const exported = nnc(["export-weights", out, "--spec", spec, "-o", join(dir, "back.safetensors")], { cwd: dir });
    expect([exported.stderr, exported.stdout]).toEqual([
      "",
      "wrote back.safetensors (4 tensors of model Iris, for the PyTorch script's --init)\n",
    ]);
    const [before, after] = [join(run, "weights.safetensors"), join(dir, "back.safetensors")].map((f) =>
      readFileSync(f),
    );
    expect(after.equals(before!)).toBe(true);
    // Beside the run folder by default; a file that cannot be written is one line.
    const beside = nnc(["export-weights", out, "--spec", spec], { cwd: dir });
    expect([beside.stderr, beside.stdout]).toEqual(["", expect.stringMatching(/^wrote imported\.safetensors /)]);
    const nowhere = nnc(["export-weights", out, "--spec", spec, "-o", "missing/w.safetensors"], { cwd: dir });
    expect([nowhere.stderr, nowhere.status]).toEqual([
      "error: -o missing/w.safetensors: cannot write it (no such folder)\n",
      1,
    ]);
  });

  it("finds the spec run.json names, relative to the run folder, or asks for --spec", async () => {
    const { run } = await pytorchRun("pt-spec");
    const found = nnc(["import-weights", run, "--out", join(dir, "from-run-json")], { cwd: dir });
    expect([found.stderr, found.status]).toEqual(["", 0]);
    writeFileSync(join(run, "run.json"), JSON.stringify({ ...runJson, spec: "elsewhere/iris.nn" }));
    const lost = nnc(["import-weights", run], { cwd: dir });
    expect([lost.stderr, lost.status]).toEqual([
      "error: pt-spec/run.json names the spec 'elsewhere/iris.nn', which is not at pt-spec/elsewhere/iris.nn; " +
        "give it with --spec FILE\n",
      1,
    ]);
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });

  it("refuses PyTorch runs it cannot use, in one line naming the file, and leaves no folder behind", async () => {
    const { run, map } = await pytorchRun("pt-bad");
    const refused = (expected: string) => {
      const result = nnc(["import-weights", run, "--spec", spec], { cwd: dir });
      expect([result.stderr, result.status]).toEqual([`${expected}\n`, 1]);
      expect(existsSync(join(dir, "runs"))).toBe(false);
    };
    const weights = join(run, "weights.safetensors");
    const good = readFileSync(weights);
    writeFileSync(weights, "sepal_length,sepal_width\n5.1,3.5\n");
    refused(
      "error[NN4010]: pt-bad/weights.safetensors: not a safetensors file (its first 8 bytes give a header of " +
        `${Buffer.from("sepal_le").readBigUInt64LE()} bytes, past the end of its 33 bytes)`,
    );
    const attribute = map.layers[1]!.attribute;
    const { tensors } = await (async () => {
      writeFileSync(weights, good);
      return readSafetensors(weights);
    })();
    const fewer = new Map([...tensors].filter(([key]) => key !== `${attribute}.bias`));
    await writeSafetensors(weights, fewer, { model: "Iris" });
    refused(
      `error[NN4035]: cannot load weights from pt-bad/weights.safetensors: it has no tensor '${attribute}.bias' ` +
        `for layer '${map.layers[1]!.layer}' (model Iris)`,
    );
    await writeSafetensors(weights, tensors, { model: "Other" });
    refused("error[NN4010]: pt-bad/weights.safetensors: it holds model 'Other', but run.json says 'Iris'");
    writeFileSync(weights, good);
    writeFileSync(join(run, "run.json"), JSON.stringify({ ...runJson, format: "nnc-run" }));
    refused('error[NN4010]: pt-bad/run.json: format must be "nnc-pytorch-run"');
    writeFileSync(join(run, "run.json"), JSON.stringify({ ...runJson, model: "Missing" }));
    refused("error[NN4011]: pt-bad trained model 'Missing', but iris.nn has no model of that name (it has 'Iris')");
    rmSync(join(run, "history.json"));
    refused(
      "error[NN4010]: pt-bad/history.json: no such file: the script writes it when training ends " +
        "(a stopped run goes on with --resume)",
    );
  });

  it("writes only into a new or empty folder or nnc's own run, which only --overwrite replaces", async () => {
    const { run } = await pytorchRun("pt-folders");
    const foreign = join(dir, "mine");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine\n");
    for (const flags of [[], ["--overwrite"]]) {
      const result = nnc(["import-weights", run, "--out", foreign, ...flags], { cwd: dir });
      expect(result.stderr).toMatch(
        /^error\[NN4012\]: mine .*notes\.txt.*choose a new or empty folder with --out; import-weights writes only into nnc's own\)\n$/,
      );
    }
    expect(readdirSync(foreign)).toEqual(["notes.txt"]);
    const first = nnc(["import-weights", run], { cwd: dir });
    expect(first.stdout).toContain("saved runs/Iris/");
    const second = nnc(["import-weights", run], { cwd: dir });
    expect(second.stdout).toContain("saved runs/Iris-2/");
    const again = nnc(["import-weights", run, "--out", "runs/Iris"], { cwd: dir });
    expect(again.stderr).toMatch(/^error\[NN4043\]: runs\/Iris/);
    const replaced = nnc(["import-weights", run, "--out", "runs/Iris", "--overwrite"], { cwd: dir });
    expect([replaced.stderr, replaced.status]).toEqual(["", 0]);
    // The PyTorch run folder is an input: import never writes there.
    const over = nnc(["import-weights", run, "--out", run, "--overwrite"], { cwd: dir });
    expect(over.status).toBe(1);
    expect(readdirSync(run).sort()).toEqual(["history.json", "run.json", "weights.safetensors"]);
    rmSync(join(dir, "runs"), { recursive: true });
  });
});
