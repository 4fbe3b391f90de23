/**
 * A frozen batch normalization runs in inference mode, as Keras's (TF2) does: with `trainable: false`, set on
 * the layer or by a model call, it normalizes with its moving mean and variance while training and leaves
 * them alone; tfjs 4.22's own layer ignores `trainable` there. Unfrozen, or once fine-tuning unfreezes it, it
 * trains with the batch's statistics as before. Frozen layers save and load with tf.loadLayersModel.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { trainModel } from "../src/runtime/index.js";
import { buildSpec, expectClose, values } from "./helpers/attention-models.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { reloaded } from "./helpers/reload.js";
import { scratchFolder } from "./helpers/runs.js";

beforeAll(useCpuBackend);

const x = tf.randomNormal([8, 3], 2, 3, "float32", 5);
const y = tf.randomNormal([8, 3], 0, 1, "float32", 6);

/** `dense(3) -> batch_normalization(ARGS)`, with moving statistics away from the batch's. */
function withBatchNorm(args: string) {
  const { model } = buildSpec("input x: [3]", `y = x -> dense(3) -> batch_normalization(${args})`);
  const layer = model.layers.at(-1)!;
  layer.setWeights([tf.tensor1d([1, 2, 3]), tf.tensor1d([0.5, 0, -0.5]), tf.tensor1d([1, -1, 0]), tf.ones([3])]);
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
  return { model, layer };
}

const weightsOf = (layer: tf.layers.Layer) => layer.getWeights().map(values);

/** What the layer gives in training mode and in inference mode for `x`. */
function outputs(model: tf.LayersModel) {
  const training = model.apply(x, { training: true }) as tf.Tensor;
  return { training: values(training), inference: values(model.predict(x) as tf.Tensor) };
}

describe("batch_normalization(trainable: false)", () => {
  it("keeps its moving statistics and gamma and beta through training steps", async () => {
    const { model, layer } = withBatchNorm("trainable: false");
    expect(layer.getClassName()).toBe("NncBatchNormalization");
    const before = weightsOf(layer);
    for (let step = 0; step < 3; step++) await model.trainOnBatch(x, y);
    expect(weightsOf(layer)).toEqual(before);
  });

  it("gives in training what it gives in inference: the moving statistics, not the batch's", () => {
    const { model } = withBatchNorm("trainable: false");
    const { training, inference } = outputs(model);
    expect(training).toEqual(inference);
  });

  it("trains as before when unfrozen, and again once fine-tuning sets trainable", async () => {
    for (const args of ["", "trainable: false"]) {
      const { model, layer } = withBatchNorm(args);
      // What fine-tuning does to the layers it unfreezes, then a new optimizer (Keras's recompile).
      layer.trainable = true;
      model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
      const { training, inference } = outputs(model);
      expect(training).not.toEqual(inference);
      // In training, each feature of the batch comes out with gamma's spread around beta.
      const hidden = model.layers[1]!.apply(x) as tf.Tensor;
      const { mean, variance } = tf.moments(hidden, 0);
      const expected = tf.add(
        tf.mul(tf.div(tf.sub(hidden, mean), tf.sqrt(tf.add(variance, 1e-3))), tf.tensor1d([1, 2, 3])),
        tf.tensor1d([0.5, 0, -0.5]),
      );
      expectClose(training, values(expected));
      const before = weightsOf(layer);
      await model.trainOnBatch(x, y);
      weightsOf(layer).forEach((w, i) => expect(w, `weight ${i}`).not.toEqual(before[i]));
    }
  });

  it("saves and loads with tf.loadLayersModel, still frozen", async () => {
    const { model } = withBatchNorm("trainable: false");
    const loaded = await reloaded(model);
    const layer = loaded.layers.at(-1)!;
    expect([layer.getClassName(), layer.trainable]).toEqual(["NncBatchNormalization", false]);
    expect(outputs(loaded).training).toEqual(outputs(model).inference);
    loaded.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const before = weightsOf(layer);
    await loaded.trainOnBatch(x, y);
    expect(weightsOf(layer)).toEqual(before);
  });
});

describe("a model called with trainable: false, then fine-tuned", () => {
  const { file } = scratchFolder("nnc-frozen-bn-");
  const rows = Array.from({ length: 48 }, (_, i) => [i % 7, (i * 5) % 11, (i % 7) - ((i * 5) % 11) / 2]);
  file("points.csv", ["a,b,t", ...rows.map((row) => row.join(","))].join("\n") + "\n");
  const spec = (fineTune: string) =>
    file(
      "small.nn",
      `model Base {
  input p: [2]
  features = p -> dense(4) -> batch_normalization(momentum: 0.5)
  features -> dense(2, activation: softmax)
}

model Small {
  input p: [2]
  p -> Base(until: features, trainable: false) -> dense(1)
}

train Small {
  data: csv("points.csv", label: "t")
  loss: mse
  optimizer: adam(learning_rate: 0.01)
  batch_size: 16
  epochs: 2
  seed: 3
  ${fineTune}
}
`,
    );
  const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
  const movingStatistics = async (fineTune: string) => {
    const { program, diagnostics } = checkFile(spec(fineTune));
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const run = await trainModel(
      program!.models.find((m) => m.name === "Small")!,
      program!.trains[0]!,
      {
        output: quiet,
      },
    );
    const layer = run.model.getLayer("Base/batch_normalization");
    const [mean, variance] = layer.getWeights().slice(2).map(values);
    run.model.dispose();
    return { mean: mean!, variance: variance! };
  };

  it("leaves the base's moving statistics at their initial values", async () => {
    expect(await movingStatistics("")).toEqual({ mean: [0, 0, 0, 0], variance: [1, 1, 1, 1] });
  });

  it("moves them once fine_tune unfreezes the base", async () => {
    const { mean, variance } = await movingStatistics("fine_tune: fine_tune(epochs: 1, learning_rate: 1e-3)");
    expect(mean).not.toEqual([0, 0, 0, 0]);
    expect(variance).not.toEqual([1, 1, 1, 1]);
  });
});
