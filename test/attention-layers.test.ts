/**
 * Attention and position layers (nnc's runtime, tfjs 4.22 has none): the checker's output shapes and parameter
 * counts equal the built layers' and Keras's published figures, and the outputs equal a computation written
 * here in plain loops from the same weights (masks, causal attention, scores, dropout off at inference).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { at, buildSpec, errorCodes, expectClose, softmax, values } from "./helpers/attention-models.js";

beforeAll(useCpuBackend);

/**
 * Keras's figures. MultiHeadAttention: q/k/v kernels `d*h*k` with biases `h*k`, output `h*v*out + out`.
 * - num_heads=2, key_dim=2 on query [8, 16]: 3 * (16*4 + 4) + (4*16 + 16) = 204 + 80 = 284.
 * - The "Text classification with Transformer" example's MultiHeadAttention(num_heads=2, key_dim=32) on
 *   [200, 32]: 3 * (32*64 + 64) + (64*32 + 32) = 8,416; its TokenAndPositionEmbedding(200, 20000, 32) is
 *   Embedding(20000, 32) + Embedding(200, 32) = 646,400.
 * - Attention: 0, 1 with use_scale, 2 with use_scale and concat; AdditiveAttention: dim (16).
 * - keras-hub PositionEmbedding(200) on [200, 32]: 200*32; SinusoidalPositionEncoding: 0.
 */
const figures: readonly [inputs: string, body: string, params: number, shapes: (number | null)[][]][] = [
  ["input q: [8, 16]", "y = q -> multi_head_attention(q, num_heads: 2, key_dim: 2)", 284, [[null, 8, 16]]],
  ["input x: [200, 32]", "y = multi_head_attention(x, x, 2, 32)", 8416, [[null, 200, 32]]],
  [
    "input q: [3, 5]\ninput v: [4, 6]\ninput k: [4, 7]",
    "y, s = multi_head_attention(q, v, k, num_heads: 3, key_dim: 2, value_dim: 4, output_shape: [2, 3], return_attention_scores: true)",
    5 * 6 + 6 + (7 * 6 + 6) + (6 * 12 + 12) + (12 * 6 + 6),
    [
      [null, 3, 2, 3],
      [null, 3, 3, 4],
    ],
  ],
  ["input x: [4, 4, 6]", "y = multi_head_attention(x, x, 2, 3, use_bias: false)", 3 * 6 * 6 + 6 * 6, [[null, 4, 4, 6]]],
  ["input ids: [200] int32", "y = ids -> token_and_position_embedding(20000, 200, 32)", 646400, [[null, 200, 32]]],
  ["input q: [3, 16]\ninput v: [5, 16]", "y = attention(q, v)", 0, [[null, 3, 16]]],
  ["input q: [3, 16]\ninput v: [5, 16]", "y = attention(q, v, use_scale: true)", 1, [[null, 3, 16]]],
  ["input q: [3, 16]\ninput v: [5, 16]", "y = attention(q, v, true, concat)", 2, [[null, 3, 16]]],
  ["input q: [3, 16]\ninput v: [5, 8]\ninput k: [5, 16]", "y = additive_attention(q, v, k)", 16, [[null, 3, 8]]],
  ["input q: [3, 16]\ninput v: [5, 16]", "y = additive_attention(q, v, use_scale: false)", 0, [[null, 3, 16]]],
  ["input x: [200, 32]", "y = x -> position_embedding(200)", 6400, [[null, 200, 32]]],
  ["input x: [10, 32]", "y = x -> position_embedding(200)", 6400, [[null, 10, 32]]],
  ["input x: [10, 32]", "y = x -> sinusoidal_position_encoding()", 0, [[null, 10, 32]]],
];

