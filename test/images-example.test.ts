/**
 * examples/fashion_folder.nn and its image folder end to end: the committed files are what
 * test/helpers/image-folder-data.ts makes (byte for byte, nothing else in the folder), the example trains
 * (two epochs) and saves how it read its images, and the built `nnc` evaluates it on a folder and predicts
 * for image files and folders, a row per image with its file and class; a damaged file is skipped and
 * counted with `corrupt: skip`, and bad paths are one-line errors.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Table } from "../src/runtime/data/index.js";
import { initBackend, loadRun } from "../src/runtime/index.js";
import { predictImages } from "../src/runtime/predict-images.js";
import { nnc, repo } from "./helpers/cli.js";
import { fashionFolderData } from "./helpers/image-folder-data.js";
import { scratchFolder, trainRun } from "./helpers/runs.js";

const examples = join(repo, "examples");
const spec = join(examples, "fashion_folder.nn");
const { dir: scratch } = scratchFolder("nnc-images-example-");
const run = join(scratch, "run");
// jpeg-js builds its tables for each image it encodes (about 0.1 s each): the folder is made once.
let madeOnce: Map<string, Buffer> | undefined;
const made = () => (madeOnce ??= fashionFolderData());

beforeAll(async () => {
  await initBackend("wasm");
  await trainRun(spec, run, 2);
}, 60_000);

/** Every file below `folder`, relative to examples/. */
function filesBelow(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(examples, join(entry.parentPath, entry.name)))
    .sort();
}

describe("the example's image folder", () => {
  it("is what test/helpers/image-folder-data.ts makes, and nothing else", () => {
    expect(filesBelow(join(examples, "data", "fashion-folder"))).toEqual([...made().keys()].sort());
    for (const [path, content] of made())
      expect([path, readFileSync(join(examples, path)).equals(content)]).toEqual([path, true]);
  });
});

describe("a run trained on an image folder", () => {
  it("saves the classes (sorted folder names) and how it read the images", () => {
    expect(JSON.parse(readFileSync(join(run, "labels.json"), "utf8"))).toEqual({
      column: "class",
      classes: ["ankle_boot", "bag", "sneaker", "trouser"],
    });
    const preprocessing = JSON.parse(readFileSync(join(run, "preprocessing.json"), "utf8"));
    expect(preprocessing.images).toEqual({
      size: [28, 28],
      color: "grayscale",
      interpolation: "bilinear",
      crop_to_aspect_ratio: false,
    });
    const history = JSON.parse(readFileSync(join(run, "history.json"), "utf8")) as Record<string, number>[];
    expect(history).toHaveLength(2);
    for (const figure of ["loss", "accuracy", "val_loss", "val_accuracy"])
      expect([figure, Number.isFinite(history[1]![figure])]).toEqual([figure, true]);
  });

  it("nnc evaluate --data reads a folder as training did", () => {
    const result = nnc(["evaluate", spec, "--model", run, "--data", "examples/data/fashion-folder"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      /^evaluated FashionFolder on examples\/data\/fashion-folder \(96 rows\)\nloss: \d\.\d{4} - accuracy: \d\.\d{4}\n$/,
    );
  });

  it("nnc predict takes image files and folders, a row per image with its file and class", () => {
    const result = nnc([
      "predict",
      spec,
      "--model",
      run,
      "--input",
      "examples/data/fashion-folder/trouser/trouser_01.jpg",
      "examples/data/fashion-folder/bag",
    ]);
    expect(result.stderr).toBe("");
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header).toBe("file,predicted,p_ankle_boot,p_bag,p_sneaker,p_trouser");
    const bags = [...made().keys()].filter((p) => p.startsWith("data/fashion-folder/bag/") && !p.endsWith(".txt"));
    expect(rows.map((row) => row.split(",")[0])).toEqual([
      "examples/data/fashion-folder/trouser/trouser_01.jpg",
      ...bags.sort().map((p) => `examples/${p}`),
    ]);
    for (const row of rows) {
      const [, predicted, ...p] = row.split(",");
      expect(["ankle_boot", "bag", "sneaker", "trouser"]).toContain(predicted);
      expect(p.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
  });

  it("predict decodes a chunk of images at a time, the same pixels in the same order", async () => {
    const saved = await loadRun(run);
    const bag = join(examples, "data", "fashion-folder", "bag");
    const seen = (chunk: number) => {
      const tables: Table[] = [];
      const predictions = predictImages(
        saved,
        [bag],
        (table) => {
          tables.push(table);
          return { columns: ["rows"], rows: table.lines.map(() => [table.lines.length]) };
        },
        { chunk },
      )!;
      return { tables, predictions };
    };
    const [small, whole] = [seen(5), seen(256)];
    expect(small.tables.map((t) => t.lines.length)).toEqual([5, 5, 5, 5, 4]);
    expect(whole.tables.map((t) => t.lines.length)).toEqual([24]);
    expect(Buffer.concat(small.tables.map((t) => Buffer.from(t.features.buffer)))).toEqual(
      Buffer.from(whole.tables[0]!.features.buffer),
    );
    expect(small.predictions.rows.map((row) => row[0])).toEqual(whole.predictions.rows.map((row) => row[0]));
    expect(small.predictions.columns).toEqual(["file", "rows"]);
    saved.model.dispose();
  });

  it("bad inputs to predict are one-line errors naming the file", () => {
    const missing = nnc(["predict", spec, "--model", run, "--input", "examples/data/no-such-folder"]);
    expect([missing.status, missing.stdout, missing.stderr]).toEqual([
      1,
      "",
      "error[NN4005]: examples/data/no-such-folder: no such file or folder\n",
    ]);
    const text = nnc(["predict", spec, "--model", run, "--input", "examples/data/fashion-folder/bag/README.txt"]);
    expect([text.status, text.stderr]).toEqual([
      1,
      "error[NN4049]: examples/data/fashion-folder/bag/README.txt: not a PNG or JPEG image (predict needs every image to decode; fix or leave out the file)\n",
    ]);
  });
});

describe("nnc train on a folder with a damaged image", () => {
  it("stops naming it, or with corrupt: skip leaves it out and says how many", () => {
    const folder = join(scratch, "photos");
    cpSync(join(examples, "data", "fashion-folder"), folder, { recursive: true });
    writeFileSync(join(folder, "bag", "bag_99.png"), "this is not a PNG");
    const text = readFileSync(spec, "utf8").replace('images("data/fashion-folder")', 'images("photos")');
    writeFileSync(join(scratch, "strict.nn"), text);
    writeFileSync(join(scratch, "lenient.nn"), text.replace('images("photos")', 'images("photos", corrupt: skip)'));
    const strict = nnc(["train", "strict.nn", "--epochs", "1"], { cwd: scratch });
    expect([strict.status, strict.stderr]).toEqual([
      1,
      "error[NN4049]: photos/bag/bag_99.png: not a PNG or JPEG image (fix or remove the file, or leave such files out with corrupt: skip)\n",
    ]);
    const lenient = nnc(["train", "lenient.nn", "--epochs", "1"], { cwd: scratch });
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toBe("");
    expect(lenient.stdout).toContain(
      "skipped 1 image file of photos that could not be decoded (corrupt: skip): photos/bag/bag_99.png\n",
    );
    expect(lenient.stdout).toMatch(/^training FashionFolder on photos \(backend: wasm\)$/m);
  }, 60_000);
});
