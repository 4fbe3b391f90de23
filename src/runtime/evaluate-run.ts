/**
 * `nnc evaluate`: a saved run's loss and metrics on labelled data, as Keras's `model.evaluate` reports them
 * (`{ loss, accuracy }`). The data is read by the train block's own readers with its options, batch by batch
 * (a file larger than memory streams, as in training); features are
 * picked and scaled as training did (`preprocessing.json`), and class labels are encoded with the training
 * classes (`labels.json`), so the figures mean what `val_loss` and `val_accuracy` meant during training.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { lossesOf, type IrCall, type IrTrain, type JsonValue } from "../compiler/ir/index.js";
import { dataSources } from "../compiler/registry/data-sources.js";
import { checkLabels, recordOptions } from "./data/batches.js";
import { embeddingIds } from "./data/embedding-ids.js";
import { evaluationTargets } from "./data/saved-data.js";
import { readAsTrained } from "./data/training-data.js";
import { unweighted } from "./data/sample-weight.js";
import { openRecords, type RecordOptions, type RecordReader } from "./data/records.js";
import { toDataset, type TargetSettings } from "./data/tensors.js";
import { NncUserError } from "./errors.js";
import { inTargetUnits, kerasFigures, targetUnitFactors, type Figures } from "./figures.js";
import { compileForTraining, evaluateBatch, type EpochFigures } from "./metrics.js";
import type { SavedRun } from "./saved-run.js";

export interface Evaluation {
  /** Loss and metrics under their Keras names, in Keras's order. */
  readonly figures: Figures;
  /** The data evaluated, as shown in messages. */
  readonly source: string;
  readonly rows: number;
  /** Rows left out for a missing value (`missing: drop`), which `rows` does not count. */
  readonly dropped: number;
  /** The line saying which files `corrupt: skip` left out, when it left some out. */
  readonly skipped?: string;
  /** Whether the data was streamed, and the most rows held at once (as a trained run reports them). */
  readonly data: { readonly streamed: boolean; readonly peakRows: number };
}

/** Table sources by a file's extension: `--data` may give JSON Lines for a model trained on CSV. */
const tableSourceByExtension: Readonly<Record<string, string>> = {
  ".csv": "csv",
  ".json": "json",
  ".jsonl": "json",
  ".ndjson": "json",
};

/**
 * The data to evaluate on: by default the train block's `validation` source, or its `data`; with `files`,
 * the train block's source with its paths replaced: one file of rows for csv() and json() (the extension
 * picks which), `images labels` for idx(), `x y` for npy(), where a map of files (one per input, one per
 * output) takes one file per entry in the order written, x's then y's; a source read without labels
 * (`target:`) takes no labels file. The other options (label, features, scale) stay.
 */
export function evaluationSource(train: IrTrain, files?: readonly string[]): IrCall {
  if (files === undefined || files.length === 0) return train.validation ?? train.data;
  // Evaluation is unweighted: a weights file is not one of the files --data replaces.
  const source = unweighted(train.data);
  // Each path argument as the files it holds: `x`, or `x.a`, `x.b` for one file per input.
  const slots = dataSources[source.name]!.paths.flatMap(
    (key): { key: string; entry: string | null; shown: string }[] => {
      const value = source.args[key];
      if (value === undefined) return [];
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? Object.keys(value).map((entry) => ({ key, entry, shown: `${key}.${entry}` }))
        : [{ key, entry: null, shown: key }];
    },
  );
  const tabular = source.name === "csv" || source.name === "json";
  const name = tabular ? tableSourceByExtension[path.extname(files[0]!).toLowerCase()] : source.name;
  if (files.length !== slots.length || name === undefined) {
    const list = slots.map((slot) => slot.shown).join(", ");
    const wanted = tabular ? "one .csv, .json or .jsonl file" : `${slots.length} files (${list})`;
    throw new NncUserError("NN4005", {
      path: files.join(" "),
      reason: `train ${train.model} reads ${source.name}() data, so --data takes ${wanted}`,
    });
  }
  const args: Record<string, JsonValue> = { ...source.args };
  slots.forEach(({ key, entry }, i) => {
    const file = path.resolve(files[i]!);
    if (entry === null) args[key] = file;
    else args[key] = { ...(args[key] as Record<string, JsonValue>), [entry]: file };
  });
  return { name, args };
}

