/**
 * The images() reader on real files (runtime/data/images.ts and its helpers): class folders listed and
 * labelled as Keras lists them, PNG and JPEG decoded by content, resizing compared with tf.image's own
 * (half-pixel centres, no antialias), colour modes, damaged files (an error naming the file, or skipped and
 * counted), files that are not images ignored, every limit, batches decoded on demand, and the split.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import type { IrCall } from "../src/compiler/ir/index.js";
import { openTrainingData } from "../src/runtime/data/batches.js";
import { imageLimits } from "../src/runtime/data/image-folder.js";
import { toExample, type ImageReading } from "../src/runtime/data/image-resize.js";
import { loadImage, openImages } from "../src/runtime/data/images.js";
import { buildModel, initBackend, seededRandom, withRandom } from "../src/runtime/index.js";
import { userError } from "./helpers/data-files.js";
import { greyJpeg, greyPng } from "./helpers/image-folder-data.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const scratch = mkdtempSync(join(tmpdir(), "nnc-images-"));
let folders = 0;

/** A fresh folder holding `files` (path -> bytes), and its path. */
function folder(files: Record<string, Uint8Array | string>): string {
  const root = join(scratch, `f${folders++}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

const grey = (values: number[], width: number, height: number) => greyPng(Uint8Array.from(values), width, height);
const tiny = grey([0, 100, 200, 255], 2, 2);

/** An RGB(A) PNG of `rgba` values, 4 a pixel. */
function colourPng(rgba: number[], width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png);
}

const source = (path: string, args: Record<string, unknown> = {}): IrCall =>
  ({
    name: "images",
    args: { path, size: [2, 2], color: "grayscale", interpolation: "bilinear", crop_to_aspect_ratio: false, ...args },
  }) as IrCall;

const reading = (size: [number, number], more: Partial<ImageReading> = {}): ImageReading => ({
  size,
  color: "grayscale",
  interpolation: "bilinear",
  crop_to_aspect_ratio: false,
  ...more,
});

describe("listing a folder", () => {
  const root = folder({
    "b/b1.png": tiny,
    "b/b2.PNG": tiny,
    "a/a1.jpg": greyJpeg(Uint8Array.from([0, 100, 200, 255]), 2, 2),
    "a/a2.png": tiny,
    "a/sub/a3.png": tiny,
    "a/notes.txt": "not an image",
    "c/readme.txt": "no images in this class",
    "loose.png": tiny,
  });

  it("labels rows by sorted sub-folder, the classes taken in turn; other files are ignored", () => {
    const reader = openImages(source(root), {});
    expect(reader.rows).toBe(5);
    const table = reader.read([0, 1, 2, 3, 4]);
    expect(table.labels).toEqual(["a", "b", "a", "b", "a"]);
    expect(table.exampleShape).toEqual([2, 2, 1]);
    expect([...reader.labelLines.keys()]).toEqual(["a", "b"]);
  });

  it("class_names orders the classes and must name every sub-folder", async () => {
    const reader = openImages(source(root, { class_names: ["c", "b", "a"] }), {});
    expect(reader.read([0, 1, 2]).labels).toEqual(["b", "a", "b"]);
    const missing = await userError(() => openImages(source(root, { class_names: ["a", "b"] }), {}));
    expect(missing.code).toBe("NN4048");
    expect(missing.message).toContain("must name its sub-folders, each once: a, b, c");
  });

  it("a path that is missing, a file, or a folder without class folders is a one-line error naming it", async () => {
    expect((await userError(() => openImages(source(join(root, "nope")), {}))).code).toBe("NN4005");
    const file = await userError(() => openImages(source(join(root, "loose.png")), {}));
    expect([file.code, file.message]).toEqual(["NN4048", expect.stringContaining("loose.png: is a file")]);
    const flat = await userError(() => openImages(source(join(root, "b")), {}));
    expect([flat.code, flat.message]).toEqual(["NN4048", expect.stringContaining("holds no sub-folders")]);
    const empty = await userError(() => openImages(source(folder({ "x/a.txt": "" })), {}));
    expect([empty.code, empty.message]).toEqual(["NN4048", expect.stringContaining("holds no images")]);
  });
});

describe("pixels", () => {
  it("bilinear resizing of a 2 x 2 image to 4 x 4, by hand", () => {
    const out = new Float32Array(16);
    toExample(loadImage(folder({ "t.png": tiny }) + "/t.png", "t.png"), reading([4, 4]), out, 0);
    const expected = [
      [0, 25, 75, 100],
      [50, 72.1875, 116.5625, 138.75],
      [150, 166.5625, 199.6875, 216.25],
      [200, 213.75, 241.25, 255],
    ].flat();
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v / 255, 6));
  });

  it("bilinear and nearest resizing agree with tf.image's (half-pixel centres)", () => {
    const [h, w] = [7, 11];
    const random = seededRandom(3);
    const values = Array.from({ length: h * w }, () => Math.floor(random() * 256));
    const file = join(folder({ "r.png": grey(values, w, h) }), "r.png");
    const image = tf.tensor3d(values, [h, w, 1]);
    for (const size of [
      [3, 4],
      [12, 5],
      [7, 11],
    ] as [number, number][]) {
      for (const interpolation of ["bilinear", "nearest"] as const) {
        const out = new Float32Array(size[0] * size[1]);
        toExample(loadImage(file, "r.png"), reading(size, { interpolation }), out, 0);
        const oracle = (
          interpolation === "bilinear"
            ? tf.image.resizeBilinear(image, size, false, true)
            : tf.image.resizeNearestNeighbor(image, size, false, true)
        ).dataSync();
        oracle.forEach((v, i) =>
          expect([size, interpolation, i, out[i]! * 255]).toEqual([size, interpolation, i, expect.closeTo(v, 3)]),
        );
      }
    }
    image.dispose();
  });

  it("colour modes: grey from RGB is BT.601 luma; grey read as rgb repeats it; rgba adds opaque alpha", () => {
    const root = folder({
      "red.png": colourPng([255, 0, 0, 128], 1, 1),
      "g.jpg": greyJpeg(Uint8Array.from([90]), 1, 1),
    });
    const read = (file: string, color: ImageReading["color"]) => {
      const out = new Float32Array(4);
      toExample(loadImage(join(root, file), file), reading([1, 1], { color }), out, 0);
      return [...out.subarray(0, { grayscale: 1, rgb: 3, rgba: 4 }[color])];
    };
    expect(read("red.png", "grayscale")[0]).toBeCloseTo(0.299, 5);
    expect(read("red.png", "rgb")).toEqual([1, 0, 0]);
    expect(read("red.png", "rgba")[3]).toBeCloseTo(128 / 255, 6);
    const [r, g, b, a] = read("g.jpg", "rgba");
    expect([r, g, b, a]).toEqual([r, r, r, 1]);
    expect(Math.abs(r! * 255 - 90)).toBeLessThanOrEqual(2);
  });

  it("crop_to_aspect_ratio takes the centred window of the target's shape", () => {
    // A 4-wide, 2-high image read as 2 x 2: the middle two columns only.
    const file = join(folder({ "w.png": grey([10, 20, 30, 40, 50, 60, 70, 80], 4, 2) }), "w.png");
    const out = new Float32Array(4);
    toExample(loadImage(file, "w.png"), reading([2, 2], { crop_to_aspect_ratio: true }), out, 0);
    expect([...out].map((v) => Math.round(v * 255))).toEqual([20, 30, 60, 70]);
  });

  it("the format is told by content: a JPEG named .png decodes", () => {
    const file = join(folder({ "j.png": greyJpeg(Uint8Array.from([128]), 1, 1) }), "j.png");
    expect(loadImage(file, "j.png").width).toBe(1);
  });
});

describe("damaged files", () => {
  const root = () =>
    folder({
      "cat/good.png": tiny,
      "cat/cut.png": tiny.subarray(0, 40),
      "dog/text.jpg": "hello",
      "dog/good.jpg": greyJpeg(Uint8Array.from([1, 2, 3, 4]), 2, 2),
      "dog/cut.jpg": greyJpeg(Uint8Array.from([1, 2, 3, 4]), 2, 2).subarray(0, 200),
    });

  it("an image file that does not decode is an error naming it", async () => {
    const error = await userError(() => openImages(source(root()), {}));
    expect(error.code).toBe("NN4049");
    expect(error.format()).toMatch(/^error\[NN4049\]: \S+\/cat\/cut\.png: the PNG does not decode: .*corrupt: skip\)$/);
    expect(error.format()).not.toContain("\n");
    // A path that no one else's file can stand at (`/tmp/x`, beside the scratch folder, once did).
    const text = await userError(() => loadImage(join(scratch, "nowhere", "x"), "x"));
    expect(text.code).toBe("NN4005");
  });

  it("a PNG whose image data stops short of its last rows is NN4049, not rows of leftover memory", async () => {
    // 100 x 10 RGBA whose zlib stream is complete but holds only 5 of the 10 scanlines.
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
      const framed = Buffer.alloc(body.length + 8);
      framed.writeUInt32BE(data.length, 0);
      body.copy(framed, 4);
      framed.writeUInt32BE(crc32(body), body.length + 4);
      return framed;
    };
    const ihdr = Buffer.from([0, 0, 0, 100, 0, 0, 0, 10, 8, 6, 0, 0, 0]);
    const rows = Buffer.alloc(5 * 401, 0x48);
    for (let r = 0; r < 5; r++) rows[r * 401] = 0; // filter type none
    const png = Buffer.concat([
      tiny.subarray(0, 8),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(rows)),
      chunk("IEND", Buffer.alloc(0)),
    ]);
    const error = await userError(() => openImages(source(folder({ "a/half.png": png })), {}));
    expect([error.code, error.message]).toEqual([
      "NN4049",
      expect.stringMatching(/half\.png: the PNG does not decode: the file ends early/),
    ]);
  });

  it("a JPEG with more than 64 KiB of metadata before its frame header decodes", () => {
    const jpeg = greyJpeg(Uint8Array.from([10, 20, 30, 40]), 2, 2);
    const app = Buffer.alloc(65535 + 2, 0x20);
    app.writeUInt16BE(0xffe1, 0);
    app.writeUInt16BE(65535, 2);
    const big = Buffer.concat([jpeg.subarray(0, 2), app, app, jpeg.subarray(2)]);
    expect(big.length).toBeGreaterThan(2 * 65536);
    const pixels = loadImage(join(folder({ "a/exif.jpg": big }), "a", "exif.jpg"), "exif.jpg");
    expect([pixels.width, pixels.height]).toEqual([2, 2]);
  });

  it("a file or class name with a newline or control character is escaped in the one-line error", async () => {
    const root = folder({ "a\u001b[31m/good.png": tiny, "a\u001b[31m/evil\nerror[NN0000]: fake.png": "not an image" });
    const error = await userError(() => openImages(source(root), {}));
    expect(error.code).toBe("NN4049");
    expect(error.format()).not.toMatch(/[\n\u001b]/);
    expect(error.format()).toContain("a\\x1b[31m/evil\\nerror[NN0000]: fake.png: not a PNG or JPEG");
  });

  it("corrupt: skip also leaves out a file past a limit", () => {
    const root = folder({ "a/small.png": tiny, "a/large.png": grey(Array<number>(400).fill(7), 20, 20) });
    const reader = openImages(source(root, { corrupt: "skip" }), {}, { ...imageLimits, pixels: 100 });
    expect([reader.rows, reader.skipped?.count]).toEqual([1, 1]);
    expect(reader.skipped?.notice).toMatch(
      /^skipped 1 image file of \S+ that could not be decoded \(corrupt: skip\): \S+large\.png$/,
    );
  });

  it("corrupt: skip leaves them out and counts them", () => {
    const reader = openImages(source(root(), { corrupt: "skip" }), {});
    expect([reader.rows, reader.skipped?.count]).toEqual([2, 3]);
    expect(reader.read([0, 1]).labels).toEqual(["cat", "dog"]);
  });
});

describe("limits", () => {
  const many = () => folder({ "a/1.png": tiny, "a/2.png": tiny, "b/3.png": tiny });

  it("too many files, too large a file, too deep a folder: NN4050 naming where", async () => {
    const files = await userError(() => openImages(source(many()), {}, { ...imageLimits, files: 2 }));
    expect([files.code, files.message]).toEqual(["NN4050", expect.stringMatching(/3\.png: is past the 2 images/)]);
    const bytes = await userError(() => openImages(source(many()), {}, { ...imageLimits, fileBytes: 50 }));
    expect([bytes.code, bytes.message]).toEqual(["NN4050", expect.stringMatching(/1\.png: the file is \d+ bytes/)]);
    const deep = folder({ "a/x/y/z.png": tiny });
    const depth = await userError(() => openImages(source(deep), {}, { ...imageLimits, depth: 1 }));
    expect([depth.code, depth.message]).toEqual(["NN4050", expect.stringMatching(/a\/x\/y: is 2 folders deep/)]);
  });

  it("a header claiming 100000 x 100000 pixels is refused before anything is allocated", async () => {
    const png = Buffer.from(tiny);
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    const error = await userError(() => openImages(source(folder({ "a/huge.png": png })), {}));
    expect([error.code, error.message]).toEqual([
      "NN4050",
      expect.stringContaining("huge.png: the image is 100000 x 100000 pixels; nnc decodes at most 50,000,000"),
    ]);
    const jpeg = greyJpeg(Uint8Array.from([1]), 1, 1);
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(60_000, sof + 5);
    jpeg.writeUInt16BE(60_000, sof + 7);
    const big = await userError(() => openImages(source(folder({ "a/huge.jpg": jpeg })), {}));
    expect([big.code, big.message]).toEqual(["NN4050", expect.stringContaining("60000 x 60000 pixels")]);
  });

  it("a link back to a folder above is a loop, not a hang", async () => {
    const root = folder({ "a/1.png": tiny });
    symlinkSync(root, join(root, "a", "again"));
    const error = await userError(() => openImages(source(root), {}));
    expect([error.code, error.message]).toEqual(["NN4050", expect.stringContaining("a/again: links back")]);
  });
});

describe("links and hidden names", () => {
  it("a lattice of links (two links to each next folder, 19 levels) lists each folder once", () => {
    const root = folder({ "a/1.png": tiny });
    const outside = folder({});
    let at = join(root, "a");
    for (let level = 0; level < 19; level++) {
      const next = join(outside, `d${level}`);
      mkdirSync(next, { recursive: true });
      writeFileSync(join(next, `${level}.png`), tiny);
      symlinkSync(next, join(at, "x"));
      symlinkSync(next, join(at, "y"));
      at = next;
    }
    const reader = openImages(source(root), {}, { ...imageLimits, depth: 40 });
    expect(reader.rows).toBe(20);
  });

  it("an image reached by two links in one class is one row; from two classes, an error naming both", async () => {
    const root = folder({ "a/sub/1.png": tiny, "b/2.png": tiny });
    symlinkSync(join(root, "a", "sub", "1.png"), join(root, "a", "again.png"));
    symlinkSync(join(root, "a", "sub"), join(root, "a", "other"));
    expect(openImages(source(root), {}).rows).toBe(2);
    symlinkSync(join(root, "a", "sub", "1.png"), join(root, "b", "stolen.png"));
    const error = await userError(() => openImages(source(root), {}));
    expect([error.code, error.message]).toEqual([
      "NN4048",
      expect.stringMatching(/b\/stolen\.png: is reached through links both from class b and from class a$/),
    ]);
  });

  it("hidden folders and files are not classes or images; class folders and names looked at have limits", async () => {
    const root = folder({ "a/1.png": tiny, "b/2.png": tiny, ".ipynb_checkpoints/x.png": tiny, "a/.hidden.png": tiny });
    const reader = openImages(source(root), {});
    expect([reader.rows, reader.read([0, 1]).labels]).toEqual([2, ["a", "b"]]);
    const classes = await userError(() => openImages(source(root), {}, { ...imageLimits, classes: 1 }));
    expect([classes.code, classes.message]).toEqual([
      "NN4050",
      expect.stringMatching(/: holds 2 class folders; nnc reads at most 1 classes$/),
    ]);
    const names = await userError(() =>
      openImages(source(folder({ "a/1.png": tiny, "a/2.txt": "", "a/3.txt": "" })), {}, { ...imageLimits, entries: 2 }),
    );
    expect([names.code, names.message]).toEqual([
      "NN4050",
      expect.stringMatching(/a\/3\.txt: is past the 2 files and folders/),
    ]);
  });
});

describe("reading for training", () => {
  const spec = join(import.meta.dirname, "..", "examples", "fashion_folder.nn");

  it("holds paths, not pixels: a batch decodes only its rows", () => {
    const { program } = checkFile(spec);
    const reader = openImages(program!.trains[0]!.data, {});
    expect(reader.rows).toBe(96);
    expect(reader.streamed).toBe(true);
    const batch = reader.read([5, 50, 95]);
    expect(batch.features.length).toBe(3 * 28 * 28);
    expect(reader.peakRows).toBe(3);
  });

  it("validation_split takes every class without shuffle, and the same files with the same seed", async () => {
    const { program } = checkFile(spec);
    const train = program!.trains[0]!;
    const model = buildModel(program!.models.find((m) => m.name === train.model)!);
    const validationClasses = async (shuffle: boolean, seed: number) =>
      withRandom(seededRandom(seed), async () => {
        const data = await openTrainingData(model, { ...train, shuffle });
        const [, y] = data.validation([...Array(data.validationRows).keys()]);
        const labels = [...(y as tf.Tensor).dataSync()];
        tf.dispose(y);
        data.close();
        return { labels, peak: data.peakRows() };
      });
    const plain = await validationClasses(false, 1);
    expect(plain.labels).toHaveLength(24);
    expect(new Set(plain.labels)).toEqual(new Set([0, 1, 2, 3]));
    const [first, again, other] = [
      await validationClasses(true, 7),
      await validationClasses(true, 7),
      await validationClasses(true, 8),
    ];
    expect(again.labels).toEqual(first.labels);
    expect(other.labels).not.toEqual(first.labels);
    expect(first.peak).toBe(24);
    model.dispose();
  });

  it("a class folder without images is a class: the output mismatch names the classes and the empty one", async () => {
    const { program } = checkFile(spec);
    const train = program!.trains[0]!;
    const model = buildModel(program!.models.find((m) => m.name === train.model)!);
    const root = folder({ "a/1.png": tiny, "b/2.png": tiny, "c/3.png": tiny, "d/4.png": tiny, "e/notes.txt": "" });
    const data = { name: "images", args: { ...train.data.args, path: root } } as IrCall;
    const error = await userError(() => openTrainingData(model, { ...train, data, validationSplit: 0 }));
    expect([error.code, error.message]).toEqual([
      "NN4007",
      expect.stringMatching(/need shape \[5\]: one output per class \(5 classes: a, b, c, d, e; e has no examples\)$/),
    ]);
    model.dispose();
  });

  it("validates on a folder of its own with the training classes, whichever class folders it has", async () => {
    const { program } = checkFile(spec);
    const train = program!.trains[0]!;
    const model = buildModel(program!.models.find((m) => m.name === train.model)!);
    const examples = join(import.meta.dirname, "..", "examples", "data", "fashion-folder");
    const trouser = (name: string) => readFileSync(join(examples, "trouser", name));
    const held = folder({ "trouser/t.png": trouser("trouser_00.png"), "trouser/u.jpg": trouser("trouser_01.jpg") });
    const validation = { name: "images", args: { ...train.data.args, path: held } } as IrCall;
    const data = await openTrainingData(model, { ...train, validationSplit: 0, validation });
    const [, y] = data.validation([0, 1]);
    // trouser is the fourth class of the training folder (ankle_boot, bag, sneaker, trouser): 3, not 0.
    expect([data.trainingRows, data.validationRows, [...(y as tf.Tensor).dataSync()]]).toEqual([96, 2, [3, 3]]);
    tf.dispose(y);
    data.close();
    model.dispose();
  });
});
