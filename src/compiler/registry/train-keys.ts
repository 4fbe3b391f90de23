/**
 * The keys of a `train` block, one entry each: the name written in the spec, whether it is required, how its
 * value is read (`value`, a kind that check/train-block.ts checks and whose names come from train-options.ts),
 * what it is when not written, its line in docs/language.md's table, and the `IrTrain` field it fills. That
 * field is how the key reaches the runtime: `nnc train` passes the `IrTrain` to `trainModel`, and an emitted
 * module prints the fields in this order into its call of `runTraining` (`TrainSettings` is `IrTrain` without
 * its location). The checker, the emitter, the docs table (scripts/docs-tables.ts) and the language server's
 * completion read this list; nothing else names the keys.
 */
import type { IrCall, IrTrain, PerOutput } from "../ir/index.js";
import type { Callable } from "./callable.js";
import { callbacks, losses, metrics, optimizers, schedules, type CallbackKind } from "./train-options.js";
import { dataSources, type DataSourceKind } from "./data-sources.js";
import { fineTunes, weightSources } from "./transfer-options.js";

/** How a key's value is read; each kind is one check in check/train-block.ts. */
export type TrainValue =
  | { readonly kind: "integer"; readonly minimum: 0 | 1 }
  | { readonly kind: "fraction" }
  | { readonly kind: "boolean" }
  /** A name from `table`, as a symbol or a string. */
  | { readonly kind: "name"; readonly what: string; readonly table: Readonly<Record<string, unknown>> }
  /** A name or a list of names from `table`, each once. */
  | { readonly kind: "names"; readonly what: string; readonly table: Readonly<Record<string, unknown>> }
  /** A call of one of `table`'s entries, its arguments checked by their schemas. */
  | { readonly kind: "call"; readonly what: string; readonly table: Readonly<Record<string, Callable>> }
  /** A data source call whose paths are made absolute against the spec's folder (and printed relative to an emitted module). */
  | { readonly kind: "data source"; readonly what: string; readonly table: Readonly<Record<string, DataSourceKind>> }
  /** A learning-rate schedule call; one that watches a figure must watch one the training reports. */
  | { readonly kind: "schedule"; readonly what: string; readonly table: Readonly<Record<string, Callable>> }
  /** A callback call or a list of them; each watches a figure the training reports and writes inside the run folder. */
  | { readonly kind: "callbacks"; readonly what: string; readonly table: Readonly<Record<string, CallbackKind>> }
  /**
   * `each` (a name, or names) once for every output, or per output as Keras's dicts and lists: a map keyed by
   * output names, or a list in output order (check/train-outputs.ts). `every` says whether each output needs one.
   */
  | {
      readonly kind: "per output";
      readonly each: "name" | "names";
      readonly every: boolean;
      readonly what: string;
      readonly table: Readonly<Record<string, unknown>>;
    }
  /** A number above 0 per output, keyed by output name (or a list in output order); outputs left out weigh 1. */
  | { readonly kind: "weights" }
  /** `balanced` or a weight per class name; by output name for several outputs (check/class-weights.ts). */
  | { readonly kind: "class weights" }
  /** `input` (the model's one input) or one of the model's input names (check/train-target.ts). */
  | { readonly kind: "input" };

/** What each kind of value is once checked. */
interface CheckedValue {
  integer: number;
  fraction: number;
  boolean: boolean;
  name: string;
  names: readonly string[];
  call: IrCall;
  "data source": IrCall;
  schedule: IrCall;
  callbacks: readonly IrCall[];
  weights: { readonly [output: string]: number } | null;
  "class weights": NonNullable<IrTrain["classWeight"]>;
  input: string;
}

/** What a value of `V` is once checked. */
type Checked<V extends TrainValue> = V extends { readonly kind: "per output"; readonly each: infer E }
  ? PerOutput<CheckedValue[E & keyof CheckedValue]>
  : CheckedValue[V["kind"] & keyof CheckedValue];

/** The `IrTrain` fields that keys fill: all but the model's name (the block's header) and the locations. */
export type TrainField = Exclude<keyof IrTrain, "model" | "location" | "keyLocations">;

export interface TrainKey {
  readonly name: string;
  readonly field: TrainField;
  readonly required: boolean;
  readonly value: TrainValue;
  /** The field's value when the key is not written; undefined leaves the field out. */
  readonly default?: IrTrain[TrainField];
  /** The key's row in docs/language.md's table of train keys (Markdown). */
  readonly doc: string;
}

/** One key, typed so that its value kind and default fit the `IrTrain` field it fills. */
function key<F extends TrainField, V extends TrainValue>(entry: {
  readonly name: string;
  readonly field: F & (Checked<V> extends IrTrain[F] ? F : never);
  readonly required: boolean;
  readonly value: V;
  readonly default?: IrTrain[F];
  readonly doc: string;
}): TrainKey {
  return entry;
}

/**
 * Every key, in the order the checker reads them (a key's check may depend on keys before it: `lr_schedule`
 * and `callbacks` watch the `metrics` and need `validation_split` or `validation` for `val_` figures) and the
 * emitter prints their fields.
 */
