/**
 * A run that `nnc train` saved (`saveRun`), loaded back for `nnc evaluate` and `nnc predict`: the model from
 * `model.json` + `weights.bin` through `tf.loadLayersModel` (tfjs's `file://` handler needs tfjs-node, so the
 * files are read here and handed over with `tf.io.fromMemory`), the class names of `labels.json` and the
 * feature columns and scaling of `preprocessing.json`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { formatNnShape, type IrModel, type Shape } from "../compiler/ir/index.js";
import type { Preprocessing } from "./data/training-data.js";
import { NncUserError } from "./errors.js";
import { openSavedFolder, readRunJson, runFile, unusable, weightBytes, type SavedFolder } from "./saved-files.js";
import type { Labels, OutputClasses } from "./save.js";
import { readVocabulary } from "./saved-vocabulary.js";

export interface SavedRun {
  /** The run directory as shown in messages. */
  readonly shownAs: string;
  /** Every file read from the run folder (real paths), which no output of the command may replace. */
  readonly files: readonly string[];
  readonly model: tf.LayersModel;
  /** The training data's classes, index i being output i; null for regression. */
  readonly labels: Labels | null;
  /** How training read its features; null for a run saved without it. */
  readonly preprocessing: Preprocessing | null;
}

/**
 * Loads the run in `dir`. Every file is validated before use (saved-files.ts): `model.json` against its schema,
 * its weight files' paths kept inside the run folder and their total size against the manifest's specs, and
 * `labels.json`, `preprocessing.json` and a checkpoint's `checkpoint.json` when present. A missing or damaged
 * file is NN4010 naming it and the field.
 */
export async function loadRun(dir: string): Promise<SavedRun> {
  const run = openSavedFolder(dir);
  const { shownAs } = run;
  const { modelJson, files, weightSpecs, weightData } = readSavedModel(run);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }),
    );
  } catch (error) {
    throw unusable(run, "model.json", `tfjs cannot load it: ${oneLine((error as Error).message)}`);
  }
  const optional = ["checkpoint.json", "labels.json", "preprocessing.json", "vocabulary.json"].filter((name) =>
    existsSync(path.join(run.real, name)),
  );
  readRunJson(run, "checkpoint.json", "checkpoint", { optional: true });
  const labels = readRunJson<Labels>(run, "labels.json", "labels", { optional: true });
  const saved = readRunJson<Preprocessing>(run, "preprocessing.json", "preprocessing", { optional: true });
  // A run trained on text() keeps its vocabulary beside preprocessing.json (saved-vocabulary.ts).
  const preprocessing = saved?.source === "text" ? { ...saved, vocabulary: readVocabulary(run) } : saved;
  // The outputs' names, in the model's order, are the keys of the label columns training read.
  const outputs = preprocessing?.labels ? Object.keys(preprocessing.labels) : undefined;
  if (labels) checkSavedClasses(run, model, labels, outputs);
  const normalization = preprocessing?.normalization;
  if (normalization) {
    const columns = preprocessing.features.length;
    const lengths = [normalization.shift.length, normalization.scale.length];
    if (lengths.some((n) => n !== (columns > 0 ? columns : lengths[0]))) {
      throw unusable(
        run,
        "preprocessing.json",
        `normalization has ${lengths.join(" shifts and ")} scales${columns > 0 ? ` for ${columns} features` : ""}; they must match`,
      );
    }
  }
  const read = [runFile(run, "model.json"), ...files, ...optional.map((name) => runFile(run, name))];
  return { shownAs, files: read, model, labels, preprocessing };
}

/**
 * A run's `model.json` (validated) and the weights its manifest names, read whole (`files`: their real paths).
 * `loadRun` loads the model from them; runtime/transfer.ts takes single layers' weights.
 */
export function readSavedModel(run: SavedFolder): {
  readonly modelJson: tf.io.ModelJSON;
  readonly files: readonly string[];
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
} {
  const modelJson = readRunJson<tf.io.ModelJSON>(run, "model.json", "model")!;
  const groups = modelJson.weightsManifest;
  const files = groups.flatMap((group, g) =>
    group.paths.map((file, i) =>
      runFile(run, file, { file: "model.json", field: `weightsManifest[${g}].paths[${i}]` }),
    ),
  );
  const weightSpecs = groups.flatMap((group) => group.weights);
  const expected = weightBytes(weightSpecs);
  // Sizes first: a weights file far larger than the manifest says is refused before it is read.
  const total = files.reduce((sum, file) => sum + statSync(file).size, 0);
  if (total !== expected) {
    const names = groups.flatMap((group) => group.paths).join(", ");
    throw unusable(
      run,
      "model.json",
      `its weight files (${names}) hold ${total} bytes, but weightsManifest describes ${expected}`,
    );
  }
  const shards = files.map((file) => readFileSync(file));
  return { modelJson, files, weightSpecs, weightData: tf.io.CompositeArrayBuffer.join(shards.map(bufferOf)) };
}

