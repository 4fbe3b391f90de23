/**
 * `reconstructions.png`: what an autoencoder (a run trained with `target: input`) makes of images, a row of
 * inputs above a row of their reconstructions, one column per example. Drawn as SVG, one square per pixel,
 * and rendered to PNG by the same renderer as the run's plots (plot.ts's `svgToPng`).
 */
import { svgToPng } from "./plot.js";

/** An image as the model sees it: `[height, width, channels]`, channels 1 (gray) or 3 (RGB). */
export type ImageShape = readonly [number, number, 1 | 3];

/** `shape` (without the batch) as an image's, or null when it is not `[h, w, 1]` or `[h, w, 3]`. */
export function imageShape(shape: readonly (number | null)[]): ImageShape | null {
  if (shape.length !== 3 || !shape.every((d) => typeof d === "number")) return null;
  const [h, w, c] = shape as number[];
  return c === 1 || c === 3 ? [h!, w!, c] : null;
}

/** Pixels drawn per image pixel: a 28x28 image becomes 84x84. */
function pixelSize([h, w]: ImageShape): number {
  return Math.max(1, Math.min(4, Math.floor(96 / Math.max(h, w))));
}

/**
 * The grid as SVG: `inputs[i]` above `outputs[i]`, each a flat array of an image's values (channels last).
 * Both rows share one gray (or colour) scale, from the smallest input value to the largest, so that an output
 * is as dark or bright as the input it reproduces; values outside it are clamped.
 */
export function reconstructionSvg(
  shape: ImageShape,
  inputs: readonly (readonly number[])[],
  outputs: readonly (readonly number[])[],
  caption: string,
): string {
  const [h, w, c] = shape;
  const size = pixelSize(shape);
  const gap = 6;
  const left = 110;
  const top = 28;
  const width = left + inputs.length * (w * size + gap) + gap;
  const height = top + 2 * (h * size + gap) + gap;
  let lo = Infinity;
  let hi = -Infinity;
  for (const image of inputs) for (const v of image) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const range = hi > lo ? hi - lo : 1;
  const level = (v: number) => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / range)));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" shape-rendering="crispEdges">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${gap}" y="18" fill="#222">${escapeText(caption)}</text>`,
  ];
  [inputs, outputs].forEach((images, row) => {
    const y0 = top + gap + row * (h * size + gap);
    out.push(
      `<text x="${gap}" y="${y0 + (h * size) / 2 + 4}" fill="#222">${row === 0 ? "input" : "reconstruction"}</text>`,
    );
    images.forEach((image, column) => {
      const x0 = left + column * (w * size + gap);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const at = (y * w + x) * c;
          const [r, g, b] =
            c === 1 ? [image[at]!, image[at]!, image[at]!] : [image[at]!, image[at + 1]!, image[at + 2]!];
          out.push(
            `<rect x="${x0 + x * size}" y="${y0 + y * size}" width="${size}" height="${size}" fill="rgb(${level(r)},${level(g)},${level(b)})"/>`,
          );
        }
      }
    });
  });
  out.push("</svg>", "");
  return out.join("\n");
}

/** The grid as PNG bytes, or null when the renderer cannot be loaded on this platform. */
export function reconstructionPng(
  shape: ImageShape,
  inputs: readonly (readonly number[])[],
  outputs: readonly (readonly number[])[],
  caption: string,
): Promise<Uint8Array | null> {
  return svgToPng(reconstructionSvg(shape, inputs, outputs, caption));
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
