/**
 * Reading data for a saved run (`nnc evaluate`, `nnc predict`) as its training read it: the feature columns
 * (per input), label columns and padding `preprocessing.json` recorded, the classes of `labels.json`, and the
 * targets' scaling (`normalize_target:`), which predictions are turned back from (figures: figures.ts).
 */
import type { IrCall, IrTrain } from "../../compiler/ir/index.js";
import { NncUserError } from "../errors.js";
import { outputClasses } from "../save.js";
import type { SavedRun } from "../saved-run.js";
import { targetSettings } from "./batches.js";
import type { TargetSettings } from "./tensors.js";

/**
 * How `run`'s targets are made from `source` for evaluation: the train block's encodings, the training
 * classes of each classifying output (NN4010 when `labels.json` lacks them) and the targets' scaling.
 */
export function evaluationTargets(run: SavedRun, train: Omit<IrTrain, "location">, source: IrCall): TargetSettings {
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
