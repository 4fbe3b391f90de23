/**
 * What a layer kind is to nnc: one small, declarative entry. The checker, the summary, the emitter, the
 * runtime and the language server all read these entries; none of them knows a layer by name.
 */
import type { SchemaObject } from "ajv";
import type { JsonValue, ParamCount, Shape, TfjsLayer } from "../../ir/index.js";
import type { Code, MessageArgs } from "../../diagnostics/messages.js";

/** Checked arguments: snake_case names, JSON values, every default filled in by the schema. */
export type Args = { readonly [name: string]: JsonValue };

/** The codes a shape rule may report. */
export type ShapeCode = Extract<Code, `NN3${string}`>;

export interface ShapeContext {
  /** The layer name as written at the call (`maxpool2d` for an alias). */
  readonly callee: string;
  /**
   * Reports a problem at the call, or at the argument named `property` when given. Returns `null` so that
   * a rule can `return ctx.error(...)`: the layer's output is then unknown and checking goes on.
   */
  error<C extends ShapeCode>(
    code: C,
    args: MessageArgs<C>,
    at?: { property?: string; hint?: string; fix?: InputFix },
  ): null;
}

/** A layer call that fixes the input when inserted before the failing call (`flatten()`), for quick fixes. */
export interface InputFix {
  readonly insertBefore: string;
}

/**
 * What a kind is, for the passes that reason about kinds rather than shapes: each trait is one fact, with what
 * it means (docs/language.md's layer table prints it) and who reads it. The lints, completion, hover and the
 * docs ask for a trait, never for a kind by name, so a new kind with the right traits is linted and completed
 * like its family. test/layer-traits.test.ts checks the mask and training traits against tfjs.
 */
export const traitDocs = {
  "training-only": {
    meaning: "active only while training: the identity when the model predicts (dropout, noise)",
    readBy: "NN5003, hover",
  },
  augmentation: {
    meaning: "an image augmentation: random while training, the identity (or a deterministic resize or crop) otherwise",
    readBy: "NN5015, nnc data --augmented",
  },
  bias: {
    meaning: "adds a learned bias to each output feature after its product (`use_bias`, on by default)",
    readBy: "NN5006",
  },
  "cancels-bias": {
    meaning: "subtracts each feature's mean over the batch, so a bias added just before it does nothing",
    readBy: "NN5006",
  },
  "fully-connected": {
    meaning: "a weight matrix over the last axis: two in a row with no activation between them are one",
    readBy: "NN5002, NN5007, NN5008, nnc train's choice of wasm threads (runtime/step-work.ts)",
  },
  flattens: {
    meaning: "folds every axis but the batch into one, so the next layer's weights grow with the feature map",
    readBy: "NN5007",
  },
  activation: {
    meaning: "applies an activation function and nothing else: its own, or the one named in `activation:`",
    readBy: "NN5001, NN5002",
  },
  "makes-mask": {
    meaning: "makes a mask of the padding in its input when asked (`mask_zero: true`)",
    readBy: "NN5009",
  },
  "keeps-mask": {
    meaning: "tfjs passes the mask of its input on to its output",
    readBy: "NN5009",
  },
  "reads-mask": {
    meaning: "tfjs applies a mask it is handed: recurrent layers skip masked steps, the others add it to their input",
    readBy: "NN5009",
  },
  recurrent: {
    meaning: "steps through a `[steps, features]` sequence; tfjs passes the mask on only with `return_sequences`",
    readBy: "NN5009",
  },
  wrapper: {
    meaning: "takes a layer call as its `layer` argument: `bidirectional(lstm(8))`",
    readBy: "completion",
  },
  "fixes-input-shape": {
    meaning: "tfjs fixes its whole input shape at the first call: a shared layer's later uses need the same shape",
    readBy: "NN3017",
  },
  "fixes-input-rank": {
    meaning: "tfjs fixes its input's number of axes at the first call: a shared layer's later uses need as many",
    readBy: "NN3017",
  },
  "value-range": {
    meaning: "takes the `value_range` its input's values lie in (Keras's default [0, 255]), which must fit the pixels",
    readBy: "NN5016",
  },
  "keeps-range": {
    meaning: "outputs values within the range of its input's (it moves, crops or resamples them)",
    readBy: "NN5011, NN5016",
  },
  rescales: {
    meaning: "multiplies its input by a fixed `scale` (and adds an `offset`)",
    readBy: "NN5011",
  },
} as const satisfies Record<string, { readonly meaning: string; readonly readBy: string }>;

