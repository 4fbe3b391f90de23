/**
 * What a `train` block may name: losses, metrics, optimizers, data sources, learning-rate schedules and
 * callbacks, each with the tfjs name it becomes. Like the layer registry, this is data: the checker reads the
 * names and schemas, the runtime (and the emitter) read the tfjs side, so they cannot disagree.
 */
import type { SchemaObject } from "ajv";
import type { Callable } from "./callable.js";
import { perOutput, type JsonValue, type PerOutput } from "../ir/index.js";

/**
 * How the label column becomes the target tensor: a one-hot row per class, the class index, or the
 * label's own numeric value (regression).
 */
export type TargetEncoding = "one-hot" | "class-index" | "value";

export interface LossKind {
  /**
   * The tfjs loss identifier for `model.compile({ loss })`; `huber` is not one of tfjs's, and is runtime/metrics.ts's
   * (Keras's `Huber(delta=1.0)`).
   */
  readonly tfjs: string;
  readonly targets: TargetEncoding;
  /**
   * Its targets are labels (classes, or hinge's -1 and 1), never values to scale (`normalize_target`); the
   * losses of `classification` and the hinges. Accuracy-like metrics mean something only with such a loss.
   */
  readonly labels: boolean;
  /**
   * Its targets must not be negative: poisson's `p - y log p` has no minimum for `y < 0`, and msle takes the
   * log of `1 + y` with negatives clipped to 0. `normalize_target`'s standardised targets are half negative
   * (NN4041).
   */
  readonly nonNegativeTargets?: true;
  /** It divides by the targets (mape): near 0, as standardised targets often are, it explodes (NN5014). */
  readonly dividesByTargets?: true;
}

const classification = (tfjs: string, targets: TargetEncoding = "one-hot"): LossKind => ({
  tfjs,
  targets,
  labels: true,
});
const regression = (tfjs: string, labels = false): LossKind => ({ tfjs, targets: "value", labels });

/** Keras loss names (and Keras's short aliases) -> tfjs. */
export const losses: Readonly<Record<string, LossKind>> = {
  categorical_crossentropy: classification("categoricalCrossentropy"),
  sparse_categorical_crossentropy: classification("sparseCategoricalCrossentropy", "class-index"),
  binary_crossentropy: classification("binaryCrossentropy", "class-index"),
  categorical_hinge: classification("categoricalHinge"),
  kl_divergence: classification("kullbackLeiblerDivergence"),
  mean_squared_error: regression("meanSquaredError"),
  mse: regression("meanSquaredError"),
  mean_absolute_error: regression("meanAbsoluteError"),
  mae: regression("meanAbsoluteError"),
  mean_absolute_percentage_error: { ...regression("meanAbsolutePercentageError"), dividesByTargets: true },
  mape: { ...regression("meanAbsolutePercentageError"), dividesByTargets: true },
  mean_squared_logarithmic_error: { ...regression("meanSquaredLogarithmicError"), nonNegativeTargets: true },
  msle: { ...regression("meanSquaredLogarithmicError"), nonNegativeTargets: true },
  hinge: regression("hinge", true),
  squared_hinge: regression("squaredHinge", true),
  log_cosh: regression("logcosh"),
  poisson: { ...regression("poisson"), nonNegativeTargets: true },
  cosine_similarity: regression("cosineProximity"),
  huber: regression("huber"),
};

export interface MetricKind {
  /**
   * The tfjs metric, which tfjs averages over a batch's examples (and nnc over the epoch's); absent for a
   * metric nnc computes over the whole epoch from counts or sums (runtime/metrics.ts), as Keras's stateful
   * metrics are: precision, recall, auc, r2, root_mean_squared_error.
   */
  readonly tfjs?: string;
  /** Keras's direction of the figure, which callbacks' `monitor` follows: better higher, or lower. */
  readonly higherIsBetter: boolean;
  /** It scores predicted classes against labels (accuracy, precision, ...): meaningless on a loss over values. */
  readonly scoresClasses?: true;
  /**
   * How the figure scales with the targets (`normalize_target` turns it back into their units): an error in
   * their units (mae, rmse) by the scale, a squared one (mse) by its square. Absent for the others.
   */
  readonly unitPower?: 1 | 2;
  /** It divides by the targets (mape), as the loss of that name. */
  readonly dividesByTargets?: true;
}

