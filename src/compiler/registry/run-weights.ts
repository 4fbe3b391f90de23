/**
 * What a trained run holds, read without tfjs: the weight names and shapes of its `model.json` manifest, by
 * layer. The checker compares them with the layers that load them (`weights:` of a model call, `init:
 * from_run(...)`), before anything is trained; the runtime (runtime/transfer.ts) loads the values.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { limits } from "../base/limits.js";

/** One weight of a saved model: `dense/kernel`, `[784, 64]`, `float32`. */
export interface SavedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
}

/** A run's weights, or why there are none: nothing at that path yet, or a run nnc cannot read. */
export type RunWeights =
  | { readonly kind: "weights"; readonly weights: readonly SavedWeight[] }
  | { readonly kind: "missing" }
  | { readonly kind: "unusable"; readonly reason: string };

/**
 * The weights listed in `<dir>/model.json`'s `weightsManifest`, read as the runtime reads a run
 * (runtime/saved-files.ts): `dir` must be a folder, and model.json a regular file inside it (a symbolic link
 * may not lead out of it) no larger than a saved JSON file may be. Only a path where nothing is is "missing".
 */
export function readRunWeights(dir: string): RunWeights {
  let folder: string;
  try {
    folder = realpathSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "unusable", reason: `the folder cannot be read (${String(code ?? error)})` };
  }
  if (!statSync(folder).isDirectory()) {
    return { kind: "unusable", reason: "not a folder (give the folder of a run that nnc train saved)" };
  }
  let text: string;
  try {
    const file = realpathSync(path.join(folder, "model.json"));
    if (!isInside(folder, file)) {
      return { kind: "unusable", reason: "model.json is a symbolic link to a file outside the run folder" };
    }
    const stats = statSync(file);
    if (!stats.isFile()) return { kind: "unusable", reason: "model.json is not a regular file" };
    const most = limits.savedJsonBytes.value;
    if (stats.size > most) {
      return { kind: "unusable", reason: `model.json has ${stats.size} bytes, more than the ${most} it may have` };
    }
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return { kind: "unusable", reason: "the folder holds no model.json (is it a run that nnc train saved?)" };
    }
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
      const { name, shape, dtype } = spec as { name?: unknown; shape?: unknown; dtype?: unknown };
      const valid =
        typeof name === "string" &&
        typeof dtype === "string" &&
        Array.isArray(shape) &&
        shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
      if (!valid) return { kind: "unusable", reason: "a weight in weightsManifest has no name, shape or dtype" };
      weights.push({ name, shape: shape as number[], dtype });
    }
  }
  return { kind: "weights", weights };
}

/** Whether `file` lies inside the folder `dir` (both absolute, symbolic links resolved). */
export function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== "" && !relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative);
}

/** The weights of layer `layer` in a run: those named `layer/...`. */
export function weightsOfLayer(weights: readonly SavedWeight[], layer: string): SavedWeight[] {
  return weights.filter((weight) => weight.name.startsWith(`${layer}/`));
}

/**
 * Why a layer of `params` parameters cannot take `layer`'s weights from a run, or null when it can: the run has
 * none for it, one is not float32, or they hold another number of values (their shapes and both counts are
 * named). The registry knows a layer's parameter count, not each weight's shape: weights of the right count
 * but another shape (`[8, 4]` for `[4, 8]`) are found when they are loaded (NN4035).
 */
export function weightMismatch(
  weights: readonly SavedWeight[],
  layer: string,
  here: string,
  params: number,
): string | null {
  const held = weightsOfLayer(weights, layer);
  if (held.length === 0) return params === 0 ? null : `the run has no weights for '${layer}'`;
  // Every weight of the layers nnc builds is float32; tfjs refuses to set one from values of another dtype.
  const other = held.find((w) => w.dtype !== "float32");
  if (other) return `its weight '${other.name}' is ${other.dtype}, but '${here}' here holds float32`;
  const count = held.reduce((sum, w) => sum + w.shape.reduce((product, d) => product * d, 1), 0);
  if (count === params) return null;
  const shapes = held.map((w) => `[${w.shape.join(", ")}]`).join(", ");
  const number = (n: number) => n.toLocaleString("en-US");
  return `the run holds ${shapes} (${number(count)} parameters), but '${here}' here has ${number(params)}`;
}
