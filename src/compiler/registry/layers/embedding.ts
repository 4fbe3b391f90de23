/** Embedding: integer ids to dense vectors. */
import { argsSchema, expectRank, schemas, weightObjects } from "./entry-parts.js";
import { defineLayer } from "./types.js";

/**
 * `embedding(input_dim, output_dim)`: ids `[...]` (any shape, values in `0..input_dim - 1`) ->
 * `[..., output_dim]`. Params: `input_dim * output_dim`.
 */
export const embedding = defineLayer<{ input_dim: number; output_dim: number }>({
  name: "embedding",
  doc: "Looks up a learned vector for each integer id.",
  traits: ["makes-mask"],
  positional: ["input_dim", "output_dim"],
  schema: argsSchema(
    {
      input_dim: schemas.positiveInt,
      output_dim: schemas.positiveInt,
      embeddings_initializer: { ...schemas.initializer, default: "random_uniform" },
      mask_zero: { ...schemas.bool, default: false },
      ...weightObjects("embeddings"),
      activity_regularizer: schemas.regularizer,
    },
    ["input_dim", "output_dim"],
  ),
  factory: "embedding",
  outputShape([input], args, ctx) {
    if (!expectRank(ctx, input!, { min: 1 }, "an input of ids with at least one axis")) return null;
    return [...input!, args.output_dim];
  },
  params(_inputs, args) {
    return { trainable: args.input_dim * args.output_dim, nonTrainable: 0 };
  },
});
