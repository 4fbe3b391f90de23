/**
 * The PyTorch target's recurrent layers against tfjs: each case is a spec built by nnc's runtime with random
 * weights; the layer under test gets its PyTorch form (layers-recurrent.ts), its weights through the bridge
 * (tfjsToTorch, with the link rules), and the very inputs tfjs gave it (a mask where an embedding makes one).
 * One Python process runs every case; its outputs must match tfjs's to 1e-4, its parameter counts nnc's (plus
 * what `paramNote` states), and in train() mode (dropout on) a gradient must reach every trainable parameter.
 * Whole models with recurrent layers go through module.ts's class (test/helpers/torch-parity.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IrLayer, IrModel, TensorRef } from "../src/compiler/ir/index.js";
import { torchLayer } from "../src/compiler/emit/pytorch/layers.js";
import { torchHelpers } from "../src/compiler/emit/pytorch/module.js";
import { safetensorsPython } from "../src/compiler/emit/pytorch/python.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "../src/io/safetensors.js";
import { tfjsToTorch } from "../src/runtime/pytorch/bridge.js";
import { buildSpec } from "./helpers/attention-models.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { largestDifference, runParity, type ParityCase, type ParityResult } from "./helpers/torch-parity.js";
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
const embedded = "e = ids -> embedding(10, 4, mask_zero: true)";
/** A case of one layer: `[title, body, layer under test, inputs]`, the inputs `sequence` when left out. */
const cases: readonly Case[] = (
  [
    ["lstm, last output", "y = x -> lstm(8)", "lstm"],
    ["lstm, sequences, go_backwards", "y = x -> lstm(6, return_sequences: true, go_backwards: true)", "lstm"],
    [
      "lstm, hard_sigmoid, no bias",
      "y = x -> lstm(4, recurrent_activation: hard_sigmoid, use_bias: false, return_sequences: true)",
      "lstm",
    ],
    [
      "lstm with dropout, evaluated",
      "y = x -> lstm(5, dropout: 0.3, recurrent_dropout: 0.2, unit_forget_bias: false)",
      "lstm",
    ],
    ["gru", "y = x -> gru(4)", "gru"],
    [
      "gru, relu, sequences, go_backwards",
      "y = x -> gru(5, activation: relu, return_sequences: true, go_backwards: true)",
      "gru",
    ],
    ["simple_rnn", "y = x -> simple_rnn(6)", "simple_rnn"],
    [
      "simple_rnn, sigmoid, sequences",
      "y = x -> simple_rnn(4, activation: sigmoid, return_sequences: true)",
      "simple_rnn",
    ],
    [
      "bidirectional lstm, concat, sequences",
      "y = x -> bidirectional(lstm(4, return_sequences: true))",
      "bidirectional",
    ],
    ["bidirectional gru, sum", "y = x -> bidirectional(gru(3), merge_mode: sum)", "bidirectional"],
    [
      "bidirectional simple_rnn, ave, sequences",
      "y = x -> bidirectional(simple_rnn(3, return_sequences: true), merge_mode: ave)",
      "bidirectional",
    ],
    [
      "bidirectional lstm going backwards, mul",
      "y = x -> bidirectional(lstm(3, go_backwards: true), merge_mode: mul)",
      "bidirectional",
    ],
    ["lstm after embedding(mask_zero)", `${embedded}\ny = e -> lstm(5, return_sequences: true)`, "lstm", ids],
    ["gru after embedding(mask_zero)", `${embedded}\ny = e -> gru(3)`, "gru", ids],
    [
      "simple_rnn going backwards after embedding(mask_zero), sequences",
      `${embedded}\ny = e -> simple_rnn(3, go_backwards: true, return_sequences: true)`,
      "simple_rnn",
      ids,
    ],
    [
      "bidirectional lstm after embedding(mask_zero)",
      `${embedded}\ny = e -> bidirectional(lstm(3, return_sequences: true))`,
      "bidirectional",
      ids,
    ],
    ["lstm, return_state", "y, h, c = x -> lstm(4, return_state: true)", "lstm"],
    [
      "lstm from initial states",
      "y = x -> lstm(4, return_sequences: true, initial_state: [h0, c0])",
      "lstm",
      `${sequence}\ninput h0: [4]\ninput c0: [4]`,
    ],
    [
      "bidirectional gru, return_state, from initial states",
      "y, hf, hb = x -> bidirectional(gru(3, return_state: true), initial_state: [f, b])",
      "bidirectional",
      `${sequence}\ninput f: [3]\ninput b: [3]`,
    ],
    [
      "bidirectional lstm frozen by its own trainable: false",
      "y = x -> bidirectional(lstm(3, return_sequences: true, trainable: false))",
      "bidirectional",
    ],
    [
      "time_distributed(dense) over an lstm's sequence",
      "s = x -> lstm(4, return_sequences: true)\ny = s -> time_distributed(dense(2, activation: relu))",
      "time_distributed",
    ],
  ] as const
)
  .map(([title, body, layer, inputs]): Case => ({ title, body, layer, inputs: inputs ?? sequence }))
  .concat(
    // Every activation nnc has, as the step-by-step cell applies it (tanh and relu: nn.RNN's).
    "linear relu relu6 elu selu sigmoid hard_sigmoid tanh softmax softplus softsign swish mish gelu"
      .split(" ")
      .map((name) => ({
        title: `simple_rnn, ${name}`,
        body: `y = x -> simple_rnn(3, activation: ${name}, return_sequences: true)`,
        layer: "simple_rnn",
        inputs: sequence,
      })),
  );

