/**
 * Keras's TextVectorization rules in text-vectorize.ts, against results worked out by hand from Keras's source
 * (keras/src/layers/preprocessing/text_vectorization.py and index_lookup.py): ASCII-only lowercasing, its
 * punctuation set, whitespace/character/none splitting, n-grams of 1..N unigrams first, the vocabulary
 * ("" and "[UNK]" first for int, "[UNK]" for the rest; descending count, ties in descending token order;
 * max_tokens counting the special tokens), OOV ids, padding and truncation to sequence_length, multi_hot,
 * count and tf_idf vectors, and the limits on a text's length, its tokens and the distinct tokens counted.
 */
import { describe, expect, it } from "vitest";
import {
  splitText,
  standardizeText,
  TokenIndex,
  textLimits,
  textTokens,
  VocabularyFit,
  withNgrams,
  type TextSettings,
} from "../../src/runtime/data/text-vectorize.js";
import { userError } from "../helpers/data-files.js";

const settings = (over: Partial<TextSettings> = {}): TextSettings => ({
  maxTokens: 100,
  sequenceLength: null,
  standardize: "lower_and_strip_punctuation",
  split: "whitespace",
  ngrams: 1,
  outputMode: "int",
  ...over,
});

/** The vocabulary fitted on `texts`, as Keras's adapt() gives it. */
const fitted = (texts: readonly string[], over: Partial<TextSettings> = {}) => {
  const fit = new VocabularyFit(settings(over), "texts.csv", textLimits);
  for (const text of texts) fit.add(textTokens(text, settings(over), "texts.csv:1", textLimits));
  return fit.result();
};

describe("standardize and split", () => {
  it("lowercases ASCII letters only and strips ASCII punctuation, as tf.strings.lower and Keras's regex do", () => {
    const text = "Héllo, WORLD! It's ÉTÉ (a_b) [x]\\y {z} ~ok~ — fine";
    expect(standardizeText(text, "lower_and_strip_punctuation")).toBe("héllo world its ÉtÉ ab xy z ok — fine");
    expect(standardizeText(text, "lower")).toBe("héllo, world! it's ÉtÉ (a_b) [x]\\y {z} ~ok~ — fine");
    expect(standardizeText(text, "strip_punctuation")).toBe("Héllo WORLD Its ÉTÉ ab xy z ok — fine");
    expect(standardizeText(text, "none")).toBe(text);
  });

  it("splits at runs of whitespace (dropping empty tokens), per code point, or not at all", () => {
    expect(splitText("  the\tcat \n\n sat  ", "whitespace")).toEqual(["the", "cat", "sat"]);
    expect(splitText("a b😀", "character")).toEqual(["a", " ", "b", "😀"]);
    expect(splitText("the cat", "none")).toEqual(["the cat"]);
    expect(splitText("   ", "whitespace")).toEqual([]);
  });

  it("gives n-grams of 1 to N tokens, unigrams first, joined with a space", () => {
    expect(withNgrams(["a", "b", "c"], 2)).toEqual(["a", "b", "c", "a b", "b c"]);
    expect(withNgrams(["a", "b", "c"], 3)).toEqual(["a", "b", "c", "a b", "b c", "a b c"]);
    expect(withNgrams(["a"], 3)).toEqual(["a"]);
    expect(textTokens("The cat, the HAT.", settings({ ngrams: 2 }), "x", textLimits)).toEqual([
      "the",
      "cat",
      "the",
      "hat",
      "the cat",
      "cat the",
      "the hat",
    ]);
  });
});

