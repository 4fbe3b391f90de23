/**
 * nnc's LSTM (src/runtime/layers/fused-lstm.ts) on wasm, where it runs the whole sequence as one fused
 * operation, against tfjs's own LSTM on the cpu backend with the same weights: the outputs (sequences, final
 * states, backwards, initial states) and the gradients of a loss with respect to the input, the weights and the
 * initial states. The cases the fused path leaves to tfjs (a mask, dropout in training) still equal tfjs's;
 * a model with the layer saves under tfjs's class name and loads with the same outputs; bidirectional works.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { NncLSTM } from "../../src/runtime/layers/fused-lstm.js";
import { prepareBackends, relativeError, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

const tolerance = 1e-4;
const [batch, steps, features, units] = [3, 5, 4, 6];

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = (state / 2147483648) * 2 - 1;
  }
  return out;
}

const weightShapes = [[features, 4 * units], [units, 4 * units], [4 * units]];

interface Run {
  outputs: Float32Array[];
  /** Gradients of the loss: input, kernel, recurrent kernel, bias, then the initial states when given. */
  gradients: Float32Array[];
}

/**
 * Builds the layer (`fused`: nnc's, else tfjs's) with fixed weights on the current backend, applies it and
 * takes the gradients of `sum(output_k * w_k)` over its outputs.
 */
function run(
  fused: boolean,
  config: Record<string, unknown>,
  options: { initial?: boolean; training?: boolean } = {},
): Run {
  const layer = fused ? new NncLSTM({ units, ...config }) : tf.layers.lstm({ units, ...config });
  // Applying the layer once builds its weights, which are then replaced.
  tf.tidy(() => layer.apply(tf.zeros([batch, steps, features])) as tf.Tensor | tf.Tensor[]);
  const shapes = config["useBias"] === false ? weightShapes.slice(0, 2) : weightShapes;
  const weights = shapes.map((shape, i) =>
    tf.tensor(
      values(
        shape.reduce((a, b) => a * b, 1),
        7 + i,
      ),
      shape,
    ),
  );
  layer.setWeights(weights);
  tf.dispose(weights);
  const x = tf.tidy(() => tf.variable(tf.tensor(values(batch * steps * features, 3), [batch, steps, features])));
  const states = options.initial
    ? [0, 1].map((i) => tf.tidy(() => tf.variable(tf.tensor(values(batch * units, 11 + i), [batch, units]))))
    : [];
  const variables = [x, ...layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val), ...states];
  let outputs: Float32Array[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const kwargs: Record<string, unknown> = { training: options.training ?? true };
    if (options.initial) kwargs["initialState"] = states;
    // An earlier layer's output, freed before the backward pass as tfjs's models free them.
    const input = tf.mul(x, 1);
    const result = layer.apply(input, kwargs) as tf.Tensor | tf.Tensor[];
    input.dispose();
    const list = Array.isArray(result) ? result : [result];
    outputs = list.map((t) => t.dataSync() as Float32Array);
    return tf.addN(list.map((t, k) => tf.sum(tf.mul(t, tf.tensor(values(t.size, 101 + k), t.shape))))) as tf.Scalar;
  }, variables);
  const gradients = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads), x, ...states]);
  layer.dispose();
  return { outputs, gradients };
}

async function compare(config: Record<string, unknown>, options: { initial?: boolean } = {}): Promise<void> {
  await useBackend("cpu");
  const expected = run(false, config, options);
  await useBackend("wasm");
  const actual = run(true, config, options);
  await useBackend("cpu");
  expect(actual.outputs.length).toBe(expected.outputs.length);
  actual.outputs.forEach((output, i) => expect(relativeError(output, expected.outputs[i]!)).toBeLessThan(tolerance));
  expect(actual.gradients.length).toBe(expected.gradients.length);
  actual.gradients.forEach((gradient, i) =>
    expect(relativeError(gradient, expected.gradients[i]!), `gradient ${i}`).toBeLessThan(tolerance),
  );
}

