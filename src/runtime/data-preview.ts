/**
 * `nnc data --preview grid.png`: training examples as the model's image input receives them, each with its
 * class under it, taken across the classes in turn; with `--augmented`, each example above three draws of it
 * through the model's augmentation layers in training mode, so a user sees what the augmentation does before
 * training on it. Each image is a small PNG (pngjs) set in an SVG, which plot.ts's renderer turns into the PNG.
 */
import * as tf from "@tensorflow/tfjs";
import { PNG } from "pngjs";
import type { IrLayer, IrModel } from "../compiler/ir/index.js";
import { hasTrait } from "../compiler/registry/layers/index.js";
import type { Trait } from "../compiler/registry/layers/types.js";
import { featureCount, sizeOf } from "./data/index.js";
import { imageShape, type OpenedData } from "./data-summary.js";
import { quoted } from "./data-warnings.js";
import { NncUserError } from "./errors.js";
import { seededRandom, withRandomSync } from "./random.js";
import { outputClasses } from "./save.js";
import { maxOf } from "../compiler/base/arrays.js";

/** The registry trait of the layers `--augmented` runs: random flips, rotations, zooms, ... */
export const augmentationTrait: Trait = "augmentation";

/** Examples in a grid: 4 rows of 8, or with `--augmented` 8 examples, each above 3 draws. */
const columns = 8;
const rows = 4;
/** Image values read for the preview at most (64 MB of float32): fewer examples of large images. */
const previewValues = 2 ** 24;
/** Training rows' values scanned for examples of every class at most. */
const scannedValues = 2 ** 26;
/** The longer side of every drawn example, in grid pixels: small images are enlarged, large ones reduced. */
const cellPixels = 96;

/** The augmentation layers `--augmented` draws through, or why the model has none (NN4065's `stop`). */
export type AugmentationChain = { readonly layers: IrLayer[] } | { readonly layers: []; readonly stop: string };

/**
 * The layers from `input` through its augmentation layers: following the input through layers of one input,
 * no weights and an image out (a rescaling, resizing, crop or noise before a random_flip, Keras's usual
 * order), up to the last with the augmentation trait. Without one, `stop` says where and why the walk ended.
 */
export function augmentationLayers(ir: IrModel, input: string): AugmentationChain {
  const walked: IrLayer[] = [];
  let from = input;
  let stop = "the end of the model";
  for (const layer of ir.layers) {
    if (!layer.inputs.some((ref) => ref.node === from)) continue;
    const out = layer.outputShapes[0];
    if (layer.inputs.length !== 1) stop = `'${layer.name}', which reads several tensors`;
    else if (layer.params.trainable + layer.params.nonTrainable > 0 || layer.shares)
      stop = `'${layer.name}', which has weights`;
    else if (layer.outputShapes.length !== 1 || !out?.every((d) => typeof d === "number") || !imageShape(out))
      stop = `'${layer.name}', whose output is not an image`;
    else {
      walked.push(layer);
      from = layer.name;
      continue;
    }
    break;
  }
  let last = -1;
  walked.forEach((layer, k) => (last = hasTrait(layer.kind, augmentationTrait) ? k : last));
  return last < 0 ? { layers: [], stop } : { layers: walked.slice(0, last + 1) };
}

/** What a preview draws: the model input (its index and name), its image shape, the layers to draw through. */
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
    const shapes = model.inputs.map((input) => `'${input.name}' ${shapeText(input.shape.slice(1), input.dtype)}`);
    throw new NncUserError("NN4064", { model: ir.name, inputs: shapes.join(", ") });
  }
  const input = ir.inputs[index]!.name;
  const found = augmented ? augmentationLayers(ir, input) : { layers: [] };
  if (augmented && "stop" in found) throw new NncUserError("NN4065", { model: ir.name, input, stop: found.stop });
  return { index, input, shape: imageShape(model.inputs[index]!.shape.slice(1))!, chain: found.layers };
}

