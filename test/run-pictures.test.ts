/**
 * The pictures a run saves besides its history plot: `predicted.svg`/`.png` for a regression (one dot per
 * validation row, predicted against actual) and `reconstructions.png` for an autoencoder on images (drawn
 * from `reconstructionSvg`, checked here pixel by pixel). Regression runs train here for a few epochs on a
 * straight line with noise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PNG } from "pngjs";
import { gridPng, imageShape, reconstructionPng, reconstructionSvg } from "../src/runtime/reconstructions.js";
import { initBackend } from "../src/runtime/index.js";
import { scratchFolder, trainRun } from "./helpers/runs.js";

const { dir: scratch, file } = scratchFolder("nnc-pictures-");
const pngMagic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `rows` points of y = 3x - 1 plus a seeded wobble, as CSV `x,y`. */
function lineCsv(rows: number): string {
  let state = 7;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = Array.from({ length: rows }, (_, i) => {
    const x = (i % 20) / 10 - 1;
    return `${x},${(3 * x - 1 + (random() - 0.5) * 0.2).toFixed(4)}`;
  });
  return `x,y\n${lines.join("\n")}\n`;
}

function spec(name: string, body: string, train: string): string {
  return file(`${name}.nn`, `model ${name} {\n${body}\n}\n\ntrain ${name} {\n${train}\n}\n`);
}

beforeAll(() => initBackend("cpu"));

describe("predicted.svg", () => {
  it("has a dot per validation row and the validation MAE tfjs reports", async () => {
    const data = file("line.csv", lineCsv(100));
    const run = join(scratch, "line");
    await trainRun(
      spec(
        "Line",
        "  input x: [1]\n  dense(8, activation: tanh)\n  dense(1)",
        `  data: csv(${JSON.stringify(data)}, label: "y")\n  loss: mse\n  optimizer: adam(0.05)\n  metrics: [mae]\n  batch_size: 10\n  epochs: 5\n  validation_split: 0.3\n  seed: 3`,
      ),
      run,
    );
    const svg = readFileSync(join(run, "predicted.svg"), "utf8");
    // 30 validation rows, and one dot in the legend.
    expect(svg.match(/<circle /g)).toHaveLength(31);
    const history = JSON.parse(readFileSync(join(run, "history.json"), "utf8")) as Record<string, number>[];
    const mae = Number(/mean absolute error ([0-9.e-]+)/.exec(svg)![1]);
    expect(svg).toContain("30 validation rows");
    expect(mae).toBeCloseTo(history.at(-1)!["val_mae"]!, 3);
    expect([...readFileSync(join(run, "predicted.png")).subarray(0, 8)]).toEqual(pngMagic);
    expect(existsSync(join(run, "reconstructions.png"))).toBe(false);
  });

  it("is not drawn for a classifier", async () => {
    const data = file("sides.csv", "x,side\n-1,left\n1,right\n-2,left\n2,right\n");
    const run = join(scratch, "sides");
    await trainRun(
      spec(
        "Sides",
        "  input x: [1]\n  dense(2, activation: softmax)",
        `  data: csv(${JSON.stringify(data)}, label: "side")\n  loss: categorical_crossentropy\n  optimizer: adam\n  batch_size: 2\n  epochs: 1`,
      ),
      run,
    );
    expect(existsSync(join(run, "history.svg"))).toBe(true);
    expect(existsSync(join(run, "predicted.svg"))).toBe(false);
  });
});

describe("the reconstruction grid", () => {
  it("takes images [h, w, 1] and [h, w, 3] only", () => {
    expect(imageShape([28, 28, 1])).toEqual([28, 28, 1]);
    expect(imageShape([8, 6, 3])).toEqual([8, 6, 3]);
    expect(imageShape([28, 28, 2])).toBeNull();
    expect(imageShape([784])).toBeNull();
    expect(imageShape([null, 28, 1])).toBeNull();
  });

  it("draws inputs above outputs on the inputs' scale, clamping outputs outside it", () => {
    // Two 1x2 gray images with values from 0 to 2: 0 is black, 2 white, 1 is 128; each value 4x4 pixels.
    const grid = PNG.sync.read(
      gridPng(
        [1, 2, 1],
        [
          [0, 2],
          [1, 1],
        ],
        [
          [-5, 1],
          [2, 9],
        ],
      ),
    );
    // 6 white pixels around and between the images: 6 + 2 * (8 + 6) across, 6 + 2 * (4 + 6) down.
    expect([grid.width, grid.height]).toEqual([34, 26]);
    const gray = (x: number, y: number) => {
      const [r, g, b, a] = grid.data.subarray((y * grid.width + x) * 4, (y * grid.width + x) * 4 + 4);
      expect([g, b, a]).toEqual([r, r, 255]);
      return r;
    };
    // The first pixel of each value: inputs from y 6, outputs from y 16; columns from x 6 and 20.
    const firsts = [6, 16].flatMap((y) => [6, 10, 20, 24].map((x) => gray(x, y)));
    expect(firsts).toEqual([0, 255, 128, 128, 0, 128, 255, 255]);
    // A value fills its 4x4 square; the gaps are white.
    expect(gray(9, 9)).toBe(0);
    expect(gray(13, 9)).toBe(255);
    expect([gray(0, 0), gray(16, 8), gray(8, 12)]).toEqual([255, 255, 255]);
  });

  it("is a PNG with the grid and its labels", async () => {
    const png = await reconstructionPng(
      [2, 2, 3],
      [[0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]],
      [[0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]],
      "c",
    );
    const image = PNG.sync.read(Buffer.from(png));
    // The labels widen it beyond the bare grid (6 + 8 + 6 pixels).
    expect(image.width).toBeGreaterThan(20);
    const svg = reconstructionSvg(
      gridPng([2, 2, 3], [[0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]], [[0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]]),
      "a < b",
    );
    expect(svg).toContain(">a &lt; b</text>");
    expect(svg).toMatch(/<image [^>]*href="data:image\/png;base64,/);
  });
});
