/**
 * A run that `nnc train` saved (`saveRun`), loaded back for `nnc evaluate` and `nnc predict`: the model from
 * `model.json` + `weights.bin` through `tf.loadLayersModel` (tfjs's `file://` handler needs tfjs-node, so the
 * files are read here and handed over with `tf.io.fromMemory`), the class names of `labels.json` and the
 * feature columns and scaling of `preprocessing.json`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { formatNnShape, type IrModel, type Shape } from "../compiler/ir.js";
import { displayPath } from "../compiler/render.js";
import type { Preprocessing } from "./data/training-data.js";
import { NncUserError } from "./errors.js";
import type { Labels } from "./save.js";

export interface SavedRun {
  /** The run directory as shown in messages. */
  readonly shownAs: string;
  readonly model: tf.LayersModel;
  /** The training data's classes, index i being output i; null for regression. */
  readonly labels: Labels | null;
  /** How training read its features; null for a run saved without it. */
  readonly preprocessing: Preprocessing | null;
}

/** Loads the run in `dir`. A missing or damaged file is NN4010 naming it. */
export async function loadRun(dir: string): Promise<SavedRun> {
  const shownAs = displayPath(path.resolve(dir));
  const read = (file: string) => readRunFile(path.join(dir, file), `${shownAs}/${file}`);
  const modelJson = parseJson<tf.io.ModelJSON>(read("model.json"), `${shownAs}/model.json`);
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new NncUserError("NN4010", { path: `${shownAs}/model.json`, reason: "not a tfjs layers model (no modelTopology or weightsManifest)" });
  }
  const groups = modelJson.weightsManifest;
  const weightData = tf.io.CompositeArrayBuffer.join(
    groups.flatMap((group) => group.paths.map((file) => bufferOf(read(path.normalize(file))))),
  );
  let model: tf.LayersModel;
  try {
    const weightSpecs = groups.flatMap((group) => group.weights);
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  } catch (error) {
    throw new NncUserError("NN4010", { path: `${shownAs}/model.json`, reason: `tfjs cannot load it: ${(error as Error).message}` });
  }
  return {
    shownAs,
    model,
    labels: optionalJson<Labels>(path.join(dir, "labels.json"), `${shownAs}/labels.json`),
    preprocessing: optionalJson<Preprocessing>(path.join(dir, "preprocessing.json"), `${shownAs}/preprocessing.json`),
  };
}

/**
 * The model of `models` that `run` holds: the one with the saved model's name, whose input and output
 * shapes must be the saved ones. Throws NN4011 naming both shapes when they differ.
 */
export function specModelFor(run: SavedRun, models: readonly IrModel[], specShownAs: string): IrModel {
  const name = run.model.name;
  const model = models.find((m) => m.name === name) ?? (models.length === 1 ? models[0] : undefined);
  if (!model) {
    const names = models.map((m) => `'${m.name}'`).join(", ");
    throw new NncUserError("NN4011", {
      detail: `${run.shownAs} holds model '${name}', but ${specShownAs} has no model of that name (it has ${names})`,
    });
  }
  const saved = signature(
    run.model.inputs.map((t) => t.shape.slice(1)),
    run.model.outputs.map((t) => t.shape.slice(1)),
  );
  const spec = signature(
    model.inputs.map((input) => input.shape),
    model.outputs.map((ref) => outputShape(model, ref.node, ref.index)),
  );
  if (saved !== spec) {
    throw new NncUserError("NN4011", {
      detail: `${run.shownAs} holds model '${name}' with ${saved}, but model '${model.name}' of ${specShownAs} has ${spec}`,
    });
  }
  return model;
}

/** `input [4] -> output [3]`, with tfjs's unknown sizes and the spec's symbolic ones both shown as `?`. */
function signature(inputs: readonly Shape[], outputs: readonly Shape[]): string {
  const shapes = (list: readonly Shape[]) =>
    list.map((shape) => formatNnShape(shape.map((d) => (typeof d === "number" ? d : null)))).join(", ");
  const plural = (word: string, list: readonly Shape[]) => (list.length === 1 ? word : `${word}s`);
  return `${plural("input", inputs)} ${shapes(inputs)} -> ${plural("output", outputs)} ${shapes(outputs)}`;
}

function outputShape(model: IrModel, node: string, index: number): Shape {
  const layer = model.layers.find((l) => l.name === node);
  return layer ? layer.outputShapes[index]! : model.inputs.find((i) => i.name === node)!.shape;
}

function readRunFile(file: string, shownAs: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file (is this a run that nnc train saved?)" : code === "EISDIR" ? "is a directory" : String(error);
    throw new NncUserError("NN4010", { path: shownAs, reason });
  }
}

function optionalJson<T>(file: string, shownAs: string): T | null {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  return parseJson<T>(text, shownAs);
}

function parseJson<T>(text: Buffer, shownAs: string): T {
  try {
    return JSON.parse(text.toString("utf8")) as T;
  } catch (error) {
    throw new NncUserError("NN4010", { path: shownAs, reason: `not valid JSON (${(error as Error).message})` });
  }
}

function bufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
