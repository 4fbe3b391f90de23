/**
 * The data sources a `train` block may read (`data:` and `validation:`), as data: their arguments' schemas
 * (which the checker validates) and which arguments are file paths (resolved against the spec's folder). The
 * readers are in `src/runtime/data/`.
 */
import type { Callable } from "./callable.js";
import { objectSchema } from "./train-options.js";

export interface DataSourceKind extends Callable {
  /** Arguments that are file paths, resolved against the directory of the spec. */
  readonly paths: readonly string[];
}

/** `csv(path, label:, features:, normalize:)` and `json(...)` (JSON Lines) take the same arguments. */
function tableSource(name: string): DataSourceKind {
  return {
    name,
    positional: ["path"],
    schema: objectSchema(
      {
        path: { type: "string", minLength: 1 },
        label: { type: "string", minLength: 1 },
        features: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, uniqueItems: true },
        normalize: { enum: ["standard", "minmax"] },
      },
      ["path", "label"],
    ),
    paths: ["path"],
  };
}

/**
 * Data sources: `csv("data/iris.csv", label: "species")`, `idx(images: "...-idx3-ubyte.gz", labels: "...")`
 * (MNIST's format: pixels scaled to [0, 1] unless `scale: false`, reshaped to the model's input).
 */
export const dataSources: Readonly<Record<string, DataSourceKind>> = {
  csv: tableSource("csv"),
  json: tableSource("json"),
  npy: {
    name: "npy",
    positional: ["x", "y"],
    // x: one features file, or after checking `inputs(a: "a.npy", ...)`, one per model input by name.
    schema: objectSchema(
      {
        x: {
          anyOf: [
            { type: "string", minLength: 1 },
            { type: "object", minProperties: 1, additionalProperties: { type: "string", minLength: 1 } },
          ],
        },
        y: { type: "string", minLength: 1 },
      },
      ["x", "y"],
    ),
    paths: ["x", "y"],
  },
  idx: {
    name: "idx",
    positional: ["images", "labels"],
    schema: objectSchema(
      {
        images: { type: "string", minLength: 1 },
        labels: { type: "string", minLength: 1 },
        scale: { type: "boolean", default: true },
      },
      ["images", "labels"],
    ),
    paths: ["images", "labels"],
  },
};
