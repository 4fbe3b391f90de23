/**
 * Reading data for a saved run (`nnc evaluate`, `nnc predict`) as its training read it: the feature columns
 * (per input), label columns and padding `preprocessing.json` recorded, the classes of `labels.json`, and the
 * targets' scaling (`normalize_target:`), which predictions and error figures are turned back from.
 */
import type { IrCall, IrTrain } from "../../compiler/ir/index.js";
import { NncUserError } from "../errors.js";
import { outputClasses } from "../save.js";
import type { SavedRun } from "../saved-run.js";
import { targetSettings } from "./batches.js";
import type { TargetScaling, TargetSettings } from "./tensors.js";
import type { Preprocessing } from "./training-data.js";

/**
 * How `run`'s targets are made from `source` for evaluation: the train block's encodings, the training
 * classes of each classifying output (NN4010 when `labels.json` lacks them) and the targets' scaling.
 */
export function evaluationTargets(run: SavedRun, train: IrTrain, source: IrCall): TargetSettings {
  const targets = targetSettings(run.model, train, source);
  const names = train.outputs ?? [""];
  const classes = run.model.outputs.map((_, k) => {
    if (targets.target || (targets.encodings[k] ?? targets.encodings[0]) === "value") return null;
    const found = outputClasses(run.labels, names[k] ?? "");
    // Classes taken from the data instead would silently misnumber the outputs when one is missing there.
    if (!found) {
      const which = names[k] ? ` of output '${names[k]}'` : "";
      throw new NncUserError("NN4010", {
        path: `${run.shownAs}/labels.json`,
        reason: `${run.labels ? "no classes" : "no such file"}; it holds the training classes${which} in the order of the model's outputs, which evaluate needs`,
      });
    }
    return found.classes;
  });
  const scaling = run.preprocessing?.targetScaling;
  return { ...targets, classes, ...(scaling ? { scaling } : {}) };
}

/**
 * `source` with the columns training read: the saved feature columns (or columns per input) in place of the
 * source's own, so their order in a file does not matter.
 */
export function readAsTrained(source: IrCall, preprocessing: Preprocessing | null): IrCall {
  const tabular = source.name === "csv" || source.name === "json";
  if (!tabular || !preprocessing) return source;
  const args = { ...source.args };
  if (preprocessing.featuresPerInput) args["features"] = { ...preprocessing.featuresPerInput };
  else if (preprocessing.features.length > 0) args["features"] = [...preprocessing.features];
  return { ...source, args };
}

/** Error figures that scale with the targets: absolute errors by the scale, squared ones by its square. */
const unitPowers: Readonly<Record<string, number>> = {
  mae: 1,
  mean_absolute_error: 1,
  rmse: 1,
  root_mean_squared_error: 1,
  mse: 2,
  mean_squared_error: 2,
};

/**
 * Figures in the targets' own units (`normalize_target: standard`): each output's MAE and RMSE times its
 * targets' standard deviation, MSE times its square (exact: shifting cancels in a difference). `price_mae`
 * for an output of several. The loss stays as training reported it.
 */
export function inTargetUnits<F extends Readonly<Record<string, number>>>(
  figures: F,
  targets: Pick<TargetSettings, "scaling" | "outputs">,
  outputs: number,
): F {
  const scaling = targets.scaling;
  if (!scaling) return figures;
  const result: Record<string, number> = { ...figures };
  const scaled = (k: number): TargetScaling | null => scaling[k] ?? null;
  for (const [name, value] of Object.entries(figures)) {
    const k = outputs === 1 ? 0 : (targets.outputs ?? []).findIndex((o) => name.startsWith(`${o}_`));
    const metric = outputs === 1 ? name : name.slice((targets.outputs?.[k]?.length ?? -1) + 1);
    const power = unitPowers[metric];
    const s = k >= 0 ? scaled(k) : null;
    if (power !== undefined && s) result[name] = value * s.scale ** power;
  }
  return result as F;
}
