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
import type { IrLayer, IrModel, TensorRef } from "../src/compiler/ir/index.js";
import { timeDistributedLayer } from "../src/compiler/emit/pytorch/layers-recurrent.js";
import { torchLayer } from "../src/compiler/emit/pytorch/layers.js";
import { emitTorchModule, torchHelpers } from "../src/compiler/emit/pytorch/module.js";
import { safetensorsPython } from "../src/compiler/emit/pytorch/python.js";
import type { StateDictMap } from "../src/compiler/emit/pytorch/types.js";
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
      "time_distributed(dense) over an lstm's sequence",
      "s = x -> lstm(4, return_sequences: true)\ny = s -> time_distributed(dense(2, activation: relu))",
      "time_distributed",
    ],
  ] as const
).map(([title, body, layer, inputs]) => ({ title, body, layer, inputs: inputs ?? sequence }));

/** Whole models, through module.ts's class. */
interface ModelCase {
  readonly title: string;
  readonly inputs: string;
  readonly body: string;
  readonly output?: string;
}

const modelCases: readonly ModelCase[] = [
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
    title: "model: frozen layers (a wrapped lstm's own trainable: false, a gru's)",
    inputs: sequence,
    body: [
      "s = x -> bidirectional(lstm(3, return_sequences: true, trainable: false))",
      "t = s -> gru(2, return_sequences: true, trainable: false)",
      "y = t -> lstm(2)",
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

/** One case as the Python side runs it, and what it must give. */
interface Prepared {
  /** The prefix of its tensors. */
  readonly name: string;
  /** For Python: a layer's module and forward, or a whole model's class. */
  readonly run: { readonly module: string; readonly forward: string } | { readonly code: string };
  readonly helpers: readonly string[];
  readonly inputs: number;
  readonly masked: boolean;
  readonly expected: tf.Tensor[];
  /** All its parameters, and the trainable ones. */
  readonly params: readonly [number, number];
}

const built: tf.LayersModel[] = [];
const tensors = new Map<string, SafeTensor>();
const prepared: Prepared[] = [];
let folder = "";

/** The spec of a case built with random weights; the weights of `map`'s layers and `inputs` put into `tensors`. */
function build(c: Case | ModelCase, index: number) {
  const { ir, model } = buildSpec(c.inputs, c.body, c.output ?? "y");
  built.push(model);
  model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.6, 0.6, "float32", 100 * index + i)));
  const feeds = feedsOf(model, 10 * index);
  const name = `case${index}`;
  const store = (map: StateDictMap, inputs: readonly tf.Tensor[]) => {
    for (const [key, tensor] of tfjsToTorch(map, model)) tensors.set(`${name}.${key}`, { dtype: "F32", ...tensor });
    inputs.forEach((value, i) => {
      const data = value.dataSync();
      tensors.set(
        `${name}/in${i}`,
        data instanceof Int32Array
          ? { dtype: "I64", shape: value.shape, data: BigInt64Array.from(data, BigInt) }
          : { dtype: "F32", shape: value.shape, data: data as Float32Array },
      );
    });
  };
  return { ir, model, feeds, name, store };
}

/**
 * A layer's parameters in PyTorch, all and trainable: nnc's, plus the second biases of the fused layers that
 * its `paramNote` states (trainable unless the layer is frozen). A shared layer's count at its owner.
 */
function torchParams(ir: IrModel, layer: IrLayer): [number, number] {
  if (layer.shares !== undefined) return [0, 0];
  const made = torchFormOf(
    layer,
    layer.inputs.map((ref) => ({ expr: "x", shape: shapeOf(ir, ref) })),
  );
  const note = "unsupported" in made ? undefined : made.paramNote;
  const extra = Number(/second bias per gate[^+]*\+(\d+)/.exec(note ?? "")?.[1] ?? 0);
  const { trainable, nonTrainable } = layer.params;
  return [trainable + nonTrainable + extra, trainable + (trainable > 0 ? extra : 0)];
}

/** A layer case: the layer's PyTorch form, fed the very inputs tfjs gave the layer (and the ids' mask). */
function prepareLayer(c: Case, index: number): Prepared {
  const { ir, model, feeds, name, store } = build(c, index);
  const layer = ir.layers.find((l) => l.name === c.layer)!;
  const made = torchFormOf(
    layer,
    layer.inputs.map((ref, i) => ({ expr: `inputs[${i}]`, shape: shapeOf(ir, ref) })),
  );
  if ("unsupported" in made) throw new Error(`${c.title}: ${made.unsupported}`);
  const tfLayer = model.getLayer(c.layer);
  const [ins, outs] = [asArray(tfLayer.input), asArray(tfLayer.output)] as tf.SymbolicTensor[][];
  const probe = tf.model({ inputs: model.inputs, outputs: [...ins!, ...outs!] });
  const values = asArray(probe.predict(feeds) as tf.Tensor | tf.Tensor[]);
  store(
    { model: "M", layers: [{ layer: c.layer, attribute: "layer", links: made.weights }] },
    values.slice(0, ins!.length),
  );
  const masked = c.inputs.includes("int32");
  if (masked) {
    const mask = BigInt64Array.from(idRows.flat(), (id) => (id === 0 ? 0n : 1n));
    tensors.set(`${name}/mask`, { dtype: "I64", shape: [batch, idRows[0]!.length], data: mask });
  }
  const forward = made.forward(
    "layer",
    Array.from({ length: ins!.length }, (_, i) => `inputs[${i}]`),
  );
  return {
    name,
    run: { module: made.module!, forward },
    helpers: made.helpers ?? [],
    inputs: ins!.length,
    masked,
    expected: values.slice(ins!.length),
    params: torchParams(ir, layer),
  };
}

