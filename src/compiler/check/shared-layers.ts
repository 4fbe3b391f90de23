/**
 * Shared layers: `layer embed = dense(64)` makes one layer, and every use of `embed` applies it again with the
 * same weights (Keras's shared layers: one layer object called on several tensors). In the graph the first use
 * is an ordinary node that owns the weights; every later use is a node that `shares` them, with no parameters of
 * its own. A block instance (`layer tower = encoder()`) shares every layer inside it: its first use records the
 * owner of each layer it made, in order, and each later use re-applies those owners in the same order.
 */
import type { SharedLayerBinding } from "../bind/index.js";
import { formatNnShape, type ParamCount, type Shape, type TfjsLayer } from "../ir/index.js";
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
  readonly tfjs: TfjsLayer;
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

  /** A node owning weights was made. */
  addOwner(name: string, kind: LayerKind, params: ParamCount, inputs: readonly Shape[], tfjs: TfjsLayer): void {
    this.owners.set(name, { kind, params, inputs, tfjs, uses: 0 });
    this.made(name);
  }

  /**
   * A node re-applying `owner`'s weights to `inputs`: its name (`embed:1`, `embed:2`, ...) and tfjs layer, or
   * the problem when the weights built for the first use do not fit: when the parameter counts differ, or the
   * inputs' ranks for a kind that `fixes-input-rank`, or their shapes for one that `fixes-input-shape` (tfjs
   * refuses the call, or the weights fail when they run).
   */
  reapply(
    owner: string,
    params: ParamCount,
    inputs: readonly Shape[],
  ): { name: string; tfjs: TfjsLayer } | { first: string; here: string } {
    const found = this.owners.get(owner)!;
    const total = (p: ParamCount) => p.trainable + p.nonTrainable;
    const sameRanks = found.inputs.every((shape, i) => shape.length === inputs[i]?.length);
    const sameShapes = sameRanks && found.inputs.every((shape, i) => shape.every((d, j) => d === inputs[i]![j]));
    const fits =
      total(found.params) === total(params) &&
      (sameRanks || !hasTrait(found.kind, "fixes-input-rank")) &&
      (sameShapes || !hasTrait(found.kind, "fixes-input-shape"));
    if (!fits) {
      const describe = (shapes: readonly Shape[]) => `input ${shapes.map(formatNnShape).join(", ")}`;
      return { first: describe(found.inputs), here: describe(inputs) };
    }
    this.made(owner);
    return { name: `${owner}:${++found.uses}`, tfjs: found.tfjs };
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
