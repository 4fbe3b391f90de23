/**
 * The generator's entries for layers over a grid of 1 or 2 spatial axes: convolutions, pooling, padding,
 * cropping and resizing.
 */
import {
  bool,
  chance,
  channelsLast,
  int,
  maybe,
  pick,
  sizeOr,
  tupleOf,
  slide,
  activationNames,
  tfjsConfig,
  type Args,
  type Drawn,
  type Gen,
  type KindSpec,
  type Sketch,
  type Value,
} from "./kind-spec.js";

/** Draws common convolution arguments; `invalid` now and then. */
function convArgs(g: Gen, rank: 1 | 2, own: { filters: boolean; dilation: boolean }): Drawn {
  const args: Record<string, Value> = {};
  let invalid = false;
  if (own.filters) args["filters"] = int(g, 1, 4);
  args["kernel_size"] = sizeOr(g, rank, 1, 4);
  maybe(g, 35, args, "strides", () => sizeOr(g, rank, 1, 3));
  // Keras's causal padding is conv1d's only (nnc's runtime builds it: tfjs 4.22 gets its values wrong).
  maybe(g, 40, args, "padding", () => (rank === 1 && chance(g, 25) ? "causal" : pick(g, "valid", "same")));
  channelsLast(g, args);
  if (own.dilation) maybe(g, 20, args, "dilation_rate", () => sizeOr(g, rank, 1, 2));
  maybe(g, 20, args, "activation", () => pick(g, ...activationNames));
  maybe(g, 15, args, "use_bias", () => bool(g));
  if (chance(g, 4)) {
    invalid = true;
    const bad = pick(g, "strides0", "kernel3", "padding");
    if (bad === "strides0") args["strides"] = 0;
    else if (bad === "kernel3") args["kernel_size"] = Array(rank + 1).fill(2);
    else args["padding"] = "full";
  }
  return { args, invalid };
}

function convOut(rank: 1 | 2, channels: (input: Sketch, args: Args) => number | null) {
  return (input: Sketch, args: Args): Sketch => {
    const k = tupleOf(args["kernel_size"], rank, 1);
    const s = tupleOf(args["strides"], rank, 1);
    const d = tupleOf(args["dilation_rate"], rank, 1);
    const space = input.slice(0, rank).map((x, i) => slide(x, k[i]!, s[i]!, d[i]!, args["padding"]));
    return [...space, channels(input, args)];
  };
}

const filtersOut = (_: Sketch, args: Args) => (typeof args["filters"] === "number" ? args["filters"] : null);

function pooling(mode: "max" | "average", rank: 1 | 2): KindSpec {
  const factory = `${mode}Pooling${rank}d`;
  return {
    name: `${mode}_pooling${rank}d`,
    aliases: [`${mode === "max" ? "max" : "avg"}pool${rank}d`],
    positional: ["pool_size", "strides", "padding"],
    ranks: [rank + 1],
    factory,
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 70, args, "pool_size", () => sizeOr(g, rank, 1, 3));
      maybe(g, 30, args, "strides", () => sizeOr(g, rank, 1, 3));
      maybe(g, 40, args, "padding", () => pick(g, "valid", "same"));
      channelsLast(g, args);
      return { args };
    },
    out(input, args) {
      const k = tupleOf(args["pool_size"], rank, 2);
      const s = args["strides"] === undefined ? k : tupleOf(args["strides"], rank, 1);
      return [...input.slice(0, rank).map((x, i) => slide(x, k[i]!, s[i]!, 1, args["padding"])), input.at(-1) ?? null];
    },
    // tfjs types these as number | number[]; a pair for 2D is what its docs show.
    config: (args) => {
      const c = tfjsConfig(args);
      for (const key of ["poolSize", "strides"])
        if (rank === 2 && typeof c[key] === "number") c[key] = [c[key], c[key]];
      return c;
    },
  };
}

function globalPooling(mode: "max" | "average", rank: 1 | 2): KindSpec {
  return {
    name: `global_${mode}_pooling${rank}d`,
    positional: [],
    ranks: [rank + 1],
    factory: `global${mode === "max" ? "Max" : "Average"}Pooling${rank}d`,
    draw(g) {
      const args: Record<string, Value> = {};
      channelsLast(g, args);
      return { args };
    },
    out: (input) => [input.at(-1) ?? null],
  };
}

/** Two sides per axis, in one of the three spellings. */
function sides(g: Gen, max: number): Value {
  const form = pick(g, "one", "axis", "side");
  if (form === "one") return int(g, 0, max);
  if (form === "axis") return [int(g, 0, max), int(g, 0, max)];
  return [
    [int(g, 0, max), int(g, 0, max)],
    [int(g, 0, max), int(g, 0, max)],
  ];
}
function sidePairs(v: Value | undefined, dflt: number): number[][] {
  if (v === undefined)
    return [
      [dflt, dflt],
      [dflt, dflt],
    ];
  if (typeof v === "number")
    return [
      [v, v],
      [v, v],
    ];
  const [a, b] = v as Value[];
  return typeof a === "number"
    ? [
        [a, a],
        [b as number, b as number],
      ]
    : [a as number[], b as number[]];
}

