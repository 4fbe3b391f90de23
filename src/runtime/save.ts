/**
 * Saving a trained run: `model.json` + `weights.bin` in tfjs's layers format (loadable with
 * `tf.loadLayersModel`), `history.json`, its plot (`history.svg`, `history.png`), how the features were read
 * (`preprocessing.json`, for `nnc evaluate` and `nnc predict`) and, for classifiers, `labels.json`. tfjs's
 * `file://` handler needs tfjs-node, so the files are written here with node's fs. The directory appears
 * whole or not at all: everything is written to a temporary sibling that is then renamed into place.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic } from "../io/write-atomic.js";
import type { Preprocessing } from "./data/training-data.js";
import { writePlots } from "./plot.js";

/** One epoch's figures under Keras's names: `{ epoch: 1, loss, accuracy, val_loss, val_accuracy }`. */
export type EpochRecord = { readonly epoch: number } & Readonly<Record<string, number>>;

/** What `predict` needs to turn an output index back into a class name. */
export interface Labels {
  readonly column: string;
  readonly classes: readonly string[];
}

export interface Run {
  readonly model: tf.LayersModel;
  readonly history: readonly EpochRecord[];
  readonly labels: Labels | null;
  /** How the training data was read (feature columns, normalization statistics); saved when present. */
  readonly preprocessing?: Preprocessing;
}

const weightsFile = "weights.bin";

/**
 * Writes `run` to `dir`, replacing an earlier run there. Files that callbacks wrote into `dir` during this
 * run (`keep`: a checkpoint, a CSV log) are carried over into the new directory.
 */
export async function saveRun(dir: string, run: Run, keep: readonly string[] = []): Promise<void> {
  const target = path.resolve(dir);
  await writeModelDirectory(target, run.model, async (temporary) => {
    await writeJson(path.join(temporary, "history.json"), run.history);
    if (run.labels) await writeJson(path.join(temporary, "labels.json"), run.labels);
    if (run.preprocessing) await writeJson(path.join(temporary, "preprocessing.json"), run.preprocessing);
    await writePlots(temporary, run.history, run.model.name, writeFile);
    for (const file of keep) {
      const relative = path.relative(target, file);
      if (relative.startsWith("..") || path.isAbsolute(relative) || relative.startsWith(".tmp-")) continue;
      await mkdir(path.dirname(path.join(temporary, relative)), { recursive: true });
      await rename(file, path.join(temporary, relative)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    }
  });
}

/**
 * Writes `model` (and whatever `extra` adds) into a temporary sibling of `target`, then renames it into
 * place: `target` holds the old files or the new ones, never half of each.
 */
export async function writeModelDirectory(
  target: string,
  model: tf.LayersModel,
  extra: (dir: string) => Promise<void>,
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(temporary);
  try {
    await model.save(tf.io.withSaveHandler((artifacts) => writeArtifacts(temporary, artifacts)));
    await extra(temporary);
    await replaceDirectory(temporary, target);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

async function writeArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology!,
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    weightsManifest: [{ paths: [`./${weightsFile}`], weights: artifacts.weightSpecs ?? [] }],
  };
  await writeJson(path.join(dir, "model.json"), modelJson);
  await writeFile(path.join(dir, weightsFile), new Uint8Array(weights));
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: "JSON",
      weightDataBytes: weights.byteLength,
    },
  };
}

export function writeJson(file: string, value: unknown): Promise<void> {
  return writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** rename(2) cannot replace a non-empty directory, so an old run is moved aside first, then removed. */
async function replaceDirectory(from: string, to: string): Promise<void> {
  const old = `${to}.old-${process.pid}-${Date.now()}`;
  const hadOld = await rename(to, old).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
  await rename(from, to);
  if (hadOld) await rm(old, { recursive: true, force: true });
}
