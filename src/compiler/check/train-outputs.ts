/**
 * Per-output settings of a train block, Keras's dicts and lists: `loss: { kind: categorical_crossentropy,
 * price: mse }`, `metrics: { kind: [accuracy] }`, `loss_weights: { kind: 1, price: 0.5 }`, or the same as a
 * list in output order. A map's keys are the names of the model's `output` statement; a setting written once
 * (`loss: mse`) applies to every output, as in Keras. Also the checks of each output's loss and metrics
 * against its units and targets that `nnc train` would otherwise fail on at its first step (`targetProblems`).
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { perOutput, type IrModel, type IrTrain, type JsonValue, type PerOutput } from "../ir/index.js";
import { losses, metrics } from "../registry/train-options.js";

/** What the per-output checks need of the train block's checker (check/train-block.ts). */
export interface SettingChecker {
  readonly file: string;
  readonly model: { readonly name: string; readonly ir: IrModel | undefined };
  report(d: Diagnostic): undefined;
  invalid(value: ast.Value, key: string, problem: string): undefined;
  scalar(value: ast.Value): JsonValue | undefined;
  name(value: ast.Value, key: string, what: string, table: Readonly<Record<string, unknown>>): string | undefined;
  names(value: ast.Value, key: string, what: string, table: Readonly<Record<string, unknown>>): string[] | undefined;
}

/** The model's output names when it has several (its `output a, b` statement); undefined otherwise. */
export function severalOutputs(ir: IrModel | undefined): readonly string[] | undefined {
  return ir?.outputNames && ir.outputNames.length > 1 ? ir.outputNames : undefined;
}

/**
 * A name (`each: "name"`) or names (`"names"`) for every output, or per output: a map keyed by output names,
 * or, for a name per output, a list in output order. With `every`, each output needs one (a loss); else an
 * output left out has none (metrics).
 */
export function perOutputValue(
  checker: SettingChecker,
  value: ast.Value,
  key: string,
  setting: { readonly each: "name" | "names"; readonly every: boolean; readonly what: string },
  table: Readonly<Record<string, unknown>>,
): PerOutput<string> | PerOutput<readonly string[]> | undefined {
  const one = (v: ast.Value) =>
    setting.each === "name" ? checker.name(v, key, setting.what, table) : checker.names(v, key, setting.what, table);
  const outputs = severalOutputs(checker.model.ir);
  // Keras's list per output: `[a, b]` of losses, or `[[accuracy], [mae]]` of metrics (a list of names is for every output).
  const listPerOutput =
    value.kind === "list" &&
    (setting.each === "name" || (value.items.length > 0 && value.items.every((item) => item.kind === "list")));
  if (value.kind === "list" && listPerOutput) {
    if (!outputs) {
      return checker.invalid(
        value,
        key,
        `is a list, which gives one ${setting.what} per output, but model ${checker.model.name} has one output: write the ${setting.what} alone`,
      );
    }
    if (value.items.length !== outputs.length) {
      return checker.invalid(
        value,
        key,
        `lists ${value.items.length} for the ${outputs.length} outputs of model ${checker.model.name} (${outputs.join(", ")}), in that order; or key them by output: { ${outputs.map((o) => `${o}: ...`).join(", ")} }`,
      );
    }
    const names = value.items.map(one);
    if (names.some((n) => n === undefined)) return undefined;
    return Object.fromEntries(outputs.map((output, i) => [output, names[i]!])) as
      PerOutput<string> | PerOutput<readonly string[]>;
  }
  if (value.kind !== "map") return one(value);
  const entries = outputEntries(checker, value, key);
  if (entries === undefined) return undefined;
  const result: Record<string, string | readonly string[]> = {};
  let fine = true;
  for (const entry of entries) {
    const checked = one(entry.value);
    if (checked === undefined) fine = false;
    else result[entry.key.text] = checked;
  }
  const missing = (outputs ?? []).filter((output) => !entries.some((entry) => entry.key.text === output));
  if (setting.every && missing.length > 0) {
    const example = missing.map((o) => `${o}: ...`).join(", ");
    checker.report(
      diagnostic(
        "NN4024",
        { file: checker.file, span: value.span },
        { key, what: setting.what, outputs: missing.map((o) => `'${o}'`).join(", "), model: checker.model.name },
        { hint: `add ${example}` },
      ),
    );
    return undefined;
  }
  return fine ? (result as PerOutput<string> | PerOutput<readonly string[]>) : undefined;
}

