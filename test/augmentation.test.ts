/**
 * The augmentation layers (src/runtime/layers/augmentation.ts, image-resizing.ts) against hand computations and
 * tfjs: a flip, a 90-degree rotation, a zoom by 2, Keras's brightness and contrast formulas, crops and resizes;
 * the resampling against tfjs's own `tf.image.transform` for every fill mode; the identity in predict, evaluate
 * and a saved and loaded model while training differs; seeded draws repeat; a model with an augmentation after
 * a trainable layer trains (tfjs's transform has no gradient, nnc's resampling has one).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createLayer } from "../src/runtime/build.js";
import { seededRandom, withRandom } from "../src/runtime/random.js";
import {
  projectiveTransform,
  rotationTransform,
  type FillMode,
  type Transform,
} from "../src/runtime/layers/image-sampling.js";
import { buildSpec, expectClose, values } from "./helpers/attention-models.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { reloaded } from "./helpers/reload.js";

beforeAll(useCpuBackend);

/** A layer built from an `.nn` call on `[height, width, channels]`, as the runtime builds it. */
function layerOf(call: string, shape: readonly number[]): tf.layers.Layer {
  const { ir } = buildSpec(`input x: [${shape.join(", ")}]`, `y = x -> ${call}`);
  return createLayer(ir.layers.at(-1)!.tfjs);
}

/** `layer` applied to `x` while training (or not). */
function run(layer: tf.layers.Layer, x: tf.Tensor, training = true): number[] {
  return values(layer.apply(x, { training }) as tf.Tensor);
}

/** A batch of one image `rows` with one channel. */
const image = (rows: number[][]) => tf.tensor4d(rows.flat(), [1, rows.length, rows[0]!.length, 1]);

