/**
 * Runs between the PyTorch target and nnc. `importPytorchRun` turns the run folder of an emitted PyTorch script
 * (`weights.safetensors`, `run.json`, `history.json`: script.ts documents them) into a normal nnc run folder, as
 * `nnc train` saves one (`saveRun`: model.json, weights.bin, history.json, labels.json, preprocessing.json, the
 * plots), which `nnc evaluate`, `nnc predict`, `tf.loadLayersModel` and transfer (`from_run`) take.
 * `exportTorchWeights` is the opposite: an nnc run's weights as the state dict of the emitted module, which the
 * script's `--init` starts from.
 *
 * The PyTorch run folder is read as any saved run is (saved-files.ts): every file inside it, validated before
 * use, each failure one NN4010 line naming the file.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type * as tf from "@tensorflow/tfjs";
import type { StateDictMap } from "../../compiler/emit/pytorch/types.js";
import type { IrModel, IrTrain } from "../../compiler/ir/index.js";
import { readSafetensors, SafetensorsUnusable, writeSafetensors, type Safetensors } from "../../io/safetensors.js";
import { buildModel } from "../build.js";
import type { Preprocessing } from "../data/training-data.js";
import { NncUserError } from "../errors.js";
import type { RunFolderOptions } from "../run-folder.js";
import { saveRun, type EpochRecord, type Labels } from "../save.js";
import { openSavedFolder, readRunJson, runFile, unusable, type SavedFolder } from "../saved-files.js";
import { tfjsToTorch, torchToTfjs } from "./bridge.js";
import {
  checkChecksum,
  checkEpochOrder,
  checkFinite,
  checkRunClasses,
  checkSize,
  classesAgainstData,
  historyCountProblem,
  pytorchRunLimits,
} from "./run-checks.js";

/** The files of a PyTorch target's run folder that nnc reads. */
export const pytorchRunFiles = {
  weights: "weights.safetensors",
  run: "run.json",
  history: "history.json",
} as const;

/** `run.json` of a PyTorch script's run, the fields nnc reads (the schema in saved-file-schemas.ts checks them). */
export interface PytorchRunJson {
  readonly format: "nnc-pytorch-run";
  readonly version: 1;
  readonly model: string;
  /** The spec, as the script recorded it. */
  readonly spec: string;
  readonly torch?: string;
  readonly world_size?: number;
  readonly completed_epochs: number;
  /** The epoch whose weights early stopping's restore_best_weights kept (null or absent: the last one's). */
  readonly restored_epoch?: number | null;
  /** The last epoch's figures under nnc's names. */
  readonly final?: Readonly<Record<string, number | null>>;
  /** Each process's SHA-256 of its final weights, in rank order (loop.ts's `checksum`). */
  readonly weights_sha256?: readonly string[];
  /** nnc's labels.json (null for a model trained on values) and preprocessing.json. */
  readonly data: { readonly labels: Labels | null; readonly preprocessing: Preprocessing };
}

/** A PyTorch script's run folder, its `run.json` and `history.json` read and checked. */
export interface PytorchRun {
  readonly folder: SavedFolder;
  readonly run: PytorchRunJson;
  readonly history: readonly EpochRecord[];
}

/** Reads the PyTorch run folder `dir`'s `run.json` and `history.json`; NN4010 naming the file when one is unusable. */
export function readPytorchRun(dir: string): PytorchRun {
  const folder = openSavedFolder(
    dir,
    "no such folder (is this the run folder of a script of nnc compile --target pytorch?)",
  );
  for (const file of Object.values(pytorchRunFiles)) {
    if (!existsSync(path.join(folder.real, file))) {
      const why = "no such file: the script writes it when training ends (a stopped run goes on with --resume)";
      throw unusable(folder, file, why);
    }
  }
  const { runBytes, historyBytesPerEpoch } = pytorchRunLimits;
  checkSize(folder, pytorchRunFiles.run, runBytes, "the run.json of a PyTorch run may have");
  const run = readRunJson<PytorchRunJson>(folder, pytorchRunFiles.run, "pytorchRun")!;
  const epochs = run.completed_epochs;
  if (run.restored_epoch != null && run.restored_epoch > epochs) {
    const why = `restored_epoch ${run.restored_epoch} is past completed_epochs ${epochs}`;
    throw unusable(folder, pytorchRunFiles.run, why);
  }
  const most = epochs * historyBytesPerEpoch;
  checkSize(
    folder,
    pytorchRunFiles.history,
    most,
    `a history of ${epochs} epochs (run.json's completed_epochs) may have`,
  );
  const history = readRunJson<EpochRecord[]>(folder, pytorchRunFiles.history, "pytorchHistory", {
    precheck: (value) => historyCountProblem(value, epochs),
  })!;
  checkEpochOrder(folder, pytorchRunFiles.history, history);
  return { folder, run, history };
}

