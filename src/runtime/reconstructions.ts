/**
 * `reconstructions.png`: what an autoencoder (a run trained with `target: input`) makes of images, a row of
 * inputs above a row of their reconstructions, one column per example. The pixels are one raster, encoded by
 * pngjs and set, with the labels, in an SVG that the run's plot renderer turns into the PNG (plot.ts's
 * `svgToPng`); without the renderer the raster alone is written.
 */
import { PNG } from "pngjs";
import { svgToPng } from "./plot.js";

/** An image as the model sees it: `[height, width, channels]`, channels 1 (gray) or 3 (RGB). */
export type ImageShape = readonly [number, number, 1 | 3];

/** `shape` (without the batch) as an image's, or null when it is not `[h, w, 1]` or `[h, w, 3]`. */
export function imageShape(shape: readonly (number | null)[]): ImageShape | null {
  if (shape.length !== 3 || !shape.every((d) => typeof d === "number")) return null;
  const [h, w, c] = shape as number[];
  return c === 1 || c === 3 ? [h!, w!, c] : null;
}

/** White space between images, in pixels of the grid. */
const gap = 6;

/** Grid pixels per image pixel: a 28x28 image becomes 84x84, one of 96x96 or more stays as it is. */
function pixelSize([h, w]: ImageShape): number {
  return Math.max(1, Math.min(4, Math.floor(96 / Math.max(h, w))));
}

/**
 * The grid's pixels as PNG bytes: `inputs[i]` above `outputs[i]`, each a flat array of an image's values
 * (channels last), with `gap` white pixels around and between them. Both rows share one gray (or colour)
 * scale, from the smallest input value (black) to the largest (white), so that an output is as dark or
 * bright as the input it reproduces; values outside it are clamped.
 */
export function gridPng(
  shape: ImageShape,
  inputs: readonly (readonly number[])[],
  outputs: readonly (readonly number[])[],
): Buffer {
  const [h, w, c] = shape;
  const size = pixelSize(shape);
  const png = new PNG({
    width: gap + inputs.length * (w * size + gap),
    height: gap + 2 * (h * size + gap),
  });
  png.data.fill(255);
  let lo = Infinity;
  let hi = -Infinity;
  for (const image of inputs) for (const v of image) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const range = hi > lo ? hi - lo : 1;
  const level = (v: number) => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / range)));
  [inputs, outputs].forEach((images, row) => {
    images.forEach((image, column) => {
      const x0 = gap + column * (w * size + gap);
      const y0 = gap + row * (h * size + gap);
      for (let y = 0; y < h * size; y++) {
        for (let x = 0; x < w * size; x++) {
          const at = (Math.floor(y / size) * w + Math.floor(x / size)) * c;
          const to = ((y0 + y) * png.width + x0 + x) * 4;
          for (let k = 0; k < 3; k++) png.data[to + k] = level(image[at + (c === 1 ? 0 : k)]!);
        }
      }
    });
  });
  return PNG.sync.write(png);
}

/** The grid with a caption above it and each row's name on its left, as SVG (the grid embedded as PNG). */
export function reconstructionSvg(grid: Buffer, caption: string): string {
  const { width, height } = PNG.sync.read(grid);
  const [left, top] = [110, 24];
  const row = (height - gap) / 2;
  const label = (y: number, text: string) => `<text x="${gap}" y="${y}" fill="#222">${text}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width}" height="${top + height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${left + width}" height="${top + height}" fill="white"/>`,
    label(18, caption.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")),
    label(top + gap + row / 2, "input"),
    label(top + gap + row + row / 2, "reconstruction"),
    `<image x="${left}" y="${top}" width="${width}" height="${height}" href="data:image/png;base64,${grid.toString("base64")}"/>`,
    "</svg>",
    "",
  ].join("\n");
}

/** `reconstructions.png`'s bytes: the labelled grid, or the bare grid when the renderer cannot be loaded. */
export async function reconstructionPng(
  shape: ImageShape,
  inputs: readonly (readonly number[])[],
  outputs: readonly (readonly number[])[],
  caption: string,
): Promise<Uint8Array> {
  const grid = gridPng(shape, inputs, outputs);
  return (await svgToPng(reconstructionSvg(grid, caption))) ?? grid;
}
