/**
 * Saving a trained run: `model.json` + `weights.bin` in tfjs's layers format (loadable with
 * `tf.loadLayersModel`), `history.json`, its plot (`history.svg`, `history.png`), how the features were read
 * (`preprocessing.json`, for `nnc evaluate` and `nnc predict`) and, for classifiers, `labels.json`. tfjs's
 * `file://` handler needs tfjs-node, so the files are written here with node's fs, each atomically, into a
 * run folder (run-folder.ts): nnc's own files are replaced, nothing else in the folder is touched.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { savedRunFiles } from "../compiler/registry/run-files.js";
import type { Preprocessing } from "./data/training-data.js";
import { writePlots } from "./plot.js";
import { writePreprocessing } from "./saved-vocabulary.js";
import { openRunFolder, type RunFolder, type RunFolderOptions } from "./run-folder.js";
import type { RunPicture } from "./run-pictures.js";
import type { TestResult } from "./test-set.js";

/** One epoch's figures under Keras's names: `{ epoch: 1, loss, accuracy, val_loss, val_accuracy }`. */
export type EpochRecord = { readonly epoch: number } & Readonly<Record<string, number>>;

/** What `predict` needs to turn an output index back into a class name: the label column and its classes. */
export interface OutputClasses {
  readonly column: string;
  readonly classes: readonly string[];
}

/**
 * `labels.json`: the classes of a model of one output, or of each classifying output of a model of several,
 * by output name (an output trained on values has none).
 */
export type Labels = OutputClasses | { readonly outputs: { readonly [output: string]: OutputClasses } };

/** The classes of output `output` (`""`, or any name, for a run of one output's labels); null for none. */
export function outputClasses(labels: Labels | null, output: string): OutputClasses | null {
  if (!labels) return null;
  if ("outputs" in labels) return Object.hasOwn(labels.outputs, output) ? labels.outputs[output]! : null;
  return labels;
}

export interface Run {
  readonly model: tf.LayersModel;
  readonly history: readonly EpochRecord[];
  readonly labels: Labels | null;
  /** How the training data was read (feature columns, normalization statistics); saved when present. */
  readonly preprocessing?: Preprocessing;
  /** Pictures of what the model does (run-pictures.ts: `reconstructions.png`, `predicted.svg`). */
  readonly pictures?: readonly RunPicture[];
  /** The figures on the train block's `test:` data, evaluated when training ended (`test.json`); null without. */
  readonly test?: TestResult | null;
}

/**
 * Writes `run` to the run folder `dir` (see run-folder.ts: a new, empty or marked folder, or any with
 * `overwrite`), replacing nnc's files of an earlier run there. `keep`: files that callbacks wrote into `dir`
 * for this run (a checkpoint, a CSV log), which stay; nnc's other files from earlier runs are removed.
 */
export async function saveRun(
  dir: string,
  run: Run,
  keep: readonly string[] = [],
  options: RunFolderOptions = {},
): Promise<void> {
  const folder = await openRunFolder(dir, options);
  try {
    await folder.checkRoom(run.model.countParams());
    await saveInto(folder, run, keep);
  } finally {
    await folder.close();
  }
}

/** `saveRun` into a folder already open (training holds it from its start to the save). */
export async function saveInto(folder: RunFolder, run: Run, keep: readonly string[] = []): Promise<void> {
  await writeModelFiles(folder, "", run.model);
  await writeJson(folder, savedRunFiles.history, run.history);
  if (run.labels) await writeJson(folder, savedRunFiles.labels, run.labels);
  if (run.preprocessing) await writePreprocessing(run.preprocessing, (file, value) => writeJson(folder, file, value));
  if (run.test) await writeJson(folder, savedRunFiles.test, run.test);
  await writePlots(folder.dir, run.history, run.model.name, (file, data) =>
    folder.writeFile(path.relative(folder.dir, file), data),
  );
  for (const picture of run.pictures ?? []) await folder.writeFile(picture.file, picture.data);
  for (const file of keep) {
    const relative = path.relative(folder.dir, file);
    if (relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative))
      folder.keep(relative.split(path.sep).join("/"));
  }
  await folder.removeStale();
}

/**
 * Writes `model` as `model.json` + `weights.bin` into `sub` (`""`: the run folder itself) of `folder`, the
 * weights first: `model.json` names them, so it is written last.
 */
export async function writeModelFiles(folder: RunFolder, sub: string, model: tf.LayersModel): Promise<void> {
  await model.save(tf.io.withSaveHandler((artifacts) => writeArtifacts(folder, sub, artifacts)));
}

async function writeArtifacts(
  folder: RunFolder,
  sub: string,
  artifacts: tf.io.ModelArtifacts,
): Promise<tf.io.SaveResult> {
  const weights =
    artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology!,
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    weightsManifest: [{ paths: [`./${savedRunFiles.weights}`], weights: artifacts.weightSpecs ?? [] }],
  };
  await folder.writeFile(path.posix.join(sub, savedRunFiles.weights), new Uint8Array(weights));
  await writeJson(folder, path.posix.join(sub, savedRunFiles.model), modelJson);
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: "JSON",
      weightDataBytes: weights.byteLength,
    },
  };
}

/** Writes `value` as indented JSON to `relative` in `folder`. */
export function writeJson(folder: RunFolder, relative: string, value: unknown): Promise<void> {
  return folder.writeFile(relative, `${JSON.stringify(value, null, 2)}\n`);
}
