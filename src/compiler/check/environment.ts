/**
 * Where a model's statements run: the value of each tensor symbol, the current tensor, and the block
 * instantiations around them, whose call sites every problem found inside a block points at.
 */
import type { BodyBinding, NameSymbol } from "../bind/index.js";
import type { Diagnostic, Location } from "../diagnostics/index.js";
import type { DType, Shape, TensorRef } from "../ir/index.js";
import type * as ast from "../syntax/ast.js";
import type { Scope } from "./argument-values.js";
import type { SharedInstance } from "./shared-layers.js";

/** A tensor's value. `ref` and `shape` are null when an earlier error made it unknown. */
export interface Tensor {
  readonly ref: TensorRef | null;
  readonly shape: Shape | null;
  readonly dtype: DType;
  /** The input statement that declared it, for an input. */
  readonly declaredBy?: ast.InputStmt;
  /** Every output of the call that made it, when it has several (`lstm(8, return_state: true)`); it is the first. */
  readonly outputs?: readonly Tensor[];
  /** The call that made it, for a problem with its outputs. */
  readonly producer?: ast.Call;
}

export const unknownTensor: Tensor = { ref: null, shape: null, dtype: "float32" };

/** Where statements run: a model body, or one instantiation of a block. */
export interface Env {
  readonly file: string;
  /** What every name of the body means. */
  readonly binding: BodyBinding;
  /** The value of each tensor symbol, as the statements so far left it. */
  readonly tensors: Map<NameSymbol, Tensor>;
  /** The shared layers declared so far (`layer embed = dense(64)`), by symbol. */
  readonly shared: Map<NameSymbol, SharedInstance>;
  readonly scope: Scope;
  /** The values `scope` reads (a block's checked arguments): with a call, the key of its argument check. */
  readonly values: object;
  readonly where: "model" | "block";
  /** The blocks being instantiated, innermost last, with their call sites (for recursion and `related`). */
  readonly callStack: readonly {
    readonly block: string;
    readonly decl: ast.BlockDecl;
    readonly site: Location;
  }[];
  /** The current tensor: the last statement's result, or the only input. Null when there is none. */
  current: Tensor | null;
  returned: Tensor | null;
}

/** Inside a block, a problem also points at the call that instantiated the block. */
export function withCallSites(d: Diagnostic, env: Env): Diagnostic {
  if (env.callStack.length === 0) return d;
  const related = env.callStack
    .map((frame) => ({ ...frame.site, message: `in this call of block '${frame.block}'` }))
    .reverse();
  return { ...d, related: [...(d.related ?? []), ...related] };
}