/** `loss_weights`: a number above 0 per output, keyed by output name or listed in output order. */
export function lossWeights(
  checker: SettingChecker,
  value: ast.Value,
  key: string,
): { readonly [output: string]: number } | undefined {
  const outputs = severalOutputs(checker.model.ir);
  const weight = (v: ast.Value): number | undefined => {
    const n = checker.scalar(v);
    if (n === undefined) return undefined;
    if (typeof n === "number" && n > 0) return n;
    return checker.invalid(v, key, `must be numbers above 0, got ${JSON.stringify(n)}`);
  };
  if (value.kind === "list" && outputs) {
    if (value.items.length !== outputs.length) {
      return checker.invalid(
        value,
        key,
        `lists ${value.items.length} weights for the ${outputs.length} outputs of model ${checker.model.name} (${outputs.join(", ")})`,
      );
    }
    const weights = value.items.map(weight);
    return weights.every((w) => w !== undefined)
      ? Object.fromEntries(outputs.map((o, i) => [o, weights[i]!]))
      : undefined;
  }
  if (checker.model.ir && !outputs && value.kind !== "map") {
    return checker.invalid(value, key, `weighs the losses of several outputs, but model ${checker.model.name} has one`);
  }
  if (value.kind !== "map") {
    const example = outputs ? outputs.map((o, i) => `${o}: ${i === 0 ? 1 : 0.5}`).join(", ") : "a: 1, b: 0.5";
    return checker.invalid(value, key, `must be a weight per output, keyed by output name: { ${example} }`);
  }
  const entries = outputEntries(checker, value, key);
  if (entries === undefined) return undefined;
  const weights = entries.map((entry) => weight(entry.value));
  if (weights.some((w) => w === undefined)) return undefined;
  return Object.fromEntries(entries.map((entry, i) => [entry.key.text, weights[i]!]));
}

/**
 * A map's entries when the model has several outputs and every key is one of them; reports a map on a model of
 * one output (NN4022) and each key that is not an output (NN4023). With the model unknown, every entry.
 */
export function outputEntries(
  checker: SettingChecker,
  value: ast.MapValue,
  key: string,
): readonly ast.MapEntry[] | undefined {
  const { ir, name: model } = checker.model;
  const entries = value.entries.filter((entry) => !entry.recovered && !entry.key.recovered);
  if (ir === undefined) return entries;
  const outputs = severalOutputs(ir);
  if (!outputs) {
    const hint = `write the value alone, without { }`;
    return checker.report(diagnostic("NN4022", { file: checker.file, span: value.span }, { key, model }, { hint }));
  }
  let fine = true;
  for (const entry of entries) {
    if (outputs.includes(entry.key.text)) continue;
    fine = false;
    checker.report(
      diagnostic(
        "NN4023",
        { file: checker.file, span: entry.key.span },
        { name: entry.key.text, model, outputs: outputs.join(", ") },
        { hint: didYouMean(entry.key.text, outputs) },
      ),
    );
  }
  return fine ? entries : undefined;
}

/** One output of the trained model as the target checks see it. */
interface TrainedOutput {
  /** Its name in the model's `output` statement, or "" for a model of one output. */
  readonly name: string;
  /** `output 'kind'`, or `the output` for a model of one. */
  readonly shown: string;
  readonly loss: string;
  readonly metrics: readonly string[];
  /** The size of its last axis, when known. */
  readonly units: number | undefined;
  readonly layer: IrModel["layers"][number] | undefined;
  /** Where its loss is written: its entry of a map or list, else the whole value. */
  readonly lossSpan: ast.Span;
  /** Where each of its metrics is written, by name. */
  readonly metricSpans: ReadonlyMap<string, ast.Span>;
  /** Its metrics are a plain list that every output of several shares (`metrics: [accuracy]`). */
  readonly sharedMetrics: boolean;
}

