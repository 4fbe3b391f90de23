/**
 * A model with every attention and position kind (nnc's runtime layers) saves, loads with tf.loadLayersModel to
 * the same predictions, and trains: one step of fit changes every weight of them (gradients flow through).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect, it } from "vitest";
import "../src/runtime/index.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { reloaded } from "./helpers/reload.js";
import { buildSpec } from "./helpers/attention-models.js";

beforeAll(useCpuBackend);

const inputs = "input ids: [6] int32\ninput m: [6, 6]";
const body = [
  "x = ids -> token_and_position_embedding(10, 8, 8)",
  "p = x -> position_embedding(6)",
  "e = x -> sinusoidal_position_encoding()",
  "h = add(x, p, e)",
  // Self-attention with a residual: tfjs 4.22's executor would dispose h before add(h, d) reads it, were the
  // layer applied to h twice (attention.ts applies it to each distinct tensor once).
  "a = h -> multi_head_attention(h, num_heads: 2, key_dim: 4, dropout: 0.1, attention_mask: m)",
  "c = attention(a, h, use_scale: true, score_mode: concat, use_causal_mask: true)",
  "d = additive_attention(c, h)",
  "n = add(h, d) -> layer_normalization(epsilon: 1e-6)",
  "y = n -> global_average_pooling1d() -> dense(2, activation: softmax)",
].join("\n");

const data = () => [
  tf.tensor2d(
    [
      [1, 2, 3, 4, 0, 0],
      [5, 6, 7, 8, 9, 1],
    ],
    [2, 6],
    "int32",
  ),
  tf.tensor3d(
    Array.from({ length: 72 }, (_, i) => (i % 5 === 4 ? 0 : 1)),
    [2, 6, 6],
  ),
];

it("saves and loads with tf.loadLayersModel to the same predictions", async () => {
  const { model } = buildSpec(inputs, body);
  const loaded = await reloaded(model);
  expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
  const [before, after] = [model, loaded].map((m) => Array.from((m.predict(data()) as tf.Tensor).dataSync()));
  expect(after).toEqual(before);
});

it("trains: one step of fit changes every weight of the attention and position layers", async () => {
  const { ir, model } = buildSpec(inputs, body);
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  const own = ir.layers.filter((l) => l.tfjs.namespace === "nnc").map((l) => model.getLayer(l.name));
  const weights = own.flatMap((layer) => layer.weights);
  expect(weights.length).toBe(8 + 2 + 2 + 1 + 1);
  const before = weights.map((w) => Array.from(w.read().dataSync()));
  await model.fit(
    data(),
    tf.tensor2d([
      [1, 0],
      [0, 1],
    ]),
    { epochs: 1, batchSize: 2, verbose: 0 },
  );
  const changed = weights.filter(
    (w, i) => JSON.stringify(Array.from(w.read().dataSync())) !== JSON.stringify(before[i]),
  );
  expect(changed.map((w) => w.originalName)).toEqual(weights.map((w) => w.originalName));
});

/**
 * A mask with an axis of 1 broadcasts as Keras broadcasts it: the model predicts what the same weights predict
 * with that mask written out in full as `[5, 5]` (the full mask's outputs are checked against plain loops in
 * attention-layers.test.ts), and fit trains through it.
 */
it.each([
  [1, 5],
  [5, 1],
  [1, 1],
])("multi_head_attention with an attention mask of [%i, %i] predicts as the full mask and trains", async (mq, mv) => {
  const body = "y = q -> multi_head_attention(q, num_heads: 2, key_dim: 4, attention_mask: mask)";
  const broadcast = buildSpec(`input q: [5, 8]\ninput mask: [${mq}, ${mv}]`, body).model;
  const full = buildSpec("input q: [5, 8]\ninput mask: [5, 5]", body).model;
  full.setWeights(broadcast.getWeights());
  const q = tf.randomNormal([3, 5, 8], 0, 1, "float32", 7);
  const mask = tf.tensor3d(
    Array.from({ length: 3 * mq * mv }, (_, i) => (i % 4 === 1 ? 0 : 1)),
    [3, mq, mv],
  );
  const predicted = broadcast.predict([q, mask]) as tf.Tensor;
  const expected = full.predict([q, tf.broadcastTo(mask, [3, 5, 5])]) as tf.Tensor;
  expect(Array.from(predicted.dataSync())).toEqual(Array.from(expected.dataSync()));

  broadcast.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
  const before = broadcast.getWeights().map((w) => Array.from(w.dataSync()));
  const history = await broadcast.fit([q, mask], tf.zeros([3, 5, 8]), { epochs: 1, batchSize: 3, verbose: 0 });
  expect(Number.isFinite(history.history["loss"]![0])).toBe(true);
  expect(broadcast.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(before);
});