describe("fused LSTM on wasm equals tfjs's LSTM on cpu", () => {
  const sigmoid = { recurrentActivation: "sigmoid" };
  it("last output", () => compare(sigmoid));
  it("sequences", () => compare({ ...sigmoid, returnSequences: true }));
  it("sequences and states", () => compare({ ...sigmoid, returnSequences: true, returnState: true }));
  it("last output and states, backwards", () => compare({ ...sigmoid, returnState: true, goBackwards: true }));
  it("sequences backwards", () => compare({ ...sigmoid, returnSequences: true, goBackwards: true }));
  it("tfjs's default hard sigmoid, no bias", () => compare({ returnSequences: true, useBias: false }));
  it("initial states", () => compare({ ...sigmoid, returnSequences: true, returnState: true }, { initial: true }));
  it("dropout outside training", async () => {
    await useBackend("cpu");
    const expected = run(false, { ...sigmoid, dropout: 0.5, recurrentDropout: 0.3 }, { training: false });
    await useBackend("wasm");
    const actual = run(true, { ...sigmoid, dropout: 0.5, recurrentDropout: 0.3 }, { training: false });
    await useBackend("cpu");
    expect(relativeError(actual.outputs[0]!, expected.outputs[0]!)).toBeLessThan(tolerance);
    expect(relativeError(actual.gradients[2]!, expected.gradients[2]!)).toBeLessThan(tolerance);
  });
});

/**
 * The layer's outputs without a gradient being taken (predict, evaluate: the fused path keeps nothing for a
 * backward pass), `fused` on wasm, else tfjs's on cpu; `shape`: batch, steps, features, units.
 */
async function infer(
  fused: boolean,
  config: Record<string, unknown>,
  shape: readonly [number, number, number, number],
  initial = false,
): Promise<Float32Array[]> {
  await useBackend(fused ? "wasm" : "cpu");
  const [b, t, f, u] = shape;
  const layer = fused ? new NncLSTM({ units: u, ...config }) : tf.layers.lstm({ units: u, ...config });
  tf.tidy(() => layer.apply(tf.zeros([b, t, f])) as tf.Tensor | tf.Tensor[]);
  layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(values(w.size, 7 + i), w.shape)));
  const outputs = tf.tidy(() => {
    const x = tf.tensor(values(b * t * f, 3), [b, t, f]);
    const states = [0, 1].map((i) => tf.tensor(values(b * u, 11 + i), [b, u]));
    const result = layer.apply(x, initial ? { initialState: states } : {}) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(result) ? result : [result]).map((y) => y.dataSync() as Float32Array);
  });
  layer.dispose();
  await useBackend("cpu");
  return outputs;
}

describe("without a gradient (predict), the fused LSTM equals tfjs's on cpu", () => {
  const small = [batch, steps, features, units] as const;
  const wide = { recurrentActivation: "sigmoid", recurrentInitializer: "glorotUniform" };
  const cases: [string, Record<string, unknown>, (readonly [number, number, number, number])?, boolean?][] = [
    ["last output", { recurrentActivation: "sigmoid" }],
    ["sequences and states", { recurrentActivation: "sigmoid", returnSequences: true, returnState: true }],
    ["last output and states, backwards", { recurrentActivation: "sigmoid", returnState: true, goBackwards: true }],
    ["hard sigmoid, sequences, initial states", { returnSequences: true, returnState: true }, small, true],
    // (The orthogonal initializer takes seconds for 64 units on cpu; the weights are replaced anyway.)
    ["64 units over 40 steps", { ...wide, returnSequences: true }, [9, 40, 16, 64]],
  ];
  for (const [name, config, shape, initial] of cases) {
    it(name, async () => {
      const expected = await infer(false, config, shape ?? small, initial);
      const actual = await infer(true, config, shape ?? small, initial);
      expect(actual.length).toBe(expected.length);
      actual.forEach((output, i) => expect(relativeError(output, expected[i]!)).toBeLessThan(tolerance));
    });
  }
});

it("runs a few kernels on wasm, not tfjs's dozens per step", async () => {
  await useBackend("wasm");
  const layer = new NncLSTM({ units, recurrentActivation: "sigmoid" });
  const x = tf.tensor(values(batch * steps * features, 3), [batch, steps, features]);
  tf.dispose(layer.apply(x) as tf.Tensor); // builds the weights (their initializers run kernels too)
  const profile = await tf.profile(() => layer.apply(x) as tf.Tensor);
  layer.dispose();
  await useBackend("cpu");
  expect(profile.kernels.length).toBeLessThan(steps * 4);
});

