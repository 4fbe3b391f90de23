/**
 * The PyTorch target's shared vocabulary: how one IR layer becomes PyTorch (`TorchLayer`), and how its weights
 * correspond to tfjs's (`WeightLink`), which the weight bridge (src/runtime/pytorch/) applies in both directions.
 *
 * Layout: the spec's tensors are channels-last, as tfjs's. PyTorch's convolutions, pooling and 2-D batch
 * normalization want channels-first. The emitted `forward` keeps each tensor's layout and permutes only where a
 * layer needs the other one, so a `flatten` always flattens channels-last (tfjs's order) and the dense layer after
 * it takes tfjs's kernel unpermuted.
 *
 * This file, like all of src/compiler/, never imports tfjs.
 */
import type { Location } from "../../diagnostics/index.js";
import type { IrLayer, Shape } from "../../ir/index.js";

/** Where a tensor's channels (or features) axis is: last (tfjs's, the spec's) or right after the batch (PyTorch's). */
export type Layout = "channels_last" | "channels_first";

/** What the layer emitter knows of one input of a layer. */
export interface TorchInput {
  /** The Python expression of the tensor (a local in `forward`). */
  readonly expr: string;
  /** Its shape without the batch, channels-last, as the IR has it. */
  readonly shape: Shape;
}

/**
 * One of a layer's weights on the PyTorch side and the tfjs weight it holds.
 *
 * Export (tfjs -> PyTorch): torch = transpose(tfjs[tfjs], permute), reshaped to `torchShape`. Several links to one
 * tfjs weight (PyTorch's second recurrent bias) put it into the first and zeros into the others. Import
 * (PyTorch -> tfjs): the inverse permutation, and the sum of several links to one tfjs weight.
 */
export interface WeightLink {
  /** The key relative to the layer's attribute (`weight`, `bias_ih_l0`, `cell.kernel`). */
  readonly torch: string;
  readonly torchShape: readonly number[];
  /** The weight's index in tfjs's `layer.getWeights()` order (its `model.json` weight order). */
  readonly tfjs: number;
  readonly tfjsShape: readonly number[];
  /** The axes of the tfjs array in the torch array's order (`[1, 0]` for a dense kernel); absent: the same. */
  readonly permute?: readonly number[];
}

/** How one IR layer becomes PyTorch. */
export interface TorchLayer {
  /**
   * The constructor of the layer's attribute in `__init__` (`nn.Linear(4, 16)`), or null for a layer without
   * weights that `forward` writes as an expression (`torch.flatten(x, 1)`).
   */
  readonly module: string | null;
  /** Definitions this layer needs at the top of the file (a class or function), each emitted once, by name. */
  readonly helpers?: readonly string[];
  /** The layout its inputs must be in; null: any, and its output is in the layout its inputs were in. */
  readonly layout: Layout | null;
  /** The layout of its outputs when `layout` is set (a conv's is channels_first); defaults to `layout`. */
  readonly outputLayout?: Layout;
  /**
   * The right-hand side of its statement in `forward`: `self` is its attribute (`self.dense_1`), `inputs` its
   * inputs' expressions, already in `layout`. A layer of several outputs returns a tuple.
   */
  forward(self: string, inputs: readonly string[]): string;
  /** Its weights; empty for a layer without any. */
  readonly weights: readonly WeightLink[];
  /**
   * Why its parameter count differs from nnc's summary, when it does (`nn.LSTM has a second bias per gate: +256`);
   * printed as a comment beside the attribute and in docs. Absent: the counts are equal.
   */
  readonly paramNote?: string;
}

/** A layer the target cannot express: NN6001 at `location`, with what would make it expressible. */
export interface Unsupported {
  readonly unsupported: string;
  readonly location: Location;
}

/**
 * Turns one IR layer into PyTorch; its inputs' shapes are given channels-last as the IR has them.
 * Implemented by layers.ts (one entry per supported kind).
 */
export type TorchLayerFactory = (layer: IrLayer, inputs: readonly TorchInput[]) => TorchLayer | Unsupported;

/**
 * A model's state dict as the weight bridge reads it: per nnc layer name (the tfjs layer name), the attribute
 * that holds it in the emitted module and its links. Keys of PyTorch's `state_dict()` are `${attribute}.${torch}`.
 * Layers without weights are left out; a shared layer appears once, under its owner's name.
 */
export interface StateDictMap {
  readonly model: string;
  readonly layers: readonly {
    readonly layer: string;
    readonly attribute: string;
    readonly links: readonly WeightLink[];
  }[];
}
