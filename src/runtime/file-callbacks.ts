/**
 * Callbacks that watch the loss or write into the run folder: `terminate_on_nan` (always on),
 * `model_checkpoint` and `csv_logger`. Every file is written through the run folder (run-folder.ts): recorded
 * in its marker as nnc's, then written atomically (a temporary beside it renamed into place), so a crash
 * mid-write leaves the previous version.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { normalRunPath, runFolders, runPathProblem, savedRunFiles } from "../compiler/registry/run-files.js";
import type { CallbackState, Resumable } from "./callbacks.js";
import { NncUserError } from "./errors.js";
import { kerasFigures, type FigureNames } from "./figures.js";
import type { RunFolder } from "./run-folder.js";
import { writeJson, writeModelFiles, type Run } from "./save.js";
import { writePreprocessing } from "./saved-vocabulary.js";
import { logValue } from "./schedule-callbacks.js";

/** A callback that writes files into the run folder (absolute paths); the final save keeps them. */
export interface FileCallback {
  readonly written: ReadonlySet<string>;
}

/**
 * Keras's TerminateOnNaN, and more talkative: a loss that is NaN or infinite stops training with an
 * NN4009 error naming the epoch and step (both 1-based, as the progress bar counts them).
 */
export class TerminateOnNaN extends tf.Callback {
  private epoch = 0;

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs?: tf.Logs): Promise<void> {
    const loss = await logValue(logs, "loss");
    if (loss === undefined || Number.isFinite(loss)) return;
    throw new NncUserError(
      "NN4009",
      { epoch: this.epoch + 1, step: batch + 1, value: String(loss) },
      "try a lower learning_rate; a rate that is too high makes the weights diverge",
    );
  }
}

export interface CheckpointSettings {
  /** The tfjs log key of the watched figure. */
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly saveBestOnly: boolean;
  readonly every: number;
  /** The run's figures, which checkpoint.json records under their Keras names (with `lr`). */
  readonly names: FigureNames;
}

/** What a saved run holds besides the model, for `nnc evaluate` and `nnc predict` (see save.ts). */
export type CheckpointAbout = Partial<Pick<Run, "labels" | "preprocessing">>;

/**
 * Keras's ModelCheckpoint: after an epoch, saves the model to `<run>/checkpoint/` (model.json, weights.bin,
 * checkpoint.json with the epoch and its figures, and labels.json and preprocessing.json as a saved run has
 * them, so `nnc evaluate` and `nnc predict` take the checkpoint as they take the run) when the monitored
 * figure improved (`save_best_only`), or every `every` epochs.
 */
export class ModelCheckpoint extends tf.Callback implements FileCallback, Resumable {
  readonly kind = "ModelCheckpoint";
  readonly written = new Set<string>();
  private best = Infinity;

  constructor(
    private readonly folder: RunFolder,
    private readonly settings: CheckpointSettings,
    private readonly about: CheckpointAbout = {},
  ) {
    super();
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    if (this.settings.saveBestOnly) {
      const value = await logValue(logs, this.settings.monitor);
      if (value === undefined) return;
      const score = this.settings.mode === "max" ? -value : value;
      if (!(score < this.best)) return;
      this.best = score;
    } else if ((epoch + 1) % this.settings.every !== 0) {
      return;
    }
    const model = this.model as tf.LayersModel;
    const sub = runFolders.checkpoint;
    const resolved: tf.Logs = {};
    for (const key of Object.keys(logs ?? {})) {
      const value = await logValue(logs, key);
      if (value !== undefined) resolved[key] = value;
    }
    const figures = kerasFigures(resolved, [...this.settings.names, ["lr", "lr"]]);
    const { labels, preprocessing } = this.about;
    // checkpoint.json last: it says which epoch the files beside it are.
    await writeModelFiles(this.folder, sub, model);
    if (labels) await writeJson(this.folder, `${sub}/${savedRunFiles.labels}`, labels);
    if (preprocessing)
      await writePreprocessing(preprocessing, (file, value) => writeJson(this.folder, `${sub}/${file}`, value));
    await writeJson(this.folder, `${sub}/${savedRunFiles.checkpointInfo}`, { epoch: epoch + 1, figures });
    this.written.add(path.join(this.folder.dir, sub));
  }

  saveState(): CallbackState {
    return { values: { best: this.best, written: relativeTo(this.folder.dir, this.written) } };
  }

  loadState(state: CallbackState): void {
    this.best = Number(state.values["best"]);
    for (const file of state.values["written"] as string[]) this.written.add(file);
  }
}

/**
 * Keras's CSVLogger: one row per epoch, `epoch` then the figures under their Keras names and `lr`. The
 * whole file is rewritten atomically after each epoch; with `append`, rows from an earlier run stay.
 */
export class CsvLogger extends tf.Callback implements FileCallback, Resumable {
  readonly kind = "CsvLogger";
  readonly written = new Set<string>();
  private readonly names: FigureNames;
  private readonly file: string;
  private lines: string[] = [];

  /** `file` is relative to the run folder; one that leads out of it or onto nnc's own files is NN4015. */
  constructor(
    private readonly folder: RunFolder,
    file: string,
    private readonly append: boolean,
    names: FigureNames,
  ) {
    super();
    const problem = runPathProblem(file);
    if (problem !== null)
      throw new NncUserError("NN4015", { callee: "csv_logger", argument: "path", path: file, problem });
    this.file = normalRunPath(file);
    this.names = [...names, ["lr", "lr"]];
  }

  override async onTrainBegin(): Promise<void> {
    this.lines = [];
    if (!this.append) return;
    const previous = await readFile(path.join(this.folder.dir, this.file), "utf8").catch(() => "");
    this.lines = previous.split("\n").filter((line) => line !== "");
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const resolved: tf.Logs = {};
    for (const [, key] of this.names) {
      const value = await logValue(logs, key);
      if (value !== undefined) resolved[key] = value;
    }
    const figures = kerasFigures(resolved, this.names);
    if (this.lines.length === 0) this.lines.push(["epoch", ...Object.keys(figures)].join(","));
    this.lines.push([epoch + 1, ...Object.values(figures)].join(","));
    await this.folder.writeFile(this.file, `${this.lines.join("\n")}\n`);
    this.written.add(path.join(this.folder.dir, this.file));
  }

  saveState(): CallbackState {
    return { values: { lines: this.lines, written: relativeTo(this.folder.dir, this.written) } };
  }

  loadState(state: CallbackState): void {
    this.lines = [...(state.values["lines"] as string[])];
    for (const file of state.values["written"] as string[]) this.written.add(file);
  }
}

/**
 * The files a callback wrote, relative to the run folder (`/`-separated) as a checkpoint keeps them: a run
 * folder copied or moved elsewhere still names its own files (checkpoint-checks.ts makes them absolute again).
 */
function relativeTo(dir: string, files: ReadonlySet<string>): string[] {
  return [...files].map((file) => path.relative(dir, file).split(path.sep).join("/"));
}
