/**
 * The generator's entries for layers with several inputs, and the Keras kinds tfjs 4.22 lacks.
 */
import { bool, chance, int, maybe, pick, same, tfjsConfig, type KindSpec, type Value } from "./kind-spec.js";

function merge(name: string, factory: string): KindSpec {
  return { name, positional: [], merge: true, ranks: [1, 2, 3, 4], factory, draw: () => ({ args: {} }), out: same };
}

/** Element-wise merges and concatenate. */
export const merges: readonly KindSpec[] = [
  merge("add", "add"),
  merge("multiply", "multiply"),
  merge("average", "average"),
  merge("maximum", "maximum"),
  merge("minimum", "minimum"),
  {
    name: "concatenate",
    aliases: ["concat"],
    positional: [],
    merge: true,
    ranks: [1, 2, 3, 4],
    factory: "concatenate",
    draw(g, input) {
      const args: Record<string, Value> = {};
      maybe(g, 30, args, "axis", () => pick(g, -1, 1, input.length, -2));
      return { args };
    },
    out: same,
  },
];

export const dot: KindSpec = {
  name: "dot",
  positional: ["axes"],
  merge: true,
  ranks: [1, 2],
  factory: "dot",
  // tfjs 4.22's Dot does not resolve a negative axis when it builds ("undefined !== 7"): a person writing
  // tfjs counts from the front.
  config(args, [a, b]) {
    const axes = args["axes"];
    const [i, j] = typeof axes === "number" ? [axes, axes] : (axes as number[]);
    const resolve = (axis: number, rank: number | undefined) =>
      axis < 0 && rank !== undefined ? rank + 1 + axis : axis;
    return tfjsConfig({ ...args, axes: [resolve(i!, a?.length), resolve(j!, b?.length)] });
  },
  draw(g, input) {
    const n = Math.max(input.length, 1);
    // Keras numbering: 1 is the first axis after the batch, -1 the last.
    const axis = () =>
      pick(g, ...Array.from({ length: n }, (_, i) => i + 1), ...Array.from({ length: n }, (_, i) => -i - 1));
    const args: Record<string, Value> = { axes: chance(g, 70) ? axis() : [axis(), axis()] };
    maybe(g, 25, args, "normalize", () => bool(g));
    return { args };
  },
  out(input, args) {
    const axes = args["axes"];
    const [i, j] = (typeof axes === "number" ? [axes, axes] : (axes as number[])).map((a) =>
      a < 0 ? input.length + a : a - 1,
    );
    const out = [...input.filter((_, k) => k !== i), ...input.filter((_, k) => k !== j)];
    return out.length === 0 ? [1] : out;
  },
};

/** Keras layers tfjs 4.22 does not have: nnc refuses them with NN3010. */
export const unavailable: readonly KindSpec[] = [
  {
    name: "subtract",
    positional: [],
    merge: true,
    unavailable: true,
    ranks: [1, 2, 3],
    factory: "subtract",
    draw: () => ({ args: {} }),
    out: same,
  },
];