describe("shapes and parameter counts", () => {
  it.each(figures)("%s: %s", (inputs, body, params, shapes) => {
    const { ir, model } = buildSpec(inputs, body);
    const layer = ir.layers.at(-1)!;
    expect(layer.params.trainable + layer.params.nonTrainable).toBe(params);
    expect(model.getLayer(layer.name).countParams()).toBe(params);
    expect(layer.outputShapes.map((s) => [null, ...s])).toEqual(shapes);
    const built = model.getLayer(layer.name).outputShape;
    expect(shapes.length === 1 ? [built] : built).toEqual(shapes);
  });

  it("refuses what Keras refuses or nnc cannot compute", () => {
    const seq = "input q: [3, 4]\ninput v: [5, 4]";
    expect(errorCodes(seq, "y = multi_head_attention(q, num_heads: 2, key_dim: 2)")).toEqual(["NN2015"]);
    expect(errorCodes("input q: [3, 4]\ninput v: [5]", "y = multi_head_attention(q, v, 2, 2)")).toEqual(["NN3001"]);
    expect(errorCodes(seq, "y = multi_head_attention(q, v, 2, 2, attention_axes: [1])")).toEqual([]);
    expect(errorCodes("input q: [3, 3, 4]", "y = multi_head_attention(q, q, 2, 2, attention_axes: 2)")).toEqual([
      "NN3007",
    ]);
    expect(errorCodes("input q: [3, 3, 4]", "y = multi_head_attention(q, q, 2, 2, use_causal_mask: true)")).toEqual([
      "NN3007",
    ]);
    expect(errorCodes(`${seq}\ninput m: [3, 4]`, "y = multi_head_attention(q, v, 2, 2, attention_mask: m)")).toEqual([
      "NN3007",
    ]);
    expect(errorCodes("input q: [3, 4]\ninput v: [5, 6]", "y = attention(q, v)")).toEqual(["NN3002"]);
    expect(errorCodes("input x: [201, 32]", "y = x -> position_embedding(200)")).toEqual(["NN3007"]);
    expect(errorCodes("input x: [4, 8]", "y = x -> layer_normalization(rms_scaling: true)")).toEqual(["NN3007"]);
    expect(errorCodes("input x: [4, 8]", "y = x -> layer_normalization(gamma_constraint: non_neg)")).toEqual([
      "NN3007",
    ]);
  });
});

/** Each layer's weights by their Keras name (`query/kernel`), as flat arrays. */
function weightsOf(layer: tf.layers.Layer): Record<string, Float32Array> {
  return Object.fromEntries(
    layer.weights.map((w) => [w.originalName.split("/").slice(1).join("/"), w.read().dataSync() as Float32Array]),
  );
}

/** `x[b, t, :] @ kernel[d, h, s] + bias[h, s]` for head `n`: a plain-loop dense projection. */
function project(x: Float32Array, xs: number[], w: Record<string, Float32Array>, name: string, h: number, s: number) {
  const [batch, steps, d] = xs as [number, number, number];
  const kernel = w[`${name}/kernel`]!;
  const bias = w[`${name}/bias`]!;
  return (b: number, n: number, t: number, j: number) => {
    let sum = bias[n * s + j]!;
    for (let i = 0; i < d; i++) sum += at(x, [batch, steps, d], b, t, i) * at(kernel, [d, h, s], i, n, j);
    return sum;
  };
}

