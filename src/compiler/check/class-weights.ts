/**
 * `class_weight:` of a train block, Keras's `fit(class_weight=)`: each training example's loss is multiplied
 * by its class's weight. One output's weights are `balanced` (scikit-learn's `n_samples / (n_classes *
 * count(class))`, counted on the training rows when training starts) or a weight per class name as the labels
 * are read (`{ setosa: 2, "Iris-virginica": 1, "0": 3 }`: a number label's class is written as a string), the
 * classes left out weighing 1. A model of several outputs takes them keyed by output name (`{ kind: balanced
 * }`; as tfjs's `classWeight` map, where Keras refuses class weights for several outputs), the outputs left out
 * unweighted. Only an output trained with a loss on classes may be weighted (NN4059): a regression's targets
 * have no classes. Which classes exist is known only when the data is read (runtime/class-weights.ts).
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic } from "../diagnostics/index.js";
import { perOutput, type ClassWeights, type IrTrain, type PerOutput } from "../ir/index.js";
import { losses } from "../registry/train-options.js";
import { outputEntries, severalOutputs, type SettingChecker } from "./train-outputs.js";

/** What `class_weight` is checked into: one output's weights, or (several outputs) a map of them by output. */
export type ClassWeightSetting = NonNullable<IrTrain["classWeight"]>;

/**
 * The checked `class_weight` value; `loss` is the block's checked loss (undefined when it failed its own check,
 * and then the losses are not compared).
 */
export function classWeightValue(
  checker: SettingChecker,
  value: ast.Value,
  key: string,
  loss: PerOutput<string> | undefined,
): ClassWeightSetting | undefined {
  const outputs = severalOutputs(checker.model.ir);
  if (!outputs) {
    const weights = outputWeights(checker, value, key);
    return weights && classifies(checker, value, key, loss, "") ? weights : undefined;
  }
  // A map of classes (or `balanced`) on a model of several outputs: say which output it is for.
  if (value.kind !== "map" || value.entries.every((entry) => !outputs.includes(entry.key.text))) {
    const example = `{ ${outputs[0]}: ${value.kind === "map" ? "{ ... }" : "balanced"} }`;
    return checker.invalid(
      value,
      key,
      `must be keyed by output name, since model ${checker.model.name} has several outputs (${outputs.join(", ")}): ${example}`,
    );
  }
  const entries = outputEntries(checker, value, key);
  if (entries === undefined) return undefined;
  const result: Record<string, ClassWeights> = {};
  let fine = true;
  for (const entry of entries) {
    const weights = outputWeights(checker, entry.value, key);
    if (weights && classifies(checker, entry.value, key, loss, entry.key.text)) result[entry.key.text] = weights;
    else fine = false;
  }
  return fine ? result : undefined;
}

/** The largest finite float32: tfjs weighs the losses in float32, where a larger weight is Infinity. */
const float32Max = 3.4028234663852886e38;

/** One output's class weights: `balanced`, or a map of class names to numbers, 0 or more. */
function outputWeights(checker: SettingChecker, value: ast.Value, key: string): ClassWeights | undefined {
  const name = value.kind === "string" ? value.value : value.kind === "call" && !value.args ? value.callee.text : null;
  if (name === "balanced") return "balanced";
  if (value.kind !== "map") {
    return checker.invalid(
      value,
      key,
      "must be balanced, or a weight per class name: { setosa: 2, versicolor: 1 } (classes left out weigh 1)",
    );
  }
  const weights: Record<string, number> = {};
  let fine = true;
  for (const entry of value.entries) {
    if (entry.recovered || entry.key.recovered) continue;
    const n = checker.scalar(entry.value);
    if (n === undefined) fine = false;
    else if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
      fine = false;
      checker.invalid(
        entry.value,
        key,
        `weighs class '${entry.key.text}' by ${JSON.stringify(n)}: a class weight is a number, 0 or more`,
      );
    } else if (n > float32Max) {
      fine = false;
      checker.invalid(
        entry.value,
        key,
        `weighs class '${entry.key.text}' by ${n}, past float32's range (at most 3.4e38): the weighted loss would be Infinity`,
      );
    } else if (Object.hasOwn(weights, entry.key.text)) {
      // A key written twice is already the value builder's NN1001, at its second use: one error for one mistake.
      fine = false;
    } else weights[entry.key.text] = n;
  }
  return fine ? weights : undefined;
}

/** True when `output` ("" for the model's one output) is trained on classes; else NN4059 at `value`. */
function classifies(
  checker: SettingChecker,
  value: ast.Value,
  key: string,
  loss: PerOutput<string> | undefined,
  output: string,
): boolean {
  if (loss === undefined) return true;
  const name = perOutput(loss, output ? [output] : undefined, "")[0]!;
  if (!losses[name] || losses[name].targets !== "value") return true;
  checker.report(
    diagnostic(
      "NN4059",
      { file: checker.file, span: value.span },
      { key, loss: name, output: output ? `output '${output}'` : "the model's output" },
      { hint: 'to weigh the rows of a regression, name a column of weights: csv(..., sample_weight: "w")' },
    ),
  );
  return false;
}
