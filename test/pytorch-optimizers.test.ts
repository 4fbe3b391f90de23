/**
 * Each optimizer of the PyTorch script steps as nnc's runtime (tfjs) does: the script's `make_optimizer` (the
 * train block's optimizer, its Keras defaults filled in) and the tfjs optimizer the registry maps the same call
 * to each take the same gradients for a few steps from the same weights, and end within 1e-5 of each other (float32 rounding).
 * One Python process steps every call's script (importing torch takes seconds), each with its own stderr and
 * warnings, as if it ran alone.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { emitPytorch } from "../src/compiler/emit/pytorch/script.js";
import { checkFile } from "../src/compiler/index.js";
import type { IrProgram } from "../src/compiler/ir/index.js";
import { optimizers } from "../src/compiler/registry/train-options.js";
import { repo } from "./helpers/cli.js";
import { hasTorch, python } from "./helpers/torch.js";

/** Optimizer calls as a spec writes them: every registry optimizer, and the settings that change its update. */
const calls = [
  "sgd(learning_rate: 0.1)",
  "sgd(learning_rate: 0.1, nesterov: true)",
  "sgd(learning_rate: 0.1, momentum: 0.9, nesterov: true)",
  "momentum(learning_rate: 0.1)",
  "rmsprop(learning_rate: 0.01)",
  "rmsprop(learning_rate: 0.01, momentum: 0.5)",
  // A call longer than a line: black's exploded form, still Python.
  "rmsprop(learning_rate: 0.0123456789, rho: 0.912345678, momentum: 0.512345678, epsilon: 1.23456789e-7)",
  "adam(learning_rate: 0.01)",
  "adamax(learning_rate: 0.01)",
  "adagrad(learning_rate: 0.1)",
  "adadelta(learning_rate: 1)",
];

/** Gradients of small and large magnitude, where epsilon's place shows. */
const gradients = [
  [1e-4, -2e-3, 0.5, -3],
  [2e-4, 1e-3, -0.25, 2],
  [-1e-4, 3e-3, 0.75, -1],
];

/** The weights after the steps, in tfjs, from the registry's mapping of the checked call. */
function tfjsSteps(name: string, args: Readonly<Record<string, unknown>>): number[] {
  const { factory, args: values } = optimizers[name]!.tfjs(args as never);
  const make = tf.train[factory as keyof typeof tf.train] as (...a: unknown[]) => tf.Optimizer;
  const optimizer = make(...values);
  const weights = tf.variable(tf.ones([4]));
  for (const g of gradients) optimizer.applyGradients({ [weights.name]: tf.tensor1d(g) });
  return Array.from(weights.dataSync());
}

/** What one call's script printed in the shared Python process: its weights after the steps, and its stderr. */
interface TorchSteps {
  readonly weights: number[] | null;
  readonly stderr: string;
}

describe.runIf(hasTorch)("the script's optimizers step as tfjs's", () => {
  const work = mkdtempSync(join(tmpdir(), "nnc-pytorch-optimizers-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const iris = readFileSync(join(repo, "examples", "iris.nn"), "utf8");
  /** Each call's checked program, by call. */
  const programs = new Map<string, IrProgram>();
  let torchSteps: TorchSteps[] = [];
  let processStderr = "";

  beforeAll(() => {
    const scripts = calls.map((call, i) => {
      const spec = join(work, `spec-${i}.nn`);
      writeFileSync(spec, iris.replace(/optimizer: .*/, `optimizer: ${call}`));
      const program = checkFile(spec).program!;
      programs.set(call, program);
      const script = join(work, `train_${i}.py`);
      const emitted = emitPytorch(program, { outFile: script });
      if ("diagnostics" in emitted) throw new Error(emitted.diagnostics.map((d) => d.message).join("\n"));
      writeFileSync(script, emitted.code);
      return script;
    });
    const steps = [
      "import contextlib, importlib.util, io, json, sys, traceback, warnings, torch",
      "results = []",
      `for i, path in enumerate(${JSON.stringify(scripts)}):`,
      "    stderr = io.StringIO()",
      "    weights = None",
      "    with warnings.catch_warnings(), contextlib.redirect_stderr(stderr):",
      "        try:",
      '            spec = importlib.util.spec_from_file_location(f"train_{i}", path)',
      "            script = importlib.util.module_from_spec(spec)",
      "            spec.loader.exec_module(script)",
      "            w = torch.nn.Parameter(torch.ones(4))",
      "            optimizer = script.make_optimizer([w])",
      `            for g in ${JSON.stringify(gradients)}:`,
      "                w.grad = torch.tensor(g)",
      "                optimizer.step()",
      "            weights = w.tolist()",
      "        except Exception:",
      "            traceback.print_exc()",
      '    results.append({"weights": weights, "stderr": stderr.getvalue()})',
      "print(json.dumps(results))",
    ].join("\n");
    const result = spawnSync(python, ["-c", steps], { encoding: "utf8" });
    processStderr = result.stderr;
    expect(result.status, result.stderr).toBe(0);
    torchSteps = JSON.parse(result.stdout) as TorchSteps[];
  });

  test.each(calls)("%s", (call) => {
    expect(processStderr).toBe("");
    const { weights, stderr } = torchSteps[calls.indexOf(call)]!;
    expect(stderr).toBe("");
    const optimizer = programs.get(call)!.trains[0]!.optimizer;
    const expected = tfjsSteps(optimizer.name, optimizer.args);
    expect(weights).toHaveLength(4);
    weights!.forEach((w, i) => expect(Math.abs(w - expected[i]!)).toBeLessThan(1e-5));
  });
});
