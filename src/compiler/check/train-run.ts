/**
 * What a train block's values would make go wrong in the run, though each is valid alone: two figures the run
 * reports under one Keras name (NN4044: outputs `a` and `val_a` with validation both give `val_a_loss`); a
 * learning rate or loss weight that float32, which training computes in, cannot hold (NN4045: `1e39`
 * overflows, `1e-46` rounds to 0); a loss over class indices on targets that are an input's values
 * (NN4046: `target: input` with sparse_categorical_crossentropy).
 */
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { lossesOf, perOutput, type IrCall, type IrModel, type IrTrain } from "../ir/index.js";
import { figureNames } from "../registry/train-options.js";
import { trainKeys, type TrainField } from "../registry/train-keys.js";
import type * as ast from "../syntax/ast.js";
import { argumentSpan } from "./train-block.js";
import { severalOutputs } from "./train-outputs.js";

/** float32's largest finite number and its smallest normal one: what lies between trains as written. */
const float32Max = 3.4028234663852886e38;
const float32MinNormal = 1.1754943508222875e-38;

/** The problems above, from the train block's checked `fields` and its `entries` (where each value is written). */
export function runProblems(
  entries: ReadonlyMap<string, ast.TrainEntry>,
  fields: Partial<Record<TrainField, unknown>>,
  ir: IrModel | undefined,
  file: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const loss = entries.get("loss")?.value;
  if (loss && fields.loss !== undefined) {
    append(out, figureClashes(fields, ir, loss, file));
    append(out, reproducedClassIndices(fields, ir, loss, file));
  }
  append(out, float32Problems(entries, fields, file));
  return out;
}

/** NN4044: each figure name (with `val_` when the run validates) that two figures of the run would share. */
function figureClashes(
  fields: Partial<Record<TrainField, unknown>>,
  ir: IrModel | undefined,
  loss: ast.Value,
  file: string,
): Diagnostic[] {
  const outputs = severalOutputs(ir);
  const metrics = (fields.metrics ?? []) as IrTrain["metrics"];
  const names = figureNames(outputs, metrics);
  // In figureNames's order: the loss, each output's loss, then each output's metrics.
  const what = [
    outputs ? "the total loss" : "the loss",
    ...(outputs ?? []).map((output) => `the loss of output '${output}'`),
    ...perOutput(metrics, outputs, []).flatMap((names, i) =>
      names.map((metric) => `metric ${metric}${outputs ? ` of output '${outputs[i]}'` : ""}`),
    ),
  ];
  if (what.length !== names.length) throw new Error(`figureClashes: ${what.length} meanings for ${names.join(", ")}`);
  const figures = names.map((name, i) => ({ name, what: what[i]! }));
  const validates = ((fields.validationSplit as number | undefined) ?? 0) > 0 || fields.validation != null;
  const all = validates
    ? [...figures, ...figures.map((f) => ({ name: `val_${f.name}`, what: `${f.what} on the validation data` }))]
    : figures;
  const seen = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const figure of all) {
    const first = seen.get(figure.name);
    if (first === undefined) {
      seen.set(figure.name, figure.what);
      continue;
    }
    const hint = "rename an output so that no figure name is another's";
    out.push(
      diagnostic("NN4044", { file, span: loss.span }, { figure: figure.name, first, second: figure.what }, { hint }),
    );
  }
  return out;
}

/** NN4046 at each loss over class indices when the targets are an input's values (`target:`). */
function reproducedClassIndices(
  fields: Partial<Record<TrainField, unknown>>,
  ir: IrModel | undefined,
  loss: ast.Value,
  file: string,
): Diagnostic[] {
  const target = fields.target as string | undefined;
  if (!target) return [];
  const outputs = severalOutputs(ir);
  const lossNames = lossesOf({ loss: fields.loss as IrTrain["loss"], outputs });
  return lossNames.flatMap((name, i) => {
    if (name !== "sparse_categorical_crossentropy") return [];
    const written =
      loss.kind === "list"
        ? loss.items[i]
        : loss.kind === "map"
          ? loss.entries.find((entry) => entry.key.text === outputs?.[i])?.value
          : loss;
    const hint =
      "reproduce the input with a loss over values, such as mse (or binary_crossentropy for values in [0, 1])";
    return [diagnostic("NN4046", { file, span: (written ?? loss).span }, { loss: name, target }, { hint })];
  });
}

/** The arguments of optimizers, `fine_tune` and schedules that are learning rates. */
const rateArguments = ["learning_rate", "end_learning_rate", "warmup_target", "min_lr", "values"] as const;

/**
 * NN4045 at each learning rate of a train key's call (an optimizer's, `fine_tune`'s, a schedule's), and each
 * loss weight, that float32 cannot hold.
 */
function float32Problems(
  entries: ReadonlyMap<string, ast.TrainEntry>,
  fields: Partial<Record<TrainField, unknown>>,
  file: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (what: string, value: unknown, span: ast.Span | undefined) => {
    const problem = typeof value === "number" ? float32Problem(value) : undefined;
    if (problem !== undefined && span)
      out.push(diagnostic("NN4045", { file, span }, { what, value: value as number, problem }));
  };
  for (const key of trainKeys) {
    const written = entries.get(key.name)?.value;
    const call = fields[key.field] as IrCall | null | undefined;
    if ((key.value.kind !== "call" && key.value.kind !== "schedule") || written?.kind !== "call" || !call) continue;
    const callable = key.value.table[call.name];
    if (!callable) continue;
    for (const argument of rateArguments) {
      const value = call.args[argument];
      const span = argumentSpan(written, argument, callable);
      if (!Array.isArray(value)) check(argument, value, span);
      else if (span) {
        // A list of rates (piecewise_constant_decay's values): each item at its own place when written as a list.
        const list = written.args?.find((a) => a.value.span === span)?.value;
        value.forEach((v, i) => check(argument, v, list?.kind === "list" ? list.items[i]?.span : span));
      }
    }
  }
  // The checked weights are in the order written: a list's in output order, a map's in its entries' order.
  const weights = entries.get("loss_weights")?.value;
  const checked = Object.values((fields.lossWeights ?? {}) as Record<string, number>);
  const items =
    weights?.kind === "list" ? weights.items : weights?.kind === "map" ? weights.entries.map((e) => e.value) : [];
  if (items.length === checked.length) items.forEach((item, i) => check("loss weight", checked[i], item.span));
  return out;
}

/** Why float32 cannot hold the positive number `n` as written, or undefined when it can. */
function float32Problem(n: number): string | undefined {
  if (n > float32Max) {
    return "is past float32's largest number (about 3.4e38), which training computes in: it would be infinite and the weights NaN";
  }
  if (n > 0 && n < float32MinNormal) {
    return "is below float32's smallest normal number (about 1.18e-38), which training computes in: it would round to 0 or lose its precision";
  }
  return undefined;
}