const mean = (tfjs: string, higherIsBetter = false): MetricKind => ({ tfjs, higherIsBetter });
const overEpoch = (higherIsBetter: boolean): MetricKind => ({ higherIsBetter });
const classScore = (kind: MetricKind): MetricKind => ({ ...kind, scoresClasses: true });
const inUnits = (kind: MetricKind, unitPower: 1 | 2): MetricKind => ({ ...kind, unitPower });

/** Keras metric names. The history keeps the name as written in the spec, as Keras does. */
export const metrics: Readonly<Record<string, MetricKind>> = {
  accuracy: classScore(mean("accuracy", true)),
  binary_accuracy: classScore(mean("binaryAccuracy", true)),
  categorical_accuracy: classScore(mean("categoricalAccuracy", true)),
  precision: classScore(overEpoch(true)),
  recall: classScore(overEpoch(true)),
  auc: classScore(overEpoch(true)),
  categorical_crossentropy: mean("categoricalCrossentropy"),
  sparse_categorical_crossentropy: mean("sparseCategoricalCrossentropy"),
  mean_squared_error: inUnits(mean("mse"), 2),
  mse: inUnits(mean("mse"), 2),
  mean_absolute_error: inUnits(mean("mae"), 1),
  mae: inUnits(mean("mae"), 1),
  mean_absolute_percentage_error: { ...mean("mape"), dividesByTargets: true },
  mape: { ...mean("mape"), dividesByTargets: true },
  root_mean_squared_error: inUnits(overEpoch(false), 1),
  rmse: inUnits(overEpoch(false), 1),
  r2: overEpoch(true),
};

/**
 * The figures a training reports under Keras's names, in Keras's order, without `val_`: `loss`, then with
 * several outputs each output's loss (`kind_loss`) and each output's metrics (`kind_accuracy`), with one
 * output its metrics (`accuracy`).
 */
export function figureNames(
  outputs: readonly string[] | undefined,
  metricsPerOutput: PerOutput<readonly string[]>,
): string[] {
  const several = outputs && outputs.length > 1 ? outputs : undefined;
  const losses = several ? several.map((output) => `${output}_loss`) : [];
  return ["loss", ...losses, ...metricFigures(outputs, metricsPerOutput).map(({ figure }) => figure)];
}

/** A metric's figure of `figureNames` (`price_mae`), with the output (its index) and metric it is of. */
export interface MetricFigure {
  readonly figure: string;
  readonly output: number;
  readonly metric: string;
}

/** The metrics' figures of `figureNames`, in its order, each with its output and metric. */
export function metricFigures(
  outputs: readonly string[] | undefined,
  metricsPerOutput: PerOutput<readonly string[]>,
): MetricFigure[] {
  const several = outputs && outputs.length > 1 ? outputs : undefined;
  const each = perOutput(metricsPerOutput, several, []);
  return each.flatMap((names, output) =>
    names.map((metric) => ({ figure: several ? `${several[output]}_${metric}` : metric, output, metric })),
  );
}

/**
 * Keras's "auto" mode for a figure (`val_kind_accuracy`): better higher for accuracies, precision, recall, auc
 * and r2 (the metric its name ends with), lower for losses and errors.
 */
export function higherIsBetter(figure: string): boolean {
  if (figure === "loss" || figure.endsWith("_loss")) return false;
  const metric = Object.keys(metrics)
    .filter((name) => figure === name || figure.endsWith(`_${name}`))
    .sort((a, b) => b.length - a.length)[0];
  return metric !== undefined && metrics[metric]!.higherIsBetter;
}

const positiveNumber = { type: "number", exclusiveMinimum: 0 } as const;
const fraction = { type: "number", minimum: 0, exclusiveMaximum: 1 } as const;
const epsilon = { type: "number", exclusiveMinimum: 0, default: 1e-7 } as const;

/** A JSON schema of an object with `properties` only (no others), `required` among them. */
export function objectSchema(properties: Record<string, SchemaObject>, required: readonly string[] = []): SchemaObject {
  return { type: "object", properties, required: [...required], additionalProperties: false };
}

