/**
 * What the PyTorch target's layer tables share: the factory type they are written in and activations as Python.
 */
import type { IrLayer } from "../../ir/index.js";
import type { TorchInput, TorchLayer } from "./types.js";

/** A layer's tfjs config (camelCase keys), as the IR has it. */
export type Config = IrLayer["tfjs"]["config"];

/** Why a layer of a supported kind cannot be expressed with these arguments; layers.ts locates it (NN6001). */
export interface Refusal {
  readonly refuse: string;
}

/** A table's factory: the layer's tfjs config, its inputs (shapes channels-last) and the layer itself. */
export type Factory = (config: Config, inputs: readonly TorchInput[], layer: IrLayer) => TorchLayer | Refusal;

/** A layer without weights that `forward` writes as one expression of its inputs (with these helpers). */
export function expression(
  layout: TorchLayer["layout"],
  forward: (inputs: readonly string[]) => string,
  helpers: readonly string[] = [],
): TorchLayer {
  return {
    module: null,
    layout,
    ...(helpers.length > 0 ? { helpers } : {}),
    forward: (_self, xs) => forward(xs),
    weights: [],
  };
}

/** Factories by registry kind. */
export type Factories = Readonly<Record<string, Factory>>;

/**
 * tfjs's activations (by tfjs identifier, as configs hold them) as Python, each the same function as tfjs's:
 * `hardSigmoid` is Keras 2's `clip(0.2 * x + 0.5, 0, 1)`, `gelu` the exact (erf) one, `swish` is `x * sigmoid(x)`.
 * `softmax` is over the channels, the axis `channelAxis` names.
 */
const activations: Readonly<Record<string, (x: string, channelAxis: number) => string>> = {
  linear: (x) => x,
  relu: (x) => `torch.relu(${x})`,
  relu6: (x) => `F.relu6(${x})`,
  elu: (x) => `F.elu(${x})`,
  selu: (x) => `F.selu(${x})`,
  sigmoid: (x) => `torch.sigmoid(${x})`,
  hardSigmoid: (x) => `torch.clamp(0.2 * ${x} + 0.5, 0.0, 1.0)`,
  tanh: (x) => `torch.tanh(${x})`,
  softmax: (x, axis) => `torch.softmax(${x}, dim=${axis})`,
  softplus: (x) => `F.softplus(${x})`,
  softsign: (x) => `F.softsign(${x})`,
  swish: (x) => `F.silu(${x})`,
  mish: (x) => `F.mish(${x})`,
  gelu: (x) => `F.gelu(${x})`,
};

/**
 * `x` through the activation a config names (`activation`, absent: linear); `channelAxis` is where the
 * channels are (-1 channels-last, 1 channels-first), for softmax. Throws for a name tfjs does not have, which
 * the registry's schema never lets through.
 */
export function activationOf(config: Config, x: string, channelAxis: number, key = "activation"): string {
  const name = String(config[key] ?? "linear");
  const apply = activations[name];
  if (!apply) throw new Error(`pytorch target: no activation '${name}'`);
  return apply(x, channelAxis);
}

/** An argument as the spec writes it, from tfjs's config key: `kernelRegularizer` is `kernel_regularizer`. */
export const specName = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
