/**
 * Whole models compiled for PyTorch against tfjs: each case is a spec that nnc's runtime builds with random
 * weights (moving variances positive); module.ts's class gets those weights through the bridge (tfjsToTorch)
 * and the same inputs. One Python process runs every case (`load_state_dict(strict=True)`, `eval()`) and
 * returns each case's outputs and its PyTorch parameter and buffer counts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { emitTorchModule, torchHelpers } from "../../src/compiler/emit/pytorch/module.js";
import { safetensorsPython } from "../../src/compiler/emit/pytorch/python.js";
import type { IrModel } from "../../src/compiler/ir/index.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "../../src/io/safetensors.js";
import { tfjsToTorch } from "../../src/runtime/pytorch/bridge.js";
import { buildSpec } from "./attention-models.js";
import { python } from "./torch.js";

/** A spec `model M { <inputs> <body> output <output> }`; `feed` gives an input's shape where it is not fixed. */
export interface ParityCase {
  readonly title: string;
  readonly inputs: string;
  readonly body: string;
  readonly output?: string;
  readonly feed?: readonly (readonly number[])[];
}

/** What one case gave on both sides. */
export interface ParityResult {
  readonly ir: IrModel;
  readonly code: string;
  readonly expected: Float32Array[];
  readonly actual: Float32Array[];
  /** PyTorch's parameters and buffers (but `num_batches_tracked`), or the error the case raised in Python. */
  readonly torchParams?: number;
  readonly error?: string;
}

const batch = 2;

/** A reproducible stream of numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random weights in [-0.6, 0.6); a moving variance in [0.5, 1.5), as a trained one is positive. */
function randomizeWeights(model: tf.LayersModel, next: () => number): void {
  for (const layer of model.layers) {
    const weights = layer.weights.map((w) => {
      const variance = w.originalName.endsWith("moving_variance");
      const values = Float32Array.from({ length: w.shape.reduce((a, b) => a! * b!, 1)! }, () =>
        variance ? 0.5 + next() : 1.2 * next() - 0.6,
      );
      return tf.tensor(values, w.shape as number[]);
    });
    if (weights.length > 0) layer.setWeights(weights);
  }
}

/** Inputs for the model: ids in [0, 5) for an int32 input, values in [-2, 2) otherwise. */
function feedsOf(model: tf.LayersModel, c: ParityCase, next: () => number): tf.Tensor[] {
  return model.inputs.map((input, i) => {
    const shape = [batch, ...(c.feed?.[i] ?? (input.shape.slice(1) as number[]))];
    const size = shape.reduce((a, b) => a * b, 1);
    return input.dtype === "int32"
      ? tf.tensor(
          Int32Array.from({ length: size }, () => Math.floor(5 * next())),
          shape,
          "int32",
        )
      : tf.tensor(
          Float32Array.from({ length: size }, () => 4 * next() - 2),
          shape,
        );
  });
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The Python program: each case's class (with its helpers) in a scope of its own, evaluated, outputs saved. */
const program = [
  "import json, math, os, struct, sys",
  "import torch",
  "from torch import nn",
  "import torch.nn.functional as F",
  safetensorsPython,
  `
tensors = load_safetensors(sys.argv[1])
results, counts = {}, {}
for case in json.loads(sys.stdin.read()):
    name = case["name"]
    try:
        scope = dict(globals())
        exec(case["code"], scope)
        module = scope[case["class"]]()
        prefix = name + "."
        module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items()
                                if k.startswith(prefix) and not k[len(prefix):].startswith("in:")}, strict=True)
        module.eval()
        counts[name] = sum(p.numel() for p in module.parameters()) + sum(
            b.numel() for key, b in module.named_buffers() if not key.endswith("num_batches_tracked"))
        inputs = [tensors[f"{name}.in:{i}"] for i in range(case["inputs"])]
        with torch.no_grad():
            out = module(*inputs)
        for i, value in enumerate(out if isinstance(out, tuple) else (out,)):
            results[f"{name}.out:{i}"] = value.float().contiguous()
    except Exception as error:
        counts[name] = f"{type(error).__name__}: {error}"
save_safetensors(sys.argv[2], results)
print(json.dumps(counts))
`,
].join("\n\n");

/** Builds every case, runs them all in one Python process, and returns each case's figures in order. */
export async function runParity(cases: readonly ParityCase[]): Promise<ParityResult[]> {
  const folder = mkdtempSync(join(tmpdir(), "nnc-torch-parity-"));
  try {
    const tensors = new Map<string, SafeTensor>();
    const prepared = cases.map((c, index) => {
      const next = random(1000 + index);
      const { ir, model } = buildSpec(c.inputs, c.body, c.output ?? "y");
      randomizeWeights(model, next);
      const feeds = feedsOf(model, c, next);
      const expected = asArray(model.predict(feeds) as tf.Tensor | tf.Tensor[]).map(
        (t) => t.dataSync() as Float32Array,
      );
      const emitted = emitTorchModule(ir);
      const name = `case${index}`;
      if (emitted.diagnostics.length === 0) {
        for (const [key, tensor] of tfjsToTorch(emitted.stateDict, model)) {
          tensors.set(`${name}.${key}`, { dtype: "F32", ...tensor });
        }
      }
      feeds.forEach((feed, i) => {
        const data = feed.dataSync();
        tensors.set(
          `${name}.in:${i}`,
          feed.dtype === "int32"
            ? { dtype: "I64", shape: feed.shape, data: BigInt64Array.from(data, (v) => BigInt(v)) }
            : { dtype: "F32", shape: feed.shape, data: data as Float32Array },
        );
      });
      const code = `${torchHelpers(emitted.helpers)}\n\n${emitted.code}`;
      const problems = emitted.diagnostics.map((d) => d.message).join("; ");
      model.dispose();
      return { ir, code, expected, name, inputs: feeds.length, problems };
    });
    const run = prepared.filter((p) => !p.problems);
    const [input, output] = [join(folder, "in.safetensors"), join(folder, "out.safetensors")];
    await writeSafetensors(input, tensors);
    const list = run.map((p) => ({ name: p.name, code: p.code, class: p.ir.name, inputs: p.inputs }));
    // The cases on stdin: as an argument, their code would pass the kernel's limit on one argument's length.
    const done = spawnSync(python, ["-c", program, input, output], { input: JSON.stringify(list), encoding: "utf8" });
    if (done.status !== 0) throw new Error(`python failed: ${done.error?.message ?? done.stderr}`);
    const counts = JSON.parse(done.stdout) as Record<string, number | string>;
    const outputs = (await readSafetensors(output)).tensors;
    return prepared.map((p) => {
      const count = counts[p.name];
      const actual = p.expected.map((_, i) => outputs.get(`${p.name}.out:${i}`)?.data as Float32Array | undefined);
      const error = p.problems || (typeof count === "string" ? count : undefined);
      return {
        ir: p.ir,
        code: p.code,
        expected: p.expected,
        actual: actual.filter((a) => a !== undefined),
        ...(typeof count === "number" ? { torchParams: count } : {}),
        ...(error ? { error } : {}),
      };
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The largest difference between two arrays, relative to the value where it exceeds 1. */
export function largestDifference(expected: Float32Array, actual: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(expected[i]! - actual[i]!) / Math.max(1, Math.abs(expected[i]!)));
  }
  return worst;
}
