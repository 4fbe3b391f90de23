/**
 * The traits that describe tfjs's behaviour, against tfjs itself: for one call of every layer kind, the tfjs
 * layer built from the registry's `{ factory, config }` is run on small tensors and asked what the lints
 * assume of it.
 *
 * - `keeps-mask`: tfjs's graph executor passes a mask on from the layer's inputs to its output
 *   (`supportsMasking`, then `computeMask` of the inputs' masks is not null, and null without them).
 *   `recurrent` layers do only with `return_sequences: true`.
 * - `makes-mask`: the layer makes a mask when its inputs carry none (embedding with `mask_zero: true`).
 * - `reads-mask`: the output changes when the layer is handed a mask (the executor's `kwargs.mask`).
 * - `training-only`: the identity at inference and not while training.
 *
 * Then one case of NN5009 that the traits decide: tfjs's dot takes masks but passes none on.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { hasTrait, layerKinds, type Trait } from "../src/compiler/registry/index.js";
import { buildModel, createLayer } from "../src/runtime/build.js";
import { samples, sequence, type Sample } from "./helpers/layer-cases.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
  // The cpu backend prints a "use tfjs-node" banner on its first write; these tests are about masks.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

/** The same kinds with `return_sequences: true`, where a recurrent layer passes its mask on. */
const sequenceSamples: Readonly<Record<string, Sample>> = {
  gru: ["x0 -> gru(2, return_sequences: true)"],
  lstm: ["x0 -> lstm(2, return_sequences: true)"],
  simple_rnn: ["x0 -> simple_rnn(2, return_sequences: true)"],
  bidirectional: ["x0 -> bidirectional(lstm(2, return_sequences: true))"],
};

interface Built {
  readonly layer: tf.layers.Layer;
  readonly inputs: tf.Tensor[];
  /** One mask per input: `[batch, steps]`, the last step masked. */
  readonly masks: tf.Tensor[];
}

/** Checks the sample with nnc and builds its layer in tfjs from the IR, with inputs of a batch of 2. */
function build(kind: string, [expression, shapes = [sequence]]: Sample): Built {
  const integer = hasTrait(kind, "makes-mask");
  const declared = shapes.map((s, i) => `  input x${i}: [${s.join(", ")}]${integer ? " int32" : ""}\n`).join("");
  const text = `model M {\n${declared}  y = ${expression}\n  output y\n}\n`;
  const checked = checkSource(text, "traits.nn");
  expect(
    checked.diagnostics.filter((d) => d.severity === "error"),
    text,
  ).toEqual([]);
  const layer = createLayer(checked.program!.models[0]!.layers.at(-1)!.tfjs);
  const inputs = shapes.map((shape, i) =>
    integer
      ? tf.tensor(
          [
            [0, 1, 2],
            [3, 0, 4],
          ],
          [2, ...shape],
          "int32",
        )
      : tf.randomUniform([2, ...shape], -1, 1, "float32", i + 1),
  );
  const masks = shapes.map((shape) =>
    tf.tensor([[...Array(shape[0]! - 1).fill(true), false], Array(shape[0]).fill(true)], [2, shape[0]!], "bool"),
  );
  layer.apply(inputs.length === 1 ? inputs[0]! : inputs);
  return { layer, inputs, masks };
}

/** What tfjs 4.22's executor does after running a layer: the output's mask (the first, for several) or null. */
function outputMask({ layer, inputs }: Built, masks: (tf.Tensor | null)[]): tf.Tensor | null {
  // The executor hands computeMask a list with null for an input without a mask; tfjs's type leaves null out.
  const mask = layer.supportsMasking ? layer.computeMask(inputs, masks as tf.Tensor[]) : null;
  return (Array.isArray(mask) ? mask[0] : mask) ?? null;
}

/** Whether the layer applies a mask it is handed: its output changes, or it fails (softmax on [steps, features]). */
function readsMask(built: Built): boolean {
  try {
    return !same(run(built), run(built, { mask: built.masks[0] }));
  } catch {
    return true;
  }
}

function run({ layer, inputs }: Built, kwargs: Record<string, unknown> = {}): tf.Tensor {
  const out = layer.apply(inputs.length === 1 ? inputs[0]! : inputs, kwargs);
  return Array.isArray(out) ? (out[0] as tf.Tensor) : (out as tf.Tensor);
}

function same(a: tf.Tensor, b: tf.Tensor): boolean {
  return JSON.stringify(a.shape) === JSON.stringify(b.shape) && tf.equal(a, b).all().dataSync()[0] === 1;
}

const available = layerKinds.filter((kind) => kind.factory !== "");