describe("augmentation values", () => {
  it("random_flip flips the images whose draw is at most 1/2, per Keras 3", () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [4, 1, 2, 1]);
    const draws = Array.from({ length: 4 }, seededRandom(7));
    const expected = [0, 1, 2, 3].flatMap((i) => (draws[i]! <= 0.5 ? [2 * i + 2, 2 * i + 1] : [2 * i + 1, 2 * i + 2]));
    expect(run(layerOf("random_flip(horizontal, seed: 7)", [1, 2, 1]), x)).toEqual(expected);
    // Both axes with one draw: flipped images are turned half a turn.
    const square = image([
      [1, 2],
      [3, 4],
    ]);
    const both = layerOf("random_flip(seed: 7)", [2, 2, 1]);
    expect(run(both, square)).toEqual(draws[0]! <= 0.5 ? [4, 3, 2, 1] : [1, 2, 3, 4]);
  });

  it("random_flip chooses each image: a NaN or Inf pixel stays where it lands", () => {
    const x = tf.tensor4d([1, NaN, Infinity, 4, 5, NaN, 7, 8], [4, 1, 2, 1]);
    const draws = Array.from({ length: 4 }, seededRandom(7));
    const pixels = [1, NaN, Infinity, 4, 5, NaN, 7, 8];
    const expected = [0, 1, 2, 3].flatMap((i) => {
      const [a, b] = [pixels[2 * i]!, pixels[2 * i + 1]!];
      return draws[i]! <= 0.5 ? [b, a] : [a, b];
    });
    expect(run(layerOf("random_flip(horizontal, seed: 7)", [1, 2, 1]), x)).toEqual(expected);
  });

  it("random_rotation by a quarter turn turns the image counter-clockwise", () => {
    const x = image([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const quarter = [3, 6, 9, 2, 5, 8, 1, 4, 7];
    expect(run(layerOf("random_rotation([0.25, 0.25], interpolation: nearest)", [3, 3, 1]), x)).toEqual(quarter);
    expectClose(run(layerOf("random_rotation([0.25, 0.25])", [3, 3, 1]), x), quarter);
    const back = [7, 4, 1, 8, 5, 2, 9, 6, 3];
    expect(run(layerOf("random_rotation([-0.25, -0.25], interpolation: nearest)", [3, 3, 1]), x)).toEqual(back);
  });

  it("random_zoom by 2 (nearest) reads every other pixel about the centre, filling outside", () => {
    const x = image([[1, 2, 3, 4]]);
    const out = layerOf("random_zoom([1, 1], interpolation: nearest, fill_mode: constant, fill_value: 9)", [1, 4, 1]);
    // Column x reads 2x - 1.5: -1.5, 0.5, 2.5, 4.5, rounded away from zero: outside, 1, 3, outside.
    expect(run(out, x)).toEqual([9, 2, 4, 9]);
    // Zoomed in by half: 0.5x + 0.75 rounds to 1, 1, 2, 2.
    expect(run(layerOf("random_zoom([-0.5, -0.5], interpolation: nearest)", [1, 4, 1]), x)).toEqual([2, 2, 3, 3]);
  });

  it("random_translation shifts right and down by the factor times the size", () => {
    const x = image([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const call = "random_translation([0.5, 0.5], [0.25, 0.25], fill_mode: constant, interpolation: nearest)";
    expect(run(layerOf(call, [2, 4, 1]), x)).toEqual([0, 0, 0, 0, 0, 1, 2, 3]);
  });

  it("random_brightness adds factor x the value range's width and clips to it", () => {
    const x = image([[0.1, 0.5, 0.95]]);
    expectClose(run(layerOf("random_brightness([0.1, 0.1], value_range: [0, 1])", [1, 3, 1]), x), [0.2, 0.6, 1]);
    const seeded = layerOf("random_brightness(0.2, seed: 3)", [1, 3, 1]);
    const delta = (-0.2 + 0.4 * seededRandom(3)()) * 255;
    expectClose(
      run(seeded, tf.mul(x, 100)),
      [10, 50, 95].map((v) => Math.min(Math.max(v + delta, 0), 255)),
    );
  });

  it("random_contrast moves each channel from its mean by a factor from [1 - lower, 1 + upper]", () => {
    const x = tf.tensor4d([10, 100, 20, 110, 30, 120, 40, 130], [1, 2, 2, 2]);
    const c = 1 - 0.5 + (0.5 + 0.5) * seededRandom(4)();
    const means = [25, 115];
    const expected = [10, 100, 20, 110, 30, 120, 40, 130].map((v, i) => (v - means[i % 2]!) * c + means[i % 2]!);
    expectClose(
      run(layerOf("random_contrast(0.5, seed: 4)", [2, 2, 2]), x),
      expected.map((v) => Math.min(Math.max(v, 0), 255)),
    );
    // Clipped to value_range.
    const clipped = run(layerOf("random_contrast([0, 1], value_range: [0, 1], seed: 1)", [2, 2, 2]), tf.div(x, 200));
    expect(Math.max(...clipped)).toBeLessThanOrEqual(1);
  });

  it("center_crop takes the centred window, offsets rounded down; resizing halves a 4x4 by averaging", () => {
    const x = tf.reshape(tf.range(1, 26), [1, 5, 5, 1]);
    expect(run(layerOf("center_crop(2, 3)", [5, 5, 1]), x, false)).toEqual([7, 8, 9, 12, 13, 14]);
    const y = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]);
    // Half-pixel centres: each output pixel sits between four inputs.
    expectClose(run(layerOf("resizing(2, 2)", [4, 4, 1]), y, false), [2.5, 4.5, 10.5, 12.5]);
    expect(run(layerOf("resizing(2, 2, interpolation: nearest)", [4, 4, 1]), y, false)).toEqual([5, 7, 13, 15]);
    // crop_to_aspect_ratio: the centred 4x2 of a 4x4, then 2x1.
    expectClose(run(layerOf("resizing(2, 1, crop_to_aspect_ratio: true)", [4, 4, 1]), y, false), [3.5, 11.5]);
    // pad_to_aspect_ratio: 2x4 padded to 4x4 with the fill value, then resized to 2x2.
    const wide = tf.ones([1, 2, 4, 1]);
    expectClose(
      run(layerOf("resizing(2, 2, pad_to_aspect_ratio: true, fill_value: 3)", [2, 4, 1]), wide, false),
      [2, 2, 2, 2],
    );
  });

  it("random_crop takes a window of the input while training, and the resized centre otherwise", () => {
    const x = tf.reshape(tf.range(0, 36), [1, 6, 6, 1]);
    const layer = layerOf("random_crop(3, 3, seed: 2)", [6, 6, 1]);
    const out = run(layer, x);
    const [top, left] = [out[0]! / 6, out[0]! % 6].map(Math.floor);
    expect(out).toEqual([0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => (top! + r) * 6 + left! + c)));
    expectClose(run(layer, x, false), values(tf.image.resizeBilinear(x as tf.Tensor4D, [3, 3], false, true)));
  });
});

/**
 * tfjs's CPU kernel returns after the first image of a batch (the rest stay the fill value), so each image is
 * compared with a batch of its own.
 */
