/**
 * A dropout layer's `seed:` (Keras's argument) must not fix its mask: tfjs 4.22 seeds every draw of a seeded
 * dropout with the same seed, so the layer would zero the same values at every step. nnc gives tfjs no seed;
 * the draws come from `Math.random`, which a run with `seed:` seeds, so training stays reproducible.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import { buildModel, initBackend } from "../../src/runtime/index.js";
import { seededRandom, withRandom } from "../../src/runtime/random.js";

function build(call: string, shape = "[4, 4, 8]"): tf.LayersModel {
  const { program } = checkSource(`model M {\n  input x: ${shape}\n  ${call}\n}`, "m.nn");
  return buildModel(program!.models[0]!);
}

/** Which values the layer zeroed in two training-phase calls, as fit calls it at two steps. */
function masks(model: tf.LayersModel, shape: number[]): number[][] {
  return [0, 1].map(() =>
    tf.tidy(() =>
      Array.from((model.layers[1]!.apply(tf.ones([2, ...shape]), { training: true }) as tf.Tensor).dataSync()).map(
        (v) => (v === 0 ? 0 : 1),
      ),
    ),
  );
}

describe("dropout with seed:", () => {
  beforeAll(() => initBackend("cpu"));

  for (const [call, shape] of [
    ["dropout(0.5, seed: 3)", [4, 4, 8]],
    ["spatial_dropout2d(0.5, seed: 3)", [4, 4, 8]],
    ["spatial_dropout1d(0.5, seed: 3)", [6, 8]],
  ] as const) {
    it(`${call}: a new mask at every step, the same sequence in a run seeded alike`, async () => {
      const dims = `[${shape.join(", ")}]`;
      const run = () => withRandom(seededRandom(11), async () => masks(build(call, dims), [...shape]));
      const [first, second] = await run();
      expect(second).not.toEqual(first);
      expect(await run()).toEqual([first, second]);
      expect(build(call, dims).layers[1]!.getConfig()["seed"]).toBeUndefined();
    });
  }
});
