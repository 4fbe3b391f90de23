/**
 * The PyTorch target's recurrent layers against tfjs: each case is a spec built by nnc's runtime with random
 * weights; the layer under test gets its PyTorch form (layers-recurrent.ts), its weights through the bridge
 * (tfjsToTorch, with the link rules), and the very inputs tfjs gave it (a mask where an embedding makes one).
 * One Python process runs every case; its outputs must match tfjs's to 1e-4 and its parameter counts nnc's
 * (plus what `paramNote` states).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IrModel, TensorRef } from "../src/compiler/ir/index.js";
import { timeDistributedLayer } from "../src/compiler/emit/pytorch/layers-recurrent.js";
import { torchHelperDefinitions, torchLayer } from "../src/compiler/emit/pytorch/layers.js";
import { safetensorsPython } from "../src/compiler/emit/pytorch/python.js";
import type { TorchLayer } from "../src/compiler/emit/pytorch/types.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "../src/io/safetensors.js";
import { tfjsToTorch } from "../src/runtime/pytorch/bridge.js";
import { buildSpec } from "./helpers/attention-models.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { hasTorch, python } from "./helpers/torch.js";

interface Case {
  readonly title: string;
  readonly inputs: string;
  readonly body: string;
  /** The layer under test (its IR name). */
  readonly layer: string;
  readonly output?: string;
}

const sequence = "input x: [5, 3]";
const ids = "input ids: [7] int32";
const cases: readonly Case[] = [
  { title: "lstm, last output", inputs: sequence, body: "y = x -> lstm(8)", layer: "lstm" },
  {
    title: "lstm, sequences, go_backwards",
    inputs: sequence,
    body: "y = x -> lstm(6, return_sequences: true, go_backwards: true)",
    layer: "lstm",
  },
  {
    title: "lstm, hard_sigmoid, no bias",
    inputs: sequence,
    body: "y = x -> lstm(4, recurrent_activation: hard_sigmoid, use_bias: false, return_sequences: true)",
    layer: "lstm",
  },
  {
    title: "lstm with dropout, evaluated",
    inputs: sequence,
    body: "y = x -> lstm(5, dropout: 0.3, recurrent_dropout: 0.2, unit_forget_bias: false)",
    layer: "lstm",
  },
  { title: "gru", inputs: sequence, body: "y = x -> gru(4)", layer: "gru" },
  {
    title: "gru, relu, sequences, go_backwards",
    inputs: sequence,
    body: "y = x -> gru(5, activation: relu, return_sequences: true, go_backwards: true)",
    layer: "gru",
  },
  { title: "simple_rnn", inputs: sequence, body: "y = x -> simple_rnn(6)", layer: "simple_rnn" },
  {
    title: "simple_rnn, sigmoid, sequences",
    inputs: sequence,
    body: "y = x -> simple_rnn(4, activation: sigmoid, return_sequences: true)",
    layer: "simple_rnn",
  },
  {
    title: "bidirectional lstm, concat, sequences",
    inputs: sequence,
    body: "y = x -> bidirectional(lstm(4, return_sequences: true))",
    layer: "bidirectional",
  },
  {
    title: "bidirectional gru, sum",
    inputs: sequence,
    body: "y = x -> bidirectional(gru(3), merge_mode: sum)",
    layer: "bidirectional",
  },
  {
    title: "bidirectional simple_rnn, ave, sequences",
    inputs: sequence,
    body: "y = x -> bidirectional(simple_rnn(3, return_sequences: true), merge_mode: ave)",
    layer: "bidirectional",
  },
  {
    title: "bidirectional lstm going backwards, mul",
    inputs: sequence,
    body: "y = x -> bidirectional(lstm(3, go_backwards: true), merge_mode: mul)",
    layer: "bidirectional",
  },
  {
    title: "lstm after embedding(mask_zero)",
    inputs: ids,
    body: "e = ids -> embedding(10, 4, mask_zero: true)\ny = e -> lstm(5, return_sequences: true)",
    layer: "lstm",
  },
  {
    title: "gru after embedding(mask_zero)",
    inputs: ids,
    body: "e = ids -> embedding(10, 4, mask_zero: true)\ny = e -> gru(3)",
    layer: "gru",
  },
  {
    title: "bidirectional lstm after embedding(mask_zero)",
    inputs: ids,
    body: "e = ids -> embedding(10, 4, mask_zero: true)\ny = e -> bidirectional(lstm(3, return_sequences: true))",
    layer: "bidirectional",
  },
  {
    title: "lstm, return_state",
    inputs: sequence,
    body: "y, h, c = x -> lstm(4, return_state: true)",
    layer: "lstm",
  },
  {
    title: "lstm from initial states",
    inputs: `${sequence}\ninput h0: [4]\ninput c0: [4]`,
    body: "y = x -> lstm(4, return_sequences: true, initial_state: [h0, c0])",
    layer: "lstm",
  },
  {
    title: "bidirectional gru, return_state, from initial states",
    inputs: `${sequence}\ninput f: [3]\ninput b: [3]`,
    body: "y, hf, hb = x -> bidirectional(gru(3, return_state: true), initial_state: [f, b])",
    layer: "bidirectional",
  },
  {
    title: "time_distributed(dense) over an lstm's sequence",
    inputs: sequence,
    body: "s = x -> lstm(4, return_sequences: true)\ny = s -> time_distributed(dense(2, activation: relu))",
    layer: "time_distributed",
  },
];

