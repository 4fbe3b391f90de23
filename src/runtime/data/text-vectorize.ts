/**
 * Keras's `TextVectorization`, in plain TypeScript: standardize, split, n-grams, a vocabulary fitted on the
 * training texts, and each text as token ids (`int`) or one `[max_tokens]` vector (`multi_hot`, `count`,
 * `tf_idf`). Keras's rules, kept exactly:
 * - `lower` lowercases ASCII letters only (`tf.strings.lower`); `strip_punctuation` removes the ASCII
 *   punctuation `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`; `lower_and_strip_punctuation` does both.
 * - `whitespace` splits at runs of ASCII whitespace and drops empty tokens; `character` gives each code point
 *   (spaces too); `none` keeps the text as one token.
 * - `ngrams: N` gives every n-gram of 1 to N tokens, joined with a space, all unigrams first, then bigrams, ...
 * - The vocabulary is, for `int`, `""` (padding, id 0), `"[UNK]"` (out of vocabulary, id 1), then the tokens by
 *   descending count; for the other modes `"[UNK]"` (index 0) then the tokens. Tokens of the same count come in
 *   descending code point order (Keras sorts with `np.lexsort((tokens, counts))[::-1]`). `max_tokens` counts
 *   the special tokens: the rest are cut.
 * - `tf_idf`: a token's count in the text times its idf, `log(1 + documents / (1 + documents holding it))`,
 *   over the training texts; out-of-vocabulary tokens get the mean idf of the vocabulary's tokens.
 * - `sequence_length`: id sequences cut or padded with 0 at the end to that length; without it a sequence keeps
 *   its length (a batch is padded to its longest, see sequences.ts).
 */
import { limits } from "../../compiler/base/limits.js";
import { NncUserError } from "../errors.js";

export type TextOutputMode = "int" | "multi_hot" | "count" | "tf_idf";

/** How texts become tokens and tokens numbers: the `text(...)` arguments, with Keras's defaults filled in. */
export interface TextSettings {
  readonly maxTokens: number;
  readonly sequenceLength: number | null;
  readonly standardize: "lower_and_strip_punctuation" | "lower" | "strip_punctuation" | "none";
  readonly split: "whitespace" | "character" | "none";
  readonly ngrams: number;
  readonly outputMode: TextOutputMode;
}

/** A fitted vocabulary: its tokens by index (special tokens first) and, for `tf_idf`, each index's idf. */
export interface Vocabulary {
  readonly tokens: readonly string[];
  readonly idf?: readonly number[];
}

/** The bounds on vectorizing text (the tests lower them): each ends in NN4021 naming the row or the source. */
export interface TextLimits {
  /** Characters of one text. */
  readonly textChars: number;
  /** Tokens of one text, n-grams included. */
  readonly tokens: number;
  /** Distinct tokens counted while the vocabulary is fitted, before it is cut to `max_tokens`. */
  readonly distinctTokens: number;
  /** Rows of one text source. */
  readonly rows: number;
  /** Token ids kept for all the rows of one text source (4 bytes each), n-grams included. */
  readonly totalTokens: number;
}

export const textLimits: TextLimits = {
  textChars: limits.textChars.value,
  tokens: limits.textTokens.value,
  distinctTokens: limits.textDistinctTokens.value,
  rows: limits.textRows.value,
  totalTokens: 100_000_000,
};

export const paddingToken = "";
export const unknownToken = "[UNK]";

/** The special tokens at the start of a vocabulary of `mode`. */
export function specialTokens(mode: TextOutputMode): readonly string[] {
  return mode === "int" ? [paddingToken, unknownToken] : [unknownToken];
}

const asciiUpper = /[A-Z]+/g;
const asciiPunctuation = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const asciiWhitespace = /[ \t\n\v\f\r]+/;

/** `text` standardized as `mode` says. */
export function standardizeText(text: string, mode: TextSettings["standardize"]): string {
  const lowered = mode === "lower" || mode === "lower_and_strip_punctuation";
  const stripped = mode === "strip_punctuation" || mode === "lower_and_strip_punctuation";
  const lower = lowered ? text.replace(asciiUpper, (letters) => letters.toLowerCase()) : text;
  return stripped ? lower.replace(asciiPunctuation, "") : lower;
}

/** A standardized text's tokens as `mode` splits it. */
export function splitText(text: string, mode: TextSettings["split"]): string[] {
  if (mode === "character") return Array.from(text);
  if (mode === "none") return [text];
  return text.split(asciiWhitespace).filter((token) => token !== "");
}

/** Every n-gram of 1 to `n` tokens, unigrams first (Keras's `tf.strings.ngrams` with widths 1..n, joined by a space). */
export function withNgrams(tokens: readonly string[], n: number): string[] {
  if (n <= 1) return [...tokens];
  const grams: string[] = [];
  for (let width = 1; width <= n; width++)
    for (let i = 0; i + width <= tokens.length; i++) grams.push(tokens.slice(i, i + width).join(" "));
  return grams;
}

/**
 * The tokens of one text, n-grams included; NN4021 at `where` (the row) when the text or its tokens pass
 * `limits`.
 */
