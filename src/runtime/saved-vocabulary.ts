/**
 * `vocabulary.json`: a run trained on `text(...)` saves the vocabulary fitted on its training rows beside
 * `preprocessing.json` (the in-memory `Preprocessing.vocabulary`, written to a file of its own), and `nnc
 * evaluate` and `nnc predict` read it back, validated: its schema, then what the schema cannot say (the
 * special tokens first, no more tokens than `max_tokens`, one idf per token for `tf_idf`).
 */
import { savedRunFiles } from "../compiler/registry/run-files.js";
import { textArgumentLimits } from "../compiler/registry/text-source.js";
import type { Preprocessing } from "./data/training-data.js";
import type { SavedVocabulary } from "./data/text.js";
import { specialTokens } from "./data/text-vectorize.js";
import { readRunJson, unusable, type SavedFolder } from "./saved-files.js";

/**
 * Writes `preprocessing` as a run saves it, through `write` (a file name of the run, the value): the
 * vocabulary of a text source to `vocabulary.json`, the rest to `preprocessing.json`.
 */
export async function writePreprocessing(
  preprocessing: Preprocessing,
  write: (file: string, value: unknown) => Promise<void>,
): Promise<void> {
  const { vocabulary, ...rest } = preprocessing;
  await write(savedRunFiles.preprocessing, rest);
  if (vocabulary) await write(savedRunFiles.vocabulary, vocabulary);
}

/** `vocabulary.json` of `run`, validated; NN4010 naming it when it is missing or unusable. */
export function readVocabulary(run: SavedFolder): SavedVocabulary {
  const file = savedRunFiles.vocabulary;
  const vocabulary = readRunJson<SavedVocabulary>(run, file, "vocabulary", { precheck: tooManyTokens })!;
  const { settings, tokens, idf } = vocabulary;
  const specials = specialTokens(settings.outputMode);
  if (specials.some((token, i) => tokens[i] !== token))
    throw unusable(run, file, `tokens must start with ${specials.map((t) => JSON.stringify(t)).join(", ")}`);
  if (tokens.length > settings.maxTokens)
    throw unusable(run, file, `${tokens.length} tokens, more than maxTokens ${settings.maxTokens}`);
  if ((settings.outputMode === "tf_idf") !== (idf !== undefined) || (idf && idf.length !== tokens.length))
    throw unusable(run, file, "idf must hold one weight per token for tf_idf, and be absent otherwise");
  return vocabulary;
}

/** The count check, before the schema: more tokens than `maxTokens` (or than any run keeps), from the raw value. */
function tooManyTokens(value: unknown): string | undefined {
  const { tokens, settings } = (value ?? {}) as { tokens?: unknown; settings?: { maxTokens?: unknown } };
  const most = typeof settings?.maxTokens === "number" ? settings.maxTokens : textArgumentLimits.maxTokens;
  const count = Array.isArray(tokens) ? tokens.length : 0;
  return count > Math.min(most, textArgumentLimits.maxTokens)
    ? `${count} tokens, more than maxTokens ${most}`
    : undefined;
}
