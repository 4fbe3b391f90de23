/**
 * The ids fed to an `embedding`: whole numbers in [0, input_dim). tfjs's gather fails on any other with a
 * stack trace in the middle of training (`GatherV2: the index value 1265 is not in [0, 999]`), and truncates
 * a fractional one without a word; here each value is checked as the first pass reads the data (training's,
 * evaluation's and predict's), so a bad id is NN4006 at its line before any step.
 */
import * as tf from "@tensorflow/tfjs";
import { NncUserError } from "../errors.js";
import { featureCount, sizeOf, type Table } from "./index.js";

/** A model input read by an embedding: the ids it takes must be below `inputDim`. */
export interface IdInput {
  /** The input's position among the model's inputs, and its name. */
  readonly index: number;
  readonly name: string;
  readonly inputDim: number;
}

/** The model's inputs read by an embedding, and how many inputs the model has. */
export interface ModelIds {
  readonly ids: readonly IdInput[];
  readonly inputs: number;
}

/** The model's inputs that an Embedding layer reads directly, each with the smallest `inputDim` reading it. */
export function embeddingIds(model: tf.LayersModel): ModelIds {
  const found = new Map<number, IdInput>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Embedding") continue;
    const inputDim = (layer.getConfig() as { inputDim: number }).inputDim;
    for (const node of layer.inboundNodes) {
      for (const tensor of node.inputTensors) {
        const index = model.inputs.indexOf(tensor);
        const known = found.get(index);
        if (index >= 0 && (!known || inputDim < known.inputDim))
          found.set(index, { index, name: model.inputNames[index]!, inputDim });
      }
    }
  }
  return { ids: [...found.values()], inputs: model.inputs.length };
}

/**
 * NN4006 at the first row of `table` whose value for an input in `ids` is not a whole number in
 * [0, inputDim). Inputs whose values the table does not place (several inputs read from columns by name)
 * are left to tfjs.
 */
export function checkEmbeddingIds(table: Table, { ids, inputs }: ModelIds): void {
  const width = featureCount(table);
  let offset = 0;
  const offsets = new Map<string, number>();
  for (const input of table.inputs ?? []) {
    offsets.set(input.name, offset);
    offset += sizeOf(input.shape);
  }
  for (const id of ids) {
    const sequence = table.sequences?.find((s) => s.input === id.name || (inputs === 1 && s.input === ""));
    if (sequence) {
      sequence.rows.forEach((values, row) => checkValues(values, id, table, row, `field '${sequence.field}'`));
      continue;
    }
    const start = inputs === 1 ? 0 : offsets.get(id.name);
    if (start === undefined || width === 0) continue;
    const size = inputs === 1 ? width : sizeOf(table.inputs!.find((i) => i.name === id.name)!.shape);
    for (let row = 0; row < table.lines.length; row++) {
      const values = table.features.subarray(row * width + start, row * width + start + size);
      checkValues(values, id, table, row, `input '${id.name}'`);
    }
  }
}

function checkValues(values: Float32Array, id: IdInput, table: Table, row: number, what: string): void {
  for (const value of values) {
    if (Number.isInteger(value) && value >= 0 && value < id.inputDim) continue;
    const where = `${table.source}:${table.lines[row]}`;
    const reason = `${what}: ${value} is not an embedding id, a whole number from 0 to ${id.inputDim - 1}`;
    const hint =
      Number.isInteger(value) && value >= id.inputDim
        ? `raise input_dim to at least ${value + 1}, or map the ids below ${id.inputDim}`
        : undefined;
    throw new NncUserError("NN4006", { where, reason }, hint);
  }
}

/**
 * NN4007 when `pad` (the source's `pad:`, what sequences are padded with) is not an id the embedding reading a
 * padded input takes: the padding goes through the embedding like any id, and tfjs's gather would fail on it
 * mid-step. Checked before the first step.
 */
export function checkPad(pad: number, { ids }: ModelIds): void {
  const id = ids.find((input) => !Number.isInteger(pad) || pad < 0 || pad >= input.inputDim);
  if (!id) return;
  throw new NncUserError("NN4007", {
    detail: `pad: ${pad} is not an id the embedding reading input '${id.name}' takes, a whole number from 0 to ${id.inputDim - 1}; pad: 0 is the usual one, masked with mask_zero: true`,
  });
}
