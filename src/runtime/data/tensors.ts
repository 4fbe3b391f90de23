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
import { featureCount, sizeOf, type OutputLabels, type SequenceFeature, type Table, type TableInput } from "./index.js";
import { targetRows } from "./record-reader.js";
import { sequenceTensor } from "./sequences.js";
import {
  encodeArrayTargets,
  encodeTargets,
  exampleShape,
  fills,
  modelOutput,
  outputLabel,
  type TargetScaling,
} from "./targets.js";

export type { TargetScaling } from "./targets.js";

export interface Dataset {
  /** `[rows, ...input shape]`, or one such tensor per input of a model of several, in the model's order. */
  readonly x: tf.Tensor | tf.Tensor[];
  /**
   * `[rows, classes]` one-hot, or `[rows, 1]` class indices or values; for targets of more than one value per
   * example (`Table.targets`), `[rows, ...output shape]`, or class indices `[rows, ...output shape but the
   * last axis, 1]`. One such tensor per output, in the model's order, for a model of several outputs.
   */
  readonly y: tf.Tensor | tf.Tensor[];
  /**
   * Each output's class names (model order), index i being class i, for restoring names from predictions;
   * null for regression. Classes are sorted: numerically when every label is a number (so labels 0..k-1 keep
   * their values), otherwise by code point, so the order never depends on the order of the rows.
   */
  readonly classes: readonly (readonly string[] | null)[];
}

/** How a table's targets are made for a model: each output's encoding, and what the data names them by. */
export interface TargetSettings {
  /** Each output's target encoding (its loss's), in the model's output order. */
  readonly encodings: readonly TargetEncoding[];
  /** The output names (the train block's `outputs`), in model order; absent for a model of one output. */
  readonly outputs?: readonly string[];
  /** The model input every output reproduces (`target:`, resolved to the input's name): no labels are read. */
  readonly target?: string | null;
  /** The training data's classes per output, for validation and evaluation data: labels must be among them. */
  readonly classes?: readonly (readonly string[] | null)[];
  /** Per output, the targets' scaling (`normalize_target:`), or null. */
  readonly scaling?: readonly (TargetScaling | null)[];
  /** The value sequences are padded with (`pad:`). */
  readonly pad?: number;
}

/** Tensors for `model` from `table`, rows taken in `order`. Throws NN4007 when the data does not fit. */
export function toDataset(
  table: Table,
  model: tf.LayersModel,
  settings: TargetSettings,
  order: readonly number[],
): Dataset {
  fittedInputs(table, model);
  // Targets first: every check runs before any tensor exists, so a rejected dataset leaks nothing.
  const targets = model.outputs.map((_, k) => outputTargets(table, model, settings, order, k));
  const x = featureTensor(table, model, order, settings.pad ?? 0);
  const xs = Array.isArray(x) ? x : [x];
  // Inside a tidy: an encoding's intermediate tensors (one-hot's indices) would be left at every step.
  const y = targets.map((t) => (t.input === undefined ? tf.tidy(t.y) : xs[t.input]!.clone()));
  return { x, y: y.length === 1 ? y[0]! : y, classes: targets.map((t) => t.classes) };
}

/** Output `k`'s targets: the labels the data gives it, or the input it reproduces (`input`, its index). */
function outputTargets(
  table: Table,
  model: tf.LayersModel,
  settings: TargetSettings,
  order: readonly number[],
  k: number,
): { y: () => tf.Tensor; classes: readonly string[] | null; input?: number } {
  const output = modelOutput(model, k, settings.outputs);
  const encoding = settings.encodings[k] ?? settings.encodings[0]!;
  const name = settings.outputs?.[k] ?? "";
  if (settings.target) {
    const input = model.inputNames.indexOf(settings.target);
    const index = input >= 0 ? input : 0;
    const inputShape = exampleShape(model.inputs[index]!);
    if (formatNnShape(inputShape) !== formatNnShape(exampleShape(output.tensor))) {
      throw new NncUserError("NN4007", {
        detail: `model '${model.name}'${outputLabel(output)} outputs shape ${formatNnShape(exampleShape(output.tensor))}, but target: ${model.inputNames[index]} has shape ${formatNnShape(inputShape)}`,
      });
    }
    return { y: () => tf.zeros([0]), classes: null, input: index };
  }
  const column = targetColumn(table, model, name);
  const scaling = settings.scaling?.[k] ?? null;
  if (column.targets) return encodeArrayTargets(targetRows(column.targets, order), output, encoding, scaling);
  return encodeTargets(
    { ...column, source: table.source, lines: order.map((row) => table.lines[row]!) },
    output,
    encoding,
    order.map((row) => column.labels[row]!),
    settings.classes?.[k] ?? undefined,
    scaling,
  );
}

