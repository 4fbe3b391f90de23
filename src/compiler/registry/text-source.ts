/**
 * `text(path, text: "review", label: "sentiment", max_tokens: 20000, ...)`: raw text read from a CSV or JSON
 * Lines file (by its extension) and vectorized as Keras's `TextVectorization` layer does, with its vocabulary
 * fitted on the training rows only. The arguments keep Keras's names and values; `max_tokens` is required (the
 * model's input or embedding is sized by it). The reader is src/runtime/data/text.ts; the checks of what the
 * text feeds are src/compiler/check/text-source.ts's.
 */
import type { DataSourceKind } from "./data-sources.js";
import { objectSchema } from "./train-options.js";

const name = { type: "string", minLength: 1 } as const;

/** Keras's output modes: token ids (`int`), or one `[max_tokens]` vector a text. */
export const textOutputModes = ["int", "multi_hot", "count", "tf_idf"] as const;

/** The largest `max_tokens` and `sequence_length` nnc takes: a `[max_tokens]` float input a row stays below 4 MB. */
export const textArgumentLimits = { maxTokens: 1_000_000, sequenceLength: 100_000, ngrams: 5 } as const;

export const textSource: DataSourceKind = {
  name: "text",
  positional: ["path"],
  schema: objectSchema(
    {
      path: name,
      text: name,
      label: name,
      labels: { type: "object", minProperties: 1, additionalProperties: name },
      max_tokens: { type: "integer", minimum: 2, maximum: textArgumentLimits.maxTokens },
      sequence_length: { type: "integer", minimum: 1, maximum: textArgumentLimits.sequenceLength },
      standardize: {
        enum: ["lower_and_strip_punctuation", "lower", "strip_punctuation", "none"],
        default: "lower_and_strip_punctuation",
      },
      split: { enum: ["whitespace", "character", "none"], default: "whitespace" },
      ngrams: { type: "integer", minimum: 1, maximum: textArgumentLimits.ngrams, default: 1 },
      output_mode: { enum: [...textOutputModes], default: "int" },
      missing: { enum: ["error", "drop"] },
    },
    ["path", "text", "max_tokens"],
  ),
  paths: ["path"],
  labels: ["label", "labels"],
  kerasNames: { output_sequence_length: "sequence_length" },
};
