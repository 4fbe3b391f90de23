/**
 * The training settings of an emitted PyTorch script, each as nnc's runtime applies it: the loss with Keras's
 * (tfjs's) semantics (probabilities normalized and clipped to [1e-7, 1 - 1e-7] before a log, per-example losses
 * averaged over the batch), the metrics (src/runtime/metrics.ts; `accuracy` binary, sparse or categorical as
 * `accuracyFor` decides), the optimizer with Keras's defaults (epsilon 1e-7), the learning-rate schedule as
 * src/runtime/schedules.ts computes it from the global step, and the callbacks (`early_stopping`,
 * `reduce_on_plateau`, `model_checkpoint` into `checkpoint/` as safetensors, `csv_logger`; `terminate_on_nan` is
 * always on, as in nnc). `loss_weights`, several outputs, `init` (the script's `--init` instead)
 * and `fine_tune` are NN6002 at their key, as are losses and metrics it has no function for.
 */
import { diagnostic, type Diagnostic, type Location } from "../../diagnostics/index.js";
import { lossesOf, metricsOf, type IrCall, type IrModel, type IrTrain, type JsonValue } from "../../ir/index.js";
import { higherIsBetter, metrics as metricKinds } from "../../registry/train-options.js";
import { pyCallLines } from "./format.js";
import { hasTorchOptimizer, torchOptimizer } from "./optimizers.js";
import { py } from "./python.js";

/** Each loss (and metric of the same name) the script computes: its function, one value per example. */
const lossFunctions: Readonly<Record<string, readonly string[]>> = {
  categorical_crossentropy: [
    "probabilities = (output / output.sum(-1, keepdim=True)).clamp(EPSILON, 1 - EPSILON)",
    "return -(target * probabilities.log()).sum(-1)",
  ],
  sparse_categorical_crossentropy: [
    "probabilities = (output / output.sum(-1, keepdim=True)).clamp(EPSILON, 1 - EPSILON)",
    "return -probabilities.log().gather(-1, target.long()).squeeze(-1)",
  ],
  binary_crossentropy: [
    "probabilities, target = output.clamp(EPSILON, 1 - EPSILON), target.float()",
    "return -(target * probabilities.log() + (1 - target) * (1 - probabilities).log()).mean(-1)",
  ],
  kl_divergence: [
    "target, output = target.clamp(EPSILON, 1), output.clamp(EPSILON, 1)",
    "return (target * (target / output).log()).sum(-1)",
  ],
  mean_squared_error: ["return (output - target).pow(2).mean(-1)"],
  mean_absolute_error: ["return (output - target).abs().mean(-1)"],
  mean_absolute_percentage_error: ["return 100 * ((target - output).abs() / target.abs().clamp(min=EPSILON)).mean(-1)"],
  mean_squared_logarithmic_error: [
    "first = (output.clamp(min=EPSILON) + 1).log()",
    "second = (target.clamp(min=EPSILON) + 1).log()",
    "return (first - second).pow(2).mean(-1)",
  ],
  huber: [
    "error = output - target",
    "return torch.where(error.abs() <= 1, 0.5 * error.pow(2), error.abs() - 0.5).mean(-1)",
  ],
  log_cosh: ["error = output - target", "return (error + F.softplus(-2 * error) - math.log(2)).mean(-1)"],
  poisson: ["return (output - target * (output + EPSILON).log()).mean(-1)"],
};

/** Keras's short names of losses and metrics. */
const aliases: Readonly<Record<string, string>> = {
  mse: "mean_squared_error",
  mae: "mean_absolute_error",
  mape: "mean_absolute_percentage_error",
  msle: "mean_squared_logarithmic_error",
  rmse: "root_mean_squared_error",
};

const canonical = (name: string) => aliases[name] ?? name;

/** Metrics that are not a loss of the same name: per-example values of `output` and `target`. */
const accuracies: Readonly<Record<string, string>> = {
  binary_accuracy: "((output > 0.5).float() == target.float()).float().mean(-1)",
  sparse_accuracy: "(output.argmax(-1) == target.squeeze(-1)).float()",
  categorical_accuracy: "(output.argmax(-1) == target.argmax(-1)).float()",
};

