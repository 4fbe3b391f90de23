/**
 * How each layer kind becomes PyTorch: one factory per registry kind (here the core, activation, normalization,
 * merge and embedding layers; convolutions and pooling in layers-spatial.ts; attention and positions in
 * layers-attention.ts; augmentations in layers-augmentation.ts; recurrent ones in layers-recurrent.ts). Every
 * translation computes what tfjs computes, to float32 rounding (a random layer: draws from the same
 * distributions); a kind or an argument that PyTorch cannot match is refused (NN6001), never approximated.
 */
import type { IrLayer, JsonValue } from "../../ir/index.js";
import { activationOf, expression, specName, type Config, type Factories, type Refusal } from "./layer-parts.js";
import { initHelpers } from "./init.js";
import { attentionHelpers, attentionLayers } from "./layers-attention.js";
import { augmentationHelpers, augmentationLayers } from "./layers-augmentation.js";
import { spatialHelpers, spatialLayers } from "./layers-spatial.js";
import { recurrentHelpers, recurrentLayers, timeDistributedLayer } from "./layers-recurrent.js";
import { py, pyNumber, pyTuple } from "./python.js";
import type { TorchInput, TorchLayer, TorchLayerFactory, Unsupported, WeightLink } from "./types.js";

/** A weight tfjs and PyTorch hold in the same shape. */
function same(torch: string, tfjs: number, shape: readonly number[]): WeightLink {
  return { torch, torchShape: shape, tfjs, tfjsShape: shape };
}

/** dense: `nn.Linear` over the last axis; tfjs's kernel `[in, out]` is PyTorch's weight `[out, in]`. */
function dense(config: Config, [input]: readonly TorchInput[]): TorchLayer {
  const features = input!.shape.at(-1) as number;
  const units = Number(config["units"]);
  const useBias = config["useBias"] !== false;
  return {
    module: `nn.Linear(${features}, ${units}${useBias ? "" : ", bias=False"})`,
    layout: "channels_last",
    forward: (self, [x]) => activationOf(config, `${self}(${x})`, -1),
    weights: [
      { torch: "weight", torchShape: [units, features], tfjs: 0, tfjsShape: [features, units], permute: [1, 0] },
      ...(useBias ? [same("bias", 1, [units])] : []),
    ],
  };
}

/** The activation layer: elementwise in any layout, but softmax needs the channels last. */
function activation(config: Config): TorchLayer {
  const last = config["activation"] === "softmax";
  return expression(last ? "channels_last" : null, ([x]) => activationOf(config, x!, -1));
}

/** relu(max_value): tfjs clips at max_value when given. */
function relu(config: Config): TorchLayer {
  const max = config["maxValue"];
  return expression(null, ([x]) =>
    typeof max === "number" ? `torch.clamp(${x}, 0.0, ${pyNumber(max)})` : `torch.relu(${x})`,
  );
}

/** Normalization over the given axes (Keras numbering, the batch is 0) as indices into the shape without it. */
function axesOf(value: JsonValue | undefined, rank: number): number[] {
  const axes = Array.isArray(value) ? (value as number[]) : [Number(value ?? -1)];
  return axes.map((axis) => (axis < 0 ? rank + axis : axis - 1));
}

/**
 * batch_normalization over the channels (the last axis): the `BatchNorm` helper (an `nn.BatchNorm`,
 * channels-first, of any rank) with Keras's epsilon and PyTorch's momentum `1 - momentum` (PyTorch weighs the
 * new batch, Keras the old average). The moving mean and variance are the buffers `running_mean` and
 * `running_var`; in training the variance moves towards the batch's biased variance, as tfjs's does
 * (`nn.BatchNorm` moves it towards the unbiased one). Gamma and beta follow `scale` and `center`. Frozen
 * (`trainable: false`) it normalizes with the moving statistics while training too, as Keras does.
 */
function batchNormalization(config: Config, [input]: readonly TorchInput[]): TorchLayer | Refusal {
  const rank = input!.shape.length;
  const [axis] = axesOf(config["axis"] as JsonValue, rank);
  if (axis !== rank - 1) return { refuse: "PyTorch's BatchNorm normalizes along the channels only, the last axis" };
  const [scale, center] = [config["scale"] !== false, config["center"] !== false];
  const channels = input!.shape.at(-1) as number;
  const momentum = Number((1 - Number(config["momentum"] ?? 0.99)).toPrecision(12));
  const options = [
    ...(center ? [] : ["center=False"]),
    ...(scale ? [] : ["scale=False"]),
    `eps=${pyNumber(Number(config["epsilon"] ?? 1e-3))}`,
    `momentum=${pyNumber(momentum)}`,
  ];
  const names = [...(scale ? ["weight"] : []), ...(center ? ["bias"] : []), "running_mean", "running_var"];
  const frozen = config["trainable"] === false;
  return {
    module: `BatchNorm(${[channels, ...options].join(", ")})`,
    helpers: ["BatchNorm"],
    layout: "channels_first",
    forward: (self, [x]) =>
      frozen
        ? `F.batch_norm(${x}, ${self}.running_mean, ${self}.running_var, ${self}.weight, ${self}.bias, eps=${self}.eps)`
        : `${self}(${x})`,
    weights: names.map((name, i) => same(name, i, [channels])),
  };
}

