/**
 * Layers nnc implements where tfjs 4.22 has none (the registry entries whose `namespace` is `nnc`): each is a
 * tfjs `Layer` subclass registered with `tf.serialization.registerClass`, so a saved model that uses one loads
 * with `tf.loadLayersModel` once `nnc/runtime` is imported. `layers[factory](config)` builds one, as
 * `tf.layers[factory](config)` builds tfjs's own; the runtime builder and emitted modules both call it.
 */
import type * as tf from "@tensorflow/tfjs";
import { AdditiveAttention, Attention, MultiHeadAttention } from "./attention.js";
import { PositionEmbedding, SinusoidalPositionEncoding, TokenAndPositionEmbedding } from "./positions.js";
import { NncConv1D, NncConv2D, NncConv2DTranspose, NncDepthwiseConv2D, NncSeparableConv2D } from "./conv.js";
import { NncBatchNormalization } from "./normalization.js";
import { NncGaussianNoise } from "./noise.js";
import {
  NncRandomBrightness,
  NncRandomContrast,
  NncRandomFlip,
  NncRandomRotation,
  NncRandomTranslation,
  NncRandomZoom,
} from "./augmentation.js";
import { NncCenterCrop, NncRandomCrop, NncResizing } from "./image-resizing.js";
import { NncLSTM } from "./fused-lstm.js";

/** A layer factory: a tfjs-style config (camelCase keys) -> a new layer. */
export type LayerFactory = (config: Record<string, unknown>) => tf.layers.Layer;

/** nnc's own layers by factory name. */
export const layers: Readonly<Record<string, LayerFactory>> = {
  conv1d: (config) => new NncConv1D(config),
  conv2d: (config) => new NncConv2D(config),
  depthwiseConv2d: (config) => new NncDepthwiseConv2D(config),
  separableConv2d: (config) => new NncSeparableConv2D(config),
  conv2dTranspose: (config) => new NncConv2DTranspose(config),
  batchNormalization: (config) => new NncBatchNormalization(config),
  gaussianNoise: (config) => new NncGaussianNoise(config),
  multiHeadAttention: (config) => new MultiHeadAttention(config as tf.serialization.ConfigDict),
  attention: (config) => new Attention(config as tf.serialization.ConfigDict),
  additiveAttention: (config) => new AdditiveAttention(config as tf.serialization.ConfigDict),
  positionEmbedding: (config) => new PositionEmbedding(config as tf.serialization.ConfigDict),
  sinusoidalPositionEncoding: (config) => new SinusoidalPositionEncoding(config as tf.serialization.ConfigDict),
  tokenAndPositionEmbedding: (config) => new TokenAndPositionEmbedding(config as tf.serialization.ConfigDict),
  randomFlip: (config) => new NncRandomFlip(config),
  randomRotation: (config) => new NncRandomRotation(config),
  randomZoom: (config) => new NncRandomZoom(config),
  randomTranslation: (config) => new NncRandomTranslation(config),
  randomContrast: (config) => new NncRandomContrast(config),
  randomBrightness: (config) => new NncRandomBrightness(config),
  randomCrop: (config) => new NncRandomCrop(config),
  resizing: (config) => new NncResizing(config),
  centerCrop: (config) => new NncCenterCrop(config),
};

/**
 * tfjs layers that nnc's runtime builds as its own faster equivalent, by tfjs factory name: same class name,
 * weights and config as tfjs's, so the IR, the emitted modules and saved models still name tfjs's layer.
 */
export const fasterLayers: Readonly<Record<string, LayerFactory>> = {
  lstm: (config) => new NncLSTM(config),
};
