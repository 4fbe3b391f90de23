/**
 * Sequence features (a JSON field holding an array per record) as a batch: each batch is padded to its
 * longest sequence (or to the input's fixed length) with the source's `pad:` value, after the real steps, so
 * an `embedding(..., mask_zero: true)` fed with `pad: 0` masks exactly the padding.
 */
import * as tf from "@tensorflow/tfjs";
import { formatNnShape } from "../../compiler/ir/index.js";
import { NncUserError } from "../errors.js";
import type { SequenceFeature } from "./index.js";

/**
 * `[rows, steps]` (one value a step, for an input `[seq]`) or `[rows, steps, width]` (for `[seq, width]`) of
 * the rows at `order`, padded with `pad`. NN4007 when the input's shape does not take such sequences, or a
 * sequence is longer than the input's fixed length.
 */
export function sequenceTensor(
  feature: SequenceFeature,
  input: { readonly name: string; readonly shape: readonly (number | null)[]; readonly dtype: tf.DataType },
  model: string,
  order: readonly number[],
  pad: number,
  source: string,
): tf.Tensor {
  const { shape } = input;
  const width = shape.length === 2 ? shape[1] : shape.length === 1 ? 1 : null;
  const misfit = (why: string) =>
    new NncUserError("NN4007", {
      detail: `input '${input.name}' of model '${model}' has shape ${formatNnShape(shape)}, but field '${feature.field}' of ${source} holds sequences ${why}`,
    });
  const rows = order.map((row) => feature.rows[row]!);
  if (typeof width !== "number" || (rows.length > 0 && width !== feature.width)) {
    const each =
      feature.width === 1 ? "of numbers ([steps])" : `of ${feature.width} values a step ([steps, ${feature.width}])`;
    throw misfit(each);
  }
  const longest = rows.reduce((most, row) => Math.max(most, row.length / width), 0);
  const fixed = shape[0];
  if (typeof fixed === "number" && longest > fixed) throw misfit(`of up to ${longest} steps, longer than ${fixed}`);
  const steps = typeof fixed === "number" ? fixed : longest;
  const values = new Float32Array(rows.length * steps * width).fill(pad);
  rows.forEach((row, i) => values.set(row, i * steps * width));
  const dims = shape.length === 2 ? [rows.length, steps, width] : [rows.length, steps];
  return tf.tensor(input.dtype === "int32" ? Int32Array.from(values) : values, dims, input.dtype);
}
