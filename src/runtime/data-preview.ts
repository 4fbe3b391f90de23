/**
 * `nnc data --preview grid.png`: training examples as the model's image input receives them, each with its
 * class under it; with `--augmented`, each example above three draws of it through the model's augmentation
 * layers in training mode, so a user sees what the augmentation does before training on it. Each image is a
 * small PNG (pngjs) set in an SVG, which plot.ts's renderer turns into the PNG.
 */
import * as tf from "@tensorflow/tfjs";
import { PNG } from "pngjs";
import type { IrLayer, IrModel } from "../compiler/ir/index.js";
import { hasTrait } from "../compiler/registry/layers/index.js";
import type { Trait } from "../compiler/registry/layers/types.js";
import { imageShape, type OpenedData } from "./data-summary.js";
import { NncUserError } from "./errors.js";
import { seededRandom, withRandom } from "./random.js";
import { maxOf } from "../compiler/base/arrays.js";

/** The registry trait of the layers `--augmented` runs: random flips, rotations, zooms, ... */
export const augmentationTrait: Trait = "augmentation";

/** Examples in a grid: 4 rows of 8, or with `--augmented` 8 examples, each above 3 draws. */
const columns = 8;
const rows = 4;

/**
 * The augmentation layers at the start of `ir` fed by `input`: the chain of layers with the trait that reads
 * the input, each the next's input, up to the first that is not one. Empty when the model has none there.
 */
export function augmentationLayers(ir: IrModel, input: string): IrLayer[] {
  const chain: IrLayer[] = [];
  let from = input;
  for (const layer of ir.layers) {
    if (layer.inputs.length !== 1 || layer.inputs[0]!.node !== from) continue;
    if (!hasTrait(layer.kind, augmentationTrait)) break;
    chain.push(layer);
    from = layer.name;
  }
  return chain;
}

/** What a preview draws: the model input (its index and name), its image shape, the augmentation layers. */
export interface PreviewPlan {
  readonly index: number;
  readonly input: string;
  readonly shape: [number, number, number];
  readonly chain: readonly IrLayer[];
}

/**
 * What the preview of `model` (built from `ir`) draws: its first image input, and with `augmented` the
 * augmentation layers at its start. Throws `NncUserError` (NN4064) when the model reads no image, or (NN4065)
 * when `augmented` and the model has no augmentation layer at that input.
 */
export function previewPlan(ir: IrModel, model: tf.LayersModel, augmented: boolean): PreviewPlan {
  const index = model.inputs.findIndex((input) => imageShape(input.shape.slice(1)) !== null);
  if (index < 0) {
    const shapes = model.inputs.map((input) => `'${input.name}' [${input.shape.slice(1).join(", ")}]`);
    throw new NncUserError("NN4064", { model: ir.name, inputs: shapes.join(", ") });
  }
  const input = ir.inputs[index]!.name;
  const chain = augmented ? augmentationLayers(ir, input) : [];
  if (augmented && chain.length === 0) throw new NncUserError("NN4065", { model: ir.name, input });
  return { index, input, shape: imageShape(model.inputs[index]!.shape.slice(1))!, chain };
}

/**
 * The preview's SVG: the first training examples (in training's order) of the plan's input, or with
 * augmentation layers the first few, each above draws through them in training mode.
 */
export function previewSvg(ir: IrModel, opened: OpenedData, plan: PreviewPlan): string {
  const { model, data } = opened;
  const { index, shape, chain } = plan;
  const augmented = chain.length > 0;
  const count = Math.min(augmented ? columns : columns * rows, data.trainingRows);
  const positions = [...Array(count).keys()];
  const table = data.tables.training(positions);
  const captions = positions.map((row) => {
    const label = table.outputs ? table.outputs[0]?.labels[row] : table.labels[row];
    return label ?? `#${table.lines[row]}`;
  });
  const [x, y] = data.training(positions);
  try {
    const images = Array.isArray(x) ? x[index]! : x;
    const originals = splitImages(images);
    const scale = displayScale(originals);
    const cellsOf = (row: readonly Float32Array[]) => row.map((image, k) => ({ image, caption: captions[k]! }));
    if (!augmented) {
      const grid = chunk(cellsOf(originals), columns).map((cells) => ({ shape, cells }));
      return gridSvg(grid, scale, pixelSize(shape), `${ir.name}: the first ${count} training examples`);
    }
    // Draws from a generator of their own, seeded by the run's seed: the same preview every time.
    const draws = withRandomSync(seededRandom(opened.seed), () =>
      Array.from({ length: rows - 1 }, () => {
        const augmentedImages = tf.tidy(() =>
          chain.reduce((t, layer) => model.getLayer(layer.name).apply(t, { training: true }) as tf.Tensor, images),
        );
        // A crop or resize (random_crop, resizing, center_crop) changes the shape: each draw has its own.
        const drawn = { shape: augmentedImages.shape.slice(1), images: splitImages(augmentedImages) };
        augmentedImages.dispose();
        return drawn;
      }),
    );
    const grid = [
      { name: "as read", shape, cells: cellsOf(originals) },
      ...draws.map((draw, d) => ({ name: `draw ${d + 1}`, shape: draw.shape, cells: cellsOf(draw.images) })),
    ];
    const names = chain.map((layer) => layer.kind).join(", ");
    const title = `${ir.name}: ${count} training examples through ${names} (training mode)`;
    return gridSvg(grid, scale, pixelSize(shape), title);
  } finally {
    tf.dispose([x, y]);
  }
}

