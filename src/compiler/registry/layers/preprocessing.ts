/**
 * Keras's image preprocessing layers: the random augmentations (random_flip, random_rotation, random_zoom,
 * random_translation, random_contrast, random_brightness, random_crop) and the deterministic resizing and
 * center_crop. All take `[height, width, channels]` and are nnc's own (src/runtime/layers/augmentation.ts and
 * image-resizing.ts): tfjs 4.22 has none of the random ones, and its resizing and centerCrop differ from
 * Keras's. No params.
 */
import type { SchemaObject } from "ajv";
import type { Shape } from "../../ir/index.js";
import { argsSchema, channelsLastConfig, dataFormat, expectRank, schemas } from "./entry-parts.js";
import { defineLayer, type Args, type LayerKind, type ShapeContext, type Trait } from "./types.js";

/**
 * A factor: one number `f` for the range `[-f, f]` (or `[1 - f, 1 + f]` for contrast), or `[lower, upper]`;
 * each number within `[min, max]`, as Keras checks it (NN2005 at the argument otherwise).
 */
function factor(min: number, max: number): SchemaObject {
  const item = { type: "number", minimum: min, maximum: max };
  return {
    description: `a number from ${min} to ${max}, or a list of two: [lower, upper]`,
    oneOf: [item, { type: "array", items: item, minItems: 2, maxItems: 2 }],
  };
}

const fillMode = { enum: ["reflect", "wrap", "constant", "nearest"] };
/** tfjs 4.22 resizes with these two; Keras's bicubic, area and lanczos are not available. */
const interpolation = { enum: ["bilinear", "nearest"], default: "bilinear" };
const valueRange = {
  type: "array",
  items: { type: "number" },
  minItems: 2,
  maxItems: 2,
  description: "the inputs' range of values, a list of two numbers: [0, 255] or [0, 1]",
  default: [0, 255],
};

/** The arguments of the geometric augmentations, with Keras's defaults. */
const resampling = {
  fill_mode: { ...fillMode, default: "reflect" },
  interpolation,
  seed: schemas.nonNegativeInt,
  fill_value: { type: "number", default: 0 },
  ...dataFormat,
};

/** A batch of images: `[height, width, channels]`, any sizes; NN3001 otherwise. */
function imageInput(ctx: ShapeContext, input: Shape): boolean {
  return expectRank(
    ctx,
    input,
    3,
    "a 3D input [height, width, channels]",
    "reshape the input to [height, width, channels] first",
  );
}

/** The shape rule of the layers that keep the image's shape. */
function sameImage([input]: readonly Shape[], _args: Args, ctx: ShapeContext): Shape | null {
  return imageInput(ctx, input!) ? input! : null;
}

/** The shape rule of the layers that make the image `height` by `width`. */
function sizedImage([input]: readonly Shape[], args: Args, ctx: ShapeContext): Shape | null {
  return imageInput(ctx, input!) ? [args["height"] as number, args["width"] as number, input![2]!] : null;
}

const randomTraits: readonly Trait[] = ["training-only", "augmentation"];

/** Every entry here is nnc's layer of the same factory name, configured with its arguments in camelCase. */
function preprocessing<A extends Args>(
  kind: Omit<LayerKind<A>, "namespace" | "config" | "outputShape"> & {
    outputShape?: LayerKind<A>["outputShape"];
  },
): LayerKind {
  return defineLayer<A>({
    outputShape: sameImage,
    ...kind,
    namespace: "nnc",
    config: (args) => channelsLastConfig(args),
  });
}

/** `random_flip(mode)`: `[h, w, c]`, unchanged; while training, flips each image with probability 1/2. */
export const randomFlip = preprocessing({
  name: "random_flip",
  doc: "Flips each image horizontally, vertically or both, at random, while training.",
  traits: randomTraits,
  positional: ["mode", "seed"],
  schema: argsSchema({
    mode: { enum: ["horizontal", "vertical", "horizontal_and_vertical"], default: "horizontal_and_vertical" },
    seed: schemas.nonNegativeInt,
    ...dataFormat,
  }),
  factory: "randomFlip",
});

/** `random_rotation(factor)`: `[h, w, c]`, unchanged; while training, rotates by up to `factor` turns. */
export const randomRotation = preprocessing({
  name: "random_rotation",
  doc: "Rotates each image by a random fraction of a full turn while training.",
  traits: randomTraits,
  positional: ["factor", "fill_mode", "interpolation", "seed", "fill_value"],
  schema: argsSchema({ factor: factor(-1, 1), ...resampling }, ["factor"]),
  factory: "randomRotation",
});

