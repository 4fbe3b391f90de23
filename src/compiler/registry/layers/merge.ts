/** Layers that merge several tensors: add, multiply, average, maximum, minimum (elementwise), concatenate. */
import { formatNnShape, type Dim, type Shape } from "../../ir/index.js";
import { broadcastDim, compareDims, sameDim, sumDims } from "../../ir/shapes.js";
import { argsSchema, schemas, shapeAxis } from "./entry-parts.js";
import { defineLayer, type LayerKind, type ShapeContext } from "./types.js";

const several = { min: 2 } as const;

/** Why two inputs cannot merge, for NN3002. */
function mismatch(ctx: ShapeContext, a: Shape, b: Shape, why: string): null {
  return ctx.error("NN3002", { callee: ctx.callee, detail: `${formatNnShape(a)} and ${formatNnShape(b)} ${why}` });
}

/**
 * The shape of an elementwise merge, as tfjs computes it: shapes are aligned at their last axis, a size of
 * 1 broadcasts, and other sizes must agree.
 */
function broadcastShapes(inputs: readonly Shape[], _args: unknown, ctx: ShapeContext): Shape | null {
  let result = inputs[0]!;
  for (const shape of inputs.slice(1)) {
    const [long, short] = result.length >= shape.length ? [result, shape] : [shape, result];
    const offset = long.length - short.length;
    const merged: Dim[] = [...long.slice(0, offset)];
    for (let i = 0; i < short.length; i++) {
      const dim = broadcastDim(long[offset + i]!, short[i]!);
      if (dim === "mismatch") return mismatch(ctx, result, shape, `differ at axis ${offset + i + 1}`);
      if (dim === "unproven") return mismatch(ctx, result, shape, unproven(offset + i + 1));
      merged.push(dim);
    }
    result = merged;
  }
  return result;
}

/** `add()` and friends: inputs of one shape (or broadcastable) -> that shape. No params. */
function elementwise(name: string, factory: string, doc: string): LayerKind {
  return defineLayer({
    name,
    doc,
    traits: ["keeps-mask"],
    positional: [],
    schema: argsSchema({}),
    inputs: several,
    factory,
    outputShape: broadcastShapes,
  });
}

export const add = elementwise("add", "add", "Adds its inputs elementwise.");
export const multiply = elementwise("multiply", "multiply", "Multiplies its inputs elementwise.");
export const average = elementwise("average", "average", "The elementwise mean of its inputs.");
export const maximum = elementwise("maximum", "maximum", "The elementwise maximum of its inputs.");
export const minimum = elementwise("minimum", "minimum", "The elementwise minimum of its inputs.");

/** Why two sizes at one axis cannot merge when their forms differ and one is symbolic. */
function unproven(axis: number): string {
  return `have sizes at axis ${axis} that cannot be proven equal`;
}

/**
 * Sizes off the concatenation axis must agree. tfjs compares them exactly, with symbols as unknown: numbers
 * must be equal, an unknown size matches only a non-number; nnc also refuses symbolic sizes it cannot prove
 * equal.
 */
function joinable(a: Dim, b: Dim): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return compareDims(a, b) !== "unproven";
}

/**
 * `concatenate(a, b, axis: -1)`: inputs that agree on every axis but `axis` -> their sizes along `axis`
 * summed. No params.
 */
export const concatenate = defineLayer<{ axis: number }>({
  name: "concatenate",
  aliases: ["concat"],
  doc: "Joins its inputs along one axis (the last by default).",
  traits: ["keeps-mask"],
  positional: [],
  schema: argsSchema({ axis: { ...schemas.axis, default: -1 } }),
  inputs: several,
  factory: "concatenate",
  outputShape(inputs, args, ctx) {
    const first = inputs[0]!;
    const index = shapeAxis(ctx, args.axis, first.length);
    if (index === null) return null;
    // tfjs builds the layer with the axis asked for but concatenates along the last one for any negative axis.
    if (args.axis < -1) {
      const detail = `tfjs concatenates along the last axis for any negative axis, not along axis ${args.axis}`;
      return ctx.error(
        "NN3007",
        { callee: ctx.callee, detail },
        { property: "axis", hint: `write axis: ${index + 1}` },
      );
    }
    for (const shape of inputs.slice(1)) {
      if (shape.length !== first.length) return mismatch(ctx, first, shape, "have different ranks");
      const axis = shape.findIndex((d, i) => i !== index && !joinable(first[i]!, d));
      if (axis >= 0 && compareDims(first[axis]!, shape[axis]!) === "unproven")
        return mismatch(ctx, first, shape, `${unproven(axis + 1)}, which is not the concatenation axis`);
      if (axis >= 0)
        return mismatch(ctx, first, shape, `differ at axis ${axis + 1}, which is not the concatenation axis`);
    }
    return first.map((d, i) =>
      i === index ? sumDims(inputs.map((s) => s[i]!)) : inputs.every((s) => sameDim(s[i]!, d)) ? d : null,
    );
  },
});
