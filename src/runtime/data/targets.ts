/**
 * Targets as the loss wants them, checked against the model's output first: one label per example (values,
 * class indices or one-hot, with each output's classes), or targets of more than one value per example. What
 * does not fit is NN4007 naming the model's output shape and the data's; a label that is no class is NN4006.
 */
import { shownName } from "./image-folder.js";
import * as tf from "@tensorflow/tfjs";
import { formatNnShape } from "../../compiler/ir/index.js";
import type { TargetEncoding } from "../../compiler/registry/train-options.js";
import { NncUserError } from "../errors.js";
import { sizeOf, type ArrayTargets } from "./index.js";
import { cellNumber, decimalValue } from "./values.js";

/** How one scaled target becomes the model's: `(value - shift) / scale` (`normalize_target: standard`). */
export interface TargetScaling {
  readonly mode: "standard";
  readonly shift: number;
  readonly scale: number;
}

/** One output of the model: its tensor, the model's name and the output's (`""` for a model of one output). */
export interface ModelOutput {
  readonly tensor: tf.SymbolicTensor;
  readonly model: string;
  readonly name: string;
}

/** Output `k` of `model`, named by `names` (the train block's `outputs`). */
export function modelOutput(model: tf.LayersModel, k: number, names?: readonly string[]): ModelOutput {
  return { tensor: model.outputs[k]!, model: model.name, name: model.outputs.length > 1 ? (names?.[k] ?? "") : "" };
}

/** One output's labels, with where they come from for messages. */
export interface LabelColumn {
  readonly labelName: string;
  readonly source: string;
  /** The line of each label, in order. */
  readonly lines: readonly number[];
}

/**
 * One label per example (`labels`, from `column`) as output `output`'s targets for `encoding`: values (scaled
 * with `scaling`), class indices or one-hot over `knownClasses` (the training data's) or the labels' own.
 */
export function encodeTargets(
  column: LabelColumn,
  output: ModelOutput,
  encoding: TargetEncoding,
  labels: readonly string[],
  knownClasses: readonly string[] | undefined,
  scaling: TargetScaling | null,
): { y: () => tf.Tensor; classes: readonly string[] | null } {
  const units = outputUnits(output.tensor);
  // One label per example cannot fill a sequence of outputs: say which targets would.
  if (exampleShape(output.tensor).length > 1) throw targetsMismatch(output, column.source, "[rows]");
  // What the output should be is said only when it is not: the list of classes is built for the message alone.
  const expect = (expected: number, what: () => string) => expectUnits(column, output, units, expected, what);
  if (encoding === "value") {
    expect(1, () => "one value per example");
    const values = labels.map((label, i) => {
      const where = `${column.source}:${column.lines[i]}`;
      const value = cellNumber(label, where, `column '${column.labelName}'`, ", and this loss needs numeric targets");
      return scaling ? (value - scaling.shift) / (scaling.scale || 1) : value;
    });
    return { y: () => tf.tensor2d(values, [values.length, 1]), classes: null };
  }
  const classes = knownClasses ?? sortedClasses(labels);
  const index = new Map(classes.map((name, i) => [name, i]));
  const unknown = labels.findIndex((label) => !index.has(label));
  if (unknown >= 0) {
    throw new NncUserError("NN4006", {
      where: `${column.source}:${column.lines[unknown]}`,
      reason: `label '${labels[unknown]}' is not one of the training data's classes (${classes.join(", ")})`,
    });
  }
  const indices = labels.map((label) => index.get(label)!);
  const perClass = () => `one output per class (${classList(classes, labels)})`;
  if (encoding === "one-hot") {
    // The usual mix-up: one sigmoid unit for two classes wants binary_crossentropy, not a one-hot loss.
    const advice = units === 1 && classes.length === 2 ? "; with one output unit, use loss: binary_crossentropy" : "";
    expect(classes.length, () => perClass() + advice);
    return { y: () => oneHot(indices, classes.length), classes };
  }
  // Class indices: one sigmoid unit for two classes (binary), or one unit per class (sparse).
  const fits = units !== null && (units === 1 ? classes.length <= 2 : units >= classes.length);
  const advice =
    units === 1
      ? `; binary_crossentropy fits two classes, for ${classes.length} use sparse_categorical_crossentropy`
      : "";
  if (!fits) expect(classes.length, () => perClass() + advice);
  return { y: () => tf.tensor2d(indices, [indices.length, 1]), classes };
}

/**
 * `tf.oneHot(indices, depth)` as float32, made here: one tensor a step rather than three kernels and their
 * intermediate tensors on the backend.
 */
function oneHot(indices: readonly number[], depth: number): tf.Tensor2D {
  const values = new Float32Array(indices.length * depth);
  for (let i = 0; i < indices.length; i++) values[i * depth + indices[i]!] = 1;
  return tf.tensor2d(values, [indices.length, depth]);
}

/**
 * Targets of more than one value per example as the loss wants them, checked against the model's output
 * shape `[...steps, C]`: one-hot or values of the output's own shape, or class indices of the output's shape
 * without its last axis (whole numbers below C; 0 or 1 for one sigmoid unit), which tfjs's sparse and binary
 * losses take with a last axis of 1. The classes are the output's units, `0` to `C - 1`.
 */
