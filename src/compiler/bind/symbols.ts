/**
 * What the binder hands on: the symbols a file defines and, for each place a name is written, the symbol it
 * means. The checker reads meanings to decide what a call is; the language server reads occurrences for
 * hover, definition, references, rename and completion.
 */
import type { Location } from "../diagnostics/index.js";
import type { LayerKind } from "../registry/index.js";
import type * as ast from "../syntax/ast.js";
import type { BlockDef, ModelDef } from "./workspace.js";

export type SymbolKind = "tensor" | "block" | "param" | "model" | "layer";

/**
 * A named thing a spec defines. A tensor name may be rebound (`h = h -> relu()`): every binding and use of one
 * name in one body is one symbol (renamed together); each use also knows the binding it reads.
 */
export interface NameSymbol {
  readonly kind: SymbolKind;
  readonly name: string;
  /** Unique per symbol: the body a tensor or parameter lives in, the file a block is defined in. */
  readonly key: string;
  /** Where it is first defined. */
  readonly definition: Location;
}

/** One binding of a tensor name: an input, a block input, or an assignment. */
export interface TensorBinding {
  readonly name: ast.Ident;
  readonly symbol: NameSymbol;
  readonly input?: ast.InputStmt;
  readonly chain?: ast.Chain;
  /** The block a block input belongs to. */
  readonly blockInput?: ast.BlockDecl;
}

/**
 * A shared layer, `layer embed = dense(64)`: what its call makes (a layer kind or a block; null when that name
 * is unknown, reported), applied with the same weights wherever `embed` is used below it.
 */
export interface SharedLayerBinding {
  readonly name: ast.Ident;
  readonly symbol: NameSymbol;
  readonly stmt: ast.LayerStmt;
  readonly makes:
    { readonly kind: "layer"; readonly layer: LayerKind } | { readonly kind: "block"; readonly block: BlockDef } | null;
}

/** One place a symbol's name is written. */
export interface Occurrence {
  readonly span: ast.Span;
  readonly symbol: NameSymbol;
  readonly isDefinition: boolean;
  /** For a tensor: the binding this occurrence is or reads. */
  readonly binding?: TensorBinding;
}

/**
 * What a call in a chain (or a bare name among a call's leading arguments) means. `unresolved` was reported
 * by the binder (an unknown name, a tensor where a layer goes, a tensor argument that names nothing) or at a
 * failed import: the checker passes an unknown tensor on without a word.
 */
export type CallMeaning =
  | { readonly kind: "tensor"; readonly binding: TensorBinding }
  | {
      readonly kind: "layer";
      readonly layer: LayerKind;
      readonly tensorArgs: readonly TensorBinding[];
      /** The tensors named by arguments that take tensors (`initial_state: [h, c]`), in the order written. */
      readonly namedTensors: readonly NamedTensors[];
    }
  | { readonly kind: "block"; readonly block: BlockDef; readonly tensorArgs: readonly TensorBinding[] }
  | { readonly kind: "shared"; readonly shared: SharedLayerBinding; readonly tensorArgs: readonly TensorBinding[] }
  | {
      readonly kind: "model";
      readonly model: ModelDef;
      readonly tensorArgs: readonly TensorBinding[];
      /** The tensor of that model its `until:` names (null: the model's outputs). */
      readonly until: TensorBinding | null;
    }
  | { readonly kind: "unresolved" };

/**
 * A named argument that takes tensor names (the entry's `tensorArgs`): `initial_state: [h, c]`. `tensors` is
 * null when its value is not a tensor name or a list of them, or names a tensor that is not bound (reported).
 */
export interface NamedTensors {
  readonly arg: ast.Arg;
  readonly name: string;
  readonly tensors: readonly TensorBinding[] | null;
}

/** What the subject of an `assert` or `expect` means at its line. */
export interface SubjectMeaning {
  /** The tensor it names, when a tensor of that name is bound above the statement. */
  readonly tensor: TensorBinding | undefined;
  /** Tensor names bound above the statement, for did-you-mean (worked out when asked: most never are). */
  readonly inScope: () => readonly string[];
}