/** Whole models, through module.ts's class. */
const modelCases: readonly ParityCase[] = [
  {
    title: "model: stacked bidirectional lstm and gru, then dense",
    inputs: sequence,
    body: [
      "s = x -> bidirectional(lstm(4, return_sequences: true))",
      "t = s -> bidirectional(gru(3), merge_mode: ave)",
      "y = t -> dense(2, activation: softmax)",
    ].join("\n"),
  },
  {
    title: "model: encoder states start the decoder (seq2seq)",
    inputs: `${sequence}\ninput d: [4, 2]`,
    body: [
      "_, h, c = x -> lstm(5, return_state: true)",
      "s = d -> lstm(5, return_sequences: true, initial_state: [h, c])",
      "y = s -> dense(3)",
    ].join("\n"),
  },
  {
    title: "model: padded ids, masked through stacked recurrent layers (imdb_bilstm's form)",
    inputs: ids,
    body: [
      embedded,
      "s = e -> bidirectional(lstm(4, return_sequences: true))",
      "t = s -> gru(3)",
      "y = t -> dense(1, activation: sigmoid)",
    ].join("\n"),
  },
  {
    title: "model: conv1d (channels first in PyTorch) into an lstm",
    inputs: "input x: [8, 2]",
    body: "c = x -> conv1d(4, 3)\ny = c -> lstm(3, return_sequences: true)",
  },
  {
    title: "model: embedding, simple_rnn, gru with hard_sigmoid",
    inputs: ids,
    body: [
      "e = ids -> embedding(10, 4)",
      "s = e -> simple_rnn(5, return_sequences: true)",
      "y = s -> gru(3, recurrent_activation: hard_sigmoid)",
    ].join("\n"),
  },
];

const batch = 3;
/** Ids with padding (0) at the end, at the start and inside, and one row without. */
const idRows = [
  [1, 2, 3, 4, 5, 6, 7],
  [3, 9, 2, 0, 0, 0, 0],
  [0, 0, 4, 0, 8, 1, 0],
];

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

/** One layer case as the Python side runs it, and what it must give. */
interface Prepared {
  /** The prefix of its tensors. */
  readonly name: string;
  /** Its module's constructor and the forward expression over `layer` and `inputs`. */
  readonly module: string;
  readonly forward: string;
  readonly helpers: readonly string[];
  readonly inputs: number;
  readonly masked: boolean;
  readonly expected: tf.Tensor[];
  /** All its parameters, and the trainable ones. */
  readonly params: readonly [number, number];
}

const built: tf.LayersModel[] = [];
const tensors = new Map<string, SafeTensor>();
let folder = "";

