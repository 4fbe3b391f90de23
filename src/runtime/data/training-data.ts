/**
 * What a train block says about its data, and what a run records about how it read it. The data itself is
 * opened for training in `batches.ts`.
 */
import type { IrCall, IrTrain } from "../../compiler/ir/index.js";
import type { Normalization } from "./index.js";
import type { TargetScaling } from "./targets.js";
import type { SavedVocabulary } from "./text.js";
import type { ImageReading } from "./image-resize.js";

/**
 * What loading the data needs from a train block: the source, the loss (it decides the targets), the outputs,
 * the input reproduced (`target:`), the split.
 */
export type DataSettings = Pick<
  IrTrain,
  "data" | "loss" | "outputs" | "validationSplit" | "shuffle" | "validation" | "target"
>;

/** How training read its features, so that new data is read the same way (`preprocessing.json` of a run). */
export interface Preprocessing {
  /** The training data's source kind: `csv`, `json`, `idx` or `npy`. */
  readonly source: string;
  /** Its label column. */
  readonly label: string;
  /** Its feature columns, in the order the model sees them; empty for arrays (`idx`, `npy`). */
  readonly features: readonly string[];
  /** The scaling fitted on the training data (`normalize:`), or null. */
  readonly normalization: Normalization | null;
  /** For `idx` images: whether pixels were scaled to [0, 1] (`scale:`). */
  readonly scale?: boolean;
  /**
   * For `npy(x: inputs(a: ..., b: ...))`: the model inputs fed one file each, in the order written (and so of
   * the files `nnc evaluate --data` takes). Absent for one features file, and in runs saved before it existed.
   */
  readonly inputs?: readonly string[];
  /** csv() and json() read with `features: { a: [...], b: [...] }`: each model input's columns. */
  readonly featuresPerInput?: { readonly [input: string]: readonly string[] };
  /** Label columns per output (`labels: { kind: "species" }`); `label` is then empty. */
  readonly labels?: { readonly [output: string]: string };
  /**
   * Each output's target scaling (`normalize_target: standard`), in the model's output order, null for an
   * output whose targets are not values; `nnc predict` undoes it, `nnc evaluate` reports in the targets' units.
   */
  readonly targetScaling?: readonly (TargetScaling | null)[];
  /** The model input trained to be reproduced (`target:`): no labels are read. */
  readonly target?: string;
  /** For a model of one input fed a sequence (a JSON array field): that field. */
  readonly sequence?: string;
  /** The value sequences were padded with (`pad:`), when not 0. */
  readonly pad?: number;
  /** For an images() folder: how each file became an example (size, colour mode, interpolation, crop). */
  readonly images?: ImageReading;
  /** For `text(...)`: the vocabulary fitted on the training rows, saved as `vocabulary.json`, not in this file. */
  readonly vocabulary?: SavedVocabulary;
}

/**
 * `source` with the columns training read: the saved feature columns (or columns per input) in place of the
 * source's own, so their order in a file does not matter.
 */
export function readAsTrained(source: IrCall, preprocessing: Preprocessing | null): IrCall {
  if (source.name === "images" && preprocessing?.images)
    return { ...source, args: { ...source.args, ...preprocessing.images } };
  const tabular = source.name === "csv" || source.name === "json";
  if (!tabular || !preprocessing) return source;
  const args = { ...source.args };
  if (preprocessing.featuresPerInput) args["features"] = { ...preprocessing.featuresPerInput };
  else if (preprocessing.features.length > 0) args["features"] = [...preprocessing.features];
  return { ...source, args };
}
