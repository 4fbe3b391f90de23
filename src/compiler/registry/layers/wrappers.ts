/**
 * Layers that wrap another layer, given as a nested call: `bidirectional(lstm(64, return_sequences: true))`,
 * `time_distributed(dense(8))`. The nested call's arguments are checked against its own entry (errors point
 * into it); its shape, parameter and MAC rules run on the input the wrapped layer sees.
 */
import type { Shape } from "../../ir/index.js";
import { familySchema, argsSchema, expectRank, initialStatesFit, toTfjsConfig } from "./entry-parts.js";
import { lookupLayer, tfjsLayerOf } from "./index.js";
import type { NestedCall } from "./objects.js";
import { defineLayer, type Args, type LayerKind, type ShapeContext } from "./types.js";

interface Wrapped {
  readonly kind: LayerKind;
  readonly args: Args;
}

function wrapped(layer: NestedCall): Wrapped {
  return { kind: lookupLayer(layer.call)!, args: layer.args };
}

/** Problems of the wrapped layer are reported at the nested call, in its own name. */
function innerContext(ctx: ShapeContext, inner: Wrapped): ShapeContext {
  return {
    callee: inner.kind.name,
    error: (code, args, at = {}) => ctx.error(code, args, { ...at, property: "layer" }),
  };
}

/** Runs the wrapped layer's shape rule; a layer with several outputs cannot be wrapped here. */
function innerShape(input: Shape, inner: Wrapped, ctx: ShapeContext): readonly Shape[] | null {
  const result = inner.kind.outputShape([input], inner.args, innerContext(ctx, inner));
  if (result === null) return null;
  return result.length > 0 && Array.isArray(result[0]) ? (result as readonly Shape[]) : [result as Shape];
}

/** The wrapped layer's parameters; with its own `trainable: false`, all of them are non-trainable. */
function innerParams(inner: Wrapped, input: Shape, outputs: readonly Shape[]) {
  const counted = inner.kind.params?.([input], inner.args, outputs) ?? { trainable: 0, nonTrainable: 0 };
  if (inner.args["trainable"] !== false) return counted;
  return { trainable: 0, nonTrainable: counted.trainable + counted.nonTrainable };
}

const innerMacs = (inner: Wrapped, input: Shape, outputs: readonly Shape[]) =>
  inner.kind.macs?.([input], inner.args, outputs) ?? 0;

/**
 * The wrapper's tfjs config: the nested layer (keeping the name written in its call; otherwise tfjs names it)
 * and `trainable: false` on both the wrapper and the nested layer. tfjs 4.22's wrappers drop their own flag
 * (`Bidirectional` resets it, `TimeDistributed` asks the wrapped layer), so only the nested layer's flag
 * freezes the weights.
 */
function wrapperConfig(args: Args & { layer: NestedCall }, rest: Args = {}) {
  const inner = wrapped(args.layer);
  const written = inner.args["name"];
  const frozen: Args = args["trainable"] === false ? { trainable: false } : {};
  const layer = tfjsLayerOf(inner.kind, { ...inner.args, ...frozen }, typeof written === "string" ? written : "");
  const { name: _none, ...unnamed } = layer.config;
  const nested = { ...layer, config: typeof written === "string" ? layer.config : unnamed };
  return { ...toTfjsConfig({ ...rest, ...frozen }), layer: nested };
}

const recurrentKinds = ["simple_rnn", "lstm", "gru"];

interface BidirectionalArgs extends Args {
  layer: NestedCall;
  merge_mode: "concat" | "sum" | "mul" | "ave";
}

/**
 * `bidirectional(layer, merge_mode: concat)`: runs a recurrent layer forwards and backwards over
 * `[steps, features]` and merges the two outputs: `concat` doubles the last axis, `sum`, `mul` and `ave` keep
 * it. With `return_state`, the forward states then the backward states follow the merged output;
 * `initial_state:` takes them in that order too.
 * Params: twice the wrapped layer's. MACs: twice the wrapped layer's.
 */
export const bidirectional = defineLayer<BidirectionalArgs>({
  name: "bidirectional",
  doc: "Runs a recurrent layer over the sequence in both directions and merges the results.",
  traits: ["wrapper", "recurrent", "reads-mask"],
  positional: ["layer", "merge_mode"],
  schema: argsSchema(
    {
      layer: familySchema("layer"),
      merge_mode: { enum: ["concat", "sum", "mul", "ave"], default: "concat" },
    },
    ["layer"],
  ),
  tensorArgs: ["initial_state"],
  factory: "bidirectional",
  config: ({ initial_state: _states, ...args }) => wrapperConfig(args, { merge_mode: args.merge_mode }),
  outputShape([input, ...states], args, ctx) {
    const inner = wrapped(args.layer);
    if (!recurrentKinds.includes(inner.kind.name)) {
      const detail = `it wraps a recurrent layer (${recurrentKinds.join(", ")}), not ${inner.kind.name}`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "layer" });
    }
    // The wrapped layer's shapes with its states, whose count (lstm's h and c, gru's h) initial_state must match.
    const outputs = innerShape(input!, { ...inner, args: { ...inner.args, return_state: true } }, ctx);
    if (outputs === null) return null;
    const [output, ...cellStates] = outputs;
    if (!initialStatesFit(states, 2 * cellStates.length, inner.args["units"] as number, ctx)) return null;
    const returned = inner.args["return_state"] === true ? cellStates : [];
    const last = output!.at(-1) as number;
    const merged = [...output!.slice(0, -1), args.merge_mode === "concat" ? 2 * last : last];
    return returned.length === 0 ? merged : [merged, ...returned, ...returned];
  },
  params([input], args) {
    const inner = wrapped(args.layer);
    const { trainable, nonTrainable } = innerParams(inner, input!, []);
    return { trainable: 2 * trainable, nonTrainable: 2 * nonTrainable };
  },
  macs([input], args) {
    return 2 * innerMacs(wrapped(args.layer), input!, []);
  },
});

/**
 * `time_distributed(layer)`: applies one layer to every step of `[steps, ...]` with shared weights:
 * `[steps, ...rest]` -> `[steps, ...layer(rest)]`. Params: the wrapped layer's on `rest`. MACs: `steps` times
 * the wrapped layer's.
 */
export const timeDistributed = defineLayer<{ layer: NestedCall }>({
  name: "time_distributed",
  doc: "Applies a layer to every step of a sequence, with the same weights for each step.",
  traits: ["wrapper", "keeps-mask", "fixes-input-shape"],
  positional: ["layer"],
  schema: argsSchema({ layer: familySchema("layer") }, ["layer"]),
  factory: "timeDistributed",
  config: (args) => wrapperConfig(args),
  outputShape([input], args, ctx) {
    const hint = "the first axis is the steps; the wrapped layer sees the rest";
    if (!expectRank(ctx, input!, { min: 2 }, "an input [steps, ...] with at least two axes", hint)) return null;
    const inner = wrapped(args.layer);
    const outputs = innerShape(input!.slice(1), inner, ctx);
    if (outputs === null) return null;
    if (outputs.length > 1) {
      const detail = `the wrapped layer must have one output, ${inner.kind.name} has ${outputs.length}`;
      return ctx.error("NN3007", { callee: ctx.callee, detail }, { property: "layer" });
    }
    return [input![0]!, ...outputs[0]!];
  },
  params([input], args, [output]) {
    return innerParams(wrapped(args.layer), input!.slice(1), [output!.slice(1)]);
  },
  macs([input], args, [output]) {
    return (input![0] as number) * innerMacs(wrapped(args.layer), input!.slice(1), [output!.slice(1)]);
  },
});