/**
 * A layer's parameters in PyTorch, all and trainable: nnc's, plus the second biases of the fused layers that
 * its `paramNote` states (trainable unless the layer is frozen). A shared layer's count at its owner.
 */
function torchParams(ir: IrModel, layer: IrLayer): [number, number] {
  if (layer.shares !== undefined) return [0, 0];
  const made = formOf(ir, layer);
  const note = "unsupported" in made ? undefined : made.paramNote;
  const extra = Number(/second bias per gate[^+]*\+(\d+)/.exec(note ?? "")?.[1] ?? 0);
  const { trainable, nonTrainable } = layer.params;
  return [trainable + nonTrainable + extra, trainable + (trainable > 0 ? extra : 0)];
}

/** The layer's PyTorch form, its inputs `inputs[0]`, `inputs[1]`, ... */
const formOf = (ir: IrModel, layer: IrLayer) =>
  torchLayer(
    layer,
    layer.inputs.map((ref, i) => ({ expr: `inputs[${i}]`, shape: shapeOf(ir, ref) })),
  );

/**
 * Case `index`, built with random weights: its layer's PyTorch form, whose weights (through the bridge) and the
 * very inputs tfjs gave the layer (and the ids' mask) go into `tensors`.
 */
function prepare(c: Case, index: number): Prepared {
  const { ir, model } = buildSpec(c.inputs, c.body, c.output ?? "y");
  built.push(model);
  model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.6, 0.6, "float32", 100 * index + i)));
  const name = `case${index}`;
  const layer = ir.layers.find((l) => l.name === c.layer)!;
  const made = formOf(ir, layer);
  if ("unsupported" in made) throw new Error(`${c.title}: ${made.unsupported}`);
  const tfLayer = model.getLayer(c.layer);
  const [ins, outs] = [asArray(tfLayer.input), asArray(tfLayer.output)] as tf.SymbolicTensor[][];
  const probe = tf.model({ inputs: model.inputs, outputs: [...ins!, ...outs!] });
  const values = asArray(probe.predict(feedsOf(model, 10 * index)) as tf.Tensor | tf.Tensor[]);
  const map = { model: "M", layers: [{ layer: c.layer, attribute: name, links: made.weights }] };
  for (const [key, tensor] of tfjsToTorch(map, model)) tensors.set(key, { dtype: "F32", ...tensor });
  values.slice(0, ins!.length).forEach((value, i) => {
    tensors.set(`${name}/in${i}`, { dtype: "F32", shape: value.shape, data: value.dataSync() as Float32Array });
  });
  const masked = c.inputs.includes("int32");
  if (masked) {
    const mask = BigInt64Array.from(idRows.flat(), (id) => (id === 0 ? 0n : 1n));
    tensors.set(`${name}/mask`, { dtype: "I64", shape: [batch, idRows[0]!.length], data: mask });
  }
  return {
    name,
    module: made.module!,
    forward: made.forward(
      "layer",
      Array.from({ length: ins!.length }, (_, i) => `inputs[${i}]`),
    ),
    helpers: made.helpers ?? [],
    inputs: ins!.length,
    masked,
    expected: values.slice(ins!.length),
    params: torchParams(ir, layer),
  };
}

/** The Python program: the helpers the cases name, then each case in eval mode, then in train mode. */
function program(prepared: readonly Prepared[]): string {
  return [
    "import functools, json, math, os, struct, sys",
    "import torch",
    "from torch import nn",
    "import torch.nn.functional as F",
    safetensorsPython,
    torchHelpers(prepared.flatMap((p) => p.helpers)),
    `
tensors = load_safetensors(sys.argv[1])
results, params = {}, {}
for case in json.loads(sys.argv[2]):
    name = case["name"]
    module = eval(case["module"])
    prefix = name + "."
    module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    module.eval()
    counts = [sum(p.numel() for p in module.parameters() if p.requires_grad or every) for every in (1, 0)]
    inputs = [tensors[f"{name}/in{i}"] for i in range(case["inputs"])]
    layer = module
    if case["masked"]:
        layer = functools.partial(module, mask=tensors[f"{name}/mask"].bool())
    scope = {**globals(), "layer": layer, "inputs": inputs}
    with torch.no_grad():
        out = eval(case["forward"], scope)
    for i, value in enumerate(out if isinstance(out, tuple) else (out,)):
        results[f"{name}.out{i}"] = value
    # In train() mode (dropout on) a loss's gradient reaches every trainable parameter.
    module.train()
    out = eval(case["forward"], scope)
    loss = sum((value**2).sum() for value in (out if isinstance(out, tuple) else (out,)))
    if loss.requires_grad:
        loss.backward()
    grads = [p.grad for p in module.parameters() if p.requires_grad]
    params[name] = [*counts, all(g is not None and bool(g.abs().sum() > 0) for g in grads)]
save_safetensors(sys.argv[3], results)
print(json.dumps(params))
`,
  ].join("\n\n");
}

