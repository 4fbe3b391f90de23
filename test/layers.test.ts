/**
 * The layer registry against its oracle, tfjs itself: for each case the registry's output shape and
 * parameter counts must equal what tfjs 4.22 computes for a layer built from the registry's own
 * `{ factory, config }`. The calls it rejects are in layer-registry.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { layerKinds } from "../src/compiler/registry/layers/index.js";
import { dimValue } from "../src/compiler/ir/shapes.js";
import { accepted } from "./helpers/layer-cases.js";
import { asTfjs, buildTfjs, check, concrete, symbolSize, useCpuBackend, weightSize } from "./helpers/layer-oracle.js";

beforeAll(useCpuBackend);

describe("registry entries agree with tfjs 4.22", () => {
  for (const [kindName, cases] of Object.entries(accepted)) {
    describe(kindName, () => {
      for (const [source, inputs, dtype] of cases) {
        it(`${source} on ${JSON.stringify(inputs)}`, () => {
          const checked = check(source, inputs);
          expect(checked.diagnostics).toEqual([]);
          expect(checked.kind.name).toBe(kindName);
          const built = buildTfjs(checked.kind, checked.args!, inputs, dtype);
          expect(built.shapes).toEqual(checked.outputs!.map(asTfjs));
          const { trainable, nonTrainable } = checked.params!;
          expect(trainable + nonTrainable).toBe(built.layer.countParams());
          expect(trainable).toBe(built.layer.trainableWeights.map(weightSize).reduce((a, b) => a + b, 0));
          expect(nonTrainable).toBe(built.layer.nonTrainableWeights.map(weightSize).reduce((a, b) => a + b, 0));
          // Run it on data too: every fixed size must be the size tfjs produces, and a symbol the size it stands for.
          const ran = tf.tidy(() => {
            const data = inputs.map((shape) => tf.ones(concrete(shape), dtype));
            const out = built.layer.apply(data.length === 1 ? data[0]! : data) as tf.Tensor | tf.Tensor[];
            return (Array.isArray(out) ? out : [out]).map((t) => t.shape);
          });
          expect(ran.map((shape) => shape.length)).toEqual(checked.outputs!.map((shape) => shape.length + 1));
          checked.outputs!.forEach((shape, o) =>
            shape.forEach((d, i) => {
              if (d !== null) expect(ran[o]![i + 1]).toBe(dimValue(d, () => symbolSize));
            }),
          );
        });
      }
    });
  }

  it("covers every registered kind with at least two cases", () => {
    for (const kind of layerKinds) {
      // A kind tfjs lacks has no accepted call; its rejection is in layer-registry.test.ts.
      if (kind.factory === "") continue;
      expect(accepted[kind.name]?.length ?? 0, kind.name).toBeGreaterThanOrEqual(2);
    }
  });

  it("keeps a symbolic size where tfjs can only say unknown", () => {
    expect(check("conv2d(4, 3, padding: same)", [["h", "w", 3]]).outputs).toEqual([["h", "w", 4]]);
    expect(check("dense(3)", [["seq", 8]]).outputs).toEqual([["seq", 3]]);
    expect(
      check("add()", [
        ["seq", 1],
        ["seq", 4],
      ]).outputs,
    ).toEqual([["seq", 4]]);
    expect(check("lstm(2, return_state: true)", [["seq", 3]]).outputs).toEqual([[2], [2], [2]]);
  });
});