/**
 * layer_normalization over the last axes: `nn.LayerNorm` with Keras's epsilon, channels-last; without gamma and
 * beta over an axis whose size is known only at run time, `F.layer_norm` over the tensor's own sizes.
 */
function layerNormalization(config: Config, [input]: readonly TorchInput[]): TorchLayer | Refusal {
  const rank = input!.shape.length;
  const axes = axesOf(config["axis"] as JsonValue, rank);
  if (axes.some((axis, i) => axis !== rank - axes.length + i)) {
    return { refuse: "PyTorch's LayerNorm normalizes over the last axes, in order" };
  }
  if (config["center"] !== config["scale"]) {
    return { refuse: "PyTorch's LayerNorm has both gamma and beta (elementwise_affine) or neither" };
  }
  const affine = config["center"] !== false;
  const eps = pyNumber(Number(config["epsilon"] ?? 1e-3));
  const shape = axes.map((axis) => input!.shape[axis]);
  if (!shape.every((dim): dim is number => typeof dim === "number")) {
    // A size known only at run time (a symbolic or unknown dim) is the tensor's: no weights can depend on it.
    if (affine) return { refuse: "its gamma and beta would need the size of an axis known only at run time" };
    return expression("channels_last", ([x]) => `F.layer_norm(${x}, ${x}.shape[-${axes.length}:], eps=${eps})`);
  }
  return {
    module: `nn.LayerNorm(${pyTuple(shape)}, eps=${eps}${affine ? "" : ", elementwise_affine=False"})`,
    layout: "channels_last",
    forward: (self, [x]) => `${self}(${x})`,
    weights: affine ? [same("weight", 0, shape), same("bias", 1, shape)] : [],
  };
}

/**
 * embedding: `nn.Embedding`, whose weight is tfjs's `[input_dim, output_dim]`; ids are int64. With `mask_zero`,
 * module.ts makes the mask (`ids != 0`) and hands it to the recurrent layers that read it.
 */
function embedding(config: Config): TorchLayer {
  const [rows, columns] = [Number(config["inputDim"]), Number(config["outputDim"])];
  return {
    module: `nn.Embedding(${rows}, ${columns})`,
    layout: "channels_last",
    forward: (self, [x]) => `${self}(${x}.long())`,
    weights: [same("weight", 0, [rows, columns])],
  };
}

/** prelu: the `PReLU` helper, one alpha per value as tfjs (PyTorch's nn.PReLU has one per channel at most). */
function prelu(config: Config, [input]: readonly TorchInput[]): TorchLayer {
  const shared = new Set(axesOf((config["sharedAxes"] ?? []) as JsonValue, input!.shape.length));
  const shape = input!.shape.map((d, i) => (shared.has(i) ? 1 : (d as number)));
  return {
    module: `PReLU(${pyTuple(shape)})`,
    helpers: ["PReLU"],
    layout: "channels_last",
    forward: (self, [x]) => `${self}(${x})`,
    weights: [same("alpha", 0, shape)],
  };
}

/**
 * dropout: `nn.Dropout` (active in `train()` mode only, as Keras's in training); with a `noise_shape` (one draw
 * for the positions along its axes of size 1) the `NoiseShapeDropout` helper, channels-last as the shape is.
 */
function dropout(config: Config): TorchLayer {
  const rate = pyNumber(Number(config["rate"]));
  const noise = config["noiseShape"];
  if (!Array.isArray(noise)) return withoutWeights(`nn.Dropout(${rate})`, null);
  return withoutWeights(`NoiseShapeDropout(${rate}, ${py(noise as JsonValue)})`, "channels_last", [
    "NoiseShapeDropout",
  ]);
}

/** A module that holds no weights (dropout, noise): an attribute, so `model.eval()` switches it off. */
function withoutWeights(module: string, layout: TorchLayer["layout"], helpers: string[] = []): TorchLayer {
  return { module, layout, helpers, forward: (self, [x]) => `${self}(${x})`, weights: [] };
}

