/**
 * `sample_weight:` of a csv() or json() source: the column (or JSON field) whose number weighs each row's loss
 * in training, as Keras's `fit(sample_weight=)`. Like a label, it is read apart from the features: listed in
 * `features:` (or named as a label) it would be given to the model as an input (NN4062, as NN4038 for a label).
 * Only the training data is weighted: validation and test figures are Keras's unweighted ones (its `val_loss`
 * is unweighted unless `validation_data` carries sample weights, which nnc does not take), so a
 * `sample_weight:` on `validation:` or `test:` is refused (NN4063) rather than ignored.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { IrCall } from "../ir/index.js";

/** The problems of the `sample_weight:` of the source `call` (written as `value`) of train key `key`. */
export function sampleWeightProblems(key: string, call: IrCall, value: ast.Call, file: string): Diagnostic[] {
  const column = call.args["sample_weight"];
  const written = (value.args ?? []).find((a) => a.name?.text === "sample_weight");
  if (typeof column !== "string" || !written) return [];
  if (key !== "data") {
    const hint = `leave sample_weight out of ${key}: (weigh the training rows in data:)`;
    return [diagnostic("NN4063", { file, span: written.name!.span }, { key }, { hint })];
  }
  const labels = [call.args["label"], ...Object.values((call.args["labels"] as Record<string, unknown>) ?? {})];
  if (labels.includes(column)) {
    const hint = "name a column of weights, not the label";
    return [diagnostic("NN4062", { file, span: written.value.span }, { column, as: "a label" }, { hint })];
  }
  const features = (value.args ?? []).find((a) => a.name?.text === "features")?.value;
  const lists = features?.kind === "map" ? features.entries.map((entry) => entry.value) : features ? [features] : [];
  return lists.flatMap((list) =>
    list.kind !== "list"
      ? []
      : list.items
          .filter((item) => item.kind === "string" && item.value === column)
          .map((item) =>
            diagnostic(
              "NN4062",
              { file, span: item.span },
              { column, as: "a feature" },
              { hint: "leave the sample weight column out of the features" },
            ),
          ),
  );
}