/** The real paths of the files of `run` that importing it reads (no output may replace them). */
export function pytorchRunInputs(run: PytorchRun): string[] {
  return Object.values(pytorchRunFiles).map((file) => path.join(run.folder.real, file));
}

/**
 * Saves `run`'s weights into `model` (the spec's, built with tfjs) as a normal nnc run in `out`, with its history,
 * classes and preprocessing; `map` is the emitted module's state dict map of `model`, `train` the spec's train block
 * of it (its data's classes are compared with run.json's). Throws NN4010 for an unusable run (run-checks.ts),
 * NN4035 for weights that do not fit the model, and run-folder.ts's errors for `out`; returns warnings to print.
 */
export async function importPytorchRun(
  run: PytorchRun,
  model: IrModel,
  map: StateDictMap,
  out: string,
  options: RunFolderOptions = {},
  train?: IrTrain,
): Promise<string[]> {
  const { tensors, metadata } = await readWeights(run.folder);
  checkChecksum(run.folder, pytorchRunFiles.weights, tensors, run.run.weights_sha256);
  checkFinite(run.folder, pytorchRunFiles.weights, tensors);
  const holds = metadata["model"];
  if (holds !== undefined && holds !== run.run.model) {
    throw unusable(
      run.folder,
      pytorchRunFiles.weights,
      `it holds model '${holds}', but run.json says '${run.run.model}'`,
    );
  }
  // Every weight comes from PyTorch: the runs a model call loads (`Base(weights: ...)`) are not read.
  const built = buildModel({ ...model, loads: [] });
  try {
    const { labels, preprocessing } = run.run.data;
    checkRunClasses(run.folder, labels, model, built);
    const warning = await classesAgainstData(run.folder, labels, model, train);
    torchToTfjs(map, tensors, built, `${run.folder.shownAs}/${pytorchRunFiles.weights}`);
    await saveRun(out, { model: built, history: run.history, labels, preprocessing }, [], options);
    return warning === undefined ? [] : [warning];
  } finally {
    built.dispose();
  }
}

/**
 * Writes the weights of `model` (a saved nnc run's) to `file` as the state dict of the module the PyTorch target
 * emits for it (`map`), float32, with metadata `{"model", "format": "nnc-pytorch"}` as the script writes it.
 */
export async function exportTorchWeights(map: StateDictMap, model: tf.LayersModel, file: string): Promise<void> {
  const state = tfjsToTorch(map, model);
  const tensors = new Map([...state].map(([key, t]) => [key, { dtype: "F32" as const, ...t }]));
  await writeSafetensors(file, tensors, { model: map.model, format: "nnc-pytorch" });
}

/** `weights.safetensors` of a PyTorch run, read and checked; NN4010 naming it when unusable. */
async function readWeights(folder: SavedFolder): Promise<Safetensors> {
  const file = runFile(folder, pytorchRunFiles.weights);
  try {
    return await readSafetensors(file);
  } catch (error) {
    if (!(error instanceof SafetensorsUnusable)) throw error;
    throw unusable(folder, pytorchRunFiles.weights, error.reason);
  }
}

/** NN4011 when `models` (the spec's) has no model `name` (the one the PyTorch run trained). */
export function pytorchRunModel(run: PytorchRun, models: readonly IrModel[], spec: string): IrModel {
  const model = models.find((m) => m.name === run.run.model);
  if (model) return model;
  const names = models.map((m) => `'${m.name}'`).join(", ");
  throw new NncUserError("NN4011", {
    detail: `${run.folder.shownAs} trained model '${run.run.model}', but ${spec} has no model of that name (it has ${names})`,
  });
}