describe("resampling against tfjs's tf.image.transform", () => {
  const x = tf.randomUniform([2, 5, 7, 2], 0, 1, "float32", 11) as tf.Tensor4D;
  // In float32, as tfjs keeps them, so that both compute the same coordinates.
  const transforms = [rotationTransform(0.7, 5, 7), [1.3, 0.2, -2.1, -0.1, 0.8, 1.7, 0, 0]].map(
    (t) => t.map(Math.fround) as unknown as Transform,
  );
  for (const fill of ["reflect", "wrap", "constant", "nearest"] as FillMode[]) {
    for (const interpolation of ["nearest", "bilinear"] as const) {
      it(`${fill}, ${interpolation}`, () => {
        const ours = projectiveTransform(x, transforms, interpolation, fill, 0.5);
        const theirs = transforms.map((t, b) => {
          const one = tf.slice(x, [b, 0, 0, 0], [1, -1, -1, -1]);
          return tf.image.transform(one, tf.tensor2d([...t], [1, 8]), interpolation, fill, 0.5);
        });
        expectClose(values(ours), values(tf.concat(theirs, 0)), 5);
      });
    }
  }
});

describe("resampling's gradient", () => {
  it("is the transpose of the resampling: <T x, r> = <x, grad of <T x, r>> for every fill but constant's offset", () => {
    const x = tf.randomUniform([2, 4, 5, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const r = tf.randomUniform([2, 4, 5, 3], -1, 1, "float32", 3);
    const transforms = [rotationTransform(0.4, 4, 5), rotationTransform(-1.1, 4, 5)];
    for (const fill of ["reflect", "wrap", "constant", "nearest"] as FillMode[]) {
      const dot = (image: tf.Tensor) =>
        tf.sum(tf.mul(projectiveTransform(image as tf.Tensor4D, transforms, "bilinear", fill, 0), r));
      const gradient = tf.grad(dot)(x);
      expect(values(tf.sum(tf.mul(x, gradient)))[0]).toBeCloseTo(values(dot(x))[0]!, 4);
    }
  });
});

const augmentations =
  "random_flip() -> random_rotation(0.2) -> random_zoom(0.2, 0.1) -> random_translation(0.1, 0.1) " +
  "-> random_contrast(0.3) -> random_brightness(0.2)";

describe("augmentation in a model", () => {
  const x = tf.randomUniform([4, 6, 6, 3], 0, 255, "float32", 3);

  it("is the identity in predict, evaluate and a saved and loaded model, and not while training", async () => {
    const { model } = buildSpec("input x: [6, 6, 3]", `y = x -> ${augmentations}`);
    expect(values(model.predict(x) as tf.Tensor)).toEqual(values(x));
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    expect(values(model.evaluate(x, x) as tf.Scalar)[0]).toBe(0);
    expect(values(model.apply(x, { training: true }) as tf.Tensor)).not.toEqual(values(x));
    const loaded = await reloaded(model);
    expect(values(loaded.predict(x) as tf.Tensor)).toEqual(values(x));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(values(loaded.apply(x, { training: true }) as tf.Tensor)).not.toEqual(values(x));
  });

  it("repeats its draws: with seeds, and without under a seeded Math.random", async () => {
    const seeded = () =>
      buildSpec("input x: [6, 6, 3]", "y = x -> random_rotation(0.2, seed: 5) -> random_flip(seed: 6)");
    const [a, b] = [seeded(), seeded()].map(({ model }) => values(model.apply(x, { training: true }) as tf.Tensor));
    expect(a).toEqual(b);
    const unseeded = () =>
      withRandom(seededRandom(9), async () => {
        const { model } = buildSpec("input x: [6, 6, 3]", `y = x -> ${augmentations}`);
        return values(model.apply(x, { training: true }) as tf.Tensor);
      });
    expect(await unseeded()).toEqual(await unseeded());
  });

  it("trains after a trainable layer: every resampling op has a gradient", async () => {
    const { model } = buildSpec(
      "input x: [6, 6, 3]",
      `y = x -> conv2d(2, 3, padding: same) -> ${augmentations} -> random_crop(4, 4) -> resizing(3, 3) -> center_crop(2, 2) -> flatten() -> dense(1)`,
    );
    // A kernel whose outputs (about 70 on inputs in 0..255) stay inside the value range that contrast and
    // brightness clip to, whatever the draws: a random kernel sometimes put every output below 0, where the
    // clip has no gradient, and the test failed by chance.
    const conv = model.layers[1]!;
    const [kernel, bias] = conv.getWeights();
    conv.setWeights([tf.fill(kernel!.shape, 0.02), tf.zerosLike(bias!)]);
    // A rate large enough that any gradient moves the conv kernel by more than float32's spacing near it.
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const before = values(conv.getWeights()[0]!);
    const history = await model.fit(x, tf.ones([4, 1]), { epochs: 1, batchSize: 2, verbose: 0 });
    expect(Number.isFinite(history.history["loss"]![0] as number)).toBe(true);
    expect(values(conv.getWeights()[0]!)).not.toEqual(before);
  });
});
