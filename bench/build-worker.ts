/**
 * One compile-time measurement in a fresh process (so that memory figures are this model's alone):
 *
 *   node --expose-gc --import tsx bench/build-worker.ts nnc|tfjs vgg16|LAYERS SECONDS
 *
 * `nnc` checks the spec in-process (`checkSource`, what `nnc check` runs after reading the file); `tfjs`
 * builds the same model with `tf.sequential` on tfjs's default backend, weights included, as a tfjs user
 * gets it. LAYERS is a generated stack of that many dense layers. Both first warm up on a 10-layer model,
 * then repeat the measurement while the total stays under SECONDS (at least once, at most 5 times). Prints
 * one JSON line: milliseconds per repetition and the memory the result keeps alive.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type * as tfType from "@tensorflow/tfjs";

export interface BuildMeasurement {
  readonly ms: number[];
  /** Heap, external and array-buffer memory held by the checked program or the built model, after a GC. */
  readonly retainedMB: number;
  /** The process's peak resident set size. */
  readonly peakRssMB: number;
}

const [tool, what, secondsText] = process.argv.slice(2);
if ((tool !== "nnc" && tool !== "tfjs") || !what)
  throw new Error("usage: build-worker.ts nnc|tfjs vgg16|LAYERS SECONDS");
const budgetMs = Number(secondsText ?? 5) * 1000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

/** `layers` dense layers: `dense(32, relu)` repeated, then the classifier. One line per layer. */
export function deepSpec(layers: number): string {
  const lines = ["model Deep {", "  input x: [32]"];
  for (let i = 1; i < layers; i++) lines.push("  dense(32, activation: relu)");
  lines.push("  dense(10, activation: softmax)", "}", "");
  return lines.join("\n");
}

function vgg16Tfjs(tf: typeof tfType): tfType.LayersModel {
  const model = tf.sequential();
  let first = true;
  for (const [filters, convs] of [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ] as const) {
    for (let i = 0; i < convs; i++) {
      const input = first ? { inputShape: [224, 224, 3] } : {};
      model.add(tf.layers.conv2d({ ...input, filters, kernelSize: 3, padding: "same", activation: "relu" }));
      first = false;
    }
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 4096, activation: "relu", name: "fc1" }));
  model.add(tf.layers.dense({ units: 4096, activation: "relu", name: "fc2" }));
  model.add(tf.layers.dense({ units: 1000, activation: "softmax", name: "predictions" }));
  return model;
}

function deepTfjs(tf: typeof tfType, layers: number): tfType.LayersModel {
  const model = tf.sequential();
  for (let i = 1; i < layers; i++)
    model.add(tf.layers.dense({ ...(i === 1 ? { inputShape: [32] } : {}), units: 32, activation: "relu" }));
  model.add(tf.layers.dense({ ...(layers === 1 ? { inputShape: [32] } : {}), units: 10, activation: "softmax" }));
  return model;
}

/** Builds (or checks) once; returns what must stay alive and how to free it. */
async function maker(): Promise<(size: string) => { keep: unknown; free: () => void }> {
  if (tool === "nnc") {
    const { checkSource } = await import("../src/compiler/index.js");
    const vggFile = resolve("examples/vgg16.nn");
    return (size) => {
      const [text, file] =
        size === "vgg16" ? [readFileSync(vggFile, "utf8"), vggFile] : [deepSpec(Number(size)), resolve("deep.nn")];
      const result = checkSource(text, file);
      if (!result.program || result.diagnostics.some((d) => d.severity === "error"))
        throw new Error(`${size}: the spec has errors`);
      return { keep: result, free: () => {} };
    };
  }
  const tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return (size) => {
    const model = size === "vgg16" ? vgg16Tfjs(tf) : deepTfjs(tf, Number(size));
    return { keep: model, free: () => model.dispose() };
  };
}

const memory = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

const make = await maker();
make("10").free();
const ms: number[] = [];
let retainedMB = 0;
const started = performance.now();
while (ms.length === 0 || (ms.length < 5 && performance.now() - started + Math.max(...ms) < budgetMs)) {
  const before = memory();
  const t = performance.now();
  const built = make(what);
  ms.push(performance.now() - t);
  // Only the first repetition's figure: later ones are muddled by the garbage of the ones before.
  if (ms.length === 1) retainedMB = (memory() - before) / 2 ** 20;
  built.free();
}
const peakRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, retainedMB, peakRssMB } satisfies BuildMeasurement) + "\n");