/** The trained outputs, in order, with their loss, metrics, units and where they are written. */
function trainedOutputs(
  train: Pick<IrTrain, "loss" | "metrics" | "outputs">,
  ir: IrModel,
  values: { readonly loss: ast.Value; readonly metrics: ast.Value | undefined },
): TrainedOutput[] {
  const names = ir.outputNames ?? [];
  const several = names.length > 1;
  const lossesPerOutput = perOutput(train.loss, several ? names : undefined, "");
  const metricsPerOutput = perOutput<readonly string[]>(train.metrics, several ? names : undefined, []);
  return ir.outputs.map((ref, i) => {
    const layer = ir.layers.find((l) => l.name === ref.node);
    const shape = layer?.outputShapes[ref.index] ?? ir.inputs.find((input) => input.name === ref.node)?.shape;
    const units = shape?.at(-1);
    const own = (value: ast.Value | undefined): ast.Value | undefined =>
      value?.kind === "map" ? value.entries.find((e) => e.key.text === names[i])?.value : value;
    const lossValue = values.loss.kind === "list" ? values.loss.items[i] : own(values.loss);
    const metricLists = values.metrics?.kind === "list" && values.metrics.items.every((item) => item.kind === "list");
    const metricsValue = metricLists ? (values.metrics as ast.ListValue).items[i] : own(values.metrics);
    const metricItems = metricsValue?.kind === "list" ? metricsValue.items : metricsValue ? [metricsValue] : [];
    const metricSpans = new Map<string, ast.Span>();
    for (const item of metricItems) {
      const name = item.kind === "string" ? item.value : item.kind === "call" ? item.callee.text : undefined;
      if (name !== undefined) metricSpans.set(name, item.span);
    }
    return {
      name: names[i] ?? "",
      shown: several ? `output '${names[i]}'` : "the output",
      loss: lossesPerOutput[Math.min(i, lossesPerOutput.length - 1)]!,
      metrics: metricsPerOutput[Math.min(i, metricsPerOutput.length - 1)]!,
      units: typeof units === "number" ? units : undefined,
      layer,
      lossSpan: lossValue?.span ?? values.loss.span,
      metricSpans,
      sharedMetrics: several && !metricLists && values.metrics?.kind !== "map",
    };
  });
}

/**
 * What `nnc train` would otherwise fail on at its first step, from the losses and metrics against the outputs:
 * NN4025, an output trained with binary_crossentropy that has several units per example, on data that gives one
 * label per example (csv, json, idx), where the loss needs a target per unit (multi-hot, which only npy's
 * targets can give); NN4026, a metric whose targets do not fit its output's: `sparse_categorical_crossentropy`
 * but with class indices (the sparse loss), precision, recall and auc with targets of the output's shape (not
 * the sparse loss's class indices); NN4027, a loss over classes on an output of one unit.
 */
