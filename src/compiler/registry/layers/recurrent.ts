/** Recurrent layers over `[steps, features]` sequences: simple_rnn, lstm, gru. */
import type { SchemaObject } from "ajv";
import type { Shape } from "../../ir/index.js";
import { argsSchema, expectRank, fixedSize, initialStatesFit, schemas, weightObjects } from "./entry-parts.js";
import { defineLayer, type Args, type LayerKind } from "./types.js";

interface RnnArgs extends Args {
  units: number;
  use_bias: boolean;
  return_sequences: boolean;
  return_state: boolean;
}

interface Cell {
  readonly name: string;
  readonly factory: string;
  readonly doc: string;
  /** Weight blocks: one per gate (LSTM 4, GRU 3, simple 1). */
  readonly gates: number;
  /** State tensors, each `[units]`: LSTM carries h and c. */
  readonly states: number;
  readonly own?: Record<string, SchemaObject>;
}

/**
 * A recurrent layer: `[steps, features]` -> `[units]`, or `[steps, units]` with `return_sequences`; with
 * `return_state` the layer has `1 + states` outputs, the states each `[units]`. `initial_state: [h, c]` names
 * tensors to start from, one per state, each `[units]` (an encoder's final states, in sequence-to-sequence).
 * Params: `gates * (features * units + units * units + units)`, the last term only with `use_bias`.
 * MACs: `steps * gates * (features * units + units * units)`.
 */
function recurrent(cell: Cell): LayerKind {
  return defineLayer<RnnArgs>({
    name: cell.name,
    doc: cell.doc,
    traits: ["recurrent", "reads-mask"],
    positional: ["units"],
    schema: argsSchema(
      {
        units: schemas.positiveInt,
        activation: { ...schemas.activation, default: "tanh" },
        ...(cell.gates > 1 ? { recurrent_activation: { ...schemas.activation, default: "sigmoid" } } : {}),
        use_bias: { ...schemas.bool, default: true },
        kernel_initializer: { ...schemas.initializer, default: "glorot_uniform" },
        recurrent_initializer: { ...schemas.initializer, default: "orthogonal" },
        bias_initializer: { ...schemas.initializer, default: "zeros" },
        ...weightObjects("kernel", "recurrent", "bias"),
        ...cell.own,
        dropout: { ...schemas.rate, default: 0 },
        recurrent_dropout: { ...schemas.rate, default: 0 },
        return_sequences: { ...schemas.bool, default: false },
        return_state: { ...schemas.bool, default: false },
        go_backwards: { ...schemas.bool, default: false },
      },
      ["units"],
    ),
    tensorArgs: ["initial_state"],
    factory: cell.factory,
    outputShape([input, ...states], args, ctx) {
      const hint =
        input!.length === 1
          ? "integer ids need embedding(...) first; other values need a feature axis: reshape([..., 1])"
          : "reshape the input to [steps, features] first";
      if (!expectRank(ctx, input!, 2, "a 2D input [steps, features]", hint)) return null;
      if (fixedSize(ctx, input!, -1, "the feature axis") === null) return null;
      if (!initialStatesFit(states, cell.states, args.units, ctx)) return null;
      const output: Shape = args.return_sequences ? [input![0]!, args.units] : [args.units];
      if (!args.return_state) return output;
      return [output, ...Array.from({ length: cell.states }, () => [args.units])];
    },
    params([input], args) {
      const features = input!.at(-1) as number;
      const perGate = features * args.units + args.units * args.units + (args.use_bias ? args.units : 0);
      return { trainable: cell.gates * perGate, nonTrainable: 0 };
    },
    macs([input], args) {
      const [steps, features] = input as number[];
      return steps! * cell.gates * (features! * args.units + args.units * args.units);
    },
  });
}

export const simpleRnn = recurrent({
  name: "simple_rnn",
  factory: "simpleRNN",
  doc: "Fully connected recurrent layer: the output of each step feeds the next.",
  gates: 1,
  states: 1,
});

export const lstm = recurrent({
  name: "lstm",
  factory: "lstm",
  doc: "Long short-term memory layer.",
  gates: 4,
  states: 2,
  own: { unit_forget_bias: { ...schemas.bool, default: true } },
});

/** tfjs's GRU is Keras's with `reset_after: false` (one bias per gate), so its counts follow that form. */
export const gru = recurrent({
  name: "gru",
  factory: "gru",
  doc: "Gated recurrent unit layer (tfjs's form: reset gate before the matrix product).",
  gates: 3,
  states: 1,
});
