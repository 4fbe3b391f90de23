/**
 * Table -> tensors for one built model: features reshaped to the model's input, labels encoded the way the
 * loss wants them. Everything that would make the first training step fail is checked here first and
 * reported as NN4007, naming the model's shape and the data's. The model checked is the tfjs model that
 * will be fit, so `nnc train` and a compiled module check the same thing.
 */
import * as tf from "@tensorflow/tfjs";
import { formatNnShape } from "../../compiler/ir/index.js";
import type { TargetEncoding } from "../../compiler/registry/train-options.js";
import { NncUserError } from "../errors.js";
import { featureCount, type Table } from "./index.js";
import { cellNumber, decimalValue } from "./values.js";

export interface Dataset {
  /** `[rows, ...input shape]`. */
  readonly x: tf.Tensor;
  /** `[rows, classes]` one-hot, or `[rows, 1]` class indices or values. */
  readonly y: tf.Tensor;
  /**
   * Class names, index i being class i, for restoring names from predictions; null for regression.
   * Classes are sorted: numerically when every label is a number (so labels 0..k-1 keep their values),
   * otherwise by code point, so the order never depends on the order of the rows.
   */
  readonly classes: readonly string[] | null;
}

/** Tensors for `model` from `table`, rows taken in `order`. Throws NN4007 when the data does not fit. */
export function toDataset(
  table: Table,
  model: tf.LayersModel,
  encoding: TargetEncoding,
  order: readonly number[],
  /** The training data's classes, for validation data: its labels must be among them. */
  knownClasses?: readonly string[],
): Dataset {
  fixedInputShape(table, model);
  const labels = order.map((row) => table.labels[row]!);
  // Targets first: every check runs before any tensor exists, so a rejected dataset leaks nothing.
  const targets = encodeTargets(table, model, encoding, labels, order, knownClasses);
  return { x: featureTensor(table, model, order), y: targets.y(), classes: targets.classes };
}

/**
 * The features of `table`, rows taken in `order`, as a batch for `model`'s one input: `[rows, ...input
 * shape]`. Throws NN4007 when an example does not fit the input.
 */
export function featureTensor(table: Table, model: tf.LayersModel, order: readonly number[]): tf.Tensor {
  const inputShape = fixedInputShape(table, model);
  const width = featureCount(table);
  const x = new Float32Array(order.length * width);
  order.forEach((row, i) => x.set(table.features.subarray(row * width, (row + 1) * width), i * width));
  const dtype = model.inputs[0]!.dtype;
  return tf.tensor(dtype === "int32" ? Int32Array.from(x) : x, [order.length, ...inputShape], dtype);
}

function encodeTargets(
  table: Table,
  model: tf.LayersModel,
  encoding: TargetEncoding,
  labels: readonly string[],
  order: readonly number[],
  knownClasses: readonly string[] | undefined,
): { y: () => tf.Tensor; classes: readonly string[] | null } {
  const units = outputUnits(model);
  if (encoding === "value") {
    expectUnits(table, model, units, 1, "one value per example");
    const values = labels.map((label, i) => {
      const where = `${table.source}:${table.lines[order[i]!]}`;
      return cellNumber(label, where, `column '${table.labelName}'`, ", and this loss needs numeric targets");
    });
    return { y: () => tf.tensor2d(values, [values.length, 1]), classes: null };
  }
  const classes = knownClasses ?? sortedClasses(labels);
  const index = new Map(classes.map((name, i) => [name, i]));
  const unknown = labels.findIndex((label) => !index.has(label));
  if (unknown >= 0) {
    throw new NncUserError("NN4006", {
      where: `${table.source}:${table.lines[order[unknown]!]}`,
      reason: `label '${labels[unknown]}' is not one of the training data's classes (${classes.join(", ")})`,
    });
  }
  const indices = labels.map((label) => index.get(label)!);
  const perClass = `one output per class (${classes.length} classes)`;
  if (encoding === "one-hot") {
    // The usual mix-up: one sigmoid unit for two classes wants binary_crossentropy, not a one-hot loss.
    const advice = units === 1 && classes.length === 2 ? "; with one output unit, use loss: binary_crossentropy" : "";
    expectUnits(table, model, units, classes.length, perClass + advice);
    return { y: () => tf.oneHot(tf.tensor1d(indices, "int32"), classes.length).toFloat(), classes };
  }
  // Class indices: one sigmoid unit for two classes (binary), or one unit per class (sparse).
  const fits = units !== null && (units === 1 ? classes.length <= 2 : units >= classes.length);
  const advice =
    units === 1
      ? `; binary_crossentropy fits two classes, for ${classes.length} use sparse_categorical_crossentropy`
      : "";
  if (!fits) expectUnits(table, model, units, classes.length, perClass + advice);
  return { y: () => tf.tensor2d(indices, [indices.length, 1]), classes };
}

function sortedClasses(labels: readonly string[]): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((label) => decimalValue(label) !== undefined);
  return numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function fixedInputShape(table: Table, model: tf.LayersModel): number[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs, but ${table.source} feeds a model with one input and one output`,
    });
  }
  const input = exampleShape(model.inputs[0]!);
  const shape = input.filter((d): d is number => d !== null);
  const features = featureCount(table);
  if (shape.length !== input.length || shape.reduce((a, b) => a * b, 1) !== features) {
    const what = table.exampleShape
      ? `each example of ${table.source} has shape [${table.exampleShape.join(", ")}] (${features} values)`
      : `each row of ${table.source} has ${features} features (shape [${features}]: ${table.featureNames.join(", ")})`;
    throw new NncUserError("NN4007", {
      detail: `input '${model.inputNames[0]}' of model '${model.name}' has shape ${formatNnShape(input)}, but ${what}`,
    });
  }
  return shape;
}

/** A tensor's shape without the batch axis, the way a spec writes it. */
function exampleShape(tensor: tf.SymbolicTensor): (number | null)[] {
  return tensor.shape.slice(1);
}

/** The size of the model's output per example: the last axis of a `[units]` output. */
function outputUnits(model: tf.LayersModel): number | null {
  const shape = exampleShape(model.outputs[0]!);
  const last = shape.at(-1);
  return shape.length === 1 && typeof last === "number" ? last : null;
}

function expectUnits(table: Table, model: tf.LayersModel, units: number | null, expected: number, what: string): void {
  if (units === expected) return;
  const shape = formatNnShape(exampleShape(model.outputs[0]!));
  throw new NncUserError("NN4007", {
    detail: `model '${model.name}' outputs shape ${shape}, but the labels in column '${table.labelName}' of ${table.source} need shape [${expected}]: ${what}`,
  });
}
