/**
 * The PyTorch target's recurrent layers (and the layers that wrap them): one factory per kind, merged into
 * layers.ts's table.
 */
import type { TorchLayerFactory } from "./types.js";

/** Factories by registry kind (`lstm`, `gru`, ...). */
export const recurrentLayers: Readonly<Record<string, TorchLayerFactory>> = {};

/** Python definitions the recurrent layers name in `helpers`, by name. */
export const recurrentHelpers: Readonly<Record<string, string>> = {};
