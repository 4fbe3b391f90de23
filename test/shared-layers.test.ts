/**
 * Shared layers (`layer NAME = CALL`) and layers with several outputs (`seq, h, c = ... -> lstm(...)`): what the
 * checker proves is compared with the model tfjs builds from the IR (parameter counts, shapes, shared layer
 * objects), and the emitted TypeScript makes each shared layer once.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { emitTypeScript } from "../src/compiler/emit/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import type { IrModel } from "../src/compiler/ir/index.js";
import { buildModel, initBackend } from "../src/runtime/index.js";
import { marked } from "./helpers/marked.js";

beforeAll(async () => {
  await initBackend("cpu");
});

function model(text: string): IrModel {
  const result = checkSource(text, "m.nn");
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program!.models[0]!;
}

/** Each error's code and the text its span covers. */
function errors(text: string): [string, string][] {
  return checkSource(text, "m.nn")
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => [d.code, text.slice(d.span.start, d.span.end)]);
}

const siamese = `
block tower(units = 16)(x) {
  h = x -> conv2d(4, 3, activation: relu) -> flatten()
  return h -> dense(units, activation: relu)
}
model Siamese {
  input left: [8, 8, 1]
  input right: [8, 8, 1]
  layer encoder = tower(units: 8)
  a = left -> encoder
  b = right -> encoder
  layer head = dense(1, activation: sigmoid)
  out = concatenate(a, b) -> head
  output out
}
`;

