/**
 * `nnc predict --output NAME`: a tensor the model's body names, predicted from the saved run's inputs, on a
 * run trained here for a few epochs. The figures are checked against the layers' own weights applied by hand.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";
import { scratchFolder, trainRun, userError, type TrainedSpec } from "./helpers/runs.js";
import { initBackend, loadRun, predictionsCsv, predictRun, type SavedRun } from "../src/runtime/index.js";

const { dir: scratch, file } = scratchFolder("nnc-predict-output-");
const iris = join(repo, "examples", "data", "iris.csv");
// `squash` is one layer applied twice: `second` is its second use (the IR's squash:1).
const spec = file(
  "iris.nn",
  `model Iris {
  input measurements: [4]
  layer squash = dense(4, activation: tanh)
  first = measurements -> squash
  second = first -> squash
  code = second -> dense(2, activation: relu)
  dense(3, activation: softmax)
}

train Iris {
  data: csv(${JSON.stringify(iris)}, label: "species", normalize: standard)
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  batch_size: 16
  epochs: 3
  seed: 1
}
`,
);
const rows = file("rows.csv", "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n");
const run = join(scratch, "run");
let trained: TrainedSpec;
let saved: SavedRun;

beforeAll(async () => {
  await initBackend("cpu");
  trained = await trainRun(spec, run);
  saved = await loadRun(run);
});

/** `x -> dense layer `name` of the saved model` with its weights, by hand. */
function dense(x: tf.Tensor, name: string, activation: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const [kernel, bias] = saved.model.getLayer(name).getWeights();
  return activation(tf.add(tf.matMul(x, kernel!), bias!));
}

describe("nnc predict --output", () => {
  it("predicts a named tensor, a shared layer's second use included, as the layers compute it", () => {
    const output = (name: string) => predictRun(saved, rows, { spec: trained.model, name });
    const scaled = tf.tensor2d(output("measurements").rows as number[][]);
    // The input tensor is the row as the model sees it: scaled with the training statistics.
    const { shift, scale } = saved.preprocessing!.normalization!;
    expect(output("measurements").columns).toEqual([
      "measurements_0",
      "measurements_1",
      "measurements_2",
      "measurements_3",
    ]);
    expect(scaled.arraySync()[0]![0]).toBeCloseTo((5.1 - shift[0]!) / scale[0]!, 4);
    const layerOf = (name: string) => trained.model.tensors![name]!.node;
    expect(layerOf("second")).toBe(`${layerOf("first")}:1`);
    const first = dense(scaled, layerOf("first"), tf.tanh);
    const second = dense(first, layerOf("first"), tf.tanh);
    const code = dense(second, layerOf("code"), tf.relu);
    for (const [name, expected] of [
      ["first", first],
      ["second", second],
      ["code", code],
    ] as const) {
      const got = output(name);
      expect(got.columns).toEqual(Array.from({ length: expected.shape[1]! }, (_, i) => `${name}_${i}`));
      const want = expected.arraySync() as number[][];
      got.rows.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(want[r]![c]!, 5)));
    }
    expect(predictionsCsv(output("code")).split("\n")[0]).toBe("code_0,code_1");
  });

  it("refuses a name the model does not give, listing its names and the closest", async () => {
    expect(await userError(() => predictRun(saved, rows, { spec: trained.model, name: "secnod" }), scratch)).toBe(
      "error[NN4040]: model 'Iris' names no tensor 'secnod' (its tensors: measurements, first, second, code) (did you mean 'second'?)",
    );
  });

  it("refuses a name whose layer the saved model does not have (the spec changed since training)", async () => {
    const renamed = structuredClone(trained.model);
    (renamed.tensors as Record<string, { node: string; index: number }>)["code"] = { node: "code_layer", index: 0 };
    expect(await userError(() => predictRun(saved, rows, { spec: renamed, name: "code" }), scratch)).toBe(
      "error[NN4011]: the saved model has no layer 'code_layer', which computes 'code' in model 'Iris' of the spec: train it again",
    );
  });

  it("is nnc predict's --output, CSV or JSON, and the error is one line", () => {
    const cli = (...args: string[]) => nnc(["predict", spec, "--model", run, "--input", rows, ...args]);
    const csv = cli("--output", "code");
    expect(csv.status).toBe(0);
    expect(csv.stdout).toBe(predictionsCsv(predictRun(saved, rows, { spec: trained.model, name: "code" })));
    const json = cli("--output", "code", "--format", "json");
    expect(JSON.parse(json.stdout)).toHaveLength(2);
    expect(Object.keys(JSON.parse(json.stdout)[0])).toEqual(["code_0", "code_1"]);
    const wrong = cli("--output", "cod");
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toMatch(/^error\[NN4040\]: model 'Iris' names no tensor 'cod' .*\(did you mean 'code'\?\)\n$/);
  });
});