/** An input's shape as NN4064 shows it: `[4]`, `[seq] int32` for ids of any length. */
function shapeText(shape: readonly (number | null)[], dtype: string): string {
  return `[${shape.map((d) => d ?? "seq").join(", ")}]${dtype === "float32" ? "" : ` ${dtype}`}`;
}

/**
 * Up to `count` training positions, taken across the first output's classes in turn (the first of each
 * class, then the second, ...) from the first rows (a scan of at most `scannedValues` values); the first rows
 * for data without classes.
 */
function examplePositions(opened: OpenedData, count: number): number[] {
  const { data } = opened;
  const first = data.tables.training([]);
  const name = first.outputs?.[0]?.output ?? "";
  const classes = outputClasses(data.labels, name)?.classes;
  const all = Math.min(count, data.trainingRows);
  if (!classes || classes.length < 2) return [...Array(all).keys()];
  const byClass = new Map<string, number[]>(classes.map((c) => [c, []]));
  const width = Math.max(1, featureCount(first));
  const step = Math.max(1, Math.floor(previewValues / width));
  const limit = Math.min(data.trainingRows, Math.max(count, Math.floor(scannedValues / width)));
  for (let from = 0; from < limit; from += step) {
    const positions = Array.from({ length: Math.min(step, limit - from) }, (_, k) => from + k);
    const table = data.tables.training(positions);
    const labels = table.outputs ? (table.outputs[0]?.labels ?? []) : table.labels;
    positions.forEach((position, row) => byClass.get(labels[row] ?? "")?.push(position));
    if ([...byClass.values()].every((list) => list.length >= count)) break;
  }
  const chosen: number[] = [];
  for (let turn = 0; chosen.length < all && turn < all; turn++)
    for (const list of byClass.values()) if (turn < list.length && chosen.length < all) chosen.push(list[turn]!);
  return chosen.length > 0 ? chosen : [...Array(all).keys()];
}

/**
 * The preview's SVG: training examples of the plan's input across the classes, or with augmentation layers
 * a few, each above draws through them in training mode. Large images mean fewer examples (`previewValues`).
 */
