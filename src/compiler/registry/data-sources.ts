/**
 * The data sources a `train` block may read (`data:` and `validation:`), as data: their arguments' schemas
 * (which the checker validates) and which arguments are file paths (resolved against the spec's folder). The
 * readers are in `src/runtime/data/`. Which labels and features a source needs for the model it feeds (a label
 * per output, features per input, none with `target:`) is check/data-source.ts's.
 */
import type { Callable } from "./callable.js";
import { textSource } from "./text-source.js";
import { objectSchema } from "./train-options.js";

export interface DataSourceKind extends Callable {
  /** Arguments that are file paths (or maps of them, by input or output name), resolved against the spec's folder. */
  readonly paths: readonly string[];
  /**
   * The arguments that give the targets: one is needed unless the train block has `target:`, none with it. As
   * a map, such an argument is keyed by output name (`labels: { kind: "species" }`).
   */
  readonly labels?: readonly string[];
  /** The argument that gives the features, keyed by input name as a map (`features: { tokens: [...] }`). */
  readonly features?: string;
}

const name = { type: "string", minLength: 1 } as const;
/** A map of names to `value`s: `{ kind: "species", price: "price" }`. */
const byName = (value: object) => ({ type: "object", minProperties: 1, additionalProperties: value }) as const;
const columns = { type: "array", items: name, minItems: 1, uniqueItems: true } as const;
/** A path, or one per model input or output by name. */
const files = { anyOf: [name, byName(name)] } as const;
const normalizeTarget = { enum: ["standard"] } as const;

/**
 * `csv(path, label:, labels:, features:, normalize:, normalize_target:, missing:, pad:)` and `json(...)` (JSON
 * Lines) take the same arguments.
 */
function tableSource(sourceName: string): DataSourceKind {
  return {
    name: sourceName,
    positional: ["path"],
    schema: objectSchema(
      {
        path: name,
        label: name,
        labels: byName(name),
        features: { anyOf: [columns, byName(columns)] },
        normalize: { enum: ["standard", "minmax"] },
        normalize_target: normalizeTarget,
        missing: { enum: ["error", "drop"] },
        pad: { type: "number" },
        sample_weight: name,
      },
      ["path"],
    ),
    paths: ["path"],
    labels: ["label", "labels"],
    features: "features",
    // tf.data's make_csv_dataset.
    kerasNames: { label_name: "label", select_columns: "features", file_pattern: "path" },
  };
}

/**
 * Data sources: `csv("data/iris.csv", label: "species")`, `idx(images: "...-idx3-ubyte.gz", labels: "...")`
 * (MNIST's format: pixels scaled to [0, 1] unless `scale: false`, reshaped to the model's input),
 * `images("photos", size: [64, 64], color: rgb)` (a folder of PNG and JPEG files, one sub-folder per class).
 */
export const dataSources: Readonly<Record<string, DataSourceKind>> = {
  csv: tableSource("csv"),
  json: tableSource("json"),
  npy: {
    name: "npy",
    positional: ["x", "y"],
    // x: one features file, or one per model input by name (`{ a: "a.npy" }`, or `inputs(a: "a.npy")`, which
    // the checker turns into that); y: one targets file, or one per model output by name.
    // sample_weight: a file of one weight per row, as a csv's column of them.
    schema: objectSchema({ x: files, y: files, normalize_target: normalizeTarget, sample_weight: name }, ["x"]),
    paths: ["x", "y", "sample_weight"],
    labels: ["y"],
    features: "x",
  },
  idx: {
    name: "idx",
    positional: ["images", "labels"],
    schema: objectSchema(
      {
        images: name,
        labels: name,
        scale: { type: "boolean", default: true },
      },
      ["images"],
    ),
    paths: ["images", "labels"],
    labels: ["labels"],
  },
  text: textSource,
  // A folder of PNG and JPEG files, one sub-folder per class (Keras's image_dataset_from_directory); `size`
  // and `color` default to the model input's [h, w, c] (the checker fills them in: check/image-source.ts).
  images: {
    name: "images",
    positional: ["path"],
    schema: objectSchema(
      {
        path: name,
        size: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, minItems: 2, maxItems: 2 },
        color: { enum: ["grayscale", "rgb", "rgba"] },
        interpolation: { enum: ["bilinear", "nearest"], default: "bilinear" },
        crop_to_aspect_ratio: { type: "boolean", default: false },
        class_names: { ...columns, maxItems: 100_000 },
        corrupt: { enum: ["error", "skip"], default: "error" },
      },
      ["path"],
    ),
    paths: ["path"],
    kerasNames: { image_size: "size", color_mode: "color", directory: "path" },
  },
};
