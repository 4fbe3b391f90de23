/**
 * `text(...)` end to end, with real files and real tfjs: batches of token ids (padded per batch, or to
 * sequence_length) and of [max_tokens] vectors; the vocabulary fitted on the training rows only (a token only
 * in held-out rows is out of vocabulary); `vocabulary.json` saved and read back, and refused when tampered with;
 * `nnc evaluate` and `nnc predict` on raw text (.csv, .jsonl, .txt); bad rows (a missing text, a text that is
 * not a string, a missing column) and `missing: drop`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, loadRun, openTrainingData, predictRun } from "../../src/runtime/index.js";
import { buildModel } from "../../src/runtime/build.js";
import { textReader } from "../../src/runtime/data/text.js";
import { predictText } from "../../src/runtime/predict-text.js";
import { textLimits } from "../../src/runtime/data/text-vectorize.js";
import { nnc } from "../helpers/cli.js";
import { scratchFolder, succeeds, trainRun, userError } from "../helpers/runs.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const { dir, file } = scratchFolder("nnc-text-source-");

// Six training rows, then two held out (validation_split: 0.25 without shuffling): "zebra" is only in those.
const csv = file(
  "texts.csv",
  [
    "text,label",
    '"Win a FREE prize, now!",spam',
    "meeting at noon about the patch,ham",
    "free money now,spam",
    "the patch works,ham",
    "claim your prize now,spam",
    "lunch at noon,ham",
    "zebra prize,spam",
    "zebra patch,ham",
  ].join("\n") + "\n",
);

const spec = (source: string, input: string, body: string) => `model Texts {
  input tokens: ${input}
${body}
  dense(1, activation: sigmoid)
}

train Texts {
  data: ${source}
  loss: binary_crossentropy
  optimizer: adam
  metrics: [accuracy]
  epochs: 2
  batch_size: 3
  validation_split: 0.25
  shuffle: false
  seed: 3
}
`;
const intSpec = (args: string, input = "[seq] int32", mask = "mask_zero: true") =>
  spec(
    `text("${csv}", text: "text", label: "label", max_tokens: 20${args})`,
    input,
    `  embedding(20, 4, ${mask})\n  lstm(3)`,
  );

function checked(name: string, text: string) {
  const { program, diagnostics } = checkFile(file(name, text));
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { train: program!.trains[0]!, model: program!.models[0]! };
}

describe("text batches", () => {
  it("gives token ids padded per batch with 0, and OOV (1) for a token only in the held-out rows", async () => {
    const { train, model } = checked("ids.nn", intSpec(""));
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    expect([batches.trainingRows, batches.validationRows]).toEqual([6, 2]);
    const tokens = batches.preprocessing.vocabulary!.tokens;
    // now: 3; the, prize, patch, noon, free, at: 2 (ties in descending order); then the tokens seen once.
    expect(tokens.slice(0, 9)).toEqual(["", "[UNK]", "now", "the", "prize", "patch", "noon", "free", "at"]);
    expect(tokens).not.toContain("zebra");
    const [x, y] = batches.training([0, 2]);
    const id = (word: string) => tokens.indexOf(word);
    expect((x as tf.Tensor).dtype).toBe("int32");
    expect((x as tf.Tensor).arraySync()).toEqual([
      [id("win"), id("a"), id("free"), id("prize"), id("now")],
      [id("free"), id("money"), id("now"), 0, 0],
    ]);
    expect((y as tf.Tensor).arraySync()).toEqual([[1], [1]]);
    const [vx, vy] = batches.validation([0, 1]);
    expect((vx as tf.Tensor).arraySync()).toEqual([
      [1, id("prize")],
      [1, id("patch")],
    ]);
    tf.dispose([x, y, vx, vy]);
    batches.close();
    built.dispose();
  });

  it("pads or cuts to sequence_length, and gives [max_tokens] vectors for multi_hot", async () => {
    const fixed = checked("fixed.nn", intSpec(", sequence_length: 3", "[3] int32", "mask_zero: false"));
    const built = buildModel(fixed.model);
    const batches = await openTrainingData(built, fixed.train);
    const [x, y] = batches.training([0, 2, 3]);
    expect((x as tf.Tensor).shape).toEqual([3, 3]);
    expect((x as tf.Tensor).arraySync()).toEqual(
      [
        ["win", "a", "free"],
        ["free", "money", "now"],
        ["the", "patch", "works"],
      ].map((row) => row.map((w) => batches.preprocessing.vocabulary!.tokens.indexOf(w))),
    );
    tf.dispose([x, y]);
    batches.close();
    built.dispose();

    const source = `text("${csv}", text: "text", label: "label", max_tokens: 6, output_mode: multi_hot)`;
    const hot = checked("hot.nn", spec(source, "[6]", "  dense(4, activation: relu)"));
    const model = buildModel(hot.model);
    const vectors = await openTrainingData(model, hot.train);
    expect(vectors.preprocessing.vocabulary!.tokens).toEqual(["[UNK]", "now", "the", "prize", "patch", "noon"]);
    // "win a free prize now": win, a and free are out of the vocabulary of six.
    const [hx, hy] = vectors.training([0]);
    expect((hx as tf.Tensor).arraySync()).toEqual([[1, 1, 0, 1, 0, 0]]);
    tf.dispose([hx, hy]);
    vectors.close();
    model.dispose();
  });
});

describe("a run on raw text", () => {
  const run = join(dir, "run");
  let trained = false;
  const ensureRun = async () => {
    if (!trained) await trainRun(file("run.nn", intSpec("")), run);
    trained = true;
  };

  it("saves vocabulary.json, which loadRun reads back whole", async () => {
    await ensureRun();
    const saved = JSON.parse(readFileSync(join(run, "vocabulary.json"), "utf8"));
    expect(saved.column).toBe("text");
    expect(saved.settings).toEqual({
      maxTokens: 20,
      sequenceLength: null,
      standardize: "lower_and_strip_punctuation",
      split: "whitespace",
      ngrams: 1,
      outputMode: "int",
    });
    expect(JSON.parse(readFileSync(join(run, "preprocessing.json"), "utf8"))).not.toHaveProperty("vocabulary");
    const loaded = await loadRun(run);
    expect(loaded.preprocessing!.vocabulary).toEqual(saved);
    expect(loaded.files.some((f) => f.endsWith("vocabulary.json"))).toBe(true);
    loaded.model.dispose();
  });

  it("refuses a vocabulary.json that is missing, or whose tokens do not start with the special ones", async () => {
    await ensureRun();
    const path = join(run, "vocabulary.json");
    const good = readFileSync(path, "utf8");
    try {
      const saved = JSON.parse(good);
      writeFileSync(path, JSON.stringify({ ...saved, tokens: saved.tokens.slice(1) }));
      expect(await userError(() => loadRun(run), dir)).toBe(
        'error[NN4010]: /run/vocabulary.json: tokens must start with "", "[UNK]"',
      );
      writeFileSync(path, JSON.stringify({ ...saved, tokens: "the" }));
      expect(await userError(() => loadRun(run), dir)).toMatch(/^error\[NN4010\]: \/run\/vocabulary\.json: tokens/);
    } finally {
      writeFileSync(path, good);
    }
  });

  it("is evaluated on raw text and predicts classes for .csv, .jsonl and .txt texts", async () => {
    await ensureRun();
    const nn = join(dir, "run.nn");
    const jsonl = file(
      "more.jsonl",
      '{"text": "free prize now", "label": "spam"}\n{"text": "the patch", "label": "ham"}\n',
    );
    expect(succeeds(["evaluate", nn, "--model", run, "--data", jsonl])).toMatch(
      /^evaluated Texts on .*more\.jsonl \(2 rows\)\nloss: \d\.\d{4} - accuracy: \d\.\d{4}\n$/,
    );
    const txt = file("mail.txt", "Free prize now!\n\nthe patch works at noon\n");
    const byLine = succeeds(["predict", nn, "--model", run, "--input", txt]).split("\n");
    expect(byLine[0]).toBe("line,predicted,p_ham,p_spam");
    // The blank line 2 is skipped: each row names its line.
    expect(byLine.slice(1, -1).map((line) => line.split(",")[0])).toEqual(["1", "3"]);
    const fromCsv = succeeds(["predict", nn, "--model", run, "--input", csv]).trim().split("\n");
    expect(fromCsv).toHaveLength(9);
    expect(
      fromCsv.slice(1).every((line, i) => line.startsWith(`${i + 2},ham,`) || line.startsWith(`${i + 2},spam,`)),
    ).toBe(true);
  });

  it("predicts a chunk of texts at a time, each row named by its line", async () => {
    await ensureRun();
    const loaded = await loadRun(run);
    try {
      const chunks: number[] = [];
      const predictions = predictText(
        loaded,
        [csv],
        (table) => {
          chunks.push(table.lines.length);
          return { columns: ["rows"], rows: table.lines.map(() => [table.lines.length]) };
        },
        { chunk: 3 },
      );
      expect(chunks).toEqual([3, 3, 2]);
      expect(predictions!.columns).toEqual(["line", "rows"]);
      expect(predictions!.rows.map((row) => row[0])).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      loaded.model.dispose();
    }
  });

  it("names a bad row of predict's input, and refuses another file kind", async () => {
    await ensureRun();
    const nn = join(dir, "run.nn");
    const holed = file("holed.csv", "text,label\nfree prize,spam\n,ham\n");
    const result = nnc(["predict", nn, "--model", run, "--input", holed]);
    expect(result.status).toBe(1);
    expect(result.stderr.replaceAll(dir, "")).toContain(
      "error[NN4006]: /holed.csv:3: 'text' is missing (predict needs every value; fill it in or remove the row)",
    );
    const other = nnc(["predict", nn, "--model", run, "--input", file("texts.tsv", "a\tb\n")]);
    expect(other.stderr).toContain("text() reads a .csv, .json or .jsonl file (or a .txt file, one text per line)");
  });
});

describe("bad rows", () => {
  const source = (path: string, extra = "") => `text("${path}", text: "text", label: "label", max_tokens: 20${extra})`;
  const open = async (path: string, extra = "") => {
    const { train, model } = checked(
      "bad.nn",
      spec(source(path, extra), "[seq] int32", "  embedding(20, 4, mask_zero: true)\n  lstm(3)"),
    );
    const built = buildModel(model);
    try {
      return await openTrainingData(built, { ...train, validationSplit: 0 });
    } finally {
      built.dispose();
    }
  };

  it("a missing text is NN4006 at its line, or a dropped row with missing: drop", async () => {
    const path = file("missing.csv", "text,label\nhello there,ham\n,spam\nbuy now,spam\n");
    expect(await userError(() => open(path), dir)).toBe(
      "error[NN4006]: /missing.csv:3: 'text' is missing (fill it in, or give the data source missing: drop to leave such rows out)",
    );
    const batches = await open(path, ", missing: drop");
    expect([batches.trainingRows, batches.dropped.training]).toEqual([2, 1]);
    batches.close();
  });

  it("a JSON text that is not a string, and a column the file lacks, are NN4006", async () => {
    const json = file("numbers.jsonl", '{"text": "hello", "label": "a"}\n{"text": 42, "label": "b"}\n');
    expect(await userError(() => open(json), dir)).toBe(
      "error[NN4006]: /numbers.jsonl:2: field 'text' is 42, not a string of text",
    );
    const columns = file("columns.csv", "txt,label\nhello,a\n");
    expect(await userError(() => open(columns), dir)).toBe(
      "error[NN4006]: /columns.csv:1: no text column 'text'; the columns are txt, label (did you mean 'txt'?)",
    );
  });

  it("a file of more rows than the row limit is NN4021 at the first row past it", async () => {
    const source = { name: "text", args: { path: csv, text: "text", label: "label", max_tokens: 20 } };
    const read = () => textReader(source, { numericTargets: false }, { ...textLimits, rows: 5 });
    expect(await userError(read, dir)).toBe(
      "error[NN4021]: /texts.csv:7: more than 5 rows, the most nnc reads from one text source (split the file, or train on part of it)",
    );
  });

  it("a tf_idf run saves an idf a token, predicts with it, and refuses a vocabulary.json without it", async () => {
    const source = `text("${csv}", text: "text", label: "label", max_tokens: 8, output_mode: tf_idf)`;
    const nn = file("idf.nn", spec(source, "[8]", "  dense(4, activation: relu)"));
    const folder = join(dir, "idf-run");
    await trainRun(nn, folder);
    const path = join(folder, "vocabulary.json");
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(saved.tokens).toHaveLength(8);
    expect(saved.idf).toHaveLength(8);
    // "now" is in 3 of the 6 training texts: log(1 + 6 / 4).
    expect(saved.idf[saved.tokens.indexOf("now")]).toBeCloseTo(Math.log(2.5), 6);
    const loaded = await loadRun(folder);
    const predictions = predictRun(loaded, [file("idf.txt", "free prize now\nthe patch\n")]);
    expect(predictions.columns).toEqual(["line", "predicted", "p_ham", "p_spam"]);
    expect(predictions.rows).toHaveLength(2);
    loaded.model.dispose();
    writeFileSync(path, JSON.stringify({ ...saved, idf: undefined }));
    expect(await userError(() => loadRun(folder), dir)).toBe(
      "error[NN4010]: /idf-run/vocabulary.json: idf must hold one weight per token for tf_idf, and be absent otherwise",
    );
  });

  it("labels per output, and a validation: source read with the training vocabulary by its own text column", async () => {
    const two = file("two.csv", "text,kind,tone\nfree prize now,spam,loud\nthe patch works,ham,calm\n");
    const held = file("held.csv", "body,kind,tone\nzebra prize,spam,loud\n");
    const labels = 'labels: { kind: "kind", tone: "tone" }, max_tokens: 50';
    const text = `model Two {
  input tokens: [seq] int32
  h = tokens -> embedding(50, 4, mask_zero: true) -> lstm(3)
  kind = h -> dense(1, activation: sigmoid)
  tone = h -> dense(2, activation: softmax)
  output kind, tone
}

train Two {
  data: text("${two}", text: "text", ${labels})
  validation: text("${held}", text: "body", ${labels})
  loss: { kind: binary_crossentropy, tone: sparse_categorical_crossentropy }
  optimizer: adam
  epochs: 1
  batch_size: 2
}
`;
    const { train, model } = checked("two.nn", text);
    const built = buildModel(model);
    const batches = await openTrainingData(built, train);
    expect(batches.labels).toEqual({
      outputs: {
        kind: { column: "kind", classes: ["ham", "spam"] },
        tone: { column: "tone", classes: ["calm", "loud"] },
      },
    });
    const prize = batches.preprocessing.vocabulary!.tokens.indexOf("prize");
    const [x, y] = batches.validation([0]);
    expect((x as tf.Tensor).arraySync()).toEqual([[1, prize]]);
    expect((y as tf.Tensor[]).map((t) => t.arraySync())).toEqual([[[1]], [[1]]]);
    tf.dispose([x, ...(y as tf.Tensor[])]);
    batches.close();
    built.dispose();
  });
});