function withRandomSync<T>(random: () => number, task: () => T): T {
  const original = Math.random;
  Math.random = random;
  try {
    return task();
  } finally {
    Math.random = original;
  }
}

function splitImages(images: tf.Tensor): Float32Array[] {
  const values = images.dataSync() as Float32Array;
  const size = values.length / images.shape[0]!;
  return Array.from({ length: images.shape[0]! }, (_, k) => values.slice(k * size, (k + 1) * size));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, k) => items.slice(k * size, (k + 1) * size));
}

/** Black and white: 0 and 1 for pixels in [0, 1], 0 and 255 in [0, 255], else the examples' least and greatest. */
function displayScale(images: readonly Float32Array[]): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const image of images) for (const v of image) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo >= 0 && hi <= 1) return [0, 1];
  if (lo >= 0 && hi <= 255) return [0, 255];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** Grid pixels per image pixel: a 28x28 image is drawn 84x84, one of 96x96 or more as it is. */
function pixelSize([h, w]: readonly number[]): number {
  return Math.max(1, Math.min(3, Math.floor(96 / Math.max(h!, w!))));
}

/** One image as PNG bytes, `size` grid pixels per pixel, values clamped to `scale`. */
function imagePng([h, w, c]: readonly number[], size: number, [lo, hi]: [number, number], image: Float32Array): Buffer {
  const png = new PNG({ width: w! * size, height: h! * size });
  const level = (v: number) => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const at = (Math.floor(y / size) * w! + Math.floor(x / size)) * c!;
      const to = (y * png.width + x) * 4;
      for (let k = 0; k < 3; k++) png.data[to + k] = level(image[at + (c === 1 ? 0 : k)]!);
      png.data[to + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

const gap = 10;
const captionHeight = 16;
const top = 28;

/** A row of the grid: its images' shape, the images with their captions, and its name on the left, if any. */
interface GridRow {
  readonly name?: string;
  readonly shape: readonly number[];
  readonly cells: readonly { readonly image: Float32Array; readonly caption: string }[];
}

/** The SVG of `grid`, `size` pixels a pixel, a title above; row names on the left when rows have them. */
function gridSvg(grid: readonly GridRow[], scale: [number, number], size: number, title: string): string {
  const cellW = maxOf(
    grid.map((row) => row.shape[1]! * size),
    48,
  );
  const left = grid.some((row) => row.name) ? 70 : gap;
  const width = left + maxOf(grid.map((row) => row.cells.length)) * (cellW + gap);
  const height = grid.reduce((y, row) => y + row.shape[0]! * size + captionHeight + gap, top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${gap}" y="18" font-size="13" fill="#222">${escape(title)}</text>`,
  ];
  let y = top;
  for (const { name, shape, cells } of grid) {
    const [imageW, imageH] = [shape[1]! * size, shape[0]! * size];
    if (name) parts.push(`<text x="${gap}" y="${y + imageH / 2}" fill="#222">${escape(name)}</text>`);
    cells.forEach(({ image, caption }, k) => {
      const x = left + k * (cellW + gap);
      const png = imagePng(shape, size, scale, image).toString("base64");
      parts.push(
        `<image x="${x + (cellW - imageW) / 2}" y="${y}" width="${imageW}" height="${imageH}" href="data:image/png;base64,${png}"/>`,
        `<text x="${x + cellW / 2}" y="${y + imageH + 12}" text-anchor="middle" fill="#222">${escape(caption.slice(0, 16))}</text>`,
      );
    });
    y += imageH + captionHeight + gap;
  }
  parts.push("</svg>", "");
  return parts.join("\n");
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
