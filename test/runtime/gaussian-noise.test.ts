/**
 * gaussian_noise: Keras's GaussianNoise, active only while training. Without `seed` it is tfjs's layer; with
 * one, nnc's (tfjs 4.22's takes no seed), whose noise sequence depends on the seed alone.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import { buildModel, initBackend } from "../../src/runtime/index.js";
import { reloaded } from "../helpers/reload.js";

function build(call: string): tf.LayersModel {
  const { program } = checkSource(`model M {\n  input x: [200]\n  ${call}\n}`, "m.nn");
  return buildModel(program!.models[0]!);
}

/** The layer's output for `x` in the training phase, as fit runs it. */
function trained(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.layers[1]!.apply(x, { training: true }) as tf.Tensor).dataSync()));
}

describe("gaussian_noise", () => {
  beforeAll(() => initBackend("cpu"));
  const x = () => tf.ones([4, 200]);

  it("is the identity when the model predicts, with or without a seed", () => {
    for (const call of ["gaussian_noise(0.5)", "gaussian_noise(0.5, seed: 1)"]) {
      const model = build(call);
      expect(Array.from((model.predict(x()) as tf.Tensor).dataSync())).toEqual(new Array(800).fill(1));
    }
  });

  it("adds noise of the given standard deviation while training", () => {
    for (const call of ["gaussian_noise(0.5)", "gaussian_noise(0.5, seed: 1)"]) {
      const noise = trained(build(call), x()).map((v) => v - 1);
      const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
      const sd = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
      // 800 draws: the sample's deviation is within a few percent of 0.5, its mean within 0.1.
      expect(sd).toBeGreaterThan(0.4);
      expect(sd).toBeLessThan(0.6);
      expect(Math.abs(mean)).toBeLessThan(0.1);
    }
  });

  it("with a seed draws the same sequence in every model, new noise at every call", () => {
    const a = build("gaussian_noise(0.5, seed: 7)");
    const b = build("gaussian_noise(0.5, seed: 7)");
    const c = build("gaussian_noise(0.5, seed: 8)");
    const first = trained(a, x());
    const second = trained(a, x());
    expect(trained(b, x())).toEqual(first);
    expect(trained(b, x())).toEqual(second);
    expect(second).not.toEqual(first);
    expect(trained(c, x())).not.toEqual(first);
  });

  it("keeps its seed when saved and loaded back", async () => {
    const model = build("gaussian_noise(0.5, seed: 7)");
    const loaded = await reloaded(model);
    expect(loaded.layers[1]!.getClassName()).toBe("NncGaussianNoise");
    expect(loaded.layers[1]!.getConfig()["seed"]).toBe(7);
    expect(trained(loaded, x())).toEqual(trained(build("gaussian_noise(0.5, seed: 7)"), x()));
  });
});
