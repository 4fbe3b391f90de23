/**
 * The IR, the checked graph: what the checker proves and what the lints, the emitter, the summary and the
 * runtime consume. shapes.ts holds the arithmetic of its shapes, exact.ts the exact counting of its figures.
 *
 * In: what check/ builds. Out: plain, JSON-serialisable data. Shapes never include the batch dimension.
 * Layers are in topological order and each names the tfjs layer it becomes (`tfjs`), so the TypeScript
 * emitter and the runtime builder read one description and cannot disagree.
 */
import type { Location } from "../diagnostics/index.js";
import type { IrSweep } from "./sweep.js";

export type * from "./sweep.js";

/** A fixed size, a symbolic name (`"seq"`), or `null` for an unknown size. */
export type Dim = number | string | null;
export type Shape = readonly Dim[];
export type DType = "float32" | "int32";

export interface ParamCount {
  readonly trainable: number;
  readonly nonTrainable: number;
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * How tfjs builds a layer: `tf.layers[factory](config)`. Config keys are tfjs's camelCase names. A nested
 * layer (the `layer` of `bidirectional` or `time_distributed`) is itself a `{ factory, config }` value.
 */
export interface TfjsLayer {
  /**
   * The `tf` namespace the factory is in; `layers` when absent. A regularizer, initializer or constraint
   * with arguments in a layer's config (`kernelRegularizer: tf.regularizers.l2({ l2: 1e-4 })`) is a nested
   * `{ namespace: "regularizers", factory: "l2", config }` value.
   */
  readonly namespace?: TfjsNamespace;
  readonly factory: string;
  readonly config: { readonly [key: string]: JsonValue | TfjsLayer };
}

/**
 * `nnc` is not a tfjs namespace: it names the layers nnc's runtime implements where tfjs has none (attention,
 * positions), `layers[factory](config)` of `nnc/runtime`, each registered with tfjs's serialization so a saved
 * model loads with `tf.loadLayersModel` once `nnc/runtime` is imported.
 */
export type TfjsNamespace = "layers" | "initializers" | "regularizers" | "constraints" | "nnc";

/** One output of a graph node: an input, or output `index` of a layer. */
export interface TensorRef {
  readonly node: string;
  readonly index: number;
}

export interface IrInput {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly location: Location;
}

export interface IrLayer {
  /** Unique within the model; also the tfjs layer name. */
  readonly name: string;
  /** The registry name, `conv2d`. */
  readonly kind: string;
  readonly tfjs: TfjsLayer;
  readonly inputs: readonly TensorRef[];
  readonly outputShapes: readonly Shape[];
  readonly params: ParamCount;
  /**
   * Multiply-accumulates per sample (see `LayerKind.macs`); null when they depend on a size that is not fixed.
   * Hand-built IR may leave it out: unknown.
   */
  readonly macs?: number | null;
  /** The layer call in the source. */
  readonly location: Location;
  /** For a layer inside a block: the block call in the model that made it (the language server's hover). */
  readonly site?: Location;
  /**
   * A shared layer used again (`layer embed = ...`, then `embed` a second time): this node applies the layer of
   * the node named here, with its weights. Its `tfjs` is that layer's and its `params` are zero (the weights
   * count once, at the owner); its name is the owner's with `:1`, `:2`, ... (never a tfjs layer name).
   */
  readonly shares?: string;
}

export interface IrModel {
  readonly name: string;
  readonly inputs: readonly IrInput[];
  readonly layers: readonly IrLayer[];
  readonly outputs: readonly TensorRef[];
  /**
   * The names the `output` statement gives the outputs (`output kind, price`), in order: the keys of per-output
   * settings (`loss: { kind: ..., price: ... }`) and of figures (`kind_loss`). Absent without an `output`
   * statement (the last statement's result is the one output).
   */
  readonly outputNames?: readonly string[];
  /**
   * Every tensor the model's body names (inputs and assignments; the last value of a name assigned twice), for
   * `nnc predict --output NAME`. Hand-built IR may leave it out.
   */
  readonly tensors?: { readonly [name: string]: TensorRef };
  /**
   * Weights its layers load from trained runs (a model called with `weights:`, and the loads of the models
   * that model calls, for the layers copied with them), in the order they are loaded; absent: none.
   */
  readonly loads?: readonly IrWeightLoad[];
  readonly location: Location;
}

/**
 * Weights some layers of a model load from a trained run, matched by name: `Base(weights: "runs/Base")` copies
 * Base's layers as `Base/conv2d`, ..., which take the weights of `conv2d`, ... in that run.
 */
export interface IrWeightLoad {
  /** The run folder, absolute (a path in the spec is relative to the spec's folder). */
  readonly run: string;
  /** The layers that load weights, each by the name of its layer in the run. */
  readonly layers: { readonly [here: string]: string };
  /** The `weights:` argument's value (the call, when it is not found). */
  readonly location: Location;
}

/** A call-like setting after checking: `adam(learning_rate: 1e-3)` is `{ name: "adam", args: {...} }`. */
export interface IrCall {
  readonly name: string;
  readonly args: { readonly [key: string]: JsonValue };
}

/**
 * A train setting given once for every output (`loss: mse`), or per output, keyed by the output's name as
 * Keras's dicts are (`loss: { kind: categorical_crossentropy, price: mse }`).
 */
export type PerOutput<T> = T | { readonly [output: string]: T };

/** Whether `setting` is given per output (a map), rather than once for every output. */
export function isPerOutput<T>(setting: PerOutput<T>): setting is { readonly [output: string]: T } {
  return typeof setting === "object" && setting !== null && !Array.isArray(setting);
}

/**
 * `setting` for each output, in the model's output order (`outputs`, the train block's `outputs`; one unnamed
 * output when absent); `missing` for an output a per-output setting leaves out.
 */
export function perOutput<T>(setting: PerOutput<T>, outputs: readonly string[] | undefined, missing: T): T[] {
  const names = outputs && outputs.length > 0 ? outputs : [""];
  return names.map((name) =>
    isPerOutput(setting) ? (Object.hasOwn(setting, name) ? setting[name]! : missing) : setting,
  );
}

/** One output's `class_weight`: `balanced`, or a weight per class name (classes left out weigh 1). */
export type ClassWeights = "balanced" | { readonly [className: string]: number };

/** Each output's loss, in output order (`""` for an output a per-output `loss` leaves out). */
export function lossesOf(train: Pick<IrTrain, "loss" | "outputs">): string[] {
  return perOutput(train.loss, train.outputs, "");
}

/** Each output's metrics, in output order. */
export function metricsOf(train: Pick<IrTrain, "metrics" | "outputs">): (readonly string[])[] {
  return perOutput<readonly string[]>(train.metrics, train.outputs, []);
}

export interface IrTrain {
  readonly model: string;
  /**
   * The trained model's output names (its `output` statement), in order: what per-output settings and
   * figures (`kind_loss`) are keyed by. Absent for a model without an `output` statement (one output).
   */
  readonly outputs?: readonly string[];
  /** A data source, with paths resolved against the directory of the spec that names them. */
  readonly data: IrCall;
  readonly loss: PerOutput<string>;
  /** Per-output weights of the total loss (`loss_weights: { kind: 1, price: 0.5 }`); absent: every output 1. */
  readonly lossWeights?: { readonly [output: string]: number } | null;
  readonly optimizer: IrCall;
  readonly metrics: PerOutput<readonly string[]>;
  /**
   * The input the model learns to reproduce (`target: input`, or `target: NAME` of one of several inputs): the
   * data then needs no labels. Absent or null: the targets are the data's labels.
   */
  readonly target?: string | null;
  readonly epochs: number;
  readonly batchSize: number;
  readonly validationSplit: number;
  /** A separate validation data source (`validation: csv(...)`), paths resolved like `data`'s. */
  readonly validation?: IrCall | null;
  /** A data source evaluated once after training (`test: csv(...)`), paths resolved like `data`'s. */
  readonly test?: IrCall | null;
  /**
   * `class_weight:`: the class weights of the model's one output, or of a model of several outputs by output
   * name (outputs left out unweighted); absent or null: none.
   */
  readonly classWeight?: ClassWeights | { readonly [output: string]: ClassWeights } | null;
  readonly shuffle: boolean;
  readonly seed: number | null;
  readonly lrSchedule: IrCall | null;
  readonly callbacks: readonly IrCall[];
  /** `init: from_run(path)`: the run whose weights the model starts from (path absolute); absent or null: none. */
  readonly init?: IrCall | null;
  /** `fine_tune: fine_tune(epochs, learning_rate, unfreeze)`: a second phase after `epochs`; absent or null: none. */
  readonly fineTune?: IrCall | null;
  readonly location: Location;
  /**
   * Where each written key's value is (`loss: mse` -> the span of `mse`), by field: what a compile target that
   * cannot express a setting points at (NN6002). Absent in hand-built IR.
   */
  readonly keyLocations?: { readonly [field: string]: Location };
}

export interface IrProgram {
  readonly file: string;
  readonly models: readonly IrModel[];
  readonly trains: readonly IrTrain[];
  /** The file's `sweep` declarations (ir/sweep.ts); absent in programs built by hand. */
  readonly sweeps?: readonly IrSweep[];
}

/** Formats a shape the way Keras prints it: `(None, 28, 28, 1)`. */
export function formatShape(shape: Shape): string {
  return `(${["None", ...shape.map((d) => (d === null ? "None" : String(d)))].join(", ")})`;
}

/** Formats a shape as written in `.nn` files: `[28, 28, 1]`, `[seq, ?]`. */
export function formatNnShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}

/** The later uses of each shared layer (the nodes that `share` its weights), by the owner's name, in order. */
export function sharedUses(model: IrModel): Map<string, IrLayer[]> {
  const uses = new Map<string, IrLayer[]>();
  for (const layer of model.layers) {
    if (!layer.shares) continue;
    const found = uses.get(layer.shares);
    if (found) found.push(layer);
    else uses.set(layer.shares, [layer]);
  }
  return uses;
}
