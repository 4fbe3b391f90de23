/**
 * Phase 3, check: models become graphs with every shape and parameter count known (check-model.ts); train
 * blocks become training settings (train-block.ts).
 *
 * In: a parsed file and its binding (bind/: every name already resolved to its symbol). Out: the checked
 * program (`IrProgram`, ir/) and the diagnostics of arguments, shapes and training settings (NN2xxx,
 * NN3xxx, NN4xxx), together with the name diagnostics the binder found in the bodies that were checked.
 */
import type * as ast from "../syntax/ast.js";
import { ModelChecker } from "./check-model.js";
import type { Diagnostic, Result } from "../diagnostics/index.js";
import type { FileBinding, Namespace } from "../bind/index.js";
import { defaultCheckLimits, type CheckLimits } from "./model-limits.js";
import type { IrModel, IrProgram, IrTrain } from "../ir/index.js";
import { append } from "../base/arrays.js";
import { checkTrain } from "./train-block.js";
import { checkSweeps } from "./sweep.js";

/**
 * Checks one model, adding the blocks it ran to `instantiated`. The language server passes one that reuses
 * the result of an earlier check of the same model text calling the same blocks.
 */
export type ModelCheck = (
  decl: ast.ModelDecl,
  file: string,
  namespace: Namespace,
  instantiated: Set<ast.BlockDecl>,
  limits?: CheckLimits,
) => { model: IrModel; diagnostics: readonly Diagnostic[] };

export const checkModel: ModelCheck = (decl, file, namespace, instantiated, limits = defaultCheckLimits) =>
  new ModelChecker(decl, file, namespace, instantiated, limits).check();

export type { CheckLimits } from "./model-limits.js";
export { defaultCheckLimits } from "./model-limits.js";

/** Checks every model, the blocks no model called (by their name diagnostics only), every train block and sweep. */
export function checkProgram(
  binding: FileBinding,
  modelCheck: ModelCheck = checkModel,
  limits: CheckLimits = defaultCheckLimits,
): Result<IrProgram> {
  const { source, namespace } = binding;
  const diagnostics: Diagnostic[] = [...binding.diagnostics];
  const models: IrModel[] = [];
  const trains: IrTrain[] = [];
  const instantiated = new Set<ast.BlockDecl>();
  for (const decl of binding.models.values()) {
    const checked = modelCheck(decl, source.path, namespace, instantiated, limits);
    models.push(checked.model);
    append(diagnostics, checked.diagnostics);
  }
  // A block no model called is never instantiated: what the binder found in it is all there is to say.
  for (const decl of source.declarations) {
    if (decl.kind !== "block" || decl.name.recovered || instantiated.has(decl)) continue;
    append(diagnostics, binding.body(decl).diagnostics);
  }
  const modelNames = new Set(binding.models.keys());
  const byName = new Map(models.map((model) => [model.name, model]));
  for (const decl of source.declarations) {
    if (decl.kind !== "train" || decl.recovered) continue;
    const checked = checkTrain(decl, source.path, modelNames, byName);
    append(diagnostics, checked.diagnostics);
    if (checked.value) trains.push(checked.value);
  }
  const sweeps = checkSweeps(source, modelNames, trains);
  append(diagnostics, sweeps.diagnostics);
  return { value: { file: source.path, models, trains, sweeps: sweeps.value }, diagnostics };
}