describe("shared layers", () => {
  it("count a block instance's weights once, as tfjs does when the same layers are applied twice", () => {
    const ir = model(siamese);
    const built = buildModel(ir);
    // conv 3*3*1*4+4 = 40; dense 6*6*4*8+8 = 1160; head 16+1 = 17
    const summary = summarize(ir);
    expect(summary.totalParams).toBe(40 + 1160 + 17);
    expect(built.countParams()).toBe(summary.totalParams);
    // One tfjs layer per owner, each called twice (two inbound nodes).
    expect(built.getLayer("conv2d").inboundNodes.length).toBe(2);
    expect(built.getLayer("dense").inboundNodes.length).toBe(2);
    expect(summary.layers.find((l) => l.name === "dense")!.calls).toEqual([["flatten"], ["flatten:1"]]);
  });

  it("apply the same weights at every use: equal inputs give equal tower outputs", () => {
    const built = buildModel(model(siamese));
    const towers = tf.model({
      inputs: built.inputs,
      outputs: [built.getLayer("dense").getOutputAt(0), built.getLayer("dense").getOutputAt(1)] as tf.SymbolicTensor[],
    });
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, "float32", 3);
    const [a, b] = towers.predict([x, x]) as tf.Tensor[];
    expect(Array.from(a!.dataSync())).toEqual(Array.from(b!.dataSync()));
  });

  it("emit the layer object once and apply it at each use", async () => {
    const program = checkSource(siamese, "m.nn").program!;
    const code = await emitTypeScript(program);
    expect(code.match(/tf\.layers\s*\.dense\(/g)?.length).toBe(2);
    expect(code).toMatch(/const dense_layer = tf\.layers/);
    expect(code.match(/dense_layer\.apply\(/g)?.length).toBe(2);
  });

  it("share an embedding between two text inputs: one table, looked up for each", () => {
    const ir = model(`
model Duplicates {
  input question1: [12] int32
  input question2: [12] int32
  layer embed = embedding(1000, 16)
  layer encode = lstm(8)
  a = question1 -> embed -> encode
  b = question2 -> embed -> encode
  same = concatenate(a, b) -> dense(1, activation: sigmoid)
  output same
}`);
    const built = buildModel(ir);
    // embedding 1000*16, lstm 4*(16*8+8*8+8), dense 16+1: each once
    expect(summarize(ir).totalParams).toBe(16_000 + 800 + 17);
    expect(built.countParams()).toBe(summarize(ir).totalParams);
    expect(built.layers.filter((l) => l.getClassName() === "Embedding")).toHaveLength(1);
    const ids = tf.tensor2d([Array.from({ length: 12 }, (_, i) => i)], [1, 12], "int32");
    const towers = tf.model({
      inputs: built.inputs,
      outputs: [built.getLayer("lstm").getOutputAt(0), built.getLayer("lstm").getOutputAt(1)] as tf.SymbolicTensor[],
    });
    const [left, right] = towers.predict([ids, ids]) as tf.Tensor[];
    expect(Array.from(left!.dataSync())).toEqual(Array.from(right!.dataSync()));
  });

  it("refuse a use whose input the weights do not fit (NN3017), at the use", () => {
    const { text, spans } = marked(`
model M {
  input a: [4]
  input b: [5]
  layer d = dense(3)
  x = a -> d
  y = b -> <|d|>
}`);
    expect(errors(text)).toEqual([["NN3017", text.slice(spans[0]!.start, spans[0]!.end)]]);
  });

  it("refuse a later use that tfjs would refuse although the weights' sizes fit (NN3017), and allow what Keras allows", () => {
    const text = `
model M {
  input a: [3, 3, 6]
  input b: [7, 8, 6]
  input c: [6]
  input s1: [5, 6]
  input s2: [9, 6]
  layer td = time_distributed(dense(2))
  layer bn = batch_normalization()
  layer conv = conv1d(4, 2)
  layer fc = dense(2)
  w = a -> td
  x = b -> <|td|>
  y = c -> bn
  z = b -> <|bn|>
  p = s1 -> conv
  q = s2 -> conv
  r = a -> fc
  s = c -> fc
}`;
    const { text: plain, spans } = marked(text);
    expect(errors(plain)).toEqual(spans.map((span) => ["NN3017", plain.slice(span.start, span.end)]));
  });

  it("refuse a shared attention layer given one tensor twice at one use and two at another (NN3017)", () => {
    const text = `
model M {
  input a: [5, 8]
  input b: [5, 8]
  layer att = multi_head_attention(num_heads: 2, key_dim: 4)
  x = att(a, b)
  y = <|att(b, b)|>
  output x, y
}`;
    const { text: plain, spans } = marked(text);
    expect(errors(plain)).toEqual([["NN3017", plain.slice(spans[0]!.start, spans[0]!.end)]]);
  });

  it("say where a shared layer is misused (NN2027) or redefined (NN2008)", () => {
    const text = `
model M {
  input a: [4]
  layer d = dense(a)
  x = a -> d(4)
  layer x = dense(2)
  d = a -> dense(2)
}`;
    expect(errors(text).map(([code, covered]) => [code, covered])).toEqual([
      ["NN2027", "a"],
      ["NN2027", "4"],
      ["NN2008", "x"],
      ["NN2008", "d"],
    ]);
  });

  it("refuse a block instance that uses itself (NN2012) instead of recursing without end", () => {
    const text = `
block b()(x) {
  layer t = b()
  return x -> t
}
model M {
  input x: [4]
  b()
}`;
    expect(errors(text)).toEqual([["NN2012", "t"]]);
  });

  it("name the block instance and its layer when a later use does not fit (NN3017)", () => {
    const text = `
block b()(x) {
  return x -> dense(2)
}
model M {
  input x: [4]
  layer u = b()
  x -> u -> u
}`;
    const [d] = checkSource(text, "m.nn").diagnostics;
    expect([d!.code, text.slice(d!.span.start, d!.span.end)]).toEqual(["NN3017", "dense(2)"]);
    expect(d!.message).toContain("shared layer 'u' (its 'dense') was built for input [4]");
  });

  it("count each use of a block instance toward the expansion limit (NN3011): each use expands its body", () => {
    const text = `
block four()(x) {
  return x -> dense(4) -> dense(4) -> dense(4) -> dense(4)
}
model M {
  input x: [4]
  layer t = four()
  x -> t -> t -> t
}`;
    // 3 uses of 1 call + 4 layers, and the declaration: 16.
    const within = checkSource(text, "m.nn", undefined, { limits: { expandedLayers: 16 } });
    expect(within.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const past = checkSource(text, "m.nn", undefined, { limits: { expandedLayers: 15 } });
    expect(past.diagnostics.map((d) => d.code)).toEqual(["NN3011"]);
  });

  it("refuse what a declaration cannot mean (NN2027): tensor arguments, `_` as its name, another shared layer", () => {
    const text = `
model M {
  input x: [5, 4]
  input s: [3]
  layer g = gru(3, <|initial_state: [s]|>)
  layer <|_|> = dense(3)
  layer d = dense(3)
  layer h = <|d|>
  x -> g -> dense(2)
}`;
    const { text: plain, spans } = marked(text);
    expect(errors(plain)).toEqual(spans.map((span) => ["NN2027", plain.slice(span.start, span.end)]));
  });

  it("refuse a chain in a declaration with one error (NN2027) that says what to write", () => {
    const text = "model M {\n  input x: [4]\n  layer d = x -> dense(3)\n  y = x -> d\n}";
    expect(errors(text)).toEqual([["NN2027", "x -> dense(3)"]]);
  });

  it("make a new instance each time the declaration runs: in a repeat, each round has its own weights", () => {
    const ir = model(`
model M {
  input a: [4]
  h = a -> dense(4, activation: relu)
  repeat 3 {
    layer d = dense(4, activation: relu)
    h = h -> d -> d
  }
}`);
    expect(summarize(ir).totalParams).toBe(4 * 20);
    expect(buildModel(ir).countParams()).toBe(4 * 20);
  });
});

describe("layers with several outputs", () => {
  const seq2seq = `
model Seq2Seq {
  input encoder_inputs: [?, 71]
  input decoder_inputs: [?, 93]
  _, h, c = encoder_inputs -> lstm(256, return_state: true)
  seq, _, _ = decoder_inputs -> lstm(256, return_sequences: true, return_state: true, initial_state: [h, c])
  out = seq -> dense(93, activation: softmax)
  output out
}`;

  it("bind each output, and start a layer from named states: Keras's character-level seq2seq", () => {
    expect(summarize(model(seq2seq)).totalParams).toBe(718_173);
    // The same graph at latent 16 (tfjs's orthogonal initializer takes minutes on 256 x 1024 on the cpu backend).
    const small = model(seq2seq.replaceAll("256", "16"));
    const built = buildModel(small);
    // encoder 4*(71*16+16*16+16) + decoder 4*(93*16+16*16+16) + dense 16*93+93
    expect(built.countParams()).toBe(summarize(small).totalParams);
    expect(built.countParams()).toBe(4 * (71 * 16 + 16 * 16 + 16) + 4 * (93 * 16 + 16 * 16 + 16) + 16 * 93 + 93);
    const y = built.predict([tf.zeros([2, 5, 71]), tf.zeros([2, 7, 93])]) as tf.Tensor;
    expect(y.shape).toEqual([2, 7, 93]);
  });

  it("refuse a call with several outputs where one tensor is expected, at the call (NN3016)", () => {
    const text = `
model M {
  input x: [5, 3]
  y = x -> lstm(4, return_state: true) -> dense(2)
  a, b = x -> lstm(4, return_state: true)
  p, q = x -> dense(2)
}`;
    expect(errors(text)).toEqual([
      ["NN3016", "lstm"],
      ["NN3016", "lstm"],
      ["NN3016", "dense"],
    ]);
  });

  it("start a bidirectional layer from forward then backward states, as tfjs does", () => {
    const ir = model(`
model M {
  input x: [5, 3]
  _, hf, cf, hb, cb = x -> bidirectional(lstm(4, return_state: true))
  y = x -> bidirectional(lstm(4), initial_state: [hf, cf, hb, cb])
  output y
}`);
    const built = buildModel(ir);
    expect(built.countParams()).toBe(summarize(ir).totalParams);
    expect((built.predict(tf.ones([2, 5, 3])) as tf.Tensor).shape).toEqual([2, 8]);
  });

  it("refuse one name bound twice in one assignment (NN2008), and apply a bare call to the first named output", () => {
    expect(errors("model M {\n  input x: [5, 4]\n  a, a = x -> gru(3, return_state: true)\n}")).toEqual([
      ["NN2008", "a"],
    ]);
    const ir = model("model M {\n  input x: [5, 4]\n  _, h = x -> gru(3, return_state: true)\n  dense(2)\n}");
    expect(ir.layers.at(-1)!.inputs).toEqual([{ node: "gru", index: 1 }]);
  });

  it("report a block's result bound to several names at the block's call (NN3016)", () => {
    const text = "block b()(x) {\n  return x -> dense(2)\n}\nmodel M {\n  input x: [4]\n  y, s = x -> b()\n}";
    expect(errors(text)).toEqual([["NN3016", "b"]]);
  });

  it("say what to write instead: `_` is not readable, a list of a merge's inputs loses its brackets, self-attention", () => {
    const hints = (text: string) => checkSource(text, "m.nn").diagnostics.map((d) => [d.code, d.hint]);
    const head = "model M {\n  input q: [10, 8]\n  input v: [12, 8]\n";
    expect(hints(`${head}  _, h = q -> gru(3, return_state: true)\n  output _\n}`)).toEqual([
      ["NN2002", "`_` drops the output bound to it: bind that output to a name to read it"],
    ]);
    expect(hints(`${head}  attention([q, v])\n}`)).toEqual([
      ["NN2017", "pass the tensors without brackets: attention(q, v)"],
    ]);
    const [[code, hint]] = hints(`${head}  a = q -> multi_head_attention(num_heads: 2, key_dim: 4)\n}`);
    expect(code).toBe("NN2015");
    expect(hint).toContain("x -> multi_head_attention(x, ...) with itself");
  });

  it("check initial states against the layer's states", () => {
    const text = `
model M {
  input x: [5, 3]
  input h: [4]
  input big: [5]
  a = x -> lstm(4, initial_state: [h])
  b = x -> gru(4, initial_state: [big])
  c = x -> gru(4, initial_state: [nope])
  d = x -> gru(4, initial_state: 3)
}`;
    expect(errors(text)).toEqual([
      ["NN3007", "[h]"],
      ["NN3007", "[big]"],
      ["NN2002", "nope"],
      ["NN2005", "3"],
    ]);
  });
});
