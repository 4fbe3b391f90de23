/**
 * A training step's work, as the wasm backend's choice of build reads it (`initBackend`'s `StepWork`), from
 * the checked model alone: no tfjs is loaded here, so `nnc train` can ask before it starts a backend.
 */
import type { IrModel } from "../compiler/ir/index.js";
import { hasTrait } from "../compiler/registry/layers/index.js";
import type { StepWork } from "./backend.js";

/**
 * The forward multiply-accumulates of a step of `batchSize` examples, and of those the ones in fully connected
 * layers' products (which nnc's own product computes on its own threads); undefined when a layer's are not
 * fixed (a sequence of unknown length).
 */
export function stepWork(model: IrModel, batchSize: number): StepWork | undefined {
  let macs = 0;
  let productMacs = 0;
  for (const layer of model.layers) {
    if (layer.macs === null) return undefined;
    macs += layer.macs ?? 0;
    if (hasTrait(layer.kind, "fully-connected")) productMacs += layer.macs ?? 0;
  }
  return { macs: macs * batchSize, productMacs: productMacs * batchSize };
}