const batch = 3;
/** Ids with padding (0) at the end, at the start and inside, and one row without. */
const idRows = [
  [1, 2, 3, 4, 5, 6, 7],
  [3, 9, 2, 0, 0, 0, 0],
  [0, 0, 4, 0, 8, 1, 0],
];

const timeDistributed = timeDistributedLayer(torchLayer);

/** The layer's PyTorch form: time_distributed takes the whole table, the others are layers.ts's. */
const torchFormOf: typeof torchLayer = (layer, inputs) =>
  layer.kind === "time_distributed" ? timeDistributed(layer, inputs) : torchLayer(layer, inputs);

function shapeOf(ir: IrModel, ref: TensorRef) {
  const input = ir.inputs.find((i) => i.name === ref.node);
  return input ? input.shape : ir.layers.find((l) => l.name === ref.node)!.outputShapes[ref.index]!;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The feeds of a model's inputs: ids with padding, floats otherwise. */
function feedsOf(model: tf.LayersModel, seed: number): tf.Tensor[] {
  return model.inputs.map((input, i) =>
    input.dtype === "int32"
      ? tf.tensor2d(idRows, undefined, "int32")
      : tf.randomNormal([batch, ...input.shape.slice(1)] as number[], 0, 1, "float32", seed + i),
  );
}

interface Prepared {
  readonly attribute: string;
  readonly made: TorchLayer;
  readonly inputs: number;
  readonly masked: boolean;
  readonly expected: tf.Tensor[];
  readonly params: number;
}

const built: tf.LayersModel[] = [];
const tensors = new Map<string, SafeTensor>();
const prepared: Prepared[] = [];
let folder = "";

/** Builds case `index`, sets random weights, and puts its layer's weights and inputs into `tensors`. */
function prepare(c: Case, index: number): Prepared {
  const { ir, model } = buildSpec(c.inputs, c.body, c.output ?? "y");
  built.push(model);
  model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.6, 0.6, "float32", 100 * index + i)));
  const layer = ir.layers.find((l) => l.name === c.layer)!;
  const made = torchFormOf(
    layer,
    layer.inputs.map((ref, i) => ({ expr: `inputs[${i}]`, shape: shapeOf(ir, ref) })),
  );
  if ("unsupported" in made) throw new Error(`${c.title}: ${made.unsupported}`);
  const attribute = `case${index}`;
  const tfLayer = model.getLayer(c.layer);
  const [ins, outs] = [asArray(tfLayer.input), asArray(tfLayer.output)] as tf.SymbolicTensor[][];
  const probe = tf.model({ inputs: model.inputs, outputs: [...ins!, ...outs!] });
  const feeds = feedsOf(model, 10 * index);
  const values = asArray(probe.predict(feeds) as tf.Tensor | tf.Tensor[]);
  const map = { model: "M", layers: [{ layer: c.layer, attribute, links: made.weights }] };
  for (const [name, tensor] of tfjsToTorch(map, model)) tensors.set(name, { dtype: "F32", ...tensor });
  values.slice(0, ins!.length).forEach((value, i) => {
    tensors.set(`${attribute}.in${i}`, { dtype: "F32", shape: value.shape, data: value.dataSync() as Float32Array });
  });
  const masked = c.inputs.includes("int32");
  if (masked) {
    const mask = BigInt64Array.from(idRows.flat(), (id) => (id === 0 ? 0n : 1n));
    tensors.set(`${attribute}.mask`, { dtype: "I64", shape: [batch, idRows[0]!.length], data: mask });
  }
  const extra = Number(/\+(\d+)/.exec(made.paramNote ?? "")?.[1] ?? 0);
  const params = layer.params.trainable + layer.params.nonTrainable + extra;
  return { attribute, made, inputs: ins!.length, masked, expected: values.slice(ins!.length), params };
}