/** A model case: module.ts's class for the whole model, against the tfjs model's predictions. */
function prepareModel(c: ModelCase, index: number): Prepared {
  const { ir, model, feeds, name, store } = build(c, index);
  const emitted = emitTorchModule(ir);
  if (emitted.diagnostics.length > 0) throw new Error(`${c.title}: ${emitted.diagnostics[0]!.message}`);
  store(emitted.stateDict, feeds);
  return {
    name,
    run: { code: emitted.code },
    helpers: emitted.helpers,
    inputs: feeds.length,
    masked: false,
    expected: asArray(model.predict(feeds) as tf.Tensor | tf.Tensor[]),
    params: ir.layers.map((l) => torchParams(ir, l)).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]),
  };
}

/** The Python program: the helpers the cases name, then each case in eval mode, its outputs saved. */
function program(): string {
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
    scope = dict(globals())
    if "code" in case:
        exec(case["code"], scope)
        module = scope["M"]()
    else:
        module = eval(case["module"], scope)
    prefix = name + ("." if "code" in case else ".layer.")
    module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    module.eval()
    counts = [sum(p.numel() for p in module.parameters() if p.requires_grad or every) for every in (1, 0)]
    inputs = [tensors[f"{name}/in{i}"] for i in range(case["inputs"])]
    layer = module
    if case["masked"]:
        layer = functools.partial(module, mask=tensors[f"{name}/mask"].bool())
    scope.update(layer=layer, inputs=inputs)
    run = (lambda: module(*inputs)) if "code" in case else (lambda: eval(case["forward"], scope))
    with torch.no_grad():
        out = run()
    out = out if isinstance(out, tuple) else (out,)
    for i, value in enumerate(out):
        results[f"{name}.out{i}"] = value
    # In train() mode (dropout on) a loss's gradient reaches every trainable parameter.
    module.train()
    out = run()
    sum((value**2).sum() for value in (out if isinstance(out, tuple) else (out,))).backward()
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
    const layer = ir.layers.find((l) => l.name === name)!;
    const made = torchFormOf(
      layer,
      layer.inputs.map((ref) => ({ expr: "x", shape: shapeOf(ir, ref) })),
    );
    return "unsupported" in made ? made : undefined;
  };

  it("refuses a regularizer the module would not apply, at the layer", () => {
    const refused = refusal(sequence, "y = x -> bidirectional(gru(3, kernel_regularizer: l2(0.01)))", "bidirectional");
    expect(refused?.unsupported).toContain("kernelRegularizer");
    expect(refused?.location.span).toBeDefined();
  });

  it("refuses time_distributed over a layer that wants channels first", () => {
    const body = "y = x -> time_distributed(conv2d(2, 3))";
    expect(refusal("input x: [4, 6, 6, 1]", body, "time_distributed")?.unsupported).toContain("channels_first");
  });
});

describe.runIf(hasTorch)("PyTorch recurrent layers match tfjs", () => {
  let params: Record<string, [number, number, boolean]> = {};
  let outputs: Awaited<ReturnType<typeof readSafetensors>>["tensors"] = new Map();

  beforeAll(async () => {
    await useCpuBackend();
    cases.forEach((c, index) => prepared.push(prepareLayer(c, index)));
    modelCases.forEach((c, index) => prepared.push(prepareModel(c, cases.length + index)));
    folder = mkdtempSync(join(tmpdir(), "nnc-recurrent-"));
    const [input, output, script] = ["in", "out", "run"].map((f) => join(folder, f));
    await writeSafetensors(input!, tensors);
    const caseJson = JSON.stringify(
      prepared.map((p) => ({ name: p.name, ...p.run, inputs: p.inputs, masked: p.masked })),
    );
    writeFileSync(script!, program());
    const run = spawnSync(python, [script!, input!, caseJson, output!], { encoding: "utf8" });
    expect(run.stderr + (run.error?.message ?? ""), "python").toBe("");
    params = JSON.parse(run.stdout) as Record<string, [number, number, boolean]>;
    outputs = (await readSafetensors(output!)).tensors;
  }, 60_000);

  afterAll(() => {
    built.forEach((m) => m.dispose());
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  [...cases, ...modelCases].forEach((c, index) => {
    it(c.title, () => {
      const p = prepared[index]!;
      const what = "parameters, trainable ones, and whether each trainable one gets a gradient";
      expect(params[p.name], what).toEqual([...p.params, true]);
      p.expected.forEach((expected, i) => {
        const actual = outputs.get(`${p.name}.out${i}`);
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
