/**
 * The image folder examples/fashion_folder.nn trains on, examples/data/fashion-folder/: 24 images of each of
 * four Fashion-MNIST classes from the bundled 1,000-image training slice (the first 24 of each class, in
 * the slice's order), one sub-folder per class, alternately PNG (8-bit grey, stored without compression, so
 * the bytes do not depend on the zlib that wrote them) and JPEG (jpeg-js, quality 90), and one text file
 * that images() ignores. images-example.test.ts compares the committed files with what this makes, byte for
 * byte. Write them again with `npx tsx test/helpers/image-folder-data.ts`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

const examplesDir = join(import.meta.dirname, "..", "..", "examples");

/** The classes taken, by Fashion-MNIST label, under the folder names the example reads. */
export const fashionFolderClasses: readonly (readonly [number, string])[] = [
  [1, "trouser"],
  [7, "sneaker"],
  [8, "bag"],
  [9, "ankle_boot"],
];

export const imagesPerClass = 24;

/** A grey image (`width x height` bytes) as an 8-bit greyscale PNG. */
export function greyPng(pixels: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 0 });
  png.data = Buffer.from(pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 0 });
}

/** A grey image as a JPEG (three components, every pixel's red, green and blue the grey value). */
export function greyJpeg(pixels: Uint8Array, width: number, height: number, quality = 90): Buffer {
  const rgba = Buffer.alloc(width * height * 4);
  pixels.forEach((v, i) => rgba.fill(v, i * 4, i * 4 + 3).writeUInt8(255, i * 4 + 3));
  return jpeg.encode({ width, height, data: rgba }, quality).data;
}

/** The files of examples/data/fashion-folder/, by path relative to examples/. */
export function fashionFolderData(): Map<string, Buffer> {
  const folder = join(examplesDir, "data", "fashion-mnist");
  const images = gunzipSync(readFileSync(join(folder, "slice-train-images-idx3-ubyte.gz"))).subarray(16);
  const labels = gunzipSync(readFileSync(join(folder, "slice-train-labels-idx1-ubyte.gz"))).subarray(8);
  const files = new Map<string, Buffer>();
  for (const [label, name] of fashionFolderClasses) {
    let n = 0;
    for (let i = 0; i < labels.length && n < imagesPerClass; i++) {
      if (labels[i] !== label) continue;
      const pixels = images.subarray(i * 784, (i + 1) * 784);
      const file = `${name}_${String(n).padStart(2, "0")}`;
      files.set(
        `data/fashion-folder/${name}/${n % 2 === 0 ? `${file}.png` : `${file}.jpg`}`,
        n % 2 === 0 ? greyPng(pixels, 28, 28) : greyJpeg(pixels, 28, 28),
      );
      n++;
    }
  }
  files.set(
    "data/fashion-folder/bag/README.txt",
    Buffer.from("Not an image: images() reads only .png, .jpg and .jpeg files (and ignores this one).\n"),
  );
  return files;
}

if (process.argv[1] === import.meta.filename) {
  for (const [path, content] of fashionFolderData()) {
    mkdirSync(dirname(join(examplesDir, path)), { recursive: true });
    writeFileSync(join(examplesDir, path), content);
  }
  const total = [...fashionFolderData().values()].reduce((sum, b) => sum + b.length, 0);
  console.log(`wrote examples/data/fashion-folder/ (${fashionFolderData().size} files, ${total} bytes)`);
}