/** tfjs's messages may span lines; an NN4010 is one. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * The model of `models` that `run` holds: the one with the saved model's name, whose input and output
 * shapes must be the saved ones. Throws NN4011 naming both shapes when they differ.
 */
export function specModelFor(run: SavedRun, models: readonly IrModel[], specShownAs: string): IrModel {
  const name = run.model.name;
  const model = models.find((m) => m.name === name) ?? (models.length === 1 ? models[0] : undefined);
  if (!model) {
    const names = models.map((m) => `'${m.name}'`).join(", ");
    throw new NncUserError("NN4011", {
      detail: `${run.shownAs} holds model '${name}', but ${specShownAs} has no model of that name (it has ${names})`,
    });
  }
  const saved = signature(
    run.model.inputs.map((t) => t.shape.slice(1)),
    run.model.outputs.map((t) => t.shape.slice(1)),
  );
  const spec = signature(
    model.inputs.map((input) => input.shape),
    model.outputs.map((ref) => outputShape(model, ref.node, ref.index)),
  );
  if (saved !== spec) {
    throw new NncUserError("NN4011", {
      detail: `${run.shownAs} holds model '${name}' with ${saved}, but model '${model.name}' of ${specShownAs} has ${spec}`,
    });
  }
  return model;
}

/** `input [4] -> output [3]`, with tfjs's unknown sizes and the spec's symbolic ones both shown as `?`. */
function signature(inputs: readonly Shape[], outputs: readonly Shape[]): string {
  const shapes = (list: readonly Shape[]) =>
    list.map((shape) => formatNnShape(shape.map((d) => (typeof d === "number" ? d : null)))).join(", ");
  const plural = (word: string, list: readonly Shape[]) => (list.length === 1 ? word : `${word}s`);
  return `${plural("input", inputs)} ${shapes(inputs)} -> ${plural("output", outputs)} ${shapes(outputs)}`;
}

function outputShape(model: IrModel, node: string, index: number): Shape {
  const layer = model.layers.find((l) => l.name === node);
  return layer ? layer.outputShapes[index]! : model.inputs.find((i) => i.name === node)!.shape;
}

function bufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * `labels.json`'s classes fit the model's output as training required of them (data/targets.ts): one sigmoid
 * unit for two classes, else a unit per class. Classes per output (a model of several) are checked against
 * each output once `outputs` (the outputs' names, in the model's order) is known.
 */
function checkSavedClasses(
  run: SavedFolder,
  model: tf.LayersModel,
  labels: Labels,
  outputs: readonly string[] | undefined,
): void {
  if ("outputs" in labels) {
    if (model.outputs.length === 1)
      throw unusable(run, "labels.json", "it lists classes per output, but the model has one output");
    if (outputs?.length !== model.outputs.length) return;
    for (const [name, { classes }] of Object.entries(labels.outputs)) {
      const k = outputs.indexOf(name);
      if (k < 0) {
        throw unusable(
          run,
          "labels.json",
          `it lists classes of output '${name}', which the model does not have (its outputs: ${outputs.join(", ")})`,
        );
      }
      const units = model.outputs[k]!.shape.at(-1);
      if (!fitsUnits(classes, units)) {
        throw unusable(
          run,
          "labels.json",
          `classes of output '${name}' lists ${classes.length} classes, more than the output's ${units} units hold`,
        );
      }
    }
    return;
  }
  const { classes } = labels as OutputClasses;
  const units = model.outputs.length === 1 ? model.outputs[0]!.shape.at(-1) : null;
  if (!fitsUnits(classes, units)) {
    throw unusable(
      run,
      "labels.json",
      `classes lists ${classes.length} classes, more than the model's ${units} outputs hold`,
    );
  }
}

/** Whether an output of `units` units holds `classes`: two for one sigmoid unit, else one unit per class. */
function fitsUnits(classes: readonly string[], units: number | null | undefined): boolean {
  return typeof units !== "number" || (units === 1 ? classes.length <= 2 : classes.length <= units);
}