/** Step schedules: the rate at `step` (0-based over the run) from `initial`, as schedules.ts computes it. */
const schedules: Readonly<Record<string, (a: (name: string) => string) => readonly string[]>> = {
  exponential_decay: (a) => [
    `progress = step / ${a("decay_steps")}`,
    ...(a("staircase") === "True" ? ["progress = math.floor(progress)"] : []),
    `return initial * ${a("decay_rate")} ** progress`,
  ],
  inverse_time_decay: (a) => [
    `progress = step / ${a("decay_steps")}`,
    ...(a("staircase") === "True" ? ["progress = math.floor(progress)"] : []),
    `return initial / (1 + ${a("decay_rate")} * progress)`,
  ],
  piecewise_constant_decay: (a) => [
    `boundaries, values = ${a("boundaries")}, ${a("values")}`,
    "return next((v for b, v in zip(boundaries, values) if step <= b), values[len(boundaries)])",
  ],
  polynomial_decay: (a) => [
    `steps, end, power = ${a("decay_steps")}, ${a("end_learning_rate")}, ${a("power")}`,
    a("cycle") === "True"
      ? "steps, at = steps * (1 if step == 0 else math.ceil(step / steps)), step"
      : "at = min(step, steps)",
    "return (initial - end) * (1 - at / steps) ** power + end",
  ],
  cosine_decay: (a) => [
    ...(a("warmup_target") === "None"
      ? [`steps, alpha = ${a("decay_steps")}, ${a("alpha")}`, "at, start = min(step, steps), initial"]
      : [
          `steps, alpha, warmup = ${a("decay_steps")}, ${a("alpha")}, ${a("warmup_steps")}`,
          `at, start = min(step, steps + warmup), ${a("warmup_target")}`,
          "if at < warmup:",
          "    return (start - initial) * (at / warmup) + initial",
          "at -= warmup",
        ]),
    "return start * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * at / steps)) + alpha)",
  ],
  cosine_decay_restarts: (a) => [
    `first, t_mul, m_mul, alpha = ${a("first_decay_steps")}, ${a("t_mul")}, ${a("m_mul")}, ${a("alpha")}`,
    "fraction = step / first",
    "if t_mul == 1:",
    "    restart = math.floor(fraction)",
    "    fraction -= restart",
    "else:",
    "    restart = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))",
    "    fraction = (fraction - (1 - t_mul**restart) / (1 - t_mul)) / t_mul**restart",
    "return initial * ((1 - alpha) * 0.5 * m_mul**restart * (1 + math.cos(math.pi * fraction)) + alpha)",
  ],
};

/** NN6002 for each training setting the script cannot express, at its key (the block when not written). */
export function trainingDiagnostics(train: IrTrain, at: (field: string) => Location): Diagnostic[] {
  const found: Diagnostic[] = [];
  const unsupported = (field: string, key: string, value: string, detail?: string) =>
    found.push(
      diagnostic("NN6002", at(field), { target: "PyTorch", key, value, ...(detail === undefined ? {} : { detail }) }),
    );
  for (const loss of lossesOf(train)) {
    if (!lossFunctions[canonical(loss)]) unsupported("loss", "loss", loss);
  }
  for (const names of metricsOf(train)) {
    for (const name of names) {
      const known = name === "accuracy" || accuracies[name] || lossFunctions[canonical(name)];
      if (!known && canonical(name) !== "root_mean_squared_error") unsupported("metrics", "metrics", name);
    }
  }
  if (!hasTorchOptimizer(train.optimizer.name)) unsupported("optimizer", "optimizer", train.optimizer.name);
  const schedule = train.lrSchedule;
  if (schedule && !schedules[schedule.name] && schedule.name !== "reduce_on_plateau")
    unsupported("lrSchedule", "lr_schedule", schedule.name);
  for (const call of train.callbacks) {
    // terminate_on_nan is always on, as in nnc: a loss that is not finite ends the run.
    if (!["early_stopping", "model_checkpoint", "csv_logger", "terminate_on_nan"].includes(call.name))
      unsupported("callbacks", "callbacks", call.name);
  }
  const settings = [
    ["lossWeights", "loss_weights"],
    ["init", "init"],
    ["fineTune", "fine_tune"],
  ] as const;
  for (const [field, key] of settings) {
    const instead =
      field === "init" ? "write the run's weights with nnc export-weights and give the script --init FILE" : undefined;
    if (train[field]) unsupported(field, key, "...", instead);
  }
  if (train.outputs && train.outputs.length > 1) unsupported("loss", "loss", "one per output");
  return found;
}

/** A checked argument as a Python literal (`None` when absent). */
function argument(call: IrCall): (name: string) => string {
  return (name) => py((call.args[name] ?? null) as JsonValue);
}

