/**
 * `nnc data`: the summary of a train block's data as the built CLI prints it (text and JSON) for iris, the
 * warnings on a small CSV made to have each, the sequence lengths of the IMDB stand-in, the preview grid of
 * Fashion-MNIST images (decoded with pngjs), and the one-line errors. The streamed reading is checked in this
 * process: a file read chunk by chunk gives the summary of the file read whole.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { buildModel, initBackend, openTrainingData, seededRandom, withRandom } from "../src/runtime/index.js";
import { makeOptimizer } from "../src/runtime/fine-tune.js";
import { compileForTraining } from "../src/runtime/metrics.js";
import { openAsTrained, summarizeData, type DataSummary } from "../src/runtime/data-summary.js";
import { featureCount } from "../src/runtime/data/index.js";
import { dataWarnings } from "../src/runtime/data-warnings.js";
import { summaryText } from "../src/cli/data-text.js";
import { nnc } from "./helpers/cli.js";
import { scratchFolder, succeeds } from "./helpers/runs.js";

const fixtures = join("test", "fixtures", "data-summary");
const { dir: scratch, file } = scratchFolder("nnc-data-");
const json = (args: readonly string[]) => JSON.parse(succeeds(["data", ...args, "--format", "json"])) as DataSummary;
let irisSummary: DataSummary | undefined;
/** `nnc data examples/iris.nn --format json`, run once for the two tests that read it. */
const irisJson = () => (irisSummary ??= json(["examples/iris.nn"]));

