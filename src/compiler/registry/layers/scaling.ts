/** Layers that scale their input elementwise: prelu (a learned slope below zero) and rescaling (fixed). */
import { argsSchema, fixedSize, sameShape, schemas, shapeAxis, weightObjects } from "./entry-parts.js";
import { defineLayer } from "./types.js";

/**
 * `prelu(alpha_initializer: zeros, shared_axes: [...])`: `x` for `x >= 0`, `alpha * x` below, with one learned
 * `alpha` per value; any shape, unchanged. Params: the input's sizes multiplied, each axis in `shared_axes`
 * (Keras numbering, the batch is axis 0) counting once; every other size must be fixed.
 */
export const prelu = defineLayer<{ shared_axes?: number | number[] }>({
  name: "prelu",
  aliases: ["p_re_lu"],
  doc: "Parametric ReLU: alpha * x for negative x, with alpha learned per value.",
  traits: ["activation", "keeps-mask", "fixes-input-shape"],
  positional: [],
  schema: argsSchema({
    alpha_initializer: { ...schemas.initializer, default: "zeros" },
    ...weightObjects("alpha"),
    shared_axes: {
      description: "an axis or a list of axes",
      oneOf: [schemas.positiveInt, { type: "array", items: schemas.positiveInt, minItems: 1 }],
    },
  }),
  factory: "prelu",
  outputShape([input], args, ctx) {
    const shared = sharedIndices(args.shared_axes);
    for (const axis of shared) if (shapeAxis(ctx, axis + 1, input!.length, "shared_axes") === null) return null;
    for (let i = 0; i < input!.length; i++) {
      if (!shared.includes(i) && fixedSize(ctx, input!, i, `axis ${i + 1} (alpha has one value along it)`) === null) {
        return null;
      }
    }
    return input!;
  },
  params([input], args) {
    const shared = sharedIndices(args.shared_axes);
    const alphas = input!.reduce<number>((n, d, i) => (shared.includes(i) ? n : n * (d as number)), 1);
    return { trainable: alphas, nonTrainable: 0 };
  },
});

/** `shared_axes` as indices into the nnc shape. */
function sharedIndices(axes: number | number[] | undefined): number[] {
  return (axes === undefined ? [] : typeof axes === "number" ? [axes] : axes).map((a) => a - 1);
}

/** `rescaling(scale, offset: 0)`: `x * scale + offset`; any shape, unchanged. No params. */
export const rescaling = defineLayer({
  name: "rescaling",
  doc: "Multiplies by scale and adds offset: rescaling(0.5), or rescaling(-1) to negate.",
  traits: ["rescales"],
  positional: ["scale", "offset"],
  schema: argsSchema({ scale: { type: "number" }, offset: { type: "number", default: 0 } }, ["scale"]),
  factory: "rescaling",
  outputShape: sameShape,
});
