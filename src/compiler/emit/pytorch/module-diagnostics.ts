/**
 * What the PyTorch module cannot express, as diagnostics: NN6001 at the layers it has no form of, NN6003 at the
 * weights a model call loads from a run.
 */
import path from "node:path";
import { diagnostic, type Diagnostic, type Location } from "../../diagnostics/index.js";
import type { IrLayer, IrModel } from "../../ir/index.js";
import type { TorchLayer, Unsupported } from "./types.js";

/** The name the diagnostics give the target. */
const target = "PyTorch";

/** A layer and its PyTorch form, or why it has none. */
interface Expressed {
  readonly layer: IrLayer;
  readonly torch: TorchLayer | Unsupported;
}

/**
 * NN6001 for each layer the target cannot express, once for each place in the source (a layer of a block called
 * twice is one error, with the calls as related locations), in source order.
 */
export function diagnosticsOf(planned: readonly Expressed[]): Diagnostic[] {
  const found = new Map<string, { layer: IrLayer; torch: Unsupported; sites: Location[] }>();
  for (const { layer, torch } of planned) {
    if (!("unsupported" in torch)) continue;
    const { file, span } = torch.location;
    const key = JSON.stringify([file, span.start, span.end, layer.kind, torch.unsupported]);
    const entry = found.get(key) ?? { layer, torch, sites: [] };
    if (layer.site) entry.sites.push(layer.site);
    found.set(key, entry);
  }
  const diagnostics = [...found.values()].map(({ layer, torch, sites }) => {
    const related = sites.length > 1 ? sites.map((site) => ({ ...site, message: "in this call of the block" })) : [];
    return diagnostic("NN6001", torch.location, { target, kind: layer.kind, detail: torch.unsupported }, { related });
  });
  return inSourceOrder(diagnostics);
}

/** Diagnostics by file, then by where they start. */
export function inSourceOrder(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : a.file < b.file ? -1 : 1));
}

/**
 * NN6003 at each `weights:` of a model call (`Base(weights: "runs/Base")`): the script would build those layers
 * afresh (and frozen, with `trainable: false`), so it would train something else than nnc does. The weight
 * bridge's map (`torchStateDict`) does not need them: a run of the whole model has every weight.
 */
export function weightLoadDiagnostics(model: IrModel): Diagnostic[] {
  return (model.loads ?? []).map((load) =>
    diagnostic(
      "NN6003",
      load.location,
      { target, run: path.relative(path.dirname(load.location.file), load.run) || "." },
      { hint: weightLoadHint },
    ),
  );
}

const weightLoadHint =
  "train this model with nnc, or leave `weights:` out and start the script from a run of the whole model " +
  "(`nnc export-weights RUN -o start.safetensors`, then `python3 train.py --init start.safetensors`)";
