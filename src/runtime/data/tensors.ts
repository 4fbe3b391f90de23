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
import { featureCount, sizeOf, type ArrayTargets, type Table } from "./index.js";
import { targetRows } from "./record-reader.js";
import { cellNumber, decimalValue } from "./values.js";

export interface Dataset {
  /** `[rows, ...input shape]`, or one such tensor per input of a model of several, in the model's order. */
  readonly x: tf.Tensor | tf.Tensor[];
  /**
   * `[rows, classes]` one-hot, or `[rows, 1]` class indices or values; for targets of more than one value per
   * example (`Table.targets`), `[rows, ...output shape]`, or class indices `[rows, ...output shape but the
   * last axis, 1]`.
   */
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
  fittedInputs(table, model);
  // Targets first: every check runs before any tensor exists, so a rejected dataset leaks nothing.
  const targets = table.targets
    ? encodeArrayTargets(targetRows(table.targets, order), model, encoding)
    : encodeTargets(
        table,
        model,
        encoding,
        order.map((row) => table.labels[row]!),
        order,
        knownClasses,
      );
  return { x: featureTensor(table, model, order), y: targets.y(), classes: targets.classes };
}

/**
 * The features of `table`, rows taken in `order`, as a batch for `model`: `[rows, ...input shape]`, or for a
 * model of several inputs one such tensor per input, in the model's order. Throws NN4007 when an example does
 * not fit its input.
 */
