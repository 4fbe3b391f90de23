/**
 * Each optimizer of the PyTorch script steps as nnc's runtime (tfjs) does: the script's `make_optimizer` (the
 * train block's optimizer, its Keras defaults filled in) and the tfjs optimizer the registry maps the same call
 * to each take the same gradients for a few steps from the same weights, and end within 1e-5 of each other (float32 rounding).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, test } from "vitest";
import { emitPytorch } from "../src/compiler/emit/pytorch/script.js";
import { checkFile } from "../src/compiler/index.js";
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

describe.runIf(hasTorch)("the script's optimizers step as tfjs's", () => {
  const work = mkdtempSync(join(tmpdir(), "nnc-pytorch-optimizers-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const iris = readFileSync(join(repo, "examples", "iris.nn"), "utf8");

  test.each(calls)("%s", (call) => {
    const spec = join(work, "spec.nn");
    writeFileSync(spec, iris.replace(/optimizer: .*/, `optimizer: ${call}`));
    const program = checkFile(spec).program!;
    const emitted = emitPytorch(program, { outFile: join(work, "train.py") });
    if ("diagnostics" in emitted) throw new Error(emitted.diagnostics.map((d) => d.message).join("\n"));
    writeFileSync(join(work, "train.py"), emitted.code);
    const steps = [
      "import importlib.util, json, sys, torch",
      `spec = importlib.util.spec_from_file_location("train", ${JSON.stringify(join(work, "train.py"))})`,
      "script = importlib.util.module_from_spec(spec)",
      "spec.loader.exec_module(script)",
      "w = torch.nn.Parameter(torch.ones(4))",
      "optimizer = script.make_optimizer([w])",
      `for g in ${JSON.stringify(gradients)}:`,
      "    w.grad = torch.tensor(g)",
      "    optimizer.step()",
      "print(json.dumps(w.tolist()))",
    ].join("\n");
    const result = spawnSync(python, ["-c", steps], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    const torchWeights = JSON.parse(result.stdout) as number[];
    const optimizer = program.trains[0]!.optimizer;
    const expected = tfjsSteps(optimizer.name, optimizer.args);
    torchWeights.forEach((w, i) => expect(Math.abs(w - expected[i]!)).toBeLessThan(1e-5));
  });
});