/** concatenate: `torch.cat` along the axis, in the channels-last numbering of the IR. */
function concatenate(config: Config, inputs: readonly TorchInput[]): TorchLayer {
  const axis = Number(config["axis"] ?? -1);
  // An image's channels: join them channels-first, where the convolutions around them work.
  if (axis === -1 && inputs[0]!.shape.length === 3)
    return expression("channels_first", (xs) => `torch.cat([${xs.join(", ")}], dim=1)`);
  return expression("channels_last", (xs) => `torch.cat([${xs.join(", ")}], dim=${axis})`);
}

/** An elementwise merge written as a chain: `a + b + c`, `torch.maximum(torch.maximum(a, b), c)`. */
function chain(join: (a: string, b: string) => string): (config: Config) => TorchLayer {
  return () => expression(null, (xs) => xs.slice(1).reduce(join, xs[0]!));
}

/**
 * dot: `torch.einsum` over the two axes; tfjs's output is the first input's other axes, then the second's
 * (`[1]` when none are left). With `normalize`, each input is L2-normalized along its axis first.
 */
function dot(config: Config, inputs: readonly TorchInput[]): TorchLayer {
  const [axisA, axisB] = (config["axes"] as number[]).map(
    (axis, i) => axis - 1 + (axis < 0 ? inputs[i]!.shape.length + 1 : 0),
  );
  const letters = "cdefgh";
  const a = inputs[0]!.shape.map((_, i) => (i === axisA ? "z" : letters[i]!));
  const b = inputs[1]!.shape.map((_, i) => (i === axisB ? "z" : letters[i + 3]!));
  const out = [...a, ...b].filter((l) => l !== "z").join("");
  const normalize = (x: string, axis: number) =>
    config["normalize"] === true ? `F.normalize(${x}, dim=${axis + 1})` : x;
  return expression("channels_last", ([x, y]) => {
    const product = `torch.einsum("b${a.join("")},b${b.join("")}->b${out}", ${normalize(x!, axisA!)}, ${normalize(y!, axisB!)})`;
    return out === "" ? `${product}.unsqueeze(1)` : product;
  });
}

/** The factories by registry kind, except the recurrent ones (layers-recurrent.ts). */
const layers: Factories = {
  dense,
  flatten: () => expression("channels_last", ([x]) => `torch.flatten(${x}, 1)`),
  reshape: (config, _inputs, layer) => {
    const target = (config["targetShape"] as number[]).map(String);
    const known = layer.outputShapes[0]!.every((d) => typeof d === "number");
    const shape = known ? (layer.outputShapes[0] as number[]).map(String) : target;
    return expression("channels_last", ([x]) =>
      shape.includes("-1")
        ? `${x}.reshape(${x}.shape[0], ${shape.join(", ")})`
        : `${x}.reshape(-1, ${shape.join(", ")})`,
    );
  },
  permute: (config) =>
    expression("channels_last", ([x]) => `${x}.permute(0, ${(config["dims"] as number[]).join(", ")})`),
  repeat_vector: (config) => expression(null, ([x]) => `${x}.unsqueeze(1).repeat(1, ${Number(config["n"])}, 1)`),
  activation,
  relu,
  leaky_re_lu: (config) => expression(null, ([x]) => `F.leaky_relu(${x}, ${pyNumber(Number(config["alpha"] ?? 0.3))})`),
  elu: () => expression(null, ([x]) => `F.elu(${x})`),
  softmax: () => expression("channels_last", ([x]) => `torch.softmax(${x}, dim=-1)`),
  prelu,
  rescaling: (config) => {
    const [scale, offset] = [Number(config["scale"]), Number(config["offset"] ?? 0)];
    return expression(null, ([x]) => `${x} * ${pyNumber(scale)}${offset ? ` + ${pyNumber(offset)}` : ""}`);
  },
  batch_normalization: batchNormalization,
  layer_normalization: layerNormalization,
  dropout,
  spatial_dropout1d: (config) => withoutWeights(`nn.Dropout1d(${pyNumber(Number(config["rate"]))})`, "channels_first"),
  spatial_dropout2d: (config) => withoutWeights(`nn.Dropout2d(${pyNumber(Number(config["rate"]))})`, "channels_first"),
  gaussian_noise: (config) =>
    withoutWeights(`GaussianNoise(${pyNumber(Number(config["stddev"]))})`, null, ["GaussianNoise"]),
  embedding,
  add: chain((a, b) => `${a} + ${b}`),
  multiply: chain((a, b) => `${a} * ${b}`),
  average: () => expression(null, (xs) => `(${xs.join(" + ")}) / ${xs.length}`),
  maximum: chain((a, b) => `torch.maximum(${a}, ${b})`),
  minimum: chain((a, b) => `torch.minimum(${a}, ${b})`),
  concatenate,
  dot,
  ...spatialLayers,
  ...attentionLayers,
  ...augmentationLayers,
};

