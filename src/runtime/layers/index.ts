/**
 * Layers nnc implements where tfjs 4.22 has none (the registry entries whose `namespace` is `nnc`): each is a
 * tfjs `Layer` subclass registered with `tf.serialization.registerClass`, so a saved model that uses one loads
 * with `tf.loadLayersModel` once `nnc/runtime` is imported. `layers[factory](config)` builds one, as
 * `tf.layers[factory](config)` builds tfjs's own; the runtime builder and emitted modules both call it.
 */
import type * as tf from "@tensorflow/tfjs";

/** A layer factory: a tfjs-style config (camelCase keys) -> a new layer. */
export type LayerFactory = (config: Record<string, unknown>) => tf.layers.Layer;

/** nnc's own layers by factory name. */
export const layers: Readonly<Record<string, LayerFactory>> = {};
