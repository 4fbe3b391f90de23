/**
 * Pooling (max and average, windowed and global, over steps and images) and the other layers that resize
 * the spatial axes: zero_padding2d, cropping2d, up_sampling2d.
 */
import type { JsonValue, Shape } from "../../ir/index.js";
import { addDims, scaleDim, type Padding } from "../../ir/shapes.js";
import {
  argsSchema,
  channelsLastConfig,
  dataFormat,
  expectSpatial,
  schemas,
  slideWindow,
  tuple,
} from "./entry-parts.js";
import { defineLayer, type Args, type LayerKind } from "./types.js";

type Mode = "max" | "average";
type Rank = 1 | 2;

interface PoolArgs extends Args {
  pool_size: number | number[];
  padding: Padding;
}

/** Keras's `strides: None`: the windows do not overlap. */
const stridesOf = (args: PoolArgs) => (args["strides"] ?? args.pool_size) as number | number[];

const spatialName = ["", "steps", "images"];

/**
 * `max_pooling2d(pool_size)` and friends: `[height, width, channels]` -> `[new_height, new_width, channels]`
 * (`[steps, channels]` -> `[new_steps, channels]` in 1D). `strides` defaults to `pool_size`. No params.
 */
function pooling(mode: Mode, rank: Rank): LayerKind {
  const short = mode === "max" ? "max" : "avg";
  return defineLayer<PoolArgs>({
    name: `${mode}_pooling${rank}d`,
    aliases: [`${short}pool${rank}d`],
    doc: `${mode === "max" ? "Max" : "Average"} pooling over ${spatialName[rank]}: the ${mode} of each window.`,
    traits: [],
    positional: ["pool_size", "strides", "padding"],
    schema: argsSchema({
      pool_size: { ...schemas.intOrTuple(rank), default: 2 },
      strides: schemas.intOrTuple(rank),
      padding: { ...schemas.padding, default: "valid" },
      ...dataFormat,
    }),
    factory: `${mode}Pooling${rank}d`,
    config: (args) => ({ ...channelsLastConfig(args), strides: stridesOf(args) }),
    outputShape([input], args, ctx) {
      if (!expectSpatial(ctx, input!, rank, false)) return null;
      const size = tuple(args.pool_size, rank);
      const window = { size, strides: tuple(stridesOf(args), rank), padding: args.padding };
      const space = slideWindow(ctx, input!.slice(0, -1), window, "pool_size");
      return space && [...space, input!.at(-1)!];
    },
  });
}

/** `global_average_pooling2d()` and friends: `[height, width, channels]` (or `[steps, channels]`) -> `[channels]`. */
function globalPooling(mode: Mode, rank: Rank): LayerKind {
  return defineLayer({
    name: `global_${mode}_pooling${rank}d`,
    doc: `The ${mode} over every position (${rank === 1 ? "all steps" : "the whole image"}), one value per channel.`,
    traits: [],
    positional: [],
    schema: argsSchema(dataFormat),
    factory: `global${mode === "max" ? "Max" : "Average"}Pooling${rank}d`,
    config: channelsLastConfig,
    outputShape([input], _args, ctx) {
      return expectSpatial(ctx, input!, rank, false) ? [input!.at(-1)!] : null;
    },
  });
}

export const maxPooling1d = pooling("max", 1);
export const maxPooling2d = pooling("max", 2);
export const averagePooling1d = pooling("average", 1);
export const averagePooling2d = pooling("average", 2);
export const globalMaxPooling1d = globalPooling("max", 1);
export const globalMaxPooling2d = globalPooling("max", 2);
export const globalAveragePooling1d = globalPooling("average", 1);
export const globalAveragePooling2d = globalPooling("average", 2);

type Pairs = [[number, number], [number, number]];

/** `1`, `[1, 2]` or `[[1, 1], [2, 2]]`: the same for every side, per axis, or per side. */
const sidesSchema = {
  description: "an integer >= 0, a list [rows, cols], or a list [[top, bottom], [left, right]]",
  oneOf: [
    schemas.nonNegativeInt,
    { type: "array", items: schemas.nonNegativeInt, minItems: 2, maxItems: 2 },
    {
      type: "array",
      items: { type: "array", items: schemas.nonNegativeInt, minItems: 2, maxItems: 2 },
      minItems: 2,
      maxItems: 2,
    },
  ],
};