/** The Python program: the helpers the layers name, then each case run in eval mode, outputs saved. */
function program(): string {
  const helpers = [...new Set(prepared.flatMap((p) => p.made.helpers ?? []))];
  return [
    "import functools, json, math, os, struct, sys",
    "import torch",
    "from torch import nn",
    "import torch.nn.functional as F",
    safetensorsPython,
    ...helpers.map((name) => torchHelperDefinitions[name]!),
    `
tensors = load_safetensors(sys.argv[1])
results, params = {}, {}
for case in json.loads(sys.argv[2]):
    name = case["attribute"]
    module = eval(case["module"])
    prefix = name + "."
    module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items()
                            if k.startswith(prefix) and not k[len(prefix):].startswith(("in", "mask"))})
    module.eval()
    params[name] = sum(p.numel() for p in module.parameters())
    inputs = [tensors[f"{name}.in{i}"] for i in range(case["inputs"])]
    layer = module
    if case["masked"]:
        layer = functools.partial(module, mask=tensors[f"{name}.mask"].bool())
    with torch.no_grad():
        out = eval(case["forward"], {**globals(), "layer": layer, "inputs": inputs})
    for i, value in enumerate(out if isinstance(out, tuple) else (out,)):
        results[f"{name}.out{i}"] = value
save_safetensors(sys.argv[3], results)
print(json.dumps(params))
`,
  ].join("\n\n");
}

describe.runIf(hasTorch)("PyTorch recurrent layers match tfjs", () => {
  let params: Record<string, number> = {};
  let outputs: Awaited<ReturnType<typeof readSafetensors>>["tensors"] = new Map();

  beforeAll(async () => {
    await useCpuBackend();
    cases.forEach((c, index) => prepared.push(prepare(c, index)));
    folder = mkdtempSync(join(tmpdir(), "nnc-recurrent-"));
    const [input, output, script] = ["in", "out", "run"].map((f) => join(folder, f));
    await writeSafetensors(input!, tensors);
    const caseJson = JSON.stringify(
      prepared.map((p) => ({
        attribute: p.attribute,
        module: p.made.module,
        forward: p.made.forward(
          "layer",
          Array.from({ length: p.inputs }, (_, i) => `inputs[${i}]`),
        ),
        inputs: p.inputs,
        masked: p.masked,
      })),
    );
    writeFileSync(script!, program());
    const run = spawnSync(python, [script!, input!, caseJson, output!], { encoding: "utf8" });
    expect(run.stderr + (run.error?.message ?? ""), "python").toBe("");
    params = JSON.parse(run.stdout) as Record<string, number>;
    outputs = (await readSafetensors(output!)).tensors;
  }, 60_000);

  afterAll(() => {
    built.forEach((m) => m.dispose());
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  cases.forEach((c, index) => {
    it(c.title, () => {
      const p = prepared[index]!;
      expect(params[p.attribute], "parameters").toBe(p.params);
      p.expected.forEach((expected, i) => {
        const actual = outputs.get(`${p.attribute}.out${i}`);
        expect(actual?.shape, `output ${i} shape`).toEqual(expected.shape);
        const want = expected.dataSync();
        const worst = Array.from(actual!.data as Float32Array).reduce(
          (max, v, k) => Math.max(max, Math.abs(v - want[k]!)),
          0,
        );
        expect(worst, `output ${i}: largest difference`).toBeLessThan(1e-4);
      });
    });
  });
});