/** The loss, metrics, optimizer, schedule and callbacks of `train` as Python definitions. */
export function trainingPython(train: IrTrain, model: IrModel): string {
  const loss = canonical(lossesOf(train)[0]!);
  const units = model.layers.find((l) => l.name === model.outputs[0]?.node)?.outputShapes[0]?.at(-1) ?? null;
  const metrics = metricsOf(train)[0] ?? [];
  const metricExpression = (name: string): string => {
    if (name === "accuracy") {
      const kind =
        units === 1 || loss === "binary_crossentropy"
          ? "binary_accuracy"
          : loss === "sparse_categorical_crossentropy"
            ? "sparse_accuracy"
            : "categorical_accuracy";
      return accuracies[kind]!;
    }
    if (accuracies[name]) return accuracies[name]!;
    const fn = canonical(name) === "root_mean_squared_error" ? "mean_squared_error" : canonical(name);
    return `${fn}(output, target)`;
  };
  const functions = new Set([loss, ...metrics.map(canonical).filter((m) => lossFunctions[m])]);
  if (metrics.some((m) => canonical(m) === "root_mean_squared_error")) functions.add("mean_squared_error");
  const definitions = [...functions].map((name) =>
    [
      `def ${name}(output, target):`,
      `    """Keras's ${name}: one value per example."""`,
      ...lossFunctions[name]!.map((line) => `    ${line}`),
    ].join("\n"),
  );
  const roots = metrics.filter((m) => canonical(m) === "root_mean_squared_error");
  const unitPowers = metrics.flatMap((m) => {
    const power = metricKinds[m]?.unitPower;
    return power === undefined ? [] : [[m, power] as const];
  });
  return [
    ...definitions,
    `LOSS = ${loss}`,
    [
      "def metric_values(output, target):",
      '    """Each metric\'s value per example; an epoch\'s figure is their mean over its examples."""',
      "    return {",
      ...metrics.map((name) => `        ${JSON.stringify(name)}: ${metricExpression(name)},`),
      "    }",
    ].join("\n"),
    `# Figures whose epoch value is the square root of the mean (root_mean_squared_error).\nROOTS = ${py(roots)}`,
    "# Errors reported in the targets' units under normalize_target: the power of their scale.\n" +
      `UNITS = {${unitPowers.map(([name, power]) => `${JSON.stringify(name)}: ${power}`).join(", ")}}`,
    optimizerPython(train.optimizer),
    schedulePython(train.lrSchedule),
    callbacksPython(train),
  ].join("\n\n\n");
}

/** `adam(learning_rate: 0.01, ...)`, a call as the spec writes it, with its defaults filled in. */
function describe(call: IrCall): string {
  return `${call.name}(${Object.entries(call.args)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ")})`;
}

function optimizerPython(call: IrCall): string {
  const { definition, torchClass, args } = torchOptimizer(call);
  return [
    ...(definition ? [definition, "", ""] : []),
    "def make_optimizer(parameters):",
    '    """The train block\'s optimizer, with Keras\'s defaults for what it leaves out:',
    "",
    `    ${describe(call)}`,
    '    """',
    pyCallLines("    ", `return ${torchClass}`, ["parameters", ...args]),
  ].join("\n");
}

function schedulePython(schedule: IrCall | null): string {
  const step = schedule && schedules[schedule.name];
  if (!schedule || !step) return "# No learning-rate schedule: the rate stays the optimizer's.\nscheduled_rate = None";
  return [
    "def scheduled_rate(initial, step):",
    '    """The learning rate at step (0-based, over the run) from initial, the optimizer\'s rate:',
    "",
    `    ${describe(schedule)}`,
    '    """',
    ...step(argument(schedule)).map((line) => `    ${line}`),
  ].join("\n");
}

function callbacksPython(train: IrTrain): string {
  const made: string[] = [];
  const watching = (call: IrCall, head: string, names: readonly string[], writes = false) => {
    const a = argument(call);
    const monitor = String(call.args["monitor"] ?? "val_loss");
    const args = [
      py(monitor),
      `higher_is_better=${py(higherIsBetter(monitor))}`,
      ...names.map((n) => `${n}=${a(n)}`),
      ...(writes ? ["folder=folder", "leader=leader"] : []),
    ];
    made.push(pyCallLines("        ", head, args, ","));
  };
  for (const call of train.callbacks) {
    if (call.name === "early_stopping")
      watching(call, "EarlyStopping", ["min_delta", "patience", "restore_best_weights"]);
    if (call.name === "model_checkpoint") watching(call, "ModelCheckpoint", ["save_best_only", "every"], true);
    if (call.name === "csv_logger") {
      const a = argument(call);
      made.push(
        pyCallLines(
          "        ",
          "CsvLogger",
          [a("path"), `append=${a("append")}`, "folder=folder", "leader=leader"],
          ",",
        ),
      );
    }
  }
  if (train.lrSchedule?.name === "reduce_on_plateau")
    watching(train.lrSchedule, "ReduceOnPlateau", ["factor", "patience", "min_delta", "cooldown", "min_lr"]);
  return [
    "def make_callbacks(folder, leader):",
    '    """The train block\'s callbacks, in order (rank 0, the leader, writes their files)."""',
    made.length === 0 ? "    return []" : ["    return [", ...made, "    ]"].join("\n"),
  ].join("\n");
}