export function encodeArrayTargets(
  targets: ArrayTargets,
  modelOutput: ModelOutput,
  encoding: TargetEncoding,
  scaling: TargetScaling | null = null,
): { y: () => tf.Tensor; classes: readonly string[] | null } {
  const output = exampleShape(modelOutput.tensor);
  const rows = targets.values.length / Math.max(sizeOf(targets.shape), 1);
  const units = output.at(-1);
  const steps = output.slice(0, -1);
  if (encoding !== "class-index") {
    if (!fills(output, targets.shape))
      throw targetsMismatch(modelOutput, targets.source, `[rows, ${targets.shape.join(", ")}]`);
    const classes = encoding === "one-hot" ? classNames(units) : null;
    const values = scaling ? targets.values.map((v) => (v - scaling.shift) / (scaling.scale || 1)) : targets.values;
    return { y: () => tf.tensor(values, [rows, ...targets.shape]), classes };
  }
  const shape = targets.shape.at(-1) === 1 ? targets.shape.slice(0, -1) : targets.shape;
  if (typeof units !== "number" || !fills(steps, shape))
    throw targetsMismatch(modelOutput, targets.source, `[rows, ${targets.shape.join(", ")}]`);
  const limit = Math.max(units, 2);
  const bad = targets.values.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= limit);
  if (bad >= 0) {
    const record = Math.floor(bad / Math.max(sizeOf(targets.shape), 1)) + 1;
    throw new NncUserError("NN4006", {
      where: `${targets.source}: record ${record}`,
      reason: `class index ${targets.values[bad]} is not a whole number from 0 to ${limit - 1} (the model outputs ${formatNnShape(output)})`,
    });
  }
  return { y: () => tf.tensor(targets.values, [rows, ...shape, 1]), classes: classNames(units) };
}

/** Class names `0` to `units - 1` of an output whose units are its classes (two for one sigmoid unit). */
function classNames(units: number | null | undefined): string[] | null {
  return typeof units === "number" ? Array.from({ length: Math.max(units, 2) }, (_, i) => String(i)) : null;
}

/**
 * NN4007 for targets (of shape `found`, as a message writes it) that fit no reading of the model's output
 * `[...steps, C]`: says which shapes would, and with which losses.
 */
function targetsMismatch(modelOutput: ModelOutput, source: string, found: string): NncUserError {
  const output = exampleShape(modelOutput.tensor);
  const dims = (shape: readonly (number | null)[]) => ["rows", ...shape.map((d) => d ?? "?")].join(", ");
  const indices =
    output.length > 1
      ? `, or class indices [${dims(output.slice(0, -1))}] with loss: sparse_categorical_crossentropy`
      : "";
  return new NncUserError("NN4007", {
    detail: `model '${modelOutput.model}'${outputLabel(modelOutput)} outputs shape ${formatNnShape(output)}, but ${source} holds targets of shape ${found}: y fits [${dims(output)}] (one-hot or values)${indices}`,
  });
}

/** Distinct labels in class order (see `Dataset.classes`). */
export function sortedClasses(labels: readonly string[]): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((label) => decimalValue(label) !== undefined);
  return numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether `data` is `shape` with each unknown axis (`?`) given a size. */
export function fills(shape: readonly (number | null)[], data: readonly number[]): boolean {
  return shape.length === data.length && shape.every((d, i) => d === null || d === data[i]);
}

/** A tensor's shape without the batch axis, the way a spec writes it. */
export function exampleShape(tensor: tf.SymbolicTensor): (number | null)[] {
  return tensor.shape.slice(1);
}

/** The size of an output per example: the last axis of a `[units]` output. */
function outputUnits(output: tf.SymbolicTensor): number | null {
  const shape = exampleShape(output);
  const last = shape.at(-1);
  return shape.length === 1 && typeof last === "number" ? last : null;
}

function expectUnits(
  column: LabelColumn,
  output: ModelOutput,
  units: number | null,
  expected: number,
  what: () => string,
): void {
  if (units === expected) return;
  const shape = formatNnShape(exampleShape(output.tensor));
  throw new NncUserError("NN4007", {
    detail: `model '${output.model}'${outputLabel(output)} outputs shape ${shape}, but the labels in column '${column.labelName}' of ${column.source} need shape [${expected}]: ${what()}`,
  });
}

/**
 * `4 classes: a, b, c, d; d has no examples`: the classes (the first 20) and those no label names (an empty
 * class folder of images(), a class_names entry without rows), escaped for a one-line message.
 */
function classList(classes: readonly string[], labels: readonly string[]): string {
  const seen = new Set(labels);
  const shown = classes.slice(0, 20).map(shownName).join(", ") + (classes.length > 20 ? ", ..." : "");
  const empty = classes.filter((name) => !seen.has(name)).map(shownName);
  const none =
    empty.length === 0
      ? ""
      : `; ${empty.slice(0, 5).join(", ")}${empty.length > 5 ? ", ..." : ""} ${empty.length === 1 ? "has" : "have"} no examples`;
  return `${classes.length} classes: ${shown}${none}`;
}

/** ` output 'price'` for an output of a model of several, by the name its output statement gives it; else nothing. */
export function outputLabel(output: ModelOutput): string {
  return output.name ? ` output '${output.name}'` : "";
}