describe("nnc data", () => {
  it("summarises iris: 150 rows split 120/30 with the seed, 50 of each species, four columns", () => {
    const summary = irisJson();
    expect(summary.rows).toEqual({ training: 120, validation: 30, dropped: { training: 0, validation: 0 } });
    const [species] = summary.outputs;
    expect(species).toMatchObject({ kind: "classes", column: "species" });
    if (species?.kind !== "classes") throw new Error("species has no classes");
    expect(species.classes.map((c) => [c.name, c.training + c.validation])).toEqual([
      ["setosa", 50],
      ["versicolor", 50],
      ["virginica", 50],
    ]);
    expect(species.classes.reduce((sum, c) => sum + c.training, 0)).toBe(120);
    expect(summary.columns.map((c) => c.name)).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width"]);
    // Over the training rows only: within the whole file's range (4.3 to 7.9 cm for the sepal length).
    expect(summary.columns[0]!.min).toBeGreaterThanOrEqual(4.3);
    expect(summary.columns[0]!.max).toBeLessThanOrEqual(7.9);
    // The same seed gives the same split every time: the text agrees with the JSON.
    const text = succeeds(["data", "examples/iris.nn"]);
    expect(text).toContain("rows: 120 training, 30 validation (validation_split: 0.2, shuffled with seed: 42)");
    for (const c of species.classes)
      expect(text).toMatch(new RegExp(`^  ${c.name} +${c.training} .* ${c.validation}$`, "m"));
  });

  it("prints for iris the JSON docs/data.md shows", () => {
    const page = readFileSync(join("docs", "data.md"), "utf8");
    const section = page.slice(
      page.indexOf("## Looking at the data"),
      page.indexOf("\n## ", page.indexOf("## Looking")),
    );
    const shown = /^```json\n([\s\S]*?)^```$/m.exec(section)?.[1];
    expect(shown, "the section's JSON example").toBeDefined();
    expect(irisJson()).toEqual(JSON.parse(shown!));
  });

  it("warns of imbalance, a class only in validation, a constant column and repeated rows", () => {
    const summary = json([join(fixtures, "warnings.nn")]);
    expect(summary.warnings.map((w) => w.kind)).toEqual([
      "unseen-class",
      "imbalance",
      "constant",
      "duplicates",
      "validation-duplicates",
    ]);
    expect(summary.duplicates).toEqual({
      training: 1,
      validationOfTraining: 1,
      examples: [
        { line: 6, sameAs: 3, part: "training" },
        { line: 34, sameAs: 4, part: "validation" },
      ],
    });
    const text = succeeds(["data", join(fixtures, "warnings.nn")]);
    expect(text).toContain("warning: column 'label': class 'c' is in 2 validation rows but in no training row");
    expect(text).toContain("warning: column 'const' is 1 in every training row");
    expect(text).toContain("warning: column 'label': classes are imbalanced: 'b' has 5 training rows, 'a' 27 (5.4x");
  });

  it("counts the lengths of sequences and the ids an embedding reads (the IMDB stand-in)", () => {
    const summary = json(["examples/imdb_bilstm.nn"]);
    const [tokens] = summary.sequences;
    expect(tokens).toMatchObject({ input: "tokens", field: "tokens" });
    expect(tokens!.histogram.reduce((sum, bin) => sum + bin.rows, 0)).toBe(summary.rows.training);
    expect(tokens!.histogram[0]!.from).toBe(tokens!.lengths.min);
    expect(tokens!.histogram.at(-1)!.to).toBe(tokens!.lengths.max);
    expect(tokens!.vocabulary?.inputDim).toBe(20_000);
    expect(tokens!.vocabulary!.largest).toBeLessThan(20_000);
    expect(succeeds(["data", "examples/imdb_bilstm.nn"])).toMatch(/^ +length +rows$/m);
  });

  it("draws a 4x8 grid of training images with their classes (PNG), or its SVG for a .svg name", () => {
    const png = join(scratch, "grid.png");
    const out = succeeds(["data", join(fixtures, "images.nn"), "--preview", png]);
    expect(out).toContain(`wrote ${png}`);
    const image = PNG.sync.read(readFileSync(png));
    // 8 columns of 96-pixel images 10 apart; 4 rows with a caption each, under a title.
    expect([image.width, image.height]).toEqual([10 + 8 * (96 + 10), 28 + 4 * (96 + 16 + 10)]);
    const svg = join(scratch, "grid.svg");
    succeeds(["data", join(fixtures, "images.nn"), "--preview", svg]);
    expect(readFileSync(svg, "utf8").match(/<image /g)).toHaveLength(32);
  });

  it("draws examples above three draws through the augmentation layers, the same every time (seeded)", () => {
    const [first, second] = ["a.png", "b.png"].map((name) => {
      const out = join(scratch, name);
      const summary = JSON.parse(
        succeeds(["data", "examples/fashion_augmented.nn", "--preview", out, "--augmented", "--format", "json"]),
      ) as DataSummary & { preview: string };
      expect(summary.preview).toBe(out);
      return readFileSync(out);
    });
    expect(first!.equals(second!)).toBe(true);
    const image = PNG.sync.read(first!);
    // Row names on the left (70 pixels); 8 examples of 96 pixels, 10 apart; 4 rows: as read, then 3 draws,
    // under a title of two lines.
    expect([image.width, image.height]).toEqual([70 + 8 * (96 + 10), 46 + 4 * (96 + 16 + 10)]);
    const cell = (row: number, column: number) => {
      const [x0, y0] = [70 + column * 106, 46 + row * 122];
      const pixels: number[] = [];
      for (let y = y0; y < y0 + 96; y++)
        for (let x = x0; x < x0 + 96; x++) pixels.push(image.data[(y * image.width + x) * 4]!);
      return pixels;
    };
    // A draw of random flips, turns and zooms is not the example as read (for most examples: all 8 here).
    const changed = [...Array(8).keys()].filter((k) => cell(1, k).some((v, i) => v !== cell(0, k)[i]));
    expect(changed.length).toBeGreaterThan(4);
  });

  it("draws a crop's draws at their own size, at the scale of the examples", () => {
    const out = join(scratch, "crop.png");
    succeeds(["data", join(fixtures, "crop.nn"), "--preview", out, "--augmented"]);
    const image = PNG.sync.read(readFileSync(out));
    // The examples as read are 96 pixels high (28 x 96/28), the three draws of 20x20 crops 69; 16 for each caption.
    expect([image.width, image.height]).toEqual([70 + 8 * (96 + 10), 46 + (96 + 26) + 3 * (69 + 26)]);
  });

  it("draws through the rescaling and noise before the augmentation layers, one example of each class in turn", () => {
    const out = join(scratch, "rescale.svg");
    succeeds(["data", join(fixtures, "rescale-flip.nn"), "--preview", out, "--augmented"]);
    const svg = readFileSync(out, "utf8");
    expect(svg).toContain(">rescaling -&gt; gaussian_noise -&gt; random_flip -&gt; random_rotation</text>");
    // The first 8 of the 10 classes, one example each, not the first 8 rows (which miss some classes).
    const captions = [...svg.matchAll(/text-anchor="middle" fill="#222">([^<]*)</g)].map((m) => m[1]);
    expect(captions.slice(0, 8)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
  });

  it("names the classes no row has, and warns of them and of a training set of one class", () => {
    const rows = ["x,label", "1,0", "2,0", "3,0", "4,0", "5,0", "6,1"].join("\n");
    file("classes.csv", `${rows}\n`);
    const spec = (validation: string) =>
      [
        "model Four {",
        "  input x: [1]",
        "  dense(4, activation: softmax)",
        "}",
        "train Four {",
        '  data: csv("classes.csv", label: "label")',
        "  loss: sparse_categorical_crossentropy",
        "  optimizer: adam",
        "  epochs: 1",
        "  batch_size: 2",
        `  validation_split: ${validation}`,
        "  shuffle: false",
        "}",
      ].join("\n");
    const text = succeeds(["data", file("four.nn", spec("0.2"))]);
    expect(text).toContain("label: 2 classes");
    // The last row, class 1, is held out: every training row is class 0.
    expect(text).toContain("warning: column 'label': class '1' is in 1 validation row but in no training row");
    expect(text).toContain("warning: column 'label': every training row is class '0'");
    expect(text).not.toContain("no warnings");
    // Classes of the model's units that no row has (from a label file of classes 0-9, say) are named and
    // warned of; a class name's control characters are escaped, not printed.
    const summary = json([file("four.nn", spec("0.2"))]);
    const classes = [
      { name: "a\nb", training: 3, validation: 0 },
      { name: "c", training: 3, validation: 0 },
      { name: "d", training: 0, validation: 0 },
      { name: "e", training: 0, validation: 0 },
    ];
    const facts = { ...summary, outputs: [{ ...summary.outputs[0]!, kind: "classes" as const, classes }] };
    const warnings = dataWarnings(facts);
    const shown = summaryText({ ...facts, warnings });
    expect(shown).toContain("  a\\nb ");
    expect(shown).toContain("  no row: 'd', 'e'");
    expect(shown).toContain(
      "warning: column 'label': 2 of the 4 classes have no row: 'd', 'e'; the model never learns them",
    );
  });

  it("draws an RGBA images() folder (4 channels are an image), and shows idx pixels as the model's 28x28x1", () => {
    for (const [name, shade] of [
      ["dark", 40],
      ["light", 200],
    ] as const) {
      mkdirSync(join(scratch, "rgba", name), { recursive: true });
      for (let k = 0; k < 2; k++) {
        const png = new PNG({ width: 8, height: 8 });
        png.data.fill(shade);
        file(join("rgba", name, `${k}.png`), PNG.sync.write(png));
      }
    }
    const spec = file(
      "rgba.nn",
      [
        "model Rgba {",
        "  input image: [8, 8, 4]",
        "  flatten()",
        "  dense(2, activation: softmax)",
        "}",
        "train Rgba {",
        '  data: images("rgba", size: [8, 8], color: rgba)',
        "  loss: sparse_categorical_crossentropy",
        "  optimizer: adam",
        "  epochs: 1",
        "  batch_size: 2",
        "}",
      ].join("\n"),
    );
    const text = succeeds(["data", spec, "--preview", join(scratch, "rgba.svg")]);
    expect(text).toContain("input 'image': images 8x8x4,");
    expect(readFileSync(join(scratch, "rgba.svg"), "utf8").match(/<image /g)).toHaveLength(4);
    expect(succeeds(["data", join(fixtures, "images.nn")])).toContain("input 'image': images 28x28x1,");
  });

  it("reads a streamed file as the file read whole, holding a chunk of rows at a time", async () => {
    await initBackend();
    const { program } = checkFile(join(fixtures, "warnings.nn"));
    const [train] = program!.trains;
    const model = program!.models[0]!;
    const summaryOf = async (options: { streamAbove?: number; chunkRows?: number }) => {
      const opened = await openAsTrained(model, train!, options);
      try {
        // Chunks are sized in values: chunkRows rows of the table's width.
        const width = featureCount(opened.data.tables.training([]));
        const summary = summarizeData(opened, train!, options.chunkRows && options.chunkRows * width);
        return { summary, streamed: opened.data.streamed, peak: opened.data.peakRows() };
      } finally {
        opened.close();
      }
    };
    const whole = await summaryOf({});
    const streamed = await summaryOf({ streamAbove: 0, chunkRows: 5 });
    expect([whole.streamed, streamed.streamed]).toEqual([false, true]);
    expect(streamed.summary).toEqual({ ...whole.summary, streamed: true });
    // 40 rows, read 5 at a time (and one row, the first, to check the labels).
    expect(streamed.peak).toBe(5);
  });
});

describe("nnc data reads the rows training reads", () => {
  it("holds out the validation rows training holds out (the model built first, under the seed, as train does)", async () => {
    await initBackend();
    const { program } = checkFile(join("examples", "iris.nn"));
    const [train] = program!.trains;
    const model = program!.models[0]!;
    // What trainBuilt (run-training.ts) does before it opens the data: build, optimizer, compile.
    const asTraining = await withRandom(seededRandom(train!.seed!), async () => {
      const built = buildModel(model);
      compileForTraining(built, train!, makeOptimizer(train!.optimizer));
      const data = await openTrainingData(built, train!);
      const lines = data.tables.validation([...Array(data.validationRows).keys()]).lines;
      data.close();
      built.dispose();
      return lines;
    });
    const opened = await openAsTrained(model, train!);
    const lines = opened.data.tables.validation([...Array(opened.data.validationRows).keys()]).lines;
    opened.close();
    expect(lines).toEqual(asTraining);
    expect(lines).toHaveLength(30);
  });
});

describe("nnc data: errors", () => {
  const fails = (args: readonly string[]) => {
    const result = nnc(["data", ...args]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    return result.stderr.trim();
  };

  it("needs a train block, a model it trains, a data file that exists", () => {
    expect(fails(["examples/mnist_convnet.nn"])).toBe("error: examples/mnist_convnet.nn has no train block");
    expect(fails(["examples/transfer.nn"]).split("\n").at(-1)).toBe(
      "error: examples/transfer.nn trains Transfer, Scratch; choose one with --model",
    );
    expect(fails(["examples/iris.nn", "--model", "Nope"])).toBe(
      "error: examples/iris.nn has no train block for model 'Nope'",
    );
    const spec = file("missing.nn", readFileSync("examples/iris.nn", "utf8").replace("data/iris.csv", "nowhere.csv"));
    expect(fails([spec])).toMatch(/^error\[NN4\d{3}\]: .*nowhere\.csv.*$/);
  });

  it("writes the preview only as a .png or .svg file, in a folder that exists", () => {
    const iris = (preview: string) => fails(["examples/fashion_augmented.nn", "--preview", preview]);
    expect(iris(join(scratch, "g.jpg"))).toBe(
      `error: --preview ${join(scratch, "g.jpg")}: nnc draws the grid as PNG or SVG; give a name ending in .png or .svg`,
    );
    expect(iris(join(scratch, "nodir", "x.png"))).toBe(
      `error: cannot write ${join(scratch, "nodir", "x.png")}: its directory does not exist`,
    );
    expect(iris(scratch)).toMatch(/^error: --preview .*: that is a folder, not a file/);
    expect(iris("")).toBe("error: --preview needs a file name (grid.png or grid.svg)");
    expect(iris("/dev/null")).toMatch(/^error: --preview \/dev\/null: that is a device, not a file/);
  });

  it("draws only images, never over its input, and --augmented only with a preview of augmentation layers", () => {
    expect(fails(["examples/iris.nn", "--preview", join(scratch, "x.png")])).toBe(
      "error[NN4064]: nnc data --preview draws images, but model 'Iris' reads none: its inputs are 'measurements' [4]",
    );
    expect(fails(["examples/iris.nn", "--preview", "examples/data/iris.csv"])).toMatch(
      /^error: --preview examples\/data\/iris\.csv: that is examples\/data\/iris\.csv, which this command reads/,
    );
    expect(fails(["examples/iris.nn", "--augmented"])).toBe(
      "error: --augmented shows the augmentation in the preview: give --preview FILE too",
    );
    expect(fails(["examples/denoising_autoencoder.nn", "--preview", join(scratch, "d.png"), "--augmented"])).toBe(
      "error[NN4065]: --augmented shows the model's augmentation layers, but model 'Denoiser' has none on input 'image' before 'conv2d', which has weights",
    );
  });
});