export function previewSvg(ir: IrModel, opened: OpenedData, plan: PreviewPlan): string {
  const { model, data } = opened;
  const { index, shape, chain } = plan;
  const augmented = chain.length > 0;
  const wanted = Math.min(augmented ? columns : columns * rows, Math.max(1, Math.floor(previewValues / sizeOf(shape))));
  const positions = examplePositions(opened, wanted);
  const count = positions.length;
  const table = data.tables.training(positions);
  const captions = positions.map((_, row) => {
    const label = table.outputs ? table.outputs[0]?.labels[row] : table.labels[row];
    return label ?? `#${table.lines[row]}`;
  });
  const [x, y] = data.training(positions);
  try {
    const images = Array.isArray(x) ? x[index]! : x;
    const originals = splitImages(images);
    // Every example at the same size; a draw that crops or resizes at the examples' scale.
    const factor = cellPixels / Math.max(shape[0], shape[1]);
    const cellsOf = (row: readonly Float32Array[]) => row.map((image, k) => ({ image, caption: captions[k]! }));
    // Each row its own black and white: a draw through a rescaling is in [0, 1], the examples in [0, 255].
    const scale = displayScale(originals);
    const what = count === data.trainingRows ? `the ${count} training examples` : `${count} training examples`;
    if (!augmented) {
      const grid = chunk(cellsOf(originals), columns).map((cells) => ({ shape, scale, cells }));
      return gridSvg(grid, factor, [`${ir.name}: ${what}`]);
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
      { name: "as read", shape, scale, cells: cellsOf(originals) },
      ...draws.map((draw, d) => ({
        name: `draw ${d + 1}`,
        shape: draw.shape,
        scale: displayScale(draw.images),
        cells: cellsOf(draw.images),
      })),
    ];
    const names = chain.map((layer) => layer.kind).join(" -> ");
    return gridSvg(grid, factor, [`${ir.name}: ${what} (training mode) through`, names]);
  } finally {
    tf.dispose([x, y]);
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

/** A drawn image's size in grid pixels: `factor` per image pixel, at least one. */
function drawnSize(pixels: number, factor: number): number {
  return Math.max(1, Math.round(pixels * factor));
}

/**
 * One image as PNG bytes at `factor` grid pixels a pixel, values clamped to `scale`: enlarged by repeating
 * pixels, reduced by averaging the pixels each grid pixel covers.
 */
function imagePng(
  [h, w, c]: readonly number[],
  factor: number,
  [lo, hi]: [number, number],
  image: Float32Array,
): Buffer {
  const png = new PNG({ width: drawnSize(w!, factor), height: drawnSize(h!, factor) });
  const level = (v: number) => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
  const span = (to: number, size: number, of: number) => {
    const from = Math.min(of - 1, Math.floor((to * of) / size));
    return [from, Math.max(from + 1, Math.min(of, Math.floor(((to + 1) * of) / size)))] as const;
  };
  for (let y = 0; y < png.height; y++) {
    const [y0, y1] = span(y, png.height, h!);
    for (let x = 0; x < png.width; x++) {
      const [x0, x1] = span(x, png.width, w!);
      const to = (y * png.width + x) * 4;
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let sy = y0; sy < y1; sy++)
          for (let sx = x0; sx < x1; sx++) sum += image[(sy * w! + sx) * c! + (c === 1 ? 0 : k)]!;
        png.data[to + k] = level(sum / ((y1 - y0) * (x1 - x0)));
      }
      png.data[to + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

const gap = 10;
const captionHeight = 16;
const titleLine = 18;

/**
 * A row of the grid: its images' shape, the values drawn black and white, the images with their captions, and
 * its name on the left, if any.
 */
interface GridRow {
  readonly name?: string;
  readonly shape: readonly number[];
  readonly scale: [number, number];
  readonly cells: readonly { readonly image: Float32Array; readonly caption: string }[];
}

/**
 * The SVG of `grid`, `factor` pixels a pixel, the title's lines above (each cut to the grid's width); row
 * names on the left when rows have them.
 */
function gridSvg(grid: readonly GridRow[], factor: number, title: readonly string[]): string {
  const cellW = maxOf(
    grid.map((row) => drawnSize(row.shape[1]!, factor)),
    48,
  );
  const left = grid.some((row) => row.name) ? 70 : gap;
  const width = left + maxOf(grid.map((row) => row.cells.length)) * (cellW + gap);
  const top = 10 + title.length * titleLine;
  const height = grid.reduce((y, row) => y + drawnSize(row.shape[0]!, factor) + captionHeight + gap, top);
  // About 7 pixels a character at 13 px.
  const fits = Math.max(20, Math.floor((width - 2 * gap) / 7));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...title.map(
      (line, k) =>
        `<text x="${gap}" y="${18 + k * titleLine}" font-size="13" fill="#222">${escape(line.length > fits ? `${line.slice(0, fits - 3)}...` : line)}</text>`,
    ),
  ];
  let y = top;
  for (const { name, shape, scale, cells } of grid) {
    const [imageW, imageH] = [drawnSize(shape[1]!, factor), drawnSize(shape[0]!, factor)];
    if (name) parts.push(`<text x="${gap}" y="${y + imageH / 2}" fill="#222">${escape(name)}</text>`);
    cells.forEach(({ image, caption }, k) => {
      const x = left + k * (cellW + gap);
      const png = imagePng(shape, factor, scale, image).toString("base64");
      parts.push(
        `<image x="${x + (cellW - imageW) / 2}" y="${y}" width="${imageW}" height="${imageH}" href="data:image/png;base64,${png}"/>`,
        `<text x="${x + cellW / 2}" y="${y + imageH + 12}" text-anchor="middle" fill="#222">${escape(quoted(caption).slice(0, 16))}</text>`,
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
