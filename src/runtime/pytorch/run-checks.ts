/**
 * What `nnc import-weights` checks of a PyTorch run folder beyond each file's schema, before it writes anything:
 * the files' sizes before they are parsed, the history against run.json's epoch count, the classes against the
 * model's outputs, the weights against run.json's checksum and for values tfjs would quietly compute with
 * (NaN, infinities). Each failure is one NN4010 line naming the file.
 *
 * What cannot be checked: the order of the classes when the spec's data cannot be read here (a run.json whose
 * classes are swapped fits the model as well), and a spec edited since training without changing a weight's
 * shape (relu -> tanh). docs/pytorch.md says so.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type * as tf from "@tensorflow/tfjs";
import type { IrModel, IrTrain } from "../../compiler/ir/index.js";
import type { SafeTensor } from "../../io/safetensors.js";
import { openAsTrained, type OpenedData } from "../data-summary.js";
import { NncUserError } from "../errors.js";
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
  for (const [name, classes] of classesByOutput(labels)) {
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

/** Each output's classes in `labels`, by output name (`""` for a model of one output). */
function classesByOutput(labels: Labels): Map<string, readonly string[]> {
  const outputs: [string, OutputClasses][] = "outputs" in labels ? Object.entries(labels.outputs) : [["", labels]];
  return new Map(outputs.map(([name, { classes }]) => [name, classes]));
}

/**
 * run.json's classes against those nnc reads from the spec's data now (`openAsTrained`, as `nnc data` opens it):
 * the same classes in another order is NN4010 (both orders come from sorting the same labels, and output unit i
 * is class i: the model would name every class wrongly); other classes (the data changed since training) are a
 * warning, returned. Data that cannot be opened here (moved, or on the training machine only) is not compared.
 */
export async function classesAgainstData(
  folder: SavedFolder,
  labels: Labels | null,
  model: IrModel,
  train: IrTrain | undefined,
): Promise<string | undefined> {
  if (!labels || !train) return undefined;
  let opened: OpenedData;
  try {
    opened = await openAsTrained(model, train);
  } catch (error) {
    if (error instanceof NncUserError) return undefined;
    throw error;
  }
  const read = opened.data.labels;
  opened.close();
  if (!read) return undefined;
  const [recorded, now] = [classesByOutput(labels), classesByOutput(read)];
  for (const [name, classes] of recorded) {
    const found = now.get(name);
    if (!found || found.join("\n") === classes.join("\n")) continue;
    const field = name === "" ? "data.labels.classes" : `data.labels.outputs.${name}.classes`;
    const [shown, shownNow] = [classes, found].map(
      (list) => list.slice(0, 10).join(", ") + (list.length > 10 ? ", ..." : ""),
    );
    const sameSet = found.length === classes.length && [...found].sort().join("\n") === [...classes].sort().join("\n");
    if (sameSet) {
      throw unusable(
        folder,
        "run.json",
        `${field} lists ${shown}, but the spec's data gives them in the order ${shownNow}`,
      );
    }
    return `${folder.shownAs}/run.json's ${field} (${shown}) are not the classes of the spec's data now (${shownNow}); the import names output units as run.json does`;
  }
  return undefined;
}