export function textTokens(text: string, settings: TextSettings, where: string, limits: TextLimits): string[] {
  checkTextLength(text, where, limits);
  const words = splitText(standardizeText(text, settings.standardize), settings.split);
  const count = countNgrams(words.length, settings.ngrams);
  if (count > limits.tokens) {
    const reason = `the text has ${count} tokens${settings.ngrams > 1 ? " (n-grams included)" : ""}, more than the ${limits.tokens} nnc vectorizes in one row`;
    throw new NncUserError("NN4021", { where, reason }, "shorten the text, or split it into several rows");
  }
  return withNgrams(words, settings.ngrams);
}

/** NN4021 at `where` (the row) for a text longer than `limits.textChars`. */
export function checkTextLength(text: string, where: string, limits: TextLimits): void {
  if (text.length > limits.textChars) {
    const reason = `the text has ${text.length} characters, more than the ${limits.textChars} nnc vectorizes in one row`;
    throw new NncUserError("NN4021", { where, reason }, "shorten the text, or split it into several rows");
  }
}

function countNgrams(words: number, n: number): number {
  let count = 0;
  for (let width = 1; width <= n; width++) count += Math.max(words - width + 1, 0);
  return count;
}

/**
 * Counts tokens text by text (the training texts only), then keeps the most frequent (see the file comment).
 * At most `limits.distinctTokens` distinct tokens are counted: one more is NN4021 naming `source`.
 */
export class VocabularyFit {
  private readonly counts = new Map<string, number>();
  private readonly documents = new Map<string, number>();
  private texts = 0;

  constructor(
    private readonly settings: TextSettings,
    private readonly source: string,
    private readonly limits: TextLimits,
  ) {}

  add(tokens: readonly string[]): void {
    this.texts++;
    for (const token of tokens) {
      if (token === paddingToken || token === unknownToken) continue;
      const count = this.counts.get(token);
      if (count === undefined && this.counts.size >= this.limits.distinctTokens) {
        const reason = `the training texts hold more than ${this.limits.distinctTokens} distinct tokens, the most nnc counts to fit a vocabulary`;
        const hint = "use fewer ngrams, standardize the text, or train on fewer rows";
        throw new NncUserError("NN4021", { where: this.source, reason }, hint);
      }
      this.counts.set(token, (count ?? 0) + 1);
    }
    if (this.settings.outputMode === "tf_idf")
      for (const token of new Set(tokens)) this.documents.set(token, (this.documents.get(token) ?? 0) + 1);
  }

  result(): Vocabulary {
    const specials = specialTokens(this.settings.outputMode);
    const kept = [...this.counts.entries()]
      .sort(([a, countA], [b, countB]) => countB - countA || compareCodePoints(b, a))
      .slice(0, Math.max(this.settings.maxTokens - specials.length, 0))
      .map(([token]) => token);
    const tokens = [...specials, ...kept];
    if (this.settings.outputMode !== "tf_idf") return { tokens };
    const idfs = kept.map((token) => Math.log(1 + this.texts / (1 + (this.documents.get(token) ?? 0))));
    const mean = idfs.length === 0 ? 0 : idfs.reduce((sum, idf) => sum + idf, 0) / idfs.length;
    return { tokens, idf: [...specials.map(() => mean), ...idfs] };
  }
}

/** Orders two strings by their code points (as UTF-8 bytes do), which UTF-16 comparison does not for astral ones. */
function compareCodePoints(a: string, b: string): number {
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : [...a].length - [...b].length;
}

/** Maps tokens to their vocabulary index: out-of-vocabulary tokens to `[UNK]`'s, padding to 0 (`int`). */
export class TokenIndex {
  private readonly index: Map<string, number>;
  readonly unknown: number;

  constructor(
    readonly vocabulary: Vocabulary,
    readonly settings: TextSettings,
  ) {
    this.index = new Map(vocabulary.tokens.map((token, i) => [token, i]));
    this.unknown = settings.outputMode === "int" ? 1 : 0;
  }

  /** The ids of `tokens` (`int`: cut or padded to `sequence_length` when it is set). */
  ids(tokens: readonly string[]): Int32Array {
    const int = this.settings.outputMode === "int";
    const kept = int ? tokens : tokens.filter((token) => token !== paddingToken);
    // An empty text keeps one padding id: a batch of empty texts still has a step (masked).
    const length = !int ? kept.length : (this.settings.sequenceLength ?? Math.max(kept.length, 1));
    const ids = new Int32Array(length);
    for (let i = 0; i < Math.min(length, kept.length); i++) ids[i] = this.index.get(kept[i]!) ?? this.unknown;
    return ids;
  }

  /** One text's `[max_tokens]` vector from its ids (`multi_hot`, `count`, `tf_idf`), written into `out`. */
  encode(ids: Int32Array, out: Float32Array): void {
    out.fill(0);
    const mode = this.settings.outputMode;
    for (const id of ids) out[id] = mode === "multi_hot" ? 1 : out[id]! + 1;
    const idf = this.vocabulary.idf;
    if (mode === "tf_idf" && idf) for (let i = 0; i < idf.length; i++) out[i] = out[i]! * idf[i]!;
  }
}