/**
 * How evaluation reads its data (tests lower the threshold to stream a small file); `compiled`, the figures of
 * a model compiled for training already (a `test:` source evaluated as training ends), which is then not
 * compiled again.
 */
export type EvaluateOptions = Pick<RecordOptions, "streamAbove" | "chunkRows"> & { readonly compiled?: EpochFigures };

/**
 * Evaluates `run` on `source` with the train block's loss, metrics and batch size. The data is read batch by
 * batch, as training reads it (a file larger than memory streams), and each figure is the mean of the batches'
 * figures weighted by their rows, which is how tfjs's and Keras's evaluate average them.
 */
export async function evaluateRun(
  run: SavedRun,
  train: Omit<IrTrain, "location">,
  source: IrCall,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const { compiled: trained, ...reading } = options;
  const { reader, targets } = await openEvaluation(run, train, source, reading);
  try {
    const model = run.model;
    // evaluate() needs a compiled model; the optimizer is never stepped.
    const compiled = trained ?? compileForTraining(model, train, "sgd");
    const sums: Record<string, number> = {};
    for (let start = 0; start < reader.rows; start += train.batchSize) {
      const indices = Array.from({ length: Math.min(train.batchSize, reader.rows - start) }, (_, i) => start + i);
      const dataset = toDataset(reader.read(indices), model, targets, [...indices.keys()]);
      try {
        const values = compiled.values(await evaluateBatch(model, dataset.x, dataset.y));
        for (const [key, value] of Object.entries(values)) sums[key] = (sums[key] ?? 0) + value * indices.length;
        await compiled.gather(sums);
      } finally {
        tf.dispose([dataset.x, dataset.y]);
      }
    }
    const figures = kerasFigures(compiled.figures(sums, reader.rows), compiled.names);
    return {
      figures: inTargetUnits(figures, targetUnitFactors(compiled.metricFigures, targets.scaling)),
      source: reader.source,
      rows: reader.rows,
      dropped: reader.dropped,
      ...(reader.skipped ? { skipped: reader.skipped.notice } : {}),
      data: { streamed: reader.streamed, peakRows: reader.peakRows },
    };
  } finally {
    reader.close();
  }
}

/**
 * `source` opened for evaluating `run`, every label checked (a class outside the training classes is an error),
 * and how its targets are made; the caller closes the reader. `test:` checks its source so before training.
 */
export async function openEvaluation(
  run: SavedRun,
  train: Omit<IrTrain, "location">,
  source: IrCall,
  options: EvaluateOptions = {},
): Promise<{ readonly reader: RecordReader; readonly targets: TargetSettings }> {
  const targets = evaluationTargets(run, train, source);
  const reader = await openLabelled(run, source, targets, train.outputs, options);
  try {
    if (reader.rows === 0) throw new NncUserError("NN4007", { detail: `${reader.source} has no rows to evaluate on` });
    checkLabels(reader, run.model, targets);
    return { reader, targets };
  } catch (error) {
    reader.close();
    throw error;
  }
}

/** The rows of `source` with the training features, scaled with the training statistics. */
async function openLabelled(
  run: SavedRun,
  source: IrCall,
  targets: TargetSettings,
  outputs: readonly string[] | undefined,
  options: EvaluateOptions,
): Promise<RecordReader> {
  const preprocessing = run.preprocessing;
  if (source.args["normalize"] !== undefined && !preprocessing?.normalization) {
    throw new NncUserError("NN4010", {
      path: `${run.shownAs}/preprocessing.json`,
      reason: "no normalization statistics, which the data's normalize: needs; train the model again to save them",
    });
  }
  return openRecords(unweighted(readAsTrained(source, preprocessing)), {
    ...options,
    ...recordOptions(targets, outputs),
    embeddingIds: embeddingIds(run.model),
    // The training data's scaling decides, whatever this source's own normalize: says.
    ...(preprocessing ? { normalization: preprocessing.normalization } : {}),
    // A text source is vectorized with the training vocabulary (vocabulary.json).
    ...(preprocessing?.vocabulary ? { vocabulary: preprocessing.vocabulary } : {}),
  });
}