export function targetProblems(
  train: Pick<IrTrain, "loss" | "metrics" | "outputs" | "data" | "target">,
  ir: IrModel | undefined,
  values: { readonly loss: ast.Value | undefined; readonly metrics: ast.Value | undefined },
  file: string,
): Diagnostic[] {
  if (!ir || !values.loss) return [];
  // One label per example (csv, json, idx), not npy's targets of any shape or the input itself (`target:`).
  const labelled = train.data.name !== "npy" && !train.target;
  const out: Diagnostic[] = [];
  const trained = trainedOutputs(train, ir, { loss: values.loss, metrics: values.metrics });
  for (const output of trained) {
    const { loss, units, layer, shown } = output;
    const related = layer
      ? [{ ...layer.location, message: `${shown} has ${units ?? "?"} unit${units === 1 ? "" : "s"} here` }]
      : [];
    const sparse = loss === "sparse_categorical_crossentropy";
    if (labelled && loss === "binary_crossentropy" && units !== undefined && units > 1) {
      out.push(
        diagnostic(
          "NN4025",
          { file, span: output.lossSpan },
          { loss, output: shown, units, source: train.data.name },
          {
            hint: `for one class of ${units}, use sparse_categorical_crossentropy (or categorical_crossentropy) with softmax; for ${units} yes/no labels per example, npy() targets of [rows, ${units}]`,
            related,
          },
        ),
      );
    }
    // One unit scores no choice between classes: the targets of two classes or more cannot fit it (and tfjs's
    // sparse crossentropy fails on one unit whatever the data).
    const oneHot = losses[loss]?.targets === "one-hot" && labelled;
    if (units === 1 && (sparse || oneHot)) {
      out.push(
        diagnostic(
          "NN4027",
          { file, span: output.lossSpan },
          { loss, output: shown },
          {
            hint: "for two classes, use dense(1, activation: sigmoid) with binary_crossentropy; for more, a unit per class with softmax",
            related,
          },
        ),
      );
    }
    for (const metric of output.metrics) {
      const span = output.metricSpans.get(metric);
      if (!span) continue;
      let problem: string | undefined;
      if (metric === "sparse_categorical_crossentropy" && !sparse) {
        problem = `needs class indices as targets, which only loss sparse_categorical_crossentropy gives (${shown} is trained with ${loss})`;
      } else if (["precision", "recall", "auc"].includes(metric) && sparse && units !== 1) {
        problem = `compares targets and predictions value by value, but ${shown}'s targets are class indices (loss sparse_categorical_crossentropy)`;
      } else if (scoresValues(metric, loss) && !output.sharedMetrics) {
        problem = `scores classes, but ${shown} is trained with ${loss}, a loss over values: it would read 0 every epoch`;
      }
      if (problem === undefined) continue;
      const hint = scoresValues(metric, loss)
        ? valueMetrics
        : sparse
          ? pooledClassesHint(units)
          : "use the metric of the output's own loss, or accuracy";
      out.push(diagnostic("NN4026", { file, span }, { metric, problem }, { hint, related }));
    }
  }
  return out.concat(sharedClassScores(trained, file));
}

const valueMetrics = "score values with mae, mse, rmse or r2";

/**
 * What scores a class on a classifier trained on class indices: over one-hot units (categorical_crossentropy)
 * precision, recall and auc pool every class's unit, as Keras's `Precision()` does (with two classes, precision
 * and recall then equal accuracy); one sigmoid unit scores class 1, the second of the sorted labels.
 */
function pooledClassesHint(units: number | null | undefined): string {
  return units === 2
    ? "to score one class, train dense(1, activation: sigmoid) with binary_crossentropy: the positive class is the second of the sorted labels (over two one-hot units precision and recall equal accuracy)"
    : "train with categorical_crossentropy, whose one-hot targets fit it: it then pools every class's unit, not one class's";
}

/** A metric that scores classes on an output whose loss is over values (mse, mae, ...), not labels. */
function scoresValues(metric: string, loss: string): boolean {
  return metrics[metric]?.scoresClasses === true && losses[loss]?.labels === false;
}

/**
 * A metric that scores classes in a plain list every output of several shares (`metrics: [accuracy]`), on the
 * outputs trained on values: NN4026 once at the metric, naming them, since Keras would report it there
 * (`price_accuracy`) as 0 every epoch; the hint gives each output its own metrics.
 */
function sharedClassScores(trained: readonly TrainedOutput[], file: string): Diagnostic[] {
  const first = trained[0];
  if (!first?.sharedMetrics) return [];
  const out: Diagnostic[] = [];
  for (const [metric, span] of first.metricSpans) {
    const misfits = trained.filter((output) => scoresValues(metric, output.loss));
    if (misfits.length === 0) continue;
    const names = misfits.map((output) => output.shown).join(", ");
    const lossNames = [...new Set(misfits.map((output) => output.loss))].join(", ");
    const problem = `scores classes, but the list applies to every output, and ${names} ${misfits.length > 1 ? "are" : "is"} trained with ${lossNames}, a loss over values: it would read 0 every epoch there`;
    const fits = trained.length > misfits.length;
    const example = trained
      .map((output) => `${output.name}: [${misfits.includes(output) ? "mae" : metric}]`)
      .join(", ");
    const hint = fits ? `give each output its own metrics: metrics: { ${example} }` : valueMetrics;
    out.push(diagnostic("NN4026", { file, span }, { metric, problem }, { hint }));
  }
  return out;
}