describe("layer traits against tfjs", () => {
  it("has a sample of every kind tfjs has, and the others have no traits", () => {
    expect(available.map((k) => k.name).filter((name) => !samples[name])).toEqual([]);
    expect(layerKinds.filter((k) => k.factory === "" && k.traits.length > 0).map((k) => k.name)).toEqual([]);
  });

  it.each(available.map((kind) => kind.name))("%s", (kind) => {
    tf.tidy(() => {
      const built = build(kind, samples[kind]!);
      const has = (trait: Trait) => hasTrait(kind, trait);
      const [passed, made] = [
        outputMask(built, built.masks),
        outputMask(
          built,
          built.masks.map(() => null),
        ),
      ];
      expect(passed !== null && made === null, "keeps-mask").toBe(has("keeps-mask"));
      expect(made !== null, "makes-mask").toBe(has("makes-mask"));
      expect(readsMask(built), "reads-mask").toBe(has("reads-mask"));
      const [input] = built.inputs;
      const identity = same(run(built, { training: false }), input!);
      expect(identity && !same(run(built, { training: true }), input!), "training-only").toBe(has("training-only"));
    });
  });

  it.each(Object.keys(sequenceSamples))("%s keeps the mask with return_sequences", (kind) => {
    expect(hasTrait(kind, "recurrent")).toBe(true);
    tf.tidy(() => {
      const built = build(kind, sequenceSamples[kind]!);
      expect(outputMask(built, built.masks)).not.toBeNull();
    });
  });
});

/**
 * `fixes-input-rank` and `fixes-input-shape`: a shared layer applied again to inputs of another rank (one more
 * leading axis) or another shape (the first axis one longer), where nnc's rules give the same parameter count,
 * is refused by tfjs (when applied, or when run) exactly for the kinds with the trait.
 */
describe("traits of a layer applied again", () => {
  function appliedAgain(kind: string, [expression, shapes = [sequence]]: Sample, change: (s: number[]) => number[]) {
    const integer = hasTrait(kind, "makes-mask");
    const model = (list: readonly (readonly number[])[]) => {
      const declared = list.map((s, i) => `  input x${i}: [${s.join(", ")}]${integer ? " int32" : ""}\n`).join("");
      const checked = checkSource(`model M {\n${declared}  y = ${expression}\n  output y\n}\n`, "again.nn");
      if (checked.diagnostics.some((d) => d.severity === "error")) return undefined;
      return checked.program!.models[0]!.layers.at(-1)!;
    };
    const first = model(shapes)!;
    const other = shapes.map((s) => change([...s]));
    const again = model(other);
    const total = (l: typeof first) => l.params.trainable + l.params.nonTrainable;
    // nnc's own rules refuse it, or give other weights: NN3017 either way, whatever the trait.
    if (!again || total(again) !== total(first)) return undefined;
    const layer = createLayer(first.tfjs);
    const dtype = integer ? "int32" : "float32";
    const symbolic = (list: readonly (readonly number[])[]) => list.map((s) => tf.input({ shape: [...s], dtype }));
    const applied = (inputs: tf.SymbolicTensor[] | tf.Tensor[]) =>
      layer.apply(inputs.length === 1 ? inputs[0]! : inputs);
    applied(symbolic(shapes));
    try {
      applied(symbolic(other));
      tf.tidy(() => void applied(other.map((s) => tf.ones([2, ...s], dtype))));
      return false;
    } catch {
      return true;
    }
  }

  it.each(available.map((kind) => kind.name))("%s", (kind) => {
    // A fixed shape is a fixed rank too.
    const shapeFixed = hasTrait(kind, "fixes-input-shape");
    const rank = appliedAgain(kind, samples[kind]!, (s) => [2, ...s]);
    if (rank !== undefined) expect(rank, "fixes-input-rank").toBe(shapeFixed || hasTrait(kind, "fixes-input-rank"));
    const shape = appliedAgain(kind, samples[kind]!, ([first, ...rest]) => [first! + 1, ...rest]);
    if (shape !== undefined) expect(shape, "fixes-input-shape").toBe(shapeFixed);
  });
});

describe("NN5009 reads the traits", () => {
  it("dot drops the mask: the softmax after it is handed the embedding's stale one, and tfjs fails on it", () => {
    const text = [
      "model M {",
      "  input ids: [6] int32",
      "  e = ids -> embedding(10, 4, mask_zero: true)",
      "  s = dot(e, e, axes: 2) -> softmax(axis: -1)",
      "  output s",
      "}",
    ].join("\n");
    const checked = checkSource(text, "dot.nn");
    const warned = checked.diagnostics.filter((d) => d.code === "NN5009");
    expect(warned.map((d) => d.message)).toEqual([expect.stringContaining("though its input has none")]);
    const model = buildModel(checked.program!.models[0]!);
    const ids = tf.tensor2d([0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 0, 8, 9], [3, 6], "int32");
    expect(() => tf.tidy(() => model.predict(ids))).toThrow(/broadcast/);
  });
});