function sides(value: JsonValue): Pairs {
  if (typeof value === "number")
    return [
      [value, value],
      [value, value],
    ];
  const [rows, cols] = value as (number | [number, number])[];
  return typeof rows === "number"
    ? [
        [rows, rows],
        [cols as number, cols as number],
      ]
    : [rows!, cols as [number, number]];
}

/** Adds `delta` to a size; a symbolic size stays symbolic (`seq + 2`), an unknown one unknown. */
function resize(d: Shape[number], delta: number): Shape[number] {
  return addDims(d, delta);
}

/**
 * `zero_padding2d(padding)`: `[height, width, channels]` -> `[height + top + bottom, width + left + right,
 * channels]`. No params.
 */
export const zeroPadding2d = defineLayer<{ padding: JsonValue }>({
  name: "zero_padding2d",
  doc: "Pads an image with rows and columns of zeros.",
  traits: [],
  positional: ["padding"],
  schema: argsSchema({ padding: { ...sidesSchema, default: 1 }, ...dataFormat }),
  factory: "zeroPadding2d",
  config: channelsLastConfig,
  outputShape([input], args, ctx) {
    if (!expectSpatial(ctx, input!, 2, false)) return null;
    const [[top, bottom], [left, right]] = sides(args.padding);
    return [resize(input![0]!, top + bottom), resize(input![1]!, left + right), input![2]!];
  },
});

/**
 * `cropping2d(cropping)`: `[height, width, channels]` -> `[height - top - bottom, width - left - right,
 * channels]`. No params.
 */
export const cropping2d = defineLayer<{ cropping: JsonValue }>({
  name: "cropping2d",
  doc: "Crops rows and columns off the edges of an image.",
  traits: [],
  positional: ["cropping"],
  schema: argsSchema({ cropping: { ...sidesSchema, default: 0 }, ...dataFormat }),
  factory: "cropping2D",
  config: channelsLastConfig,
  outputShape([input], args, ctx) {
    if (!expectSpatial(ctx, input!, 2, false)) return null;
    const pairs = sides(args.cropping);
    const space = input!.slice(0, 2).map((d, i) => resize(d, -pairs[i]![0] - pairs[i]![1]));
    const axis = space.findIndex((d) => typeof d === "number" && d <= 0);
    if (axis >= 0) {
      const detail = `cropping ${pairs[axis]!.join(" + ")} leaves nothing of the input's size ${input![axis]} along axis ${axis + 1}`;
      return ctx.error("NN3003", { callee: ctx.callee, detail }, { property: "cropping" });
    }
    return [...space, input![2]!];
  },
});

/**
 * `up_sampling2d(size)`: `[height, width, channels]` -> `[height * size_h, width * size_w, channels]`, each
 * pixel repeated (or interpolated with `interpolation: bilinear`). No params.
 */
export const upSampling2d = defineLayer<{ size: number | number[]; interpolation: string }>({
  name: "up_sampling2d",
  aliases: ["upsample2d"],
  doc: "Repeats the rows and columns of an image: nearest-neighbour or bilinear upsampling.",
  traits: [],
  positional: ["size"],
  schema: argsSchema({
    size: { ...schemas.intOrTuple(2), default: 2 },
    ...dataFormat,
    interpolation: { enum: ["nearest", "bilinear"], default: "nearest" },
  }),
  factory: "upSampling2d",
  // tfjs reads `size[0]` and `size[1]` without expanding a single number.
  config: (args) => ({ ...channelsLastConfig(args), size: tuple(args.size, 2) }),
  outputShape([input], args, ctx) {
    if (!expectSpatial(ctx, input!, 2, false)) return null;
    const size = tuple(args.size, 2);
    return [...input!.slice(0, 2).map((d, i) => scaleDim(d, size[i]!)), input![2]!];
  },
});