/**
 * The PyTorch form of one layer, or why it has none (`Unsupported`, NN6001 at the layer call): the recurrent
 * kinds from layers-recurrent.ts, the others from this file's tables.
 */
export const torchLayer: TorchLayerFactory = (layer: IrLayer, inputs: readonly TorchInput[]) => {
  const whole = wholeLayerFactories[layer.kind];
  if (whole) return whole(layer, inputs);
  const factory = layers[layer.kind];
  const unapplied = Object.keys(layer.tfjs.config).find(
    (key) => /(Regularizer|Constraint)$/.test(key) && layer.tfjs.config[key] != null,
  );
  const made = !factory
    ? { refuse: "nnc has no PyTorch form of it" }
    : unapplied
      ? { refuse: `its ${specName(unapplied)} is not applied by the PyTorch target (remove it, or train with nnc)` }
      : factory(layer.tfjs.config, inputs, layer);
  return "refuse" in made ? ({ unsupported: made.refuse, location: layer.location } satisfies Unsupported) : made;
};

/** time_distributed(layer): the wrapped layer from this table, applied to every step (layers-recurrent.ts). */
const timeDistributed = timeDistributedLayer(torchLayer);

/**
 * The kinds whose factory takes the whole IR layer, by registry kind: the recurrent ones (layers-recurrent.ts)
 * and time_distributed (its wrapped layer comes from `torchLayer`, so it is bound here, after it).
 */
const wholeLayerFactories: Readonly<Record<string, TorchLayerFactory>> = {
  ...recurrentLayers,
  time_distributed: (layer, inputs) => timeDistributed(layer, inputs),
};

/** Every Python definition a layer can name in `helpers`, by name. */
export const torchHelperDefinitions: Readonly<Record<string, string>> = {
  ...spatialHelpers,
  ...attentionHelpers,
  ...augmentationHelpers,
  PReLU: `
class PReLU(nn.Module):
    """Keras's PReLU: x above zero, alpha * x below, with an alpha per value (shared along some axes)."""

    def __init__(self, shape):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(shape))

    def forward(self, x):
        return torch.relu(x) - self.alpha * torch.relu(-x)
`,
  BatchNorm: `
class BatchNorm(nn.modules.batchnorm._BatchNorm):
    """Keras's BatchNormalization as tfjs computes it, channels-first, of any rank.

    Beta (bias) only if center, gamma (weight) only if scale. In training the running variance
    moves towards the batch's biased variance, the one it normalizes with (nn.BatchNorm's moves
    towards the unbiased one).
    """

    def __init__(self, channels, center=True, scale=True, **options):
        super().__init__(channels, affine=False, **options)
        if scale:
            self.weight = nn.Parameter(torch.ones(channels))
        if center:
            self.bias = nn.Parameter(torch.zeros(channels))

    def _check_input_dim(self, x):
        pass

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        axes = [0, *range(2, x.dim())]
        mean, var = x.mean(axes), x.var(axes, unbiased=False)
        with torch.no_grad():
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var, self.momentum)
            self.num_batches_tracked.add_(1)
        return F.batch_norm(x, mean, var, self.weight, self.bias, eps=self.eps)
`,
  NoiseShapeDropout: `
class NoiseShapeDropout(nn.Module):
    """Keras's Dropout with a noise_shape: one draw for the positions along its axes of size 1."""

    def __init__(self, rate, noise_shape):
        super().__init__()
        self.rate, self.noise_shape = rate, noise_shape

    def forward(self, x):
        if not self.training:
            return x
        shape = [x.shape[i] if size is None else size for i, size in enumerate(self.noise_shape)]
        keep = torch.rand(shape, device=x.device) >= self.rate
        return x * keep / (1 - self.rate)
`,
  GaussianNoise: `
class GaussianNoise(nn.Module):
    """Keras's GaussianNoise: adds noise of mean 0 and this deviation, in train() mode only."""

    def __init__(self, stddev):
        super().__init__()
        self.stddev = stddev

    def forward(self, x):
        return x + torch.randn_like(x) * self.stddev if self.training else x
`,
  ...recurrentHelpers,
  ...initHelpers,
};
