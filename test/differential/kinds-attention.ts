/**
 * The generator's entries for attention and positions: Keras and keras-hub layers tfjs 4.22 lacks, which nnc's
 * runtime implements (src/runtime/layers/). The tfjs side builds them from that runtime's `layers` table, so
 * here the checker's shapes and parameter counts are on trial against the layers nnc actually builds.
 */
import { bool, chance, int, maybe, pick, same, type KindSpec, type Value } from "./kind-spec.js";

const dropout = (g: Parameters<KindSpec["draw"]>[0], args: Record<string, Value>) =>
  maybe(g, 20, args, "dropout", () => pick(g, 0, 0.1));

/** attention, additive_attention and multi_head_attention: `kind(query, value)`. */
export const attentions: readonly KindSpec[] = [
  {
    name: "attention",
    positional: [],
    merge: true,
    runtime: true,
    ranks: [2],
    factory: "attention",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 30, args, "use_scale", () => bool(g));
      maybe(g, 30, args, "score_mode", () => pick(g, "dot", "concat"));
      dropout(g, args);
      return { args };
    },
    out: same,
  },
  {
    name: "additive_attention",
    positional: [],
    merge: true,
    runtime: true,
    ranks: [2],
    factory: "additiveAttention",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 30, args, "use_scale", () => bool(g));
      dropout(g, args);
      return { args };
    },
    out: same,
  },
  {
    name: "multi_head_attention",
    positional: ["num_heads", "key_dim", "value_dim"],
    merge: true,
    runtime: true,
    ranks: [2, 3],
    factory: "multiHeadAttention",
    draw(g) {
      const args: Record<string, Value> = { num_heads: int(g, 1, 3), key_dim: int(g, 1, 4) };
      maybe(g, 20, args, "value_dim", () => int(g, 1, 4));
      maybe(g, 20, args, "use_bias", () => bool(g));
      maybe(g, 15, args, "output_shape", () => int(g, 1, 6));
      dropout(g, args);
      if (chance(g, 3)) return { args: { ...args, num_heads: 0 }, invalid: true };
      return { args };
    },
    out: (query, args) =>
      typeof args["output_shape"] === "number" ? [...query.slice(0, -1), args["output_shape"]] : query,
  },
];

/** position_embedding and sinusoidal_position_encoding, on `[steps, features]`. */
export const positions: readonly KindSpec[] = [
  {
    name: "position_embedding",
    positional: ["sequence_length"],
    runtime: true,
    ranks: [2],
    factory: "positionEmbedding",
    draw(g, input) {
      // Mostly long enough for the input's steps; shorter now and then (Keras refuses: NN3007).
      const steps = input.at(-2) ?? 8;
      return { args: { sequence_length: chance(g, 85) ? Math.max(1, steps) + int(g, 0, 3) : int(g, 1, 4) } };
    },
    out: same,
  },
  {
    name: "sinusoidal_position_encoding",
    positional: ["max_wavelength"],
    runtime: true,
    ranks: [2],
    factory: "sinusoidalPositionEncoding",
    draw(g) {
      const args: Record<string, Value> = {};
      maybe(g, 20, args, "max_wavelength", () => pick(g, 100, 10000));
      return { args };
    },
    out: same,
  },
];

/** token_and_position_embedding, on integer ids `[steps]` (drawn where the generator draws an embedding). */
export const tokenAndPositionEmbedding: KindSpec = {
  name: "token_and_position_embedding",
  positional: ["vocabulary_size", "sequence_length", "embedding_dim"],
  runtime: true,
  ranks: [1],
  factory: "tokenAndPositionEmbedding",
  draw(g, input) {
    const steps = input[0] ?? 8;
    const args: Record<string, Value> = {
      vocabulary_size: int(g, 2, 20),
      sequence_length: chance(g, 85) ? Math.max(1, steps) + int(g, 0, 3) : int(g, 1, 4),
      embedding_dim: int(g, 1, 6),
    };
    maybe(g, 15, args, "mask_zero", () => bool(g));
    return { args };
  },
  out: (input, args) => [...input, args["embedding_dim"] as number],
};
