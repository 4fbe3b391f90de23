/**
 * The data of examples/transfer_base.nn and examples/transfer.nn, Keras's transfer-learning recipe on
 * Fashion-MNIST, cut from the 1,000-image training slice and the 500-image test slice under
 * examples/data/fashion-mnist/: a base set of the first five classes (T-shirt/top, Trouser, Pullover, Dress,
 * Coat: all 784 images of them in both slices), then the other five (Sandal, Shirt, Sneaker, Bag, Ankle boot)
 * with 200 images to learn them from (the first 40 of each class in the training slice) and 516 to measure
 * on (the rest of them in the training slice and all of them in the test slice). Gzip-compressed IDX files,
 * as Fashion-MNIST ships; transfer.test.ts checks that the committed files are what this makes.
 *
 * Write them again with `npx tsx test/helpers/transfer-data.ts`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

/** The examples folder, which the files' paths are relative to. */
export const examplesDir = join(import.meta.dirname, "..", "..", "examples");

const pixels = 28 * 28;

interface Images {
  readonly images: Buffer;
  readonly labels: Buffer;
}

function readSlice(name: "train" | "test"): Images {
  const folder = join(examplesDir, "data", "fashion-mnist");
  return {
    images: gunzipSync(readFileSync(join(folder, `slice-${name}-images-idx3-ubyte.gz`))).subarray(16),
    labels: gunzipSync(readFileSync(join(folder, `slice-${name}-labels-idx1-ubyte.gz`))).subarray(8),
  };
}

/** The images of `from` at `indices`, as the two IDX files (gzip), under `prefix`. */
function idxFiles(prefix: string, from: Images, indices: readonly number[]): [string, Buffer][] {
  const images = Buffer.alloc(16 + indices.length * pixels);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(indices.length, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + indices.length);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(indices.length, 4);
  indices.forEach((index, i) => {
    from.images.copy(images, 16 + i * pixels, index * pixels, (index + 1) * pixels);
    labels[8 + i] = from.labels[index]!;
  });
  return [
    [`data/transfer/${prefix}-images-idx3-ubyte.gz`, gzipSync(images, { level: 9 })],
    [`data/transfer/${prefix}-labels-idx1-ubyte.gz`, gzipSync(labels, { level: 9 })],
  ];
}

/** Every file, by its path relative to examples/. */
export function transferData(): Map<string, Buffer> {
  const train = readSlice("train");
  const test = readSlice("test");
  const where = (slice: Images, accept: (label: number) => boolean) =>
    [...slice.labels.keys()].filter((i) => accept(slice.labels[i]!));
  const newClasses = where(train, (label) => label >= 5);
  const few = [5, 6, 7, 8, 9].flatMap((label) => newClasses.filter((i) => train.labels[i] === label).slice(0, 40));
  const rest = newClasses.filter((i) => !few.includes(i));
  // One file to measure on: the training slice's other new-class images, then the test slice's.
  const measured: Images = {
    images: Buffer.concat([...rest.map((i) => train.images.subarray(i * pixels, (i + 1) * pixels)), test.images]),
    labels: Buffer.concat([Buffer.from(rest.map((i) => train.labels[i]!)), test.labels]),
  };
  const old: Images = {
    images: Buffer.concat([train.images, test.images]),
    labels: Buffer.concat([train.labels, test.labels]),
  };
  return new Map([
    ...idxFiles(
      "base",
      old,
      where(old, (label) => label < 5),
    ),
    ...idxFiles(
      "few",
      train,
      few.sort((a, b) => a - b),
    ),
    ...idxFiles(
      "test",
      measured,
      where(measured, (label) => label >= 5),
    ),
  ]);
}

/**
 * The base set from Debian's full Fashion-MNIST instead (`apt-get install dataset-fashion-mnist`): all 30,000
 * training images of the first five classes, as the two files `base-images-idx3-ubyte.gz` and
 * `base-labels-idx1-ubyte.gz` (about 13 MB, not committed) for examples/transfer.nn's comment's second figures.
 */
export function debianBase(folder = "/usr/share/datasets/fashion-mnist"): Map<string, Buffer> {
  const all: Images = {
    images: gunzipSync(readFileSync(join(folder, "train-images-idx3-ubyte.gz"))).subarray(16),
    labels: gunzipSync(readFileSync(join(folder, "train-labels-idx1-ubyte.gz"))).subarray(8),
  };
  const first = [...all.labels.keys()].filter((i) => all.labels[i]! < 5);
  return new Map(idxFiles("base", all, first).map(([path, content]) => [path.replace("data/transfer/", ""), content]));
}

// `--debian DIR` writes the Debian base set into DIR; without it, the committed files are written again.
if (process.argv[1] === import.meta.filename && process.argv[2] === "--debian") {
  for (const [name, content] of debianBase()) {
    mkdirSync(process.argv[3]!, { recursive: true });
    writeFileSync(join(process.argv[3]!, name), content);
    console.log(`wrote ${join(process.argv[3]!, name)} (${content.length} bytes)`);
  }
} else if (process.argv[1] === import.meta.filename) {
  for (const [path, content] of transferData()) {
    mkdirSync(dirname(join(examplesDir, path)), { recursive: true });
    writeFileSync(join(examplesDir, path), content);
    console.log(`wrote examples/${path} (${content.length} bytes)`);
  }
}
