/**
 * JSON Schemas of every JSON file nnc reads back from a run folder: what `nnc train` saves (`model.json`,
 * `history.json`, `labels.json`, `preprocessing.json`, a `model_checkpoint`'s `checkpoint.json`) and what it
 * resumes from (`resume/latest.json`, a checkpoint's `state.json`). A run folder may come from anywhere (copied
 * from another machine, edited by hand), so nothing in it is trusted: saved-files.ts validates each file against
 * its schema before any field is used. Plain data, like the registry's argument schemas;
 * test/saved-file-schemas.test.ts checks each against the JSON Schema meta-schema in ajv's strict mode.
 */
import type { SchemaObject } from "ajv";
import { textArgumentLimits, textOutputModes } from "../compiler/registry/text-source.js";

const count = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
/** A 32-bit generator state or seed. */
const uint32 = { type: "integer", minimum: 0, maximum: 4294967295 };
const shape = { type: "array", maxItems: 16, items: { type: "integer", minimum: 0, maximum: 2147483647 } };
const strings = { type: "array", items: { type: "string" } };

/**
 * A figure as a checkpoint writes it: a number, or NaN and the infinities spelled `{"number": "Infinity"}`
 * (JSON has no literal for them; a best figure starts at Infinity).
 */
const figure = {
  anyOf: [
    { type: "number" },
    {
      type: "object",
      required: ["number"],
      additionalProperties: false,
      properties: { number: { enum: ["NaN", "Infinity", "-Infinity"] } },
    },
  ],
};
const figures = { type: "object", additionalProperties: figure };

/** One tensor of a weights file, as tfjs's `encodeWeights` describes it (no quantization, no strings). */
const tensorSpec = {
  type: "object",
  required: ["name", "shape", "dtype"],
  additionalProperties: false,
  properties: { name: { type: "string" }, shape, dtype: { enum: ["float32", "int32", "bool"] } },
};

/** `resume/latest.json`: the name of the newest complete checkpoint folder inside `resume/`. */
const latest = {
  type: "object",
  required: ["checkpoint"],
  additionalProperties: false,
  properties: {
    // One plain folder name: no separator, not `.` or `..`, so it cannot lead out of `resume/`.
    checkpoint: { type: "string", pattern: "^(?!\\.\\.?$)[A-Za-z0-9._-]{1,200}$" },
  },
};

/** What each resumable callback keeps in a checkpoint, by its class name. */
const callbackValues = {
  EarlyStopping: { best: figure, wait: count },
  ReduceOnPlateau: { best: figure, wait: count, cooldownLeft: count },
  ModelCheckpoint: { best: figure, written: strings },
  CsvLogger: { lines: strings, written: strings },
};

/** A checkpoint's `state.json` (see `CheckpointState` in checkpoint.ts). */
const state = {
  type: "object",
  required: [
    "format",
    "model",
    "seed",
    "point",
    "history",
    "learningRate",
    "weights",
    "weightSpecs",
    "optimizerSpecs",
    "callbacks",
    "callbackSpecs",
  ],
  additionalProperties: false,
  properties: {
    format: { const: 1 },
    model: { type: "string" },
    seed: count,
    epochs: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    overrides: { type: "array", items: { type: "string" } },
    point: {
      type: "object",
      required: ["epoch", "step", "random", "epochRandom", "sums", "seen"],
      additionalProperties: false,
      properties: { epoch: count, step: count, random: uint32, epochRandom: uint32, sums: figures, seen: count },
    },
    history: { type: "array", items: figures },
    learningRate: { type: "number", minimum: 0 },
    weights: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "shape"],
        additionalProperties: false,
        properties: { name: { type: "string" }, shape },
      },
    },
    weightSpecs: { type: "array", items: tensorSpec },
    optimizerSpecs: { type: "array", items: tensorSpec },
    callbacks: {
      type: "array",
      items: {
        anyOf: [
          { type: "null" },
          {
            type: "object",
            required: ["kind", "values", "tensors"],
            additionalProperties: false,
            properties: { kind: { enum: Object.keys(callbackValues) }, values: { type: "object" }, tensors: count },
          },
        ],
      },
    },
    callbackSpecs: { type: "array", items: tensorSpec },
  },
};

