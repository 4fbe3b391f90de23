/**
 * The train keys of transfer learning, as data: `init: from_run("runs/X")` (a run whose weights the model
 * starts from, matched by layer name; its path is resolved against the spec's folder as data paths are) and
 * `fine_tune: fine_tune(epochs: 5, learning_rate: 1e-5, unfreeze: all)` (a second phase of the same run). The
 * runtime's side is runtime/transfer.ts and runtime/fine-tune.ts.
 */
import type { Callable } from "./callable.js";
import type { DataSourceKind } from "./data-sources.js";
import { objectSchema } from "./train-options.js";

/** `from_run(path)`: the run folder of a trained model. */
export const weightSources: Readonly<Record<string, DataSourceKind>> = {
  from_run: {
    name: "from_run",
    positional: ["path"],
    schema: objectSchema({ path: { type: "string", minLength: 1 } }, ["path"]),
    paths: ["path"],
  },
};

/**
 * `fine_tune(epochs, learning_rate, unfreeze: all)`: after the main epochs, the layers `unfreeze` names (`all`,
 * or a list of layer names; a model call's prefix, `"Base"`, names each of its layers) become trainable and
 * `epochs` more are trained with a new optimizer of the same kind at `learning_rate`.
 */
export const fineTunes: Readonly<Record<string, Callable>> = {
  fine_tune: {
    name: "fine_tune",
    positional: ["epochs", "learning_rate"],
    schema: objectSchema(
      {
        epochs: { type: "integer", minimum: 1 },
        learning_rate: { type: "number", exclusiveMinimum: 0 },
        unfreeze: {
          anyOf: [
            { const: "all" },
            { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, uniqueItems: true },
          ],
          default: "all",
        },
      },
      ["epochs", "learning_rate"],
    ),
  },
};

/** The layers of `layers` a name in `unfreeze` means: the layer of that name, or each named `name/...`. */
export function layersNamed(name: string, layers: readonly string[]): string[] {
  return layers.filter((layer) => layer === name || layer.startsWith(`${name}/`));
}