export function featureTensor(table: Table, model: tf.LayersModel, order: readonly number[]): tf.Tensor | tf.Tensor[] {
  const width = featureCount(table);
  const tensors = fittedInputs(table, model).map(({ offset, shape }, k) => {
    const size = sizeOf(shape);
    const x = new Float32Array(order.length * size);
    order.forEach((row, i) => {
      const start = row * width + offset;
      x.set(table.features.subarray(start, start + size), i * size);
    });
    const dtype = model.inputs[k]!.dtype;
    return tf.tensor(dtype === "int32" ? Int32Array.from(x) : x, [order.length, ...shape], dtype);
  });
  return tensors.length === 1 ? tensors[0]! : tensors;
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
  // One label per example cannot fill a sequence of outputs: say which targets would.
  if (exampleShape(model.outputs[0]!).length > 1) throw targetsMismatch(model, table.source, "[rows]");
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

/**
 * Targets of more than one value per example as the loss wants them, checked against the model's output
 * shape `[...steps, C]`: one-hot or values of the output's own shape, or class indices of the output's shape
 * without its last axis (whole numbers below C; 0 or 1 for one sigmoid unit), which tfjs's sparse and binary
 * losses take with a last axis of 1. The classes are the output's units, `0` to `C - 1`.
 */
export function encodeArrayTargets(
  targets: ArrayTargets,
  model: tf.LayersModel,
  encoding: TargetEncoding,
): { y: () => tf.Tensor; classes: readonly string[] | null } {
  const output = exampleShape(model.outputs[0]!);
  const rows = targets.values.length / Math.max(sizeOf(targets.shape), 1);
  const units = output.at(-1);
  const steps = output.slice(0, -1);
  if (encoding !== "class-index") {
    if (!fills(output, targets.shape))
      throw targetsMismatch(model, targets.source, `[rows, ${targets.shape.join(", ")}]`);
    const classes = encoding === "one-hot" ? classNames(units) : null;
    return { y: () => tf.tensor(targets.values, [rows, ...targets.shape]), classes };
  }
  const shape = targets.shape.at(-1) === 1 ? targets.shape.slice(0, -1) : targets.shape;
  if (typeof units !== "number" || !fills(steps, shape))
    throw targetsMismatch(model, targets.source, `[rows, ${targets.shape.join(", ")}]`);
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
function targetsMismatch(model: tf.LayersModel, source: string, found: string): NncUserError {
  const output = exampleShape(model.outputs[0]!);
  const dims = (shape: readonly (number | null)[]) => ["rows", ...shape.map((d) => d ?? "?")].join(", ");
  const indices =
    output.length > 1
      ? `, or class indices [${dims(output.slice(0, -1))}] with loss: sparse_categorical_crossentropy`
      : "";
  return new NncUserError("NN4007", {
    detail: `model '${model.name}' outputs shape ${formatNnShape(output)}, but ${source} holds targets of shape ${found}: y fits [${dims(output)}] (one-hot or values)${indices}`,
  });
}

function sortedClasses(labels: readonly string[]): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((label) => decimalValue(label) !== undefined);
  return numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Where each input of `model` finds its values in a row of `table` (`offset`) and the shape of one example:
 * the input's shape when the sizes agree (a flat row for a `[28, 28, 1]` input), else the data's own where
 * it fills the input's unknown axes (`[15, 71]` for `[?, 71]`). NN4007 when an input has no data or its data
 * does not fit.
 */
function fittedInputs(table: Table, model: tf.LayersModel): { offset: number; shape: number[] }[] {
  const inputs = model.inputNames.map((name, k) => ({ name, shape: exampleShape(model.inputs[k]!) }));
  if (model.outputs.length !== 1) {
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has ${model.outputs.length} outputs, but ${table.source} feeds a model with one output`,
    });
  }
  if (!table.inputs) {
    if (inputs.length !== 1) {
      throw new NncUserError("NN4007", {
        detail: `model '${model.name}' has ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ")}), but ${table.source} feeds a model with one input; npy(x: inputs(...)) takes one file per input`,
      });
    }
    const features = featureCount(table);
    const what = table.exampleShape
      ? `each example of ${table.source} has shape [${table.exampleShape.join(", ")}] (${features} values)`
      : `each row of ${table.source} has ${features} features (shape [${features}]: ${table.featureNames.join(", ")})`;
    return [{ offset: 0, shape: fitShape(inputs[0]!, table.exampleShape ?? [features], model, what) }];
  }
  const parts = table.inputs;
  const names = (list: readonly { name: string }[]) => list.map((i) => i.name).join(", ");
  const unfed = inputs.find((input) => !parts.some((part) => part.name === input.name));
  const stray = parts.find((part) => !inputs.some((input) => input.name === part.name));
  if (unfed || stray) {
    const problem = unfed ? `input '${unfed.name}' has no file` : `'${stray!.name}' is not one of its inputs`;
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has inputs ${names(inputs)}, but x of ${table.source} names ${names(parts)}: ${problem}`,
    });
  }
  const offsets = new Map<string, number>();
  parts.reduce((offset, part) => (offsets.set(part.name, offset), offset + sizeOf(part.shape)), 0);
  return inputs.map((input) => {
    const part = parts.find((p) => p.name === input.name)!;
    const what = `each example of ${part.source} has shape [${part.shape.join(", ")}] (${sizeOf(part.shape)} values)`;
    return { offset: offsets.get(input.name)!, shape: fitShape(input, part.shape, model, what) };
  });
}

/** The shape an example of `data` shape takes for `input` (see `fittedInputs`); NN4007 saying `what` if none. */
function fitShape(
  input: { name: string; shape: (number | null)[] },
  data: readonly number[],
  model: tf.LayersModel,
  what: string,
): number[] {
  const fixed = input.shape.filter((d): d is number => d !== null);
  if (fixed.length === input.shape.length && sizeOf(fixed) === sizeOf(data)) return fixed;
  if (fills(input.shape, data)) return [...data];
  throw new NncUserError("NN4007", {
    detail: `input '${input.name}' of model '${model.name}' has shape ${formatNnShape(input.shape)}, but ${what}`,
  });
}

/** Whether `data` is `shape` with each unknown axis (`?`) given a size. */
function fills(shape: readonly (number | null)[], data: readonly number[]): boolean {
  return shape.length === data.length && shape.every((d, i) => d === null || d === data[i]);
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
