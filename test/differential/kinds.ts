/**
 * The generator's own knowledge of each layer kind, written from Keras's and tfjs's documentation and not from
 * nnc's registry: how to draw arguments for an input of a given (rough) shape, roughly what shape comes out
 * (only to steer the generator towards models that build; the oracle is tfjs), and how a person writing
 * TensorFlow.js by hand would spell the layer: `tf.layers[factory](config)`. The entries are in kinds-*.ts by
 * family; what they share is kind-spec.ts.
 */
import { register, type KindSpec } from "./kind-spec.js";
import { attentions, positions, tokenAndPositionEmbedding } from "./kinds-attention.js";
import { basics, prelu, regularizers, rescaling, spatialDropout2d } from "./kinds-core.js";
import { convolutions, paddingAndResizing } from "./kinds-grid.js";
import { imagePreprocessing } from "./kinds-image.js";
import { dot, merges, unavailable } from "./kinds-merge.js";
import { recurrent, wrappers } from "./kinds-sequence.js";

export {
  factoryOf,
  specByName,
  tfjsConfig,
  type Args,
  type Factory,
  type Gen,
  type KindSpec,
  type Sketch,
  type Value,
} from "./kind-spec.js";

/**
 * Every kind the generator knows, in the order it has always drawn them from: the seeded run of
 * test/differential.test.ts draws the same models as long as the order stays. A new kind goes at the end.
 */
export const kindSpecs: readonly KindSpec[] = [
  ...basics,
  ...convolutions,
  ...regularizers,
  ...recurrent,
  ...merges,
  ...paddingAndResizing,
  ...wrappers,
  dot,
  prelu,
  rescaling,
  spatialDropout2d,
  ...unavailable,
  ...attentions,
  ...positions,
  tokenAndPositionEmbedding,
  ...imagePreprocessing,
];
register(kindSpecs);

/** Kinds the random models do not contain, with the reason. */
export const notGenerated: ReadonlyMap<string, string> = new Map();
