/**
 * The generator's entries for Keras's image preprocessing layers (random_flip ... center_crop), written from
 * Keras 3's documentation. tfjs 4.22 has none of the random ones (and its resizing and centerCrop are not
 * Keras's), so the tfjs side builds them from nnc's runtime table, as a person using `nnc/runtime` would.
 */
import {
  bool,
  chance,
  channelsLast,
  int,
  maybe,
  pick,
  type Args,
  type Drawn,
  type Gen,
  type KindSpec,
  type Value,
} from "./kind-spec.js";

const same = (input: readonly (number | null)[]) => input;
const sized = (input: readonly (number | null)[], args: Args) => [
  args["height"] as number,
  args["width"] as number,
  input[2] ?? null,
];

/** A factor: a number or `[lower, upper]` within `[min, max]`; now and then one outside it (NN2005). */
function factor(g: Gen, min: number, max: number): { value: Value; invalid: boolean } {
  if (chance(g, 4)) return { value: max + pick(g, 0.5, 2), invalid: true };
  const number = () => pick(g, min, max, (min + max) / 2, max / 4);
  return { value: chance(g, 60) ? number() : [number(), number()], invalid: false };
}

/** Draws `names` as factors, and the seed and fill arguments of the geometric layers when `geometric`. */
function drawFactors(g: Gen, names: readonly string[], range: [number, number], geometric: boolean): Drawn {
  const args: Record<string, Value> = {};
  let invalid = false;
  for (const name of names) {
    const drawn = factor(g, ...range);
    args[name] = drawn.value;
    invalid ||= drawn.invalid;
  }
  if (geometric) {
    maybe(g, 30, args, "fill_mode", () => pick(g, "reflect", "wrap", "constant", "nearest"));
    maybe(g, 30, args, "interpolation", () => pick(g, "bilinear", "nearest"));
    maybe(g, 20, args, "fill_value", () => pick(g, 0, 1));
    channelsLast(g, args);
  } else maybe(g, 30, args, "value_range", () => pick(g, [0, 1], [0, 255]));
  maybe(g, 30, args, "seed", () => int(g, 0, 9));
  return { args, invalid };
}

const image = { ranks: [3], runtime: true } as const;

export const imagePreprocessing: readonly KindSpec[] = [
  {
    ...image,
    name: "random_flip",
    positional: ["mode", "seed"],
    factory: "randomFlip",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 50, args, "mode", () => pick(g, "horizontal", "vertical", "horizontal_and_vertical"));
      maybe(g, 30, args, "seed", () => int(g, 0, 9));
      return { args };
    },
    out: same,
  },
  {
    ...image,
    name: "random_rotation",
    positional: ["factor", "fill_mode", "interpolation", "seed", "fill_value"],
    factory: "randomRotation",
    draw: (g) => drawFactors(g, ["factor"], [-1, 1], true),
    out: same,
  },
  {
    ...image,
    name: "random_zoom",
    positional: ["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value"],
    factory: "randomZoom",
    draw: (g) => drawFactors(g, bool(g) ? ["height_factor"] : ["height_factor", "width_factor"], [-1, 1], true),
    out: same,
  },
  {
    ...image,
    name: "random_translation",
    positional: ["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value"],
    factory: "randomTranslation",
    draw: (g) => drawFactors(g, ["height_factor", "width_factor"], [-1, 1], true),
    out: same,
  },
  {
    ...image,
    name: "random_contrast",
    positional: ["factor", "value_range", "seed"],
    factory: "randomContrast",
    draw: (g) => drawFactors(g, ["factor"], [0, 1], false),
    out: same,
  },
  {
    ...image,
    name: "random_brightness",
    positional: ["factor", "value_range", "seed"],
    factory: "randomBrightness",
    draw: (g) => drawFactors(g, ["factor"], [-1, 1], false),
    out: same,
  },
  {
    ...image,
    name: "random_crop",
    positional: ["height", "width", "seed"],
    factory: "randomCrop",
    draw(g, input) {
      const [h, w] = [input[0] ?? 4, input[1] ?? 4].map((d) => Math.max(d, 1));
      const args: Record<string, Value> = { height: int(g, 1, h!), width: int(g, 1, w!) };
      maybe(g, 30, args, "seed", () => int(g, 0, 9));
      return { args };
    },
    out: sized,
  },
  {
    ...image,
    name: "resizing",
    positional: ["height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio"],
    factory: "resizing",
    draw(g) {
      const args: Record<string, Value> = { height: int(g, 1, 6), width: int(g, 1, 6) };
      maybe(g, 30, args, "interpolation", () => pick(g, "bilinear", "nearest"));
      const aspect = pick(g, "none", "none", "crop_to_aspect_ratio", "pad_to_aspect_ratio");
      if (aspect !== "none") args[aspect] = true;
      return { args };
    },
    out: sized,
  },
  {
    ...image,
    name: "center_crop",
    positional: ["height", "width"],
    factory: "centerCrop",
    draw: (g) => ({ args: { height: int(g, 1, 6), width: int(g, 1, 6) } }),
    out: sized,
  },
];