describe("outputs against plain loops", () => {
  const [batch, tq, tv, dq, dv, dk, h, k, v] = [2, 3, 4, 5, 6, 3, 2, 2, 3];
  /** Whether a `[batch, mq, mv]` mask lets query step `t` attend to value step `s`: an axis of 1 broadcasts. */
  const maskAt = (mask: number[], [mq, mv]: readonly [number, number], b: number, t: number, s: number) =>
    at(mask, [batch, mq, mv], b, mq === 1 ? 0 : t, mv === 1 ? 0 : s) === 1;

  // An attention mask's axes of 1 broadcast (Keras's rule, which the checker allows).
  it.each([
    ["an attention mask and a key", [tq, tv], false],
    ["an attention mask of [1, Tv]", [1, tv], false],
    ["an attention mask of [Tq, 1]", [tq, 1], false],
    ["an attention mask of [1, 1]", [1, 1], false],
    ["a causal mask", null, true],
  ] as const)("multi_head_attention with %s, returning its scores", (_what, maskShape, causal) => {
    const query = tf.randomNormal([batch, tq, dq], 0, 1, "float32", 1);
    const value = tf.randomNormal([batch, tv, dv], 0, 1, "float32", 2);
    const key = tf.randomNormal([batch, tv, dk], 0, 1, "float32", 3);
    const withMask = maskShape !== null;
    const [mq, mv] = maskShape ?? [tq, tv];
    const mask = tf.tensor3d(
      Array.from({ length: batch * mq * mv }, (_, i) => (i % 3 === 1 ? 0 : 1)),
      [batch, mq, mv],
    );
    const inputs = `input q: [${tq}, ${dq}]\ninput v: [${tv}, ${dv}]\ninput k: [${tv}, ${dk}]\ninput m: [${mq}, ${mv}]`;
    const args = `num_heads: ${h}, key_dim: ${k}, value_dim: ${v}, dropout: 0.5, return_attention_scores: true`;
    const extra = withMask ? ", attention_mask: m" : ", use_causal_mask: true";
    const { ir, model } = buildSpec(inputs, `y, s2 = multi_head_attention(q, v, k, ${args}${extra})`);
    const layer = model.getLayer(ir.layers.at(-1)!.name);
    const applied = layer.apply(withMask ? [query, value, key, mask] : [query, value, key]) as tf.Tensor[];
    const [output, scores] = applied.map((t) => values(t));
    expect(applied.map((t) => t.shape)).toEqual([
      [batch, tq, dq],
      [batch, h, tq, tv],
    ]);

    const w = weightsOf(layer);
    const [qd, vd, kd] = [values(query), values(value), values(key)].map((a) => Float32Array.from(a));
    const pq = project(qd!, [batch, tq, dq], w, "query", h, k);
    const pk = project(kd!, [batch, tv, dk], w, "key", h, k);
    const pv = project(vd!, [batch, tv, dv], w, "value", h, v);
    const maskData = values(mask);
    const expectedScores: number[] = [];
    const expectedOutput: number[] = [];
    for (let b = 0; b < batch; b++) {
      const heads: number[][][] = []; // [head][t][v]
      for (let n = 0; n < h; n++) {
        heads.push([]);
        for (let t = 0; t < tq; t++) {
          const raw = Array.from({ length: tv }, (_, s) => {
            let dot = 0;
            for (let j = 0; j < k; j++) dot += (pq(b, n, t, j) / Math.sqrt(k)) * pk(b, n, s, j);
            return dot;
          });
          const allowed = raw.map((_, s) => (withMask ? maskAt(maskData, [mq, mv], b, t, s) : s <= t));
          const p = softmax(raw, allowed);
          expectedScores.push(...p);
          heads[n]!.push(Array.from({ length: v }, (_, j) => p.reduce((sum, ps, s) => sum + ps * pv(b, n, s, j), 0)));
        }
      }
      for (let t = 0; t < tq; t++) {
        for (let o = 0; o < dq; o++) {
          let sum = w["attention_output/bias"]![o]!;
          for (let n = 0; n < h; n++)
            for (let j = 0; j < v; j++)
              sum += heads[n]![t]![j]! * at(w["attention_output/kernel"]!, [h, v, dq], n, j, o);
          expectedOutput.push(sum);
        }
      }
    }
    expectClose(scores!, expectedScores);
    expectClose(output!, expectedOutput);
    // Dropout (0.5) is active only while training.
    const trained = layer.apply(withMask ? [query, value, key, mask] : [query, value, key], {
      training: true,
    }) as tf.Tensor[];
    expect(values(trained[0]!)).not.toEqual(output);
  });

  // With the causal mask and an attention mask whose axes of 1 broadcast.
  it.each([
    ["attention(q, v, k, use_scale: true)", [1, tv], "dot"],
    ["attention(q, v, k, use_scale: true, score_mode: concat)", [tq, 1], "concat"],
    ["additive_attention(q, v, k)", [1, 1], "additive"],
  ] as const)("%s, with an attention mask of %j", (call, [mq, mv], mode) => {
    const d = 4;
    const query = tf.randomNormal([batch, tq, d], 0, 1, "float32", 4);
    const value = tf.randomNormal([batch, tv, dv], 0, 1, "float32", 5);
    const key = tf.randomNormal([batch, tv, d], 0, 1, "float32", 6);
    const mask = tf.tensor3d(
      Array.from({ length: batch * mq * mv }, (_, i) => (i % 3 === 1 ? 0 : 1)),
      [batch, mq, mv],
    );
    const inputs = `input q: [${tq}, ${d}]\ninput v: [${tv}, ${dv}]\ninput k: [${tv}, ${d}]\ninput m: [${mq}, ${mv}]`;
    const { ir, model } = buildSpec(inputs, `y = ${call.replace(")", ", use_causal_mask: true, attention_mask: m)")}`);
    const layer = model.getLayer(ir.layers.at(-1)!.name);
    // Weights other than their initial values, so that a scale that is not applied shows.
    layer.setWeights(
      layer.weights.map((w) =>
        tf.fill(w.shape as number[], 0.7).add(
          tf
            .range(
              0,
              w.shape.reduce<number>((a, b) => a * b!, 1),
            )
            .reshape(w.shape as number[])
            .mul(0.1),
        ),
      ),
    );
    const output = values(layer.apply([query, value, key, mask]) as tf.Tensor);
    const maskData = values(mask);
    const w = weightsOf(layer);
    const [qd, vd, kd] = [values(query), values(value), values(key)];
    const expected: number[] = [];
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < tq; t++) {
        const raw = Array.from({ length: tv }, (_, s) => {
          let score = 0;
          for (let i = 0; i < d; i++) {
            const [qi, ki] = [at(qd, [batch, tq, d], b, t, i), at(kd, [batch, tv, d], b, s, i)];
            if (mode === "dot") score += qi * ki * w["scale"]![0]!;
            else if (mode === "concat") score += w["concat_score_weight"]![0]! * Math.tanh(w["scale"]![0]! * (qi + ki));
            else score += w["scale"]![i]! * Math.tanh(qi + ki);
          }
          return score;
        });
        const p = softmax(
          raw,
          raw.map((_, s) => s <= t && maskAt(maskData, [mq, mv], b, t, s)),
        );
        for (let j = 0; j < dv; j++)
          expected.push(p.reduce((sum, ps, s) => sum + ps * at(vd, [batch, tv, dv], b, s, j), 0));
      }
    }
    expectClose(output, expected);
  });

  it("position_embedding gives the first rows of its embeddings; sinusoidal_position_encoding keras-hub's formula", () => {
    const x = tf.randomNormal([batch, 3, 4]);
    const { ir, model } = buildSpec(
      "input x: [3, 4]",
      "e = x -> position_embedding(5)\ny = x -> sinusoidal_position_encoding(max_wavelength: 100)\nz = add(e, y)",
      "z",
    );
    const embedding = model.getLayer(ir.layers[0]!.name);
    const table = values(embedding.getWeights()[0]!);
    expectClose(values(embedding.apply(x) as tf.Tensor), [...table.slice(0, 12), ...table.slice(0, 12)]);
    const encoded = values(model.getLayer(ir.layers[1]!.name).apply(x) as tf.Tensor);
    const expected = Array.from({ length: 12 }, (_, n) => {
      const [p, i] = [Math.floor(n / 4), n % 4];
      const angle = p * Math.pow(1 / 100, (2 * Math.floor(i / 2)) / 4);
      return i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    });
    expectClose(encoded, [...expected, ...expected]);
  });

  it("token_and_position_embedding adds each id's row and its position's row, and masks id 0", () => {
    const { ir, model } = buildSpec(
      "input ids: [3] int32",
      "y = ids -> token_and_position_embedding(6, 4, 2, mask_zero: true)",
    );
    const layer = model.getLayer(ir.layers[0]!.name);
    const [tokens, positions] = layer.getWeights().map(values);
    const ids = tf.tensor2d([[5, 0, 2]], [1, 3], "int32");
    const expected = [5, 0, 2].flatMap((id, p) => [0, 1].map((j) => tokens![id * 2 + j]! + positions![p * 2 + j]!));
    expectClose(values(layer.apply(ids) as tf.Tensor), expected);
    expect(values(layer.computeMask(ids) as tf.Tensor)).toEqual([1, 0, 1]);
  });
});
