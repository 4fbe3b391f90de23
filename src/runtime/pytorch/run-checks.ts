/**
 * What `nnc import-weights` checks of a PyTorch run folder beyond each file's schema, before it writes anything:
 * the files' sizes before they are parsed, the history against run.json's epoch count, the classes against the
 * model's outputs, the weights against run.json's checksum and for values tfjs would quietly compute with
 * (NaN, infinities). Each failure is one NN4010 line naming the file.
 *
 * What cannot be checked: the order of the classes (a run.json whose classes are swapped fits the model as well),
 * and a spec edited since training without changing a weight's shape (relu -> tanh). docs/pytorch.md says so.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type * as tf from "@tensorflow/tfjs";
import type { IrModel } from "../../compiler/ir/index.js";
import type { SafeTensor } from "../../io/safetensors.js";
import type { EpochRecord, Labels, OutputClasses } from "../save.js";
import { runFile, unusable, type SavedFolder } from "../saved-files.js";

/** Sizes the files of a PyTorch run may have, checked before they are read. */
export const pytorchRunLimits = {
  /** run.json: classes, feature names and normalization figures (the script's sources have no vocabulary). */
  runBytes: 16 * 1024 * 1024,
  /** history.json, per epoch run.json says completed: some hundred figures of ~40 bytes each fit many times. */
  historyBytesPerEpoch: 64 * 1024,
};

/** NN4010 when `relative` in `folder` has more than `most` bytes (`why` says whence the limit). */
export function checkSize(folder: SavedFolder, relative: string, most: number, why: string): void {
  const size = statSync(runFile(folder, relative)).size;
  if (size > most) throw unusable(folder, relative, `${size} bytes, more than the ${most} ${why}`);
}

/** Why `value` (history.json, parsed, not yet validated) cannot be the history of `epochs` epochs; cheap. */
export function historyCountProblem(value: unknown, epochs: number): string | undefined {
  if (!Array.isArray(value) || value.length === epochs) return undefined;
  return `${value.length} epoch${value.length === 1 ? "" : "s"}, but run.json's completed_epochs is ${epochs}`;
}

/** NN4010 when the records of a valid history are not numbered 1, 2, ... in order. */
export function checkEpochOrder(folder: SavedFolder, relative: string, history: readonly EpochRecord[]): void {
  const at = history.findIndex((record, i) => record.epoch !== i + 1);
  if (at >= 0) {
    throw unusable(
      folder,
      relative,
      `record ${at + 1} is epoch ${history[at]!.epoch}: records run from epoch 1 in order`,
    );
  }
}

/**
 * NN4010 naming run.json when its classes do not fit `built`'s outputs as nnc's NN4007 asks of training data:
 * one sigmoid unit for two classes, else no more classes than units (a unit per class). `model` names the outputs.
 */
export function checkRunClasses(
  folder: SavedFolder,
  labels: Labels | null,
  model: IrModel,
  built: tf.LayersModel,
): void {
  if (!labels) return;
  const names = model.outputNames ?? [];
  const outputs: [string, OutputClasses][] = "outputs" in labels ? Object.entries(labels.outputs) : [["", labels]];
  for (const [name, { classes }] of outputs) {
    const index = name === "" ? (built.outputs.length === 1 ? 0 : -1) : names.indexOf(name);
    const field = name === "" ? "data.labels" : `data.labels.outputs.${name}`;
    if (index < 0) {
      throw unusable(folder, "run.json", `${field} does not name one of model ${model.name}'s outputs`);
    }
    const units = built.outputs[index]!.shape.at(-1);
    if (typeof units !== "number" || (units === 1 ? classes.length <= 2 : classes.length <= units)) continue;
    const need = units === 1 ? "one sigmoid unit holds two classes" : "one unit per class";
    throw unusable(
      folder,
      "run.json",
      `${field} lists ${classes.length} classes, but model ${model.name}'s output has ${units} units (${need})`,
    );
  }
}

/** NN4010 naming the first tensor holding NaN or an infinity, and where. */
export function checkFinite(folder: SavedFolder, relative: string, tensors: ReadonlyMap<string, SafeTensor>): void {
  for (const [name, tensor] of tensors) {
    if (tensor.dtype !== "F32") continue;
    const at = tensor.data.findIndex((value) => !Number.isFinite(value));
    if (at < 0) continue;
    const index = tensor.shape.map((_, axis) => {
      const stride = tensor.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Math.floor(at / stride) % tensor.shape[axis]!;
    });
    throw unusable(folder, relative, `tensor '${name}' holds ${tensor.data[at]} at [${index.join(", ")}]`);
  }
}

/**
 * The SHA-256 the script's `checksum(module)` (emit/pytorch/loop.ts) computes: each tensor's name (UTF-8) and then
 * its bytes as stored, in sorted name order (the names are ASCII identifiers, so JavaScript's sort is Python's).
 */
export function weightsChecksum(tensors: ReadonlyMap<string, SafeTensor>): string {
  const hash = createHash("sha256");
  for (const name of [...tensors.keys()].sort()) {
    const { data } = tensors.get(name)!;
    hash.update(name, "utf8");
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest("hex");
}

/** NN4010 when `tensors` are not the weights rank 0 ended with, as run.json's `weights_sha256` records them. */
export function checkChecksum(
  folder: SavedFolder,
  relative: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  recorded: readonly string[] | undefined,
): void {
  if (!recorded) return;
  const actual = weightsChecksum(tensors);
  if (actual === recorded[0]) return;
  const why = "changed since the run saved it, or saved by another run";
  throw unusable(
    folder,
    relative,
    `its SHA-256 is ${actual.slice(0, 12)}..., not the ${recorded[0]!.slice(0, 12)}... run.json records (${why})`,
  );
}