/** Convolutions and pooling. */
export const convolutions: readonly KindSpec[] = [
  {
    name: "conv1d",
    positional: ["filters", "kernel_size"],
    ranks: [2],
    factory: "conv1d",
    // tfjs 4.22's causal conv1d has the length of a valid one (Keras's is the input's, padded on the left):
    // nnc builds its own layer there, and so does the tfjs side.
    runtime: (args) => args["padding"] === "causal",
    draw: (g) => convArgs(g, 1, { filters: true, dilation: true }),
    out: convOut(1, filtersOut),
  },
  {
    name: "conv2d",
    aliases: ["conv"],
    positional: ["filters", "kernel_size"],
    ranks: [3],
    factory: "conv2d",
    draw: (g) => convArgs(g, 2, { filters: true, dilation: true }),
    out: convOut(2, filtersOut),
  },
  {
    name: "depthwise_conv2d",
    positional: ["kernel_size"],
    ranks: [3],
    factory: "depthwiseConv2d",
    draw(g) {
      const drawn = convArgs(g, 2, { filters: false, dilation: false });
      const args: Record<string, Value> = { ...drawn.args };
      maybe(g, 30, args, "depth_multiplier", () => int(g, 1, 3));
      return { args, invalid: drawn.invalid };
    },
    out: convOut(2, (input, args) => {
      const c = input.at(-1) ?? null;
      return c === null ? null : c * ((args["depth_multiplier"] as number | undefined) ?? 1);
    }),
  },
  {
    name: "separable_conv2d",
    positional: ["filters", "kernel_size"],
    ranks: [3],
    factory: "separableConv2d",
    draw(g) {
      const drawn = convArgs(g, 2, { filters: true, dilation: true });
      const args: Record<string, Value> = { ...drawn.args };
      maybe(g, 30, args, "depth_multiplier", () => int(g, 1, 3));
      return { args, invalid: drawn.invalid };
    },
    out: convOut(2, filtersOut),
  },
  {
    name: "conv2d_transpose",
    aliases: ["deconv2d"],
    positional: ["filters", "kernel_size"],
    ranks: [3],
    factory: "conv2dTranspose",
    draw: (g) => convArgs(g, 2, { filters: true, dilation: false }),
    out(input, args) {
      const k = tupleOf(args["kernel_size"], 2, 1);
      const s = tupleOf(args["strides"], 2, 1);
      const space = input
        .slice(0, 2)
        .map((d, i) =>
          d === null ? null : args["padding"] === "same" ? d * s[i]! : d * s[i]! + Math.max(k[i]! - s[i]!, 0),
        );
      return [...space, filtersOut(input, args)];
    },
  },
  pooling("max", 1),
  pooling("max", 2),
  pooling("average", 1),
  pooling("average", 2),
  globalPooling("max", 1),
  globalPooling("max", 2),
  globalPooling("average", 1),
  globalPooling("average", 2),
];

/** zero_padding2d, cropping2d and up_sampling2d. */
export const paddingAndResizing: readonly KindSpec[] = [
  {
    name: "zero_padding2d",
    positional: ["padding"],
    ranks: [3],
    factory: "zeroPadding2d",
    draw(g): Drawn {
      if (chance(g, 4)) return { args: { padding: -1 }, invalid: true };
      const args: Record<string, Value> = chance(g, 80) ? { padding: sides(g, 2) } : {};
      channelsLast(g, args);
      return { args };
    },
    out(input, args) {
      const p = sidePairs(args["padding"], 1);
      return [...input.slice(0, 2).map((d, i) => (d === null ? null : d + p[i]![0]! + p[i]![1]!)), input[2] ?? null];
    },
  },
  {
    name: "cropping2d",
    positional: ["cropping"],
    ranks: [3],
    factory: "cropping2D",
    draw(g) {
      const args: Record<string, Value> = { cropping: sides(g, 2) };
      channelsLast(g, args);
      return { args };
    },
    out(input, args) {
      const p = sidePairs(args["cropping"], 0);
      return [...input.slice(0, 2).map((d, i) => (d === null ? null : d - p[i]![0]! - p[i]![1]!)), input[2] ?? null];
    },
  },
  {
    name: "up_sampling2d",
    aliases: ["upsample2d"],
    positional: ["size"],
    ranks: [3],
    factory: "upSampling2d",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 70, args, "size", () => sizeOr(g, 2, 1, 3));
      maybe(g, 20, args, "interpolation", () => pick(g, "nearest", "bilinear"));
      channelsLast(g, args);
      return { args };
    },
    out(input, args) {
      const s = tupleOf(args["size"], 2, 2);
      return [...input.slice(0, 2).map((d, i) => (d === null ? null : d * s[i]!)), input[2] ?? null];
    },
    // tfjs's UpSampling2D takes `size` as a pair.
    config: (args) => {
      const c = tfjsConfig(args);
      if (typeof c["size"] === "number") c["size"] = [c["size"], c["size"]];
      return c;
    },
  },
];
