/**
 * What a trained run holds, read without tfjs: the weight names and shapes of its `model.json` manifest, by
 * layer. The checker compares them with the layers that load them (`weights:` of a model call, `init:
 * from_run(...)`), before anything is trained; the runtime (runtime/transfer.ts) loads the values.
 */
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";

/** One weight of a saved model: `dense/kernel`, `[784, 64]`. */
export interface SavedWeight {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A run's weights, or why there are none: no run there yet, or a manifest nnc cannot read. */
export type RunWeights =
  | { readonly kind: "weights"; readonly weights: readonly SavedWeight[] }
  | { readonly kind: "missing" }
  | { readonly kind: "unusable"; readonly reason: string };

/** The largest model.json read: its manifest lists names and shapes, never the weights themselves. */
const maxManifestBytes = 64 * 1024 * 1024;

/** The weights listed in `<dir>/model.json`'s `weightsManifest`. */
export function readRunWeights(dir: string): RunWeights {
  const file = path.join(dir, "model.json");
  let text: string;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) return { kind: "unusable", reason: "model.json is not a regular file" };
    if (stats.size > maxManifestBytes) return { kind: "unusable", reason: "model.json is larger than 64 MiB" };
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "unusable", reason: `model.json cannot be read (${String(code ?? error)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "unusable", reason: "model.json is not valid JSON" };
  }
  const groups = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(groups)) return { kind: "unusable", reason: "model.json has no weightsManifest" };
  const weights: SavedWeight[] = [];
  for (const group of groups) {
    const specs = (group as { weights?: unknown }).weights;
    if (!Array.isArray(specs)) return { kind: "unusable", reason: "a weightsManifest group has no weights list" };
    for (const spec of specs) {
      const { name, shape } = spec as { name?: unknown; shape?: unknown };
      const valid =
        typeof name === "string" &&
        Array.isArray(shape) &&
        shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
      if (!valid) return { kind: "unusable", reason: "a weight in weightsManifest has no name or shape" };
      weights.push({ name, shape: shape as number[] });
    }
  }
  return { kind: "weights", weights };
}

/** The weights of layer `layer` in a run: those named `layer/...`. */
export function weightsOfLayer(weights: readonly SavedWeight[], layer: string): SavedWeight[] {
  return weights.filter((weight) => weight.name.startsWith(`${layer}/`));
}

/**
 * Why a layer of `params` parameters cannot take `layer`'s weights from a run, or null when it can: the run has
 * none for it, or they hold another number of values (their shapes and both counts are named).
 */
export function weightMismatch(
  weights: readonly SavedWeight[],
  layer: string,
  here: string,
  params: number,
): string | null {
  const held = weightsOfLayer(weights, layer);
  if (held.length === 0) return params === 0 ? null : `the run has no weights for '${layer}'`;
  const count = held.reduce((sum, w) => sum + w.shape.reduce((product, d) => product * d, 1), 0);
  if (count === params) return null;
  const shapes = held.map((w) => `[${w.shape.join(", ")}]`).join(", ");
  const number = (n: number) => n.toLocaleString("en-US");
  return `the run holds ${shapes} (${number(count)} parameters), but '${here}' here has ${number(params)}`;
}