function learningRate(defaultValue: number): SchemaObject {
  return { ...positiveNumber, default: defaultValue };
}

/** The tfjs optimizer call: `tf.train[factory](...args)`. */
export interface TfjsCall {
  readonly factory: string;
  readonly args: readonly JsonValue[];
}

export interface OptimizerKind extends Callable {
  /** The tfjs constructor and its positional arguments, from the checked (defaulted) arguments. */
  readonly tfjs: (args: { readonly [name: string]: JsonValue }) => TfjsCall;
}

type Args = { readonly [name: string]: JsonValue };

function optimizer(
  name: string,
  properties: Record<string, SchemaObject>,
  tfjs: (args: Args) => TfjsCall,
): OptimizerKind {
  return { name, positional: ["learning_rate"], schema: objectSchema(properties), tfjs };
}

/** Optimizers with Keras's arguments and defaults; `learning_rate` is the one positional argument. */
export const optimizers: Readonly<Record<string, OptimizerKind>> = {
  sgd: optimizer(
    "sgd",
    {
      learning_rate: learningRate(0.01),
      momentum: { type: "number", minimum: 0, default: 0 },
      nesterov: { type: "boolean", default: false },
    },
    // tfjs's sgd has no momentum; Keras's sgd with momentum is tfjs's momentum optimizer.
    (a) =>
      a["momentum"] === 0
        ? { factory: "sgd", args: [a["learning_rate"]!] }
        : { factory: "momentum", args: [a["learning_rate"]!, a["momentum"]!, a["nesterov"]!] },
  ),
  momentum: optimizer(
    "momentum",
    {
      learning_rate: learningRate(0.01),
      momentum: { type: "number", minimum: 0, default: 0.9 },
      nesterov: { type: "boolean", default: false },
    },
    (a) => ({ factory: "momentum", args: [a["learning_rate"]!, a["momentum"]!, a["nesterov"]!] }),
  ),
  rmsprop: optimizer(
    "rmsprop",
    {
      learning_rate: learningRate(0.001),
      rho: { ...fraction, default: 0.9 },
      momentum: { type: "number", minimum: 0, default: 0 },
      epsilon,
      centered: { type: "boolean", default: false },
    },
    (a) => ({
      factory: "rmsprop",
      args: [a["learning_rate"]!, a["rho"]!, a["momentum"]!, a["epsilon"]!, a["centered"]!],
    }),
  ),
  adam: optimizer(
    "adam",
    {
      learning_rate: learningRate(0.001),
      beta_1: { ...fraction, default: 0.9 },
      beta_2: { ...fraction, default: 0.999 },
      epsilon,
    },
    (a) => ({ factory: "adam", args: [a["learning_rate"]!, a["beta_1"]!, a["beta_2"]!, a["epsilon"]!] }),
  ),
  adamax: optimizer(
    "adamax",
    {
      learning_rate: learningRate(0.001),
      beta_1: { ...fraction, default: 0.9 },
      beta_2: { ...fraction, default: 0.999 },
      epsilon,
    },
    (a) => ({ factory: "adamax", args: [a["learning_rate"]!, a["beta_1"]!, a["beta_2"]!, a["epsilon"]!] }),
  ),
  adagrad: optimizer(
    "adagrad",
    { learning_rate: learningRate(0.001), initial_accumulator_value: { ...positiveNumber, default: 0.1 } },
    (a) => ({ factory: "adagrad", args: [a["learning_rate"]!, a["initial_accumulator_value"]!] }),
  ),
  adadelta: optimizer(
    "adadelta",
    { learning_rate: learningRate(0.001), rho: { ...fraction, default: 0.95 }, epsilon },
    (a) => ({ factory: "adadelta", args: [a["learning_rate"]!, a["rho"]!, a["epsilon"]!] }),
  ),
};

const decaySteps = { type: "integer", minimum: 1 } as const;

/** `rate * decay_rate ^ (step / decay_steps)` and `rate / (1 + decay_rate * step / decay_steps)` share arguments. */
function decaySchedule(name: string): Callable {
  return {
    name,
    positional: ["decay_steps", "decay_rate"],
    schema: objectSchema(
      { decay_steps: decaySteps, decay_rate: positiveNumber, staircase: { type: "boolean", default: false } },
      ["decay_steps", "decay_rate"],
    ),
  };
}

