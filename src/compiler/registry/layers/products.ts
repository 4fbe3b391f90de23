/**
 * Layers that multiply tensors with each other (`dot`), and the Keras layers of this kind that tfjs 4.22 does
 * not have (`subtract`): those are registered so that writing them gives NN3010 with the way to build the same
 * thing from what tfjs has, not an "unknown layer". Attention is nnc's own (attention.ts).
 */
import type { SchemaObject } from "ajv";
import { formatNnShape } from "../../ir/index.js";
import { compareDims } from "../../ir/shapes.js";
import { argsSchema, product, schemas, shapeAxis, toTfjsConfig } from "./entry-parts.js";
import { defineLayer, type LayerKind } from "./types.js";

/**
 * `dot(axes, normalize: false)`: the dot product of two inputs along one axis of each (Keras numbering, the
 * batch is axis 0; one number for both or `[a, b]`): `[n, d]` and `[m, d]` with `axes: 2` -> `[n, m]`; `[d]` and
 * `[d]` -> `[1]`. The two axes must have the same size. tfjs computes it only for inputs with at most two axes
 * besides the batch. With `normalize`, the inputs are L2-normalized first (cosine similarity). No params.
 * MACs: the output's size times the length of the product.
 */
export const dot = defineLayer<{ axes: number | number[]; normalize: boolean }>({
  name: "dot",
  doc: "Dot product of two inputs along an axis of each (cosine similarity with normalize: true).",
  // Not keeps-mask: tfjs's Dot takes masks but its computeMask returns null, so none passes on.
  traits: [],
  positional: ["axes"],
  schema: argsSchema(
    {
      axes: {
        description: "an axis or a list of two axes",
        oneOf: [schemas.axis, { type: "array", items: schemas.axis, minItems: 2, maxItems: 2 }],
      },
      normalize: { ...schemas.bool, default: false },
    },
    ["axes"],
  ),
  inputs: { min: 2, max: 2 },
  factory: "dot",
  // tfjs 4.22 does not resolve a negative axis when it builds the layer: it gets the Keras axis counted from
  // the front (the batch is 0).
  config: (args, [a, b]) => {
    const [axisA, axisB] = typeof args.axes === "number" ? [args.axes, args.axes] : args.axes;
    const resolve = (axis: number, rank: number | undefined) =>
      axis < 0 && rank !== undefined ? rank + 1 + axis : axis;
    return toTfjsConfig({ ...args, axes: [resolve(axisA!, a?.length), resolve(axisB!, b?.length)] });
  },
  outputShape([a, b], args, ctx) {
    const shapes = `${formatNnShape(a!)} and ${formatNnShape(b!)}`;
    if (a!.length > 2 || b!.length > 2) {
      const detail = `tfjs computes dot only for inputs with at most two axes besides the batch, got ${shapes}`;
      return ctx.error("NN3007", { callee: ctx.callee, detail });
    }
    const [axisA, axisB] = typeof args.axes === "number" ? [args.axes, args.axes] : args.axes;
    const i = shapeAxis(ctx, axisA!, a!.length, "axes");
    const j = i === null ? null : shapeAxis(ctx, axisB!, b!.length, "axes");
    if (i === null || j === null) return null;
    // tfjs compares the two sizes exactly when it builds the layer: a number never matches an unknown size.
    const [x, y] = [a![i]!, b![j]!];
    const same = typeof x === "number" || typeof y === "number" ? x === y : x === null || y === null || x === y;
    if (!same) {
      const why = compareDims(x, y) === "unproven" ? "have sizes that cannot be proven equal" : "differ";
      const detail = `${shapes} ${why} along the product's axes (${i + 1} and ${j + 1})`;
      return ctx.error("NN3002", { callee: ctx.callee, detail });
    }
    const output = [...a!.filter((_, k) => k !== i), ...b!.filter((_, k) => k !== j)];
    return output.length === 0 ? [1] : output;
  },
  macs([a], args, [output]) {
    const axis = typeof args.axes === "number" ? args.axes : args.axes[0]!;
    return product(...(output as number[])) * (a!.at(axis < 0 ? axis : axis - 1) as number);
  },
});

/**
 * A Keras layer tfjs 4.22 lacks: any arguments are accepted (they are not the problem), and the shape rule
 * reports NN3010 with `alternative`, how to get the same result.
 */
function unavailable(
  name: string,
  positional: readonly string[],
  inputs: { min: number; max: number },
  alternative: string,
): LayerKind {
  const properties: Record<string, SchemaObject> = Object.fromEntries(positional.map((p) => [p, {}]));
  return defineLayer({
    name,
    doc: `Not available in TensorFlow.js 4.22: ${alternative}.`,
    traits: [],
    positional,
    // Every Keras layer takes `name` and `trainable`; the layer's own arguments are accepted as they are.
    schema: { type: "object", properties: { name: schemas.name, trainable: schemas.bool, ...properties } },
    inputs,
    factory: "",
    outputShape(_inputs, _args, ctx) {
      return ctx.error("NN3010", { callee: ctx.callee, alternative });
    },
  });
}

export const subtract = unavailable(
  "subtract",
  [],
  { min: 2, max: 2 },
  "negate the second input and add: nb = b -> rescaling(-1), then add(a, nb)",
);
