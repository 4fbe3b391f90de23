/**
 * The generator's entries for sequences: embedding, the recurrent layers, and the wrappers that apply a
 * layer over the steps or in both directions.
 */
import {
  bool,
  chance,
  int,
  maybe,
  pick,
  nestedCall,
  nestedOut,
  wrappable,
  specByName,
  type KindSpec,
  type Value,
} from "./kind-spec.js";

function rnn(name: string, factory: string): KindSpec {
  return {
    name,
    positional: ["units"],
    ranks: [2],
    factory,
    draw(g) {
      const args: Record<string, Value> = { units: int(g, 1, 4) };
      maybe(g, 50, args, "return_sequences", () => bool(g));
      maybe(g, 15, args, "return_state", () => bool(g));
      maybe(g, 15, args, "go_backwards", () => bool(g));
      maybe(g, 15, args, "use_bias", () => bool(g));
      maybe(g, 10, args, "activation", () => pick(g, "tanh", "relu", "sigmoid"));
      if (chance(g, 3)) return { args: { ...args, units: 0 }, invalid: true };
      return { args };
    },
    out: (input, args) =>
      args["return_sequences"] === true ? [input[0] ?? null, args["units"] as number] : [args["units"] as number],
  };
}

/** embedding and the recurrent layers. */
export const recurrent: readonly KindSpec[] = [
  {
    name: "embedding",
    positional: ["input_dim", "output_dim"],
    ranks: [1, 2],
    factory: "embedding",
    draw(g) {
      const args: Record<string, Value> = { input_dim: int(g, 2, 20), output_dim: int(g, 1, 6) };
      maybe(g, 15, args, "mask_zero", () => bool(g));
      if (chance(g, 3)) return { args: { ...args, output_dim: 0 }, invalid: true };
      return { args };
    },
    out: (input, args) => [...input, args["output_dim"] as number],
  },
  rnn("simple_rnn", "simpleRNN"),
  rnn("lstm", "lstm"),
  rnn("gru", "gru"),
];

/** bidirectional and time_distributed, each around a nested layer call. */
export const wrappers: readonly KindSpec[] = [
  {
    name: "bidirectional",
    positional: ["layer", "merge_mode"],
    ranks: [2],
    factory: "bidirectional",
    draw(g, input) {
      // Now and then a layer that is not recurrent: Keras's Bidirectional wraps RNNs only.
      const inner = specByName.get(chance(g, 5) ? pick(g, "dense", "conv1d") : pick(g, "simple_rnn", "lstm", "gru"))!;
      const { value, invalid } = nestedCall(g, inner, input);
      const args: Record<string, Value> = { layer: value };
      maybe(g, 50, args, "merge_mode", () => pick(g, "concat", "sum", "mul", "ave"));
      return { args, invalid };
    },
    out(input, args) {
      const o = nestedOut(args["layer"], input);
      const last = o.at(-1) ?? null;
      const concat = args["merge_mode"] === undefined || args["merge_mode"] === "concat";
      return concat ? [...o.slice(0, -1), last === null ? null : 2 * last] : o;
    },
  },
  {
    name: "time_distributed",
    positional: ["layer"],
    ranks: [2, 3, 4],
    factory: "timeDistributed",
    draw(g, input) {
      const rest = input.slice(1);
      const fitting = [...specByName.values()].filter((k) => wrappable(k) && k.ranks.includes(rest.length));
      // Only kinds meant for the rank the wrapped layer sees: tfjs runs some on other ranks without a word
      // (time_distributed(max_pooling1d()) on [5, 4]), which nnc rightly refuses.
      const inner = fitting.length > 0 ? pick(g, ...fitting) : specByName.get("dense")!;
      const { value, invalid } = nestedCall(g, inner, rest);
      return { args: { layer: value }, invalid };
    },
    out: (input, args) => [input[0] ?? null, ...nestedOut(args["layer"], input.slice(1))],
  },
];