/** `random_zoom(height_factor, width_factor)`: `[h, w, c]`, unchanged; zooms in or out while training. */
export const randomZoom = preprocessing({
  name: "random_zoom",
  doc: "Zooms each image in or out by a random amount while training.",
  traits: randomTraits,
  positional: ["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value"],
  schema: argsSchema({ height_factor: factor(-1, 1), width_factor: factor(-1, 1), ...resampling }, ["height_factor"]),
  factory: "randomZoom",
});

/** `random_translation(height_factor, width_factor)`: `[h, w, c]`, unchanged; shifts while training. */
export const randomTranslation = preprocessing({
  name: "random_translation",
  doc: "Shifts each image by a random fraction of its height and width while training.",
  traits: randomTraits,
  positional: ["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value"],
  schema: argsSchema({ height_factor: factor(-1, 1), width_factor: factor(-1, 1), ...resampling }, [
    "height_factor",
    "width_factor",
  ]),
  factory: "randomTranslation",
});

/** `random_contrast(factor)`: `[h, w, c]`, unchanged; scales each image's contrast while training. */
export const randomContrast = preprocessing({
  name: "random_contrast",
  doc: "Scales each image's contrast about its channels' means by a random factor while training.",
  traits: [...randomTraits, "value-range"],
  positional: ["factor", "value_range", "seed"],
  schema: argsSchema({ factor: factor(0, 1), value_range: valueRange, seed: schemas.nonNegativeInt }, ["factor"]),
  factory: "randomContrast",
});

/** `random_brightness(factor)`: `[h, w, c]`, unchanged; adds a random brightness to each image while training. */
export const randomBrightness = preprocessing({
  name: "random_brightness",
  doc: "Adds a random brightness (a fraction of the value range) to each image while training.",
  traits: [...randomTraits, "value-range"],
  positional: ["factor", "value_range", "seed"],
  schema: argsSchema({ factor: factor(-1, 1), value_range: valueRange, seed: schemas.nonNegativeInt }, ["factor"]),
  factory: "randomBrightness",
});

const size = { height: schemas.positiveInt, width: schemas.positiveInt };

/**
 * `random_crop(height, width)`: `[h, w, c]` -> `[height, width, c]`; while training a random window (one per
 * batch), otherwise the largest centred window of the target's aspect ratio, resized.
 */
export const randomCrop = preprocessing({
  name: "random_crop",
  doc: "Crops a random height x width window while training, and the centre (resized) otherwise.",
  traits: ["augmentation"],
  positional: ["height", "width", "seed"],
  schema: argsSchema({ ...size, seed: schemas.nonNegativeInt, ...dataFormat }, ["height", "width"]),
  factory: "randomCrop",
  outputShape: sizedImage,
});

/** `resizing(height, width)`: `[h, w, c]` -> `[height, width, c]`, always. */
export const resizing = preprocessing({
  name: "resizing",
  doc: "Resizes images to height x width (bilinear or nearest), optionally keeping the aspect ratio.",
  traits: ["keeps-range"],
  positional: [
    "height",
    "width",
    "interpolation",
    "crop_to_aspect_ratio",
    "pad_to_aspect_ratio",
    "fill_mode",
    "fill_value",
    "antialias",
  ],
  schema: argsSchema(
    {
      ...size,
      interpolation,
      crop_to_aspect_ratio: { ...schemas.bool, default: false },
      pad_to_aspect_ratio: { ...schemas.bool, default: false },
      fill_mode: {
        const: "constant",
        default: "constant",
        description: "constant: the only fill Keras's resizing has",
      },
      fill_value: { type: "number", default: 0 },
      antialias: { const: false, description: "false: tfjs 4.22 resizes without antialiasing" },
      ...dataFormat,
    },
    ["height", "width"],
  ),
  factory: "resizing",
  outputShape(inputs, args, ctx) {
    if (args["crop_to_aspect_ratio"] === true && args["pad_to_aspect_ratio"] === true) {
      const detail = "crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be true";
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "pad_to_aspect_ratio" });
    }
    return sizedImage(inputs, args, ctx);
  },
});

/** `center_crop(height, width)`: `[h, w, c]` -> `[height, width, c]`, always. */
export const centerCrop = preprocessing({
  name: "center_crop",
  doc: "Crops the centre height x width window (resizing an image smaller than that).",
  traits: ["keeps-range"],
  positional: ["height", "width"],
  schema: argsSchema({ ...size, ...dataFormat }, ["height", "width"]),
  factory: "centerCrop",
  outputShape: sizedImage,
});
