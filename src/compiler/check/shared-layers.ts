/**
 * Shared layers: `layer embed = dense(64)` makes one layer, and every use of `embed` applies it again with the
 * same weights (Keras's shared layers: one layer object called on several tensors). In the graph the first use
 * is an ordinary node that owns the weights; every later use is a node that `shares` them, with no parameters of
 * its own. A block instance (`layer tower = encoder()`) shares every layer inside it: its first use records the
 * owner of each layer it made, in order, and each later use re-applies those owners in the same order.
 */
import type { SharedLayerBinding } from "../bind/index.js";
import { formatNnShape, type IrLayer, type ParamCount, type Shape, type TensorRef } from "../ir/index.js";
import { hasTrait, type LayerKind } from "../registry/layers/index.js";
import type { ArgValues } from "./args.js";

/** One run of a `layer NAME = CALL` statement (a repeat or a block call makes a new instance each time). */
export interface SharedInstance {
  readonly binding: SharedLayerBinding;
  /** The declaration's checked arguments (a layer's, or a block's values); null when they failed (reported). */
  readonly args: ArgValues | null;
  /** The owners of the layers its first use made, in the order made (one for a layer); null before it. */
  owners: readonly string[] | null;
}

type Frame =
  | { readonly mode: "record"; readonly owners: string[] }
  | { readonly mode: "reapply"; readonly owners: readonly string[]; next: number; readonly instance: string };

/** A node that owns weights: what it was built for, and how many times it was applied again. */
interface Owner {
  readonly kind: LayerKind;
  readonly params: ParamCount;
  readonly inputs: readonly Shape[];
  /** Which of its inputs were one tensor (see `repeats`). */
  readonly repeats: string;
  /** The node itself, whose `tfjs` a node re-applying it has too. */
  readonly node: IrLayer;
  uses: number;
}

/** The sharing of one model's nodes. */
export class LayerSharing {
  private readonly frames: Frame[] = [];
  private readonly owners = new Map<string, Owner>();

  /**
   * The node whose weights a new layer node re-applies: while a block instance is applied again, the owner its
   * first use made at this point (the outermost such instance decides: it recorded everything inside it);
   * else `owner`, for a shared layer used again, or undefined for a new layer.
   */
  ownerFor(owner: string | undefined): string | undefined {
    const reapply = this.frames.find((frame) => frame.mode === "reapply");
    if (!reapply || reapply.mode !== "reapply") return owner;
    return reapply.owners[reapply.next++];
  }

  /** The block instance whose layers are being applied again (the outermost), for messages. */
  reapplying(): string | undefined {
    const frame = this.frames.find((f) => f.mode === "reapply");
    return frame?.mode === "reapply" ? frame.instance : undefined;
  }

  /** A node owning weights was made, of `kind`, for `inputs`. */
  addOwner(node: IrLayer, kind: LayerKind, inputs: readonly Shape[]): void {
    const { name, params } = node;
    this.owners.set(name, { kind, params, inputs, repeats: repeats(node.inputs), node, uses: 0 });
    this.made(name);
  }

  /**
   * A node re-applying `owner`'s weights to `inputs`: its name (`embed:1`, `embed:2`, ...) and the owner's node, or
   * the problem when the weights built for the first use do not fit: when the parameter counts differ, or the
   * inputs' ranks for a kind that `fixes-input-rank`, or their shapes for one that `fixes-input-shape` (tfjs
   * refuses the call, or the weights fail when they run).
   */
  reapply(
    owner: string,
    kind: LayerKind,
    params: ParamCount,
    inputs: readonly Shape[],
    refs: readonly TensorRef[],
  ): { name: string; owner: IrLayer } | { first: string; here: string } {
    const found = this.owners.get(owner)!;
    const total = (p: ParamCount) => p.trainable + p.nonTrainable;
    // nnc's own layers take a tensor given twice once (tfjs's executor would free it early, NN5010), and keep
    // which inputs were one tensor with the layer: a later use must repeat its tensors as the first did.
    if (repeats(refs) !== found.repeats && found.node.tfjs.namespace === "nnc") {
      const describe = (pattern: string) =>
        new Set(pattern.split(",")).size < inputs.length
          ? "one tensor given twice"
          : "a different tensor for each input";
      return {
        first: describe(found.repeats),
        here: `${describe(repeats(refs))} here: it takes its inputs as at its first use`,
      };
    }
    const sameRanks = found.inputs.every((shape, i) => shape.length === inputs[i]?.length);
    const sameShapes = sameRanks && found.inputs.every((shape, i) => shape.every((d, j) => d === inputs[i]![j]));
    const fits =
      found.kind === kind &&
      total(found.params) === total(params) &&
      (sameRanks || !hasTrait(found.kind, "fixes-input-rank")) &&
      (sameShapes || !hasTrait(found.kind, "fixes-input-shape"));
    if (!fits) {
      const describe = (shapes: readonly Shape[]) => `input ${shapes.map(formatNnShape).join(", ")}`;
      const why =
        total(found.params) === total(params) && found.kind === kind
          ? "tfjs fixes its input's shape at the first use"
          : "it would need other weights";
      return { first: describe(found.inputs), here: `${describe(inputs)} here: ${why}` };
    }
    this.made(owner);
    return { name: `${owner}:${++found.uses}`, owner: found.node };
  }

  /** Applies a block instance: its first use records the owners of the layers made, a later use re-applies them. */
  applyBlockInstance<T>(instance: SharedInstance, apply: () => T): T {
    const frame: Frame =
      instance.owners === null
        ? { mode: "record", owners: [] }
        : { mode: "reapply", owners: instance.owners, next: 0, instance: instance.binding.name.text };
    this.frames.push(frame);
    try {
      return apply();
    } finally {
      this.frames.pop();
      if (frame.mode === "record") instance.owners = frame.owners;
    }
  }

  private made(owner: string): void {
    for (const frame of this.frames) if (frame.mode === "record") frame.owners.push(owner);
  }
}

/** Which inputs are one tensor: `0,0` for `(x, x)`, `0,1` for `(a, b)`. */
function repeats(refs: readonly TensorRef[]): string {
  return refs.map((ref) => refs.findIndex((other) => other.node === ref.node && other.index === ref.index)).join(",");
}