describe("the vocabulary", () => {
  const texts = ["the cat sat", "the dog sat", "the cat ran", "a bird"];

  it("is padding, OOV, then tokens by descending count, ties in descending token order (Keras's lexsort)", () => {
    // the: 3; cat, sat: 2; dog, ran, bird, a: 1 (ties: sat > cat; ran > dog > bird > a).
    expect(fitted(texts).tokens).toEqual(["", "[UNK]", "the", "sat", "cat", "ran", "dog", "bird", "a"]);
    expect(fitted(texts, { outputMode: "multi_hot" }).tokens).toEqual([
      "[UNK]",
      "the",
      "sat",
      "cat",
      "ran",
      "dog",
      "bird",
      "a",
    ]);
  });

  it("counts the special tokens in max_tokens and cuts the rest", () => {
    expect(fitted(texts, { maxTokens: 5 }).tokens).toEqual(["", "[UNK]", "the", "sat", "cat"]);
    expect(fitted(texts, { maxTokens: 2 }).tokens).toEqual(["", "[UNK]"]);
    expect(fitted(texts, { maxTokens: 3, outputMode: "count" }).tokens).toEqual(["[UNK]", "the", "sat"]);
  });

  it("gives OOV tokens id 1 and pads with 0 or cuts at the end to sequence_length", () => {
    const vocabulary = fitted(texts, { maxTokens: 5 });
    const ids = (text: string, sequenceLength: number | null) => {
      const s = settings({ maxTokens: 5, sequenceLength });
      return [...new TokenIndex(vocabulary, s).ids(textTokens(text, s, "x", textLimits))];
    };
    expect(ids("The cat ran", null)).toEqual([2, 4, 1]);
    expect(ids("The cat ran", 5)).toEqual([2, 4, 1, 0, 0]);
    expect(ids("The cat ran away", 2)).toEqual([2, 4]);
    // An empty text keeps one padding id, masked like any padding.
    expect(ids("...", null)).toEqual([0]);
  });

  it("gives multi_hot, count and tf_idf vectors of max_tokens values, OOV at index 0", () => {
    const vector = (mode: TextSettings["outputMode"], text: string) => {
      const s = settings({ maxTokens: 6, outputMode: mode });
      const index = new TokenIndex(fitted(texts, { maxTokens: 6, outputMode: mode }), s);
      const out = new Float32Array(6);
      index.encode(index.ids(textTokens(text, s, "x", textLimits)), out);
      return [...out].map((v) => Math.round(v * 1e5) / 1e5);
    };
    // [UNK], the, sat, cat, ran, dog
    expect(vector("multi_hot", "the the cat zebra")).toEqual([1, 1, 0, 1, 0, 0]);
    expect(vector("count", "the the cat zebra zebra")).toEqual([2, 2, 0, 1, 0, 0]);
    // idf = log(1 + 4 / (1 + documents holding the token)); [UNK] the mean of the five kept tokens' idf.
    const idf = (documents: number) => Math.log(1 + 4 / (1 + documents));
    const mean = (idf(3) + idf(2) + idf(2) + idf(1) + idf(1)) / 5;
    const expected = [mean, 2 * idf(3), 0, idf(2), 0, 0].map((v) => Math.round(v * 1e5) / 1e5);
    expect(vector("tf_idf", "the the cat zebra")).toEqual(expected);
  });
});

describe("limits", () => {
  const limits = { ...textLimits, textChars: 20, tokens: 4, distinctTokens: 5 };

  it("refuses a text longer than the character limit, and one of too many tokens, naming the row", async () => {
    const long = await userError(() => textTokens("x".repeat(21), settings(), "texts.csv:7", limits));
    expect(long.format()).toBe(
      "error[NN4021]: texts.csv:7: the text has 21 characters, more than the 20 nnc vectorizes in one row (shorten the text, or split it into several rows)",
    );
    const many = await userError(() => textTokens("a b c", settings({ ngrams: 2 }), "texts.csv:8", limits));
    expect(many.code).toBe("NN4021");
    expect(many.message).toContain("5 tokens (n-grams included), more than the 4");
  });

  it("refuses to count more distinct tokens than the vocabulary limit", async () => {
    const fit = new VocabularyFit(settings(), "texts.csv", limits);
    fit.add(["a", "b", "c", "a"]);
    fit.add(["d", "e"]);
    const error = await userError(() => fit.add(["a", "f"]));
    expect(error.format()).toBe(
      "error[NN4021]: texts.csv: the training texts hold more than 5 distinct tokens, the most nnc counts to fit a vocabulary (use fewer ngrams, standardize the text, or train on fewer rows)",
    );
  });
});
