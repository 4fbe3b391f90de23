/**
 * What a train block's transfer keys need beyond their schemas, once the model's IR is known: the layers
 * `fine_tune(unfreeze: [...])` names must be the model's (NN4036, with a did-you-mean), and the run of
 * `init: from_run(path)` is compared with the model's layers when it is there (NN3019 for a layer of the same
 * name whose weights do not fit; NN4037 when it has no layer of the model's names), or warned about when it is
 * not yet (NN4034).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { suggestion } from "../diagnostics/suggest.js";
import type { IrCall, IrModel } from "../ir/index.js";
import { readRunWeights, weightMismatch, weightsOfLayer } from "../registry/run-weights.js";
import { layersNamed } from "../registry/transfer-options.js";
import type * as ast from "../syntax/ast.js";

/** The problems of `init` and `fine_tune`, given their checked values and the entries they were read from. */
export function checkTransferKeys(
  entries: ReadonlyMap<string, ast.TrainEntry>,
  fields: { readonly init?: unknown; readonly fineTune?: unknown },
  model: IrModel | undefined,
  file: string,
): Diagnostic[] {
  if (!model) return [];
  const found: Diagnostic[] = [];
  const fineTune = fields.fineTune as IrCall | null | undefined;
  const unfreeze = fineTune?.args["unfreeze"];
  const value = entries.get("fine_tune")?.value;
  if (Array.isArray(unfreeze) && value?.kind === "call") {
    const names = model.layers.filter((layer) => !layer.shares).map((layer) => layer.name);
    const list = value.args?.find((arg) => arg.name?.text === "unfreeze")?.value;
    for (const [i, name] of (unfreeze as string[]).entries()) {
      if (layersNamed(name, names).length > 0) continue;
      const span = list?.kind === "list" ? list.items[i]!.span : (list?.span ?? value.span);
      // `MyBse` may mean a block's layers (`MyBase/...`), which unfreeze names by their prefix.
      const prefixes = names.flatMap((n) => n.split("/").map((_, k, parts) => parts.slice(0, k + 1).join("/")));
      const hint = suggestion(name, new Set(prefixes), span);
      found.push(diagnostic("NN4036", { file, span }, { name, model: model.name }, hint));
    }
  }
  const init = fields.init as IrCall | null | undefined;
  const initValue = entries.get("init")?.value;
  if (init && initValue?.kind === "call") {
    const pathArg = initValue.args?.[0];
    const shown = pathArg?.value.kind === "string" ? pathArg.value.value : String(init.args["path"]);
    const span = pathArg?.value.span ?? initValue.span;
    const read = readRunWeights(String(init.args["path"]));
    if (read.kind === "missing") found.push(diagnostic("NN4034", { file, span }, { path: shown }));
    else if (read.kind === "unusable")
      found.push(diagnostic("NN4035", { file, span }, { path: shown, reason: read.reason }));
    else {
      const withWeights = model.layers.filter((l) => !l.shares && l.params.trainable + l.params.nonTrainable > 0);
      if (withWeights.length > 0 && !withWeights.some((l) => weightsOfLayer(read.weights, l.name).length > 0)) {
        const hint = "from_run loads each layer from the run's layer of the same name: name them as the run does";
        found.push(diagnostic("NN4037", { file, span }, { path: shown, model: model.name }, { hint }));
      }
      for (const layer of model.layers) {
        if (layer.shares || weightsOfLayer(read.weights, layer.name).length === 0) continue;
        const params = layer.params.trainable + layer.params.nonTrainable;
        const detail = weightMismatch(read.weights, layer.name, layer.name, params);
        if (detail === null) continue;
        const args = { layer: layer.name, run: shown, detail };
        found.push(diagnostic("NN3019", { file, span: initValue.span }, args));
      }
    }
  }
  return found;
}