export const trainKeys: readonly TrainKey[] = [
  key({
    name: "data",
    field: "data",
    required: true,
    value: { kind: "data source", what: "data source", table: dataSources },
    doc:
      "a data source: `csv(path, label: column)` or `json(path, label: field)` (`labels: { output: column }` " +
      "for several outputs, `features:`, `normalize:`, `normalize_target:`, `missing:`, `pad:`, `sample_weight:` a column of row weights), " +
      "`idx(images, labels)`, `npy(x, y)` (`sample_weight:` a file of row weights), `images(folder)`, a folder of PNG and JPEG files with one sub-folder per class " +
      "(`size:` and `color:` default to the model input's, `interpolation:`, `crop_to_aspect_ratio:`, `class_names:`, `corrupt: skip`), " +
      "or `text(path, text: column, label: column, max_tokens: N)`, raw text of a CSV or JSON Lines file vectorized as Keras's " +
      "TextVectorization, its vocabulary fitted on the training rows (`sequence_length:`, `standardize:`, `split:`, `ngrams:`, " +
      "`output_mode: int | multi_hot | count | tf_idf`, `missing:`)",
  }),
  key({
    name: "loss",
    field: "loss",
    required: true,
    value: { kind: "per output", each: "name", every: true, what: "loss", table: losses },
    doc:
      "a loss name, for every output; or one per output, keyed by output name: `{ kind: categorical_crossentropy, " +
      "price: mse }` (or a list in output order)",
  }),
  key({
    name: "loss_weights",
    field: "lossWeights",
    required: false,
    value: { kind: "weights" },
    doc:
      "a number above 0 per output, keyed by output name: `{ kind: 1, price: 0.5 }` (or a list in output order); " +
      "the total loss is the weighted sum of the outputs' losses (default: every output 1)",
  }),
  key({
    name: "class_weight",
    field: "classWeight",
    required: false,
    value: { kind: "class weights" },
    doc:
      "Keras's `class_weight`: each training example's loss times its class's weight, `{ setosa: 2, versicolor: 1 }` " +
      'by class name as the labels are read (a number label as a string, `"0": 3`; classes left out weigh 1), or ' +
      "`balanced` (`rows / (classes * rows of the class)` over the training rows; a class without training rows is an error, as in scikit-learn); keyed by output name for " +
      "several outputs. Only for a loss on classes",
  }),
  key({
    name: "optimizer",
    field: "optimizer",
    required: true,
    value: { kind: "call", what: "optimizer", table: optimizers },
    doc: "an optimizer: `adam` or `adam(learning_rate: 1e-3, ...)`",
  }),
  key({
    name: "metrics",
    field: "metrics",
    required: false,
    value: { kind: "per output", each: "names", every: false, what: "metric", table: metrics },
    default: [],
    doc:
      "a metric name or a list of them, each once: `[accuracy]`, for every output; or per output, keyed by output " +
      "name: `{ kind: [accuracy], price: [mae] }`",
  }),
  key({
    name: "epochs",
    field: "epochs",
    required: true,
    value: { kind: "integer", minimum: 1 },
    doc: "a positive integer",
  }),
  key({
    name: "batch_size",
    field: "batchSize",
    required: true,
    value: { kind: "integer", minimum: 1 },
    doc: "a positive integer",
  }),
  key({
    name: "validation_split",
    field: "validationSplit",
    required: false,
    value: { kind: "fraction" },
    default: 0,
    doc: "the fraction of rows held out for validation, `0 <= x < 1` (default `0`)",
  }),
  key({
    name: "validation",
    field: "validation",
    required: false,
    value: { kind: "data source", what: "data source", table: dataSources },
    doc:
      "a separate data source to validate on, read like `data` (its labels must be among the training classes); " +
      "not together with `validation_split`",
  }),
  key({
    name: "test",
    field: "test",
    required: false,
    value: { kind: "data source", what: "data source", table: dataSources },
    doc:
      "a data source evaluated once when training ends, with the final (or restored best) weights, read like " +
      "`validation`: `test_loss` and the test metrics are printed, returned and saved in the run's `test.json`",
  }),
  key({
    name: "target",
    field: "target",
    required: false,
    value: { kind: "input" },
    default: null,
    doc:
      "`input` (the model's one input) or the name of one of its inputs: the model learns to reproduce that " +
      "input (an autoencoder), whose shape its output must have; the data source then gives no labels",
  }),
  key({
    name: "shuffle",
    field: "shuffle",
    required: false,
    value: { kind: "boolean" },
    default: true,
    doc: "`true` (default) or `false`: shuffle the rows before holding out, and each epoch",
  }),
  key({
    name: "seed",
    field: "seed",
    required: false,
    value: { kind: "integer", minimum: 0 },
    default: null,
    doc:
      "a non-negative integer: makes row order, initial weights and dropout reproducible (without it, a run draws " +
      "a seed and records it in its checkpoints)",
  }),
  key({
    name: "lr_schedule",
    field: "lrSchedule",
    required: false,
    value: { kind: "schedule", what: "learning-rate schedule", table: schedules },
    default: null,
    doc: "a learning-rate schedule; it starts at the optimizer's `learning_rate`",
  }),
  key({
    name: "callbacks",
    field: "callbacks",
    required: false,
    value: { kind: "callbacks", what: "callback", table: callbacks },
    default: [],
    doc: "a callback or a list of them",
  }),
  key({
    name: "init",
    field: "init",
    required: false,
    value: { kind: "data source", what: "weight source", table: weightSources },
    doc:
      "`from_run(path)`: start from the weights of a trained run, layer by layer where the names match (the " +
      "others keep their initial weights)",
  }),
  key({
    name: "fine_tune",
    field: "fineTune",
    required: false,
    value: { kind: "call", what: "fine-tuning", table: fineTunes },
    doc:
      "`fine_tune(epochs, learning_rate, unfreeze: all)`: after `epochs`, make the layers `unfreeze` names (`all` " +
      "or a list) trainable and train `epochs` more at `learning_rate`",
  }),
];

/** The required keys' names, in table order (the language server's completion offers them first). */
export const requiredTrainKeys = trainKeys.filter((k) => k.required).map((k) => k.name);
/** The optional keys' names, in table order. */
export const optionalTrainKeys = trainKeys.filter((k) => !k.required).map((k) => k.name);