/** The `values` of each callback kind in `state.json`, validated once its kind is known. */
export const callbackValueSchemas: Readonly<Record<string, SchemaObject>> = Object.fromEntries(
  Object.entries(callbackValues).map(([kind, properties]) => [
    kind,
    { type: "object", required: Object.keys(properties), additionalProperties: false, properties },
  ]),
);

/** A tfjs layers model's `model.json`; its topology is tfjs's to check, its weight files are ours. */
const model = {
  type: "object",
  required: ["modelTopology", "weightsManifest"],
  properties: {
    format: { const: "layers-model" },
    modelTopology: { type: "object" },
    weightsManifest: {
      type: "array",
      items: {
        type: "object",
        required: ["paths", "weights"],
        properties: {
          paths: { type: "array", items: { type: "string", minLength: 1 } },
          weights: {
            type: "array",
            items: {
              type: "object",
              required: ["name", "shape", "dtype"],
              properties: {
                name: { type: "string" },
                shape,
                dtype: { enum: ["float32", "int32", "bool"] },
                quantization: {
                  type: "object",
                  required: ["dtype"],
                  properties: { dtype: { enum: ["uint8", "uint16", "float16"] } },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** `history.json`: one record per epoch; a figure that was NaN is `null` (JSON.stringify writes it so). */
const history = {
  type: "array",
  items: {
    type: "object",
    required: ["epoch"],
    properties: { epoch: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
    additionalProperties: { type: ["number", "null"] },
  },
};

/** A `model_checkpoint`'s `checkpoint.json`: the epoch it was written after, and that epoch's figures. */
const checkpoint = {
  type: "object",
  required: ["epoch", "figures"],
  additionalProperties: false,
  properties: {
    epoch: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    figures: { type: "object", additionalProperties: { type: ["number", "null"] } },
  },
};

/** One output's label column and training classes, output unit i being class i. */
const outputClasses = {
  type: "object",
  required: ["column", "classes"],
  additionalProperties: false,
  properties: { column: { type: "string" }, classes: { ...strings, minItems: 1, uniqueItems: true } },
};

/** `labels.json`: one output's classes, or (a model of several outputs) each classifying output's, by name. */
const labels = {
  anyOf: [
    outputClasses,
    {
      type: "object",
      required: ["outputs"],
      additionalProperties: false,
      properties: { outputs: { type: "object", additionalProperties: outputClasses } },
    },
  ],
};

/** `preprocessing.json` (see `Preprocessing` in data/training-data.ts). */
const preprocessing = {
  type: "object",
  required: ["source", "label", "features", "normalization"],
  additionalProperties: false,
  properties: {
    source: { enum: ["csv", "json", "idx", "npy", "images", "text"] },
    label: { type: "string" },
    features: { ...strings, uniqueItems: true },
    normalization: {
      anyOf: [
        { type: "null" },
        {
          type: "object",
          required: ["mode", "shift", "scale"],
          additionalProperties: false,
          properties: {
            mode: { enum: ["standard", "minmax"] },
            shift: { type: "array", items: { type: "number" } },
            scale: { type: "array", items: { type: "number" } },
          },
        },
      ],
    },
    scale: { type: "boolean" },
    inputs: { ...strings, minItems: 1, uniqueItems: true },
    featuresPerInput: { type: "object", additionalProperties: { ...strings, minItems: 1, uniqueItems: true } },
    labels: { type: "object", additionalProperties: { type: "string" } },
    targetScaling: {
      type: "array",
      items: {
        anyOf: [
          { type: "null" },
          {
            type: "object",
            required: ["mode", "shift", "scale"],
            additionalProperties: false,
            properties: { mode: { const: "standard" }, shift: { type: "number" }, scale: { type: "number" } },
          },
        ],
      },
    },
    target: { type: "string" },
    pad: { type: "number" },
    sequence: { type: "string" },
    images: {
      type: "object",
      required: ["size", "color", "interpolation", "crop_to_aspect_ratio"],
      additionalProperties: false,
      properties: {
        size: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, minItems: 2, maxItems: 2 },
        color: { enum: ["grayscale", "rgb", "rgba"] },
        interpolation: { enum: ["bilinear", "nearest"] },
        crop_to_aspect_ratio: { type: "boolean" },
      },
    },
  },
};

/** The schema of `vocabulary.json` (see `SavedVocabulary` in data/text.ts). */
const vocabulary = {
  type: "object",
  required: ["column", "settings", "tokens"],
  additionalProperties: false,
  properties: {
    column: { type: "string", minLength: 1 },
    settings: {
      type: "object",
      required: ["maxTokens", "sequenceLength", "standardize", "split", "ngrams", "outputMode"],
      additionalProperties: false,
      properties: {
        maxTokens: { type: "integer", minimum: 2, maximum: textArgumentLimits.maxTokens },
        sequenceLength: {
          anyOf: [{ type: "null" }, { type: "integer", minimum: 1, maximum: textArgumentLimits.sequenceLength }],
        },
        standardize: { enum: ["lower_and_strip_punctuation", "lower", "strip_punctuation", "none"] },
        split: { enum: ["whitespace", "character", "none"] },
        ngrams: { type: "integer", minimum: 1, maximum: textArgumentLimits.ngrams },
        outputMode: { enum: [...textOutputModes] },
      },
    },
    tokens: { type: "array", items: { type: "string" }, uniqueItems: true },
    idf: { type: "array", items: { type: "number", minimum: 0 } },
  },
} as const;

/**
 * A PyTorch target script's `run.json` (src/compiler/emit/pytorch/script.ts documents it), as `nnc import-weights`
 * reads it: the fields it uses are checked, the others (torch's version, checksums) are the script's to add to.
 */
const pytorchRun = {
  type: "object",
  required: ["format", "version", "model", "spec", "completed_epochs", "data"],
  properties: {
    format: { const: "nnc-pytorch-run" },
    version: { const: 1 },
    model: { type: "string", minLength: 1 },
    spec: { type: "string", minLength: 1 },
    torch: { type: "string" },
    world_size: { type: "integer", minimum: 1 },
    completed_epochs: { ...count, minimum: 1 },
    restored_epoch: { anyOf: [{ type: "null" }, { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER }] },
    final: { type: "object", additionalProperties: { type: ["number", "null"] } },
    // Each process's SHA-256 of its final weights, in rank order (loop.ts's checksum()); rank 0 saved them.
    weights_sha256: { type: "array", minItems: 1, items: { type: "string", pattern: "^[0-9a-f]{64}$" } },
    data: {
      type: "object",
      required: ["labels", "preprocessing"],
      properties: { labels: { anyOf: [{ type: "null" }, labels] }, preprocessing },
    },
  },
};

/**
 * A PyTorch target script's `history.json`: one record per epoch, numbered 1, 2, ... (pytorch-run.ts checks the
 * order and the count against run.json), every figure a number (JSON has no NaN: a script that wrote one is refused).
 */
const pytorchHistory = { ...history, items: { ...history.items, additionalProperties: { type: "number" } } };

/** Every schema, by the kind of file it describes. */
export const savedFileSchemas = {
  latest,
  state,
  model,
  history,
  checkpoint,
  labels,
  preprocessing,
  vocabulary,
  pytorchRun,
  pytorchHistory,
} as const;

export type SavedFileKind = keyof typeof savedFileSchemas;