/** A trait of a layer kind: one of `traitDocs`'s keys. */
export type Trait = keyof typeof traitDocs;

export interface LayerKind<A extends Args = Args> {
  /** The Keras class name in snake_case: `conv2d`. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One line for hover text and `--help`. */
  readonly doc: string;
  /** What the kind is, for lints, completion and hover (see `traitDocs`); empty when none applies. */
  readonly traits: readonly Trait[];
  /** Argument names in Keras's positional order: `["filters", "kernel_size"]`. */
  readonly positional: readonly string[];
  /**
   * JSON Schema of the arguments (an object schema, `additionalProperties: false`), validated with ajv.
   * Defaults written here are filled in before the rules below run, so they are Keras's defaults.
   */
  readonly schema: SchemaObject;
  /** How many input tensors the layer takes (chained or positional); one when absent. */
  readonly inputs?: { readonly min: number; readonly max?: number };
  /**
   * Named arguments that take tensor names, as Keras's call arguments do: `initial_state: [h, c]`,
   * `attention_mask: mask`. The binder resolves the names; the checker appends the tensors to the layer's
   * inputs after the others, in this list's order, and hands the rules (and `config`) the number of tensors
   * each one was given as `args[name]` (absent when not written). The schema does not list them.
   */
  readonly tensorArgs?: readonly string[];
  /**
   * The tfjs factory: the layer is built as `tf.layers[factory](config)`, or from nnc's own runtime layers
   * (`nnc/runtime`'s `layers[factory](config)`) when `namespace` is `nnc`.
   */
  readonly factory: string;
  /** `nnc` for a kind tfjs lacks, which nnc's runtime implements and registers for serialization. */
  readonly namespace?: "nnc";
  /**
   * The layer to build for these arguments (and input shapes, when known) when it is not `factory` (of
   * `namespace`): nnc's own for a configuration tfjs 4.22 builds or trains wrong (`conv1d(padding: causal)`,
   * `batch_normalization(scale: false)`), while the others stay tfjs's.
   */
  readonly runtimeFor?: (
    args: A,
    inputs: readonly Shape[],
  ) => { readonly factory: string; readonly namespace?: "nnc" } | undefined;
  /**
   * tfjs config from the arguments (and the input shapes, for arguments tfjs wants resolved); by default each
   * argument under its camelCase name (see `toTfjsConfig`).
   */
  readonly config?: (args: A, inputs: readonly Shape[]) => TfjsLayer["config"];
  /** Output shape(s) for the input shape(s); reports and returns null when the input does not fit. */
  readonly outputShape: (inputs: readonly Shape[], args: A, ctx: ShapeContext) => Shape | readonly Shape[] | null;
  /** Parameter count; zero when absent. */
  readonly params?: (inputs: readonly Shape[], args: A, outputs: readonly Shape[]) => ParamCount;
  /**
   * Multiply-accumulates per sample, as Keras-style FLOP counters count them (the weights' products: the
   * entry's JSDoc gives the formula); zero when absent (reshapes, pooling, activations, elementwise merges).
   * Called only when every size it reads is fixed; a size that is not makes the count unknown.
   */
  readonly macs?: (inputs: readonly Shape[], args: A, outputs: readonly Shape[]) => number;
}

/** Declares an entry with typed arguments; the registry stores it with plain `Args`. */
export function defineLayer<A extends Args>(kind: LayerKind<A>): LayerKind {
  return kind as unknown as LayerKind;
}