const numberList = { type: "array", items: { type: "number" }, minItems: 1 } as const;
const nonNegative = { type: "number", minimum: 0 } as const;

/**
 * Learning-rate schedules, Keras's names and arguments (`keras.optimizers.schedules`); the initial rate is
 * the optimizer's `learning_rate` (except for `piecewise_constant_decay`, whose `values` are the rates).
 * `reduce_on_plateau` is Keras's ReduceLROnPlateau callback, here because it too decides the rate.
 */
export const schedules: Readonly<Record<string, Callable>> = {
  exponential_decay: decaySchedule("exponential_decay"),
  inverse_time_decay: decaySchedule("inverse_time_decay"),
  piecewise_constant_decay: {
    name: "piecewise_constant_decay",
    positional: ["boundaries", "values"],
    schema: objectSchema({ boundaries: numberList, values: { ...numberList, items: positiveNumber } }, [
      "boundaries",
      "values",
    ]),
  },
  polynomial_decay: {
    name: "polynomial_decay",
    positional: ["decay_steps", "end_learning_rate", "power"],
    schema: objectSchema(
      {
        decay_steps: decaySteps,
        end_learning_rate: { ...nonNegative, default: 0.0001 },
        power: { ...positiveNumber, default: 1 },
        cycle: { type: "boolean", default: false },
      },
      ["decay_steps"],
    ),
  },
  cosine_decay: {
    name: "cosine_decay",
    positional: ["decay_steps", "alpha"],
    schema: objectSchema(
      {
        decay_steps: decaySteps,
        alpha: { type: "number", minimum: 0, maximum: 1, default: 0 },
        warmup_target: positiveNumber,
        warmup_steps: { type: "integer", minimum: 0, default: 0 },
      },
      ["decay_steps"],
    ),
  },
  cosine_decay_restarts: {
    name: "cosine_decay_restarts",
    positional: ["first_decay_steps"],
    schema: objectSchema(
      {
        first_decay_steps: decaySteps,
        t_mul: { type: "number", minimum: 1, default: 2 },
        m_mul: { ...positiveNumber, default: 1 },
        alpha: { type: "number", minimum: 0, maximum: 1, default: 0 },
      },
      ["first_decay_steps"],
    ),
  },
  reduce_on_plateau: {
    name: "reduce_on_plateau",
    positional: ["monitor"],
    schema: objectSchema({
      monitor: { type: "string", default: "val_loss" },
      factor: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1 },
      patience: { type: "integer", minimum: 0, default: 10 },
      min_delta: { ...nonNegative, default: 0.0001 },
      cooldown: { type: "integer", minimum: 0, default: 0 },
      min_lr: { ...nonNegative, default: 0 },
    }),
  },
};

/**
 * A callback; `writes` is there when it writes files into the run folder, and names its arguments that are
 * paths of those files (checked by run-files.ts's `runPathProblem`).
 */
export interface CallbackKind extends Callable {
  readonly writes?: readonly string[];
}

/** Training callbacks with Keras's arguments and defaults. */
export const callbacks: Readonly<Record<string, CallbackKind>> = {
  early_stopping: {
    name: "early_stopping",
    positional: ["monitor", "patience"],
    schema: objectSchema({
      monitor: { type: "string", default: "val_loss" },
      patience: { type: "integer", minimum: 0, default: 0 },
      min_delta: { type: "number", minimum: 0, default: 0 },
      restore_best_weights: { type: "boolean", default: false },
    }),
  },
  model_checkpoint: {
    name: "model_checkpoint",
    positional: ["monitor"],
    schema: objectSchema({
      monitor: { type: "string", default: "val_loss" },
      save_best_only: { type: "boolean", default: false },
      every: { type: "integer", minimum: 1, default: 1 },
    }),
    writes: [],
  },
  csv_logger: {
    name: "csv_logger",
    positional: ["path"],
    schema: objectSchema({
      path: { type: "string", minLength: 1, default: "log.csv" },
      append: { type: "boolean", default: false },
    }),
    writes: ["path"],
  },
  terminate_on_nan: { name: "terminate_on_nan", positional: [], schema: objectSchema({}) },
};
