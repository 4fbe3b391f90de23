/**
 * The PyTorch module text (module.ts) without PyTorch: the class for a small model, NN6001 at the call of a
 * layer it cannot express, and state dict maps whose shapes hold exactly nnc's parameters. That the module
 * computes what tfjs computes is pytorch-parity.test.ts's.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile, checkSource } from "../src/compiler/index.js";
import { emitTorchModule, torchHelpers, torchStateDict } from "../src/compiler/emit/pytorch/module.js";
import type { IrModel } from "../src/compiler/ir/index.js";
import { marked } from "./helpers/marked.js";
import { python } from "./helpers/torch.js";

function modelOf(text: string): IrModel {
  const checked = checkSource(text, "torch.nn");
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return checked.program!.models[0]!;
}

const small = `model Small {
  input image: [8, 8, 1]
  input extra: [3]
  layer shared = dense(4, activation: relu)
  c = image -> conv2d(4, 3, padding: same, activation: relu) -> max_pooling2d() -> batch_normalization()
  f = c -> flatten() -> dropout(0.25) -> dense(8)
  e = extra -> shared
  g = extra -> rescaling(2) -> shared
  y = concatenate(f, e, g) -> dense(3, activation: softmax)
  output y, e
}
`;

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe("the PyTorch module of a model", () => {
  it("is a class a person would write: one attribute per layer with weights, a commented forward", () => {
    const emitted = emitTorchModule(modelOf(small));
    expect(emitted.diagnostics).toEqual([]);
    expect(emitted.helpers).toEqual(["tfjs_fans", "keras_initial", "keras_init_", "BatchNorm"]);
    expect(emitted.code).toBe(`class Small(nn.Module):
    """Model Small, compiled by nnc.

    Tensors in and out are channels-last, as in tfjs; the comment beside each statement gives the
    layer's output shape as tfjs has it (channels-last) and its parameter count.
    """

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(1, 4, 3, padding=1)
        self.batch_normalization = BatchNorm(4, eps=0.001, momentum=0.01)
        self.dropout = nn.Dropout(0.25)
        self.dense = nn.Linear(64, 8)
        self.dense_1 = nn.Linear(3, 4)
        self.dense_2 = nn.Linear(16, 3)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight as tfjs initializes it (see keras_init_), not as PyTorch would."""
        keras_init_(self.conv2d.weight, "glorotUniform", (3, 3, 1, 4), permute=(3, 2, 0, 1))
        keras_init_(self.conv2d.bias, "zeros", (4,))
        keras_init_(self.batch_normalization.weight, "ones", (4,))
        keras_init_(self.batch_normalization.bias, "zeros", (4,))
        keras_init_(self.batch_normalization.running_mean, "zeros", (4,))
        keras_init_(self.batch_normalization.running_var, "ones", (4,))
        keras_init_(self.dense.weight, "glorotUniform", (64, 8), permute=(1, 0))
        keras_init_(self.dense.bias, "zeros", (8,))
        keras_init_(self.dense_1.weight, "glorotUniform", (3, 4), permute=(1, 0))
        keras_init_(self.dense_1.bias, "zeros", (4,))
        keras_init_(self.dense_2.weight, "glorotUniform", (16, 3), permute=(1, 0))
        keras_init_(self.dense_2.bias, "zeros", (3,))

    def forward(self, image, extra):
        x = torch.relu(self.conv2d(image.permute(0, 3, 1, 2)))  # (None, 8, 8, 4), 40 params
        x = F.max_pool2d(x, 2, 2)  # (None, 4, 4, 4), 0 params
        x = self.batch_normalization(x)  # (None, 4, 4, 4), 16 params
        x = torch.flatten(x.permute(0, 2, 3, 1), 1)  # (None, 64), 0 params
        x = self.dropout(x)  # (None, 64), 0 params
        dense = self.dense(x)  # (None, 8), 520 params
        dense_1 = torch.relu(self.dense_1(extra))  # (None, 4), 16 params
        x = extra * 2  # (None, 3), 0 params
        x = torch.relu(self.dense_1(x))  # (None, 4), the weights of dense_1
        x = torch.cat([dense, dense_1, x], dim=-1)  # (None, 16), 0 params
        x = torch.softmax(self.dense_2(x), dim=-1)  # (None, 3), 51 params
        return x, dense_1
`);
  });

  it("maps each weight to its state dict key: a shared layer once, batch normalization's statistics too", () => {
    const map = emitTorchModule(modelOf(small)).stateDict;
    expect(map.layers.map((l) => `${l.layer}:${l.attribute}:${l.links.map((k) => k.torch).join(",")}`)).toEqual([
      "conv2d:conv2d:weight,bias",
      "batch_normalization:batch_normalization:weight,bias,running_mean,running_var",
      "dense:dense:weight,bias",
      "dense_1:dense_1:weight,bias",
      "dense_2:dense_2:weight,bias",
    ]);
    expect(map.layers[0]!.links[0]).toEqual({
      torch: "weight",
      torchShape: [4, 1, 3, 3],
      tfjs: 0,
      tfjsShape: [3, 3, 1, 4],
      permute: [3, 2, 0, 1],
    });
    expect(torchStateDict(modelOf(small))).toEqual(map);
  });

  it("names a layer copied from another model by its prefixed name, frozen as the call says", () => {
    const emitted = emitTorchModule(checkFile("examples/transfer.nn").program!.models[0]!);
    expect(emitted.code).toContain("self.FashionBase_conv2d = nn.Conv2d(1, 16, 3).requires_grad_(False)");
    expect(emitted.stateDict.layers[0]).toMatchObject({ layer: "FashionBase/conv2d", attribute: "FashionBase_conv2d" });
  });

  it("reports NN6003 at a model call's weights: value, which the script would not load", () => {
    const { text, spans } = marked(`model Base {
  input image: [8, 8, 1]
  features = image -> conv2d(4, 3) -> flatten()
  features -> dense(2)
}

model Transfer {
  input image: [8, 8, 1]
  features = image -> Base(weights: <|"runs/Base"|>, until: features, trainable: false)
  features -> dense(3)
}
`);
    const checked = checkSource(text, "/specs/torch.nn");
    const model = checked.program!.models[1]!;
    const found = emitTorchModule(model).diagnostics;
    expect(found.map((d) => [d.code, d.span])).toEqual([["NN6003", spans[0]]]);
    expect(found[0]!.message).toContain("'runs/Base'");
    // The weight bridge maps a run of the whole model, which holds every weight.
    expect(Array.isArray(torchStateDict(model))).toBe(false);
  });

  it("reports NN6001 at the call of a layer it cannot express, naming the kind and why", () => {
    const { text, spans } = marked(`model M {
  input x: [8, 8, 3]
  y = x -> <|random_rotation(0.1)|> -> dense(2, kernel_regularizer: l2(0.01)) -> flatten()
  output y
}
`);
    const model = modelOf(text);
    const found = emitTorchModule(model).diagnostics;
    expect(found.map((d) => [d.code, d.span])).toEqual([
      ["NN6001", spans[0]],
      ["NN6001", model.layers[1]!.location.span],
    ]);
    expect(found[0]!.message).toContain("'random_rotation'");
    expect(found[1]!.message).toContain("kernel_regularizer");
    expect(torchStateDict(model)).toEqual(found);
  });

  it("reports NN6001 once for a layer of a block called twice, with the calls, in source order", () => {
    const { text, spans } = marked(`block aug() (x) {
  return x -> <|random_zoom(0.1)|>
}

model M {
  input x: [8, 8, 3]
  y = x -> <|random_rotation(0.1)|> -> <|aug()|> -> <|aug()|> -> flatten()
  output y
}
`);
    const found = emitTorchModule(modelOf(text)).diagnostics;
    expect(found.map((d) => [d.code, d.span])).toEqual([
      ["NN6001", spans[0]],
      ["NN6001", spans[1]],
    ]);
    expect(found[0]!.related?.map((r) => r.span)).toEqual([spans[2], spans[3]]);
  });

  it("reports NN6001 for a layer that would read an embedding's mask, which only recurrent layers take", () => {
    const { text, spans } = marked(`model M {
  input ids: [6] int32
  y = ids -> embedding(10, 4, mask_zero: true) -> <|softmax()|>
  output y
}
`);
    expect(emitTorchModule(modelOf(text)).diagnostics.map((d) => [d.code, d.span])).toEqual([["NN6001", spans[0]]]);
  });

  it("prints each helper once", () => {
    const text = torchHelpers(["pad_same", "same_pads", "pad_same", "PReLU"]);
    expect(text.match(/^def pad_same/gm)).toHaveLength(1);
    expect(text.match(/^(def|class) /gm)).toHaveLength(3);
  });
});

describe("the examples as PyTorch modules", () => {
  const examples = readdirSync("examples").filter((f) => f.endsWith(".nn"));
  const models = examples.flatMap((file) =>
    checkFile(join("examples", file)).program!.models.map((model) => [`${file}: ${model.name}`, model] as const),
  );

  it.each(models)("%s: lines within 100 characters, weights exactly nnc's parameters", (_name, model) => {
    const emitted = emitTorchModule(model);
    for (const line of [...emitted.code.split("\n"), ...torchHelpers(emitted.helpers).split("\n")]) {
      expect(line.length, line).toBeLessThanOrEqual(100);
    }
    const expressed = new Set(emitted.stateDict.layers.map((l) => l.layer));
    for (const entry of emitted.stateDict.layers) {
      const layer = model.layers.find((l) => l.name === entry.layer)!;
      const tfjs = new Map(entry.links.map((link) => [link.tfjs, product(link.tfjsShape)]));
      expect([...tfjs.values()].reduce((a, b) => a + b, 0)).toBe(layer.params.trainable + layer.params.nonTrainable);
      for (const link of entry.links) {
        expect(product(link.torchShape)).toBe(product(link.tfjsShape));
        if (link.permute) expect([...link.permute].sort()).toEqual(link.tfjsShape.map((_, i) => i));
      }
    }
    // Every layer with weights that PyTorch can express has an entry.
    const failed = new Set(emitted.diagnostics.map((d) => d.span.start));
    for (const layer of model.layers) {
      const weighs = layer.params.trainable + layer.params.nonTrainable > 0;
      if (weighs && !layer.shares && !failed.has(layer.location.span.start)) expect(expressed).toContain(layer.name);
    }
  });
});

describe("the differential fixtures as PyTorch modules", () => {
  const dir = join("test", "fixtures", "differential");
  const models = readdirSync(dir)
    .filter((f) => f.endsWith(".nn"))
    .flatMap((file) => checkFile(join(dir, file)).program?.models ?? []);

  it("are Python (no shape or name pasted as code: a symbolic or unknown size is read from the tensor)", () => {
    expect(models.length).toBeGreaterThan(10);
    const codes = models.map((model) => emitTorchModule(model).code);
    const parse = "import ast, json, sys\nfor code in json.load(sys.stdin): ast.parse(code)\nprint('ok')";
    const run = spawnSync(python, ["-c", parse], { input: JSON.stringify(codes), encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("ok");
    expect(codes.join("\n")).not.toMatch(/\(, |\bseq\b/);
  });
});