/** The labels of output `name` of `table`: its own (`Table.outputs`), or the table's one column for one output. */
function targetColumn(table: Table, model: tf.LayersModel, name: string): OutputLabels {
  if (table.outputs) {
    const found = table.outputs.find((o) => o.output === name);
    if (found) return found;
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has output '${name}', but ${table.source} gives no labels for it (labels for ${table.outputs.map((o) => o.output).join(", ")})`,
    });
  }
  if (model.outputs.length !== 1) {
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has ${model.outputs.length} outputs, but ${table.source} gives one label column: name one per output, labels: { ${name}: "...", ... }`,
    });
  }
  return {
    output: name,
    labelName: table.labelName,
    labels: table.labels,
    ...(table.targets ? { targets: table.targets } : {}),
  };
}

/**
 * The features of `table`, rows taken in `order`, as a batch for `model`: `[rows, ...input shape]`, or for a
 * model of several inputs one such tensor per input, in the model's order; sequences padded with `pad`.
 * Throws NN4007 when an example does not fit its input.
 */
export function featureTensor(
  table: Table,
  model: tf.LayersModel,
  order: readonly number[],
  pad = 0,
): tf.Tensor | tf.Tensor[] {
  const width = featureCount(table);
  const tensors = fittedInputs(table, model).map(({ offset, shape, sequence }, k) => {
    const dtype = model.inputs[k]!.dtype;
    if (sequence) {
      const input = { name: model.inputNames[k]!, shape: exampleShape(model.inputs[k]!), dtype };
      return sequenceTensor(sequence, input, model.name, order, pad, table.source);
    }
    const size = sizeOf(shape);
    // A batch read for training is a table of its own rows in order: its features are the tensor's values
    // as they are, and copying them again would cost a step as much as reading them did.
    const x = size === width && isIdentity(order, table.features.length / width) ? table.features : gather();
    function gather(): Float32Array {
      const values = new Float32Array(order.length * size);
      for (let i = 0; i < order.length; i++) {
        const start = order[i]! * width + offset;
        values.set(table.features.subarray(start, start + size), i * size);
      }
      return values;
    }
    return tf.tensor(dtype === "int32" ? Int32Array.from(x) : x, [order.length, ...shape], dtype);
  });
  return tensors.length === 1 ? tensors[0]! : tensors;
}

/**
 * Whether the current backend copies an array's values when a tensor is made from it, so that the array may
 * be written again at once: wasm copies them into its memory; cpu (and tfjs-node, until an op needs them)
 * keep the array itself as the tensor's values.
 */
export function copiesTensorValues(): boolean {
  return tf.getBackend() === "wasm";
}

/** Whether `order` is every row of a table of `rows` rows, in order (0, 1, ..., rows - 1). */
function isIdentity(order: readonly number[], rows: number): boolean {
  if (order.length !== rows) return false;
  for (let i = 0; i < order.length; i++) if (order[i] !== i) return false;
  return true;
}

/**
 * Where each input of `model` finds its values in a row of `table` (`offset`) and the shape of one example:
 * the input's shape when the sizes agree (a flat row for a `[28, 28, 1]` input), else the data's own where
 * it fills the input's unknown axes (`[15, 71]` for `[?, 71]`). NN4007 when an input has no data or its data
 * does not fit.
 */
function fittedInputs(
  table: Table,
  model: tf.LayersModel,
): { offset: number; shape: number[]; sequence?: SequenceFeature }[] {
  const inputs = model.inputNames.map((name, k) => ({ name, shape: exampleShape(model.inputs[k]!) }));
  const sequenceOf = (name: string) => table.sequences?.find((s) => s.input === name);
  if (!table.inputs && table.sequences && inputs.length === 1) {
    return [{ offset: 0, shape: [], sequence: sequenceOf("")! }];
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
    const problem = unfed ? `input '${unfed.name}' has no data` : `'${stray!.name}' is not one of its inputs`;
    throw new NncUserError("NN4007", {
      detail: `model '${model.name}' has inputs ${names(inputs)}, but ${table.source} feeds ${names(parts)}: ${problem}`,
    });
  }
  // A sequence's values are not in the row (`Table.sequences`): it takes no room there.
  const room = (part: TableInput) => (part.shape.length === 0 ? 0 : sizeOf(part.shape));
  const offsets = new Map<string, number>();
  parts.reduce((offset, part) => (offsets.set(part.name, offset), offset + room(part)), 0);
  return inputs.map((input) => {
    const part = parts.find((p) => p.name === input.name)!;
    const sequence = part.shape.length === 0 ? sequenceOf(input.name) : undefined;
    if (sequence) return { offset: 0, shape: [], sequence };
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
