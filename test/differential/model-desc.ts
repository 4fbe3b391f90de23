/**
 * A generated model's description: what generate.ts draws, print.ts writes as `.nn` text and tfjs-builder.ts
 * builds with tfjs by hand. Plain data, so a counterexample saves as JSON (test/fixtures/differential).
 */
import type { Args } from "./kinds.js";

/** An input dimension as written: a size (0 is invalid on purpose), `?`, or a symbol. */
export type DimText = number | "?" | "seq" | "len";

export interface InputDesc {
  readonly name: string;
  readonly shape: readonly DimText[];
  readonly dtype: "float32" | "int32";
}

export interface LayerCall {
  readonly kind: string;
  /** The name written at the call: the kind or one of its aliases. */
  readonly callee: string;
  readonly args: Args;
  /** How many leading positional arguments are written by position. */
  readonly positional: number;
  /** The layer's `name:`, when written. */
  readonly name?: string;
  readonly invalid?: boolean;
  /** `initial_state: [h, c]` of a recurrent layer: tensors bound earlier. */
  readonly initialState?: readonly string[];
}

export interface BlockCall {
  readonly block: string;
  /** The block parameter's value, or undefined for its default; `named` writes `p: 5`. */
  readonly arg?: number;
  readonly named?: boolean;
}

/** A use of a shared layer or block instance: `x -> NAME`. Each use is its own object (its line is printed). */
export interface SharedUse {
  readonly use: string;
}

export type Step = { readonly layer: LayerCall } | { readonly call: BlockCall } | SharedUse;

/**
 * `target = head -> steps`: head is a tensor, a merge of tensors, or nothing (the current tensor). Or a
 * declaration `layer NAME = CALL` (no steps): one layer or block instance, applied at each use.
 */
export interface Statement {
  readonly target: string | null;
  /** `y, h, c = ...`: a name per output of the last call, `_` to drop one (target is null then). */
  readonly targets?: readonly string[];
  readonly declare?: { readonly name: string; readonly call: LayerCall | BlockCall };
  readonly from: string | null;
  /** A merge call, or a use of a shared merge (`NAME(a, b)`; never written with an arrow). */
  readonly merge?: {
    readonly call: LayerCall | SharedUse;
    readonly tensors: readonly string[];
    readonly arrow: boolean;
  };
  readonly steps: readonly Step[];
}

export interface BlockDesc {
  readonly name: string;
  readonly param: string;
  readonly default: number;
  readonly body: readonly Statement[];
  readonly result: string;
}

export interface ModelDesc {
  readonly inputs: readonly InputDesc[];
  readonly blocks: readonly BlockDesc[];
  readonly body: readonly Statement[];
  readonly outputs: readonly string[] | null;
}
