/**
 * Categorical crossentropy with its gradient in one pass on wasm (src/runtime/wasm/categorical-crossentropy.ts)
 * against tfjs-layers' own loss differentiated kernel by kernel on wasm: the loss and both gradients equal bit
 * for bit, with outputs that the clip cuts (near 0 and 1), soft targets and per-example weights; a model
 * compiled by compileForTraining trains to the same weights as one compiled with tfjs's loss; on the cpu
 * backend the loss is tfjs's own; with one output unit tfjs's check that refuses the loss stays.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileForTraining } from "../../src/runtime/metrics.js";
import { categoricalCrossentropy, crossentropyCounts } from "../../src/runtime/wasm/categorical-crossentropy.js";
import { valuesFrom } from "../helpers/kernel-oracle.js";
import { prepareBackends, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

type Loss = (target: tf.Tensor, output: tf.Tensor) => tf.Tensor;

/** The weighted loss's value and its gradients for the target and the output. */
function lossAndGradients(loss: Loss, target: tf.Tensor, output: tf.Tensor, weights: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const weighted = (t: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(loss(t, p), weights));
    const { value, grads } = tf.valueAndGrads(weighted)([target, output]);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const bits = (values: Float32Array[]) => values.map((v) => Array.from(v, (x) => (Number.isNaN(x) ? "NaN" : x)));

describe("categorical crossentropy on wasm", () => {
  it("equals tfjs's loss and gradients bit for bit", async () => {
    await useBackend("wasm");
    const before = crossentropyCounts.fused;
    const cases = [
      { rows: 16, classes: 10, scale: 2, soft: false },
      // Logits this far apart make probabilities below 1e-7 and above 1 - 1e-7, which the clip cuts.
      { rows: 16, classes: 10, scale: 40, soft: false },
      { rows: 7, classes: 3, scale: 5, soft: true },
      { rows: 12, classes: 5, scale: 60, soft: true },
    ];
    for (const [n, c] of cases.entries()) {
      tf.tidy(() => {
        const logits = tf.mul(tf.tensor(valuesFrom(n + 1, c.rows * c.classes), [c.rows, c.classes]), c.scale);
        const output = tf.softmax(logits);
        const raw = tf.tensor(valuesFrom(n + 50, c.rows * c.classes), [c.rows, c.classes]);
        const target = c.soft ? tf.softmax(raw) : tf.oneHot(tf.argMax(raw, 1), c.classes).toFloat();
        const weights = tf.abs(tf.tensor(valuesFrom(n + 99, c.rows), [c.rows]));
        const expected = lossAndGradients(tf.metrics.categoricalCrossentropy, target, output, weights);
        const actual = lossAndGradients(categoricalCrossentropy, target, output, weights);
        expect(bits(actual), `case ${n}`).toEqual(bits(expected));
      });
    }
    expect(crossentropyCounts.fused - before).toBe(cases.length);
    await useBackend("cpu");
  });

  it("trains a model to the weights tfjs's loss gives", async () => {
    await useBackend("wasm");
    const train = async (ours: boolean) => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 16, activation: "relu" }),
          tf.layers.dense({ units: 4, activation: "softmax" }),
        ],
      });
      model.setWeights(model.getWeights().map((w, i) => tf.tensor(valuesFrom(i + 5, w.size), w.shape)));
      const optimizer = tf.train.adam(0.05);
      if (ours) compileForTraining(model, { loss: "categorical_crossentropy", metrics: [] }, optimizer);
      else model.compile({ optimizer, loss: "categoricalCrossentropy" });
      const x = tf.tensor(valuesFrom(70, 24 * 12), [24, 12]);
      const y = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: 24 }, (_, i) => (i * 7) % 4),
            "int32",
          ),
          4,
        )
        .toFloat();
      for (let step = 0; step < 5; step++) await model.trainOnBatch(x, y);
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      tf.dispose([x, y]);
      model.dispose();
      return weights;
    };
    const before = crossentropyCounts.fused;
    const ours = await train(true);
    expect(crossentropyCounts.fused - before).toBe(5);
    expect(ours).toEqual(await train(false));
    await useBackend("cpu");
  });

  it("leaves tfjs's refusal of one output unit", async () => {
    await useBackend("wasm");
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1, activation: "softmax" })] });
    compileForTraining(model, { loss: "categorical_crossentropy", metrics: [] }, tf.train.adam());
    const [x, y] = [tf.ones([2, 3]), tf.ones([2, 1])];
    await expect(model.trainOnBatch(x, y)).rejects.toThrow(/categorical_crossentropy/);
    tf.dispose([x, y]);
    model.dispose();
    await useBackend("cpu");
  });

  it("is tfjs's own loss on the cpu backend", async () => {
    await useBackend("cpu");
    const before = crossentropyCounts.fused;
    const output = tf.softmax(tf.tensor(valuesFrom(3, 20), [4, 5]));
    const target = tf.oneHot(tf.tensor1d([0, 1, 4, 2], "int32"), 5).toFloat();
    const weights = tf.ones([4]);
    expect(lossAndGradients(categoricalCrossentropy, target, output, weights)).toEqual(
      lossAndGradients(tf.metrics.categoricalCrossentropy, target, output, weights),
    );
    expect(crossentropyCounts.fused).toBe(before);
    tf.dispose([output, target, weights]);
  });
});