it("leaves no more tensors or wasm buffers behind than tfjs's own layer", async () => {
  await useBackend("wasm");
  const config = { recurrentActivation: "sigmoid", returnSequences: true, returnState: true };
  const left = (fused: boolean) => {
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    run(fused, config, { initial: true });
    return [tf.memory().numTensors - tensors, tf.engine().backend.numDataIds() - buffers];
  };
  left(true); // the first runs set up what tfjs keeps
  left(false);
  expect(left(true)).toEqual(left(false));
  await useBackend("cpu");
});

describe("the cases left to tfjs", () => {
  it("a mask from embedding(mask_zero) gives tfjs's outputs", async () => {
    const ids = tf.tensor(
      [
        [1, 2, 0, 0],
        [3, 0, 0, 0],
      ],
      [2, 4],
      "int32",
    );
    const outputs = async (fused: boolean, backend: "cpu" | "wasm") => {
      await useBackend(backend);
      const embedding = tf.layers.embedding({ inputDim: 5, outputDim: features, maskZero: true, inputShape: [4] });
      const lstm = fused
        ? new NncLSTM({ units, recurrentActivation: "sigmoid" })
        : tf.layers.lstm({ units, recurrentActivation: "sigmoid" });
      const model = tf.sequential({ layers: [embedding, lstm] });
      model.layers[0]!.setWeights([tf.tensor(values(5 * features, 5), [5, features])]);
      lstm.setWeights(
        weightShapes.map((shape, i) =>
          tf.tensor(
            values(
              shape.reduce((a, b) => a * b, 1),
              7 + i,
            ),
            shape,
          ),
        ),
      );
      const result = (model.predict(tf.tensor(ids.dataSync(), [2, 4], "int32")) as tf.Tensor).dataSync();
      model.dispose();
      return result;
    };
    const expected = await outputs(false, "cpu");
    const actual = await outputs(true, "wasm");
    await useBackend("cpu");
    expect(relativeError(actual, expected)).toBeLessThan(tolerance);
  });

  it("dropout in training runs tfjs's call: masked inputs change the output", async () => {
    await useBackend("wasm");
    const plain = run(true, { recurrentActivation: "sigmoid" });
    const dropped = run(true, { recurrentActivation: "sigmoid", dropout: 0.5 }, { training: true });
    await useBackend("cpu");
    expect(relativeError(dropped.outputs[0]!, plain.outputs[0]!)).toBeGreaterThan(1e-3);
  });
});

describe("models with the layer", () => {
  it("save under tfjs's class name and load with the same outputs", async () => {
    await useBackend("wasm");
    const model = tf.sequential({
      layers: [new NncLSTM({ units, recurrentActivation: "sigmoid", inputShape: [steps, features] })],
    });
    const x = tf.tensor(values(batch * steps * features, 3), [batch, steps, features]);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: {} as tf.io.ModelArtifactsInfo }),
      ),
    );
    expect(JSON.stringify(saved!.modelTopology)).toContain('"class_name":"LSTM"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers[0]).toBeInstanceOf(NncLSTM);
    expect(relativeError((loaded.predict(x) as tf.Tensor).dataSync(), before)).toBeLessThan(1e-6);
    expect(loaded.countParams()).toBe(4 * (features * units + units * units + units));
    await useBackend("cpu");
  });

  it("bidirectional builds both directions as nnc's layer and equals tfjs's on cpu", async () => {
    const outputs = async (fused: boolean, backend: "cpu" | "wasm") => {
      await useBackend(backend);
      const config = { units, recurrentActivation: "sigmoid" as const, returnSequences: true };
      const layer = tf.layers.bidirectional({
        layer: (fused ? new NncLSTM(config) : tf.layers.lstm(config)) as tf.RNN,
        inputShape: [steps, features],
      });
      const model = tf.sequential({ layers: [layer] });
      model.setWeights(model.getWeights().map((w, i) => tf.tensor(values(w.size, 20 + i), w.shape)));
      const directions = layer as unknown as { forwardLayer: object; backwardLayer: object };
      if (fused) expect(directions.backwardLayer).toBeInstanceOf(NncLSTM);
      const x = tf.tensor(values(batch * steps * features, 3), [batch, steps, features]);
      const result = (model.predict(x) as tf.Tensor).dataSync();
      model.dispose();
      return result;
    };
    const expected = await outputs(false, "cpu");
    const actual = await outputs(true, "wasm");
    await useBackend("cpu");
    expect(relativeError(actual, expected)).toBeLessThan(tolerance);
  });
});