describe("recurrent layers PyTorch cannot express", () => {
  const refusal = (inputs: string, body: string, name: string) => {
    const { ir } = buildSpec(inputs, body);
    const made = formOf(
      ir,
      ir.layers.find((l) => l.name === name)!,
    );
    return "unsupported" in made ? made : undefined;
  };

  it("refuses a regularizer the module would not apply, at the layer", () => {
    const refused = refusal(sequence, "y = x -> bidirectional(gru(3, kernel_regularizer: l2(0.01)))", "bidirectional");
    expect(refused?.unsupported).toContain("kernel_regularizer");
    expect(refused?.location.span).toBeDefined();
  });

  it("refuses time_distributed over a layer that wants channels first", () => {
    const body = "y = x -> time_distributed(conv2d(2, 3))";
    expect(refusal("input x: [4, 6, 6, 1]", body, "time_distributed")?.unsupported).toContain("channels_first");
  });
});

describe.runIf(hasTorch)("PyTorch recurrent layers match tfjs", () => {
  let prepared: Prepared[] = [];
  let params: Record<string, [number, number, boolean]> = {};
  let outputs: Awaited<ReturnType<typeof readSafetensors>>["tensors"] = new Map();
  let models: ParityResult[] = [];

  beforeAll(async () => {
    await useCpuBackend();
    prepared = cases.map(prepare);
    folder = mkdtempSync(join(tmpdir(), "nnc-recurrent-"));
    const [input, output, script] = ["in", "out", "run"].map((f) => join(folder, f));
    await writeSafetensors(input!, tensors);
    const list = prepared.map(({ name, module, forward, inputs, masked }) => ({
      name,
      module,
      forward,
      inputs,
      masked,
    }));
    writeFileSync(script!, program(prepared));
    const run = spawnSync(python, [script!, input!, JSON.stringify(list), output!], { encoding: "utf8" });
    expect(run.stderr + (run.error?.message ?? ""), "python").toBe("");
    params = JSON.parse(run.stdout) as Record<string, [number, number, boolean]>;
    outputs = (await readSafetensors(output!)).tensors;
    models = await runParity(modelCases);
  }, 90_000);

  afterAll(() => {
    built.forEach((m) => m.dispose());
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  cases.forEach((c, index) => {
    it(c.title, () => {
      const p = prepared[index]!;
      const what = "parameters, trainable ones, and whether each trainable one gets a gradient";
      expect(params[p.name], what).toEqual([...p.params, true]);
      p.expected.forEach((expected, i) => {
        const actual = outputs.get(`${p.name}.out${i}`);
        expect(actual?.shape, `output ${i} shape`).toEqual(expected.shape);
        const difference = largestDifference(expected.dataSync() as Float32Array, actual!.data as Float32Array);
        expect(difference, `output ${i}: largest difference`).toBeLessThan(1e-4);
      });
    });
  });

  modelCases.forEach((c, index) => {
    it(c.title, () => {
      const result = models[index]!;
      expect(result.error, result.code).toBeUndefined();
      result.expected.forEach((expected, i) => {
        expect(largestDifference(expected, result.actual[i]!), result.code).toBeLessThan(1e-4);
      });
      const params = result.ir.layers.map((l) => torchParams(result.ir, l)[0]).reduce((a, b) => a + b, 0);
      expect(result.torchParams).toBe(params);
    });
  });
});
