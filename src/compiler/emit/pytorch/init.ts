/**
 * The PyTorch module's initial weights as tfjs draws them: each layer's initializers (its tfjs config's
 * `kernelInitializer`, `recurrentInitializer`, `gammaInitializer`, ..., tfjs's defaults where absent) by tfjs
 * weight, and the Python that draws each tfjs weight in tfjs's shape (for its fans) and permutes it into
 * PyTorch's (the weight link's `permute`). PyTorch's own defaults (Kaiming-uniform kernels, uniform biases) train
 * into another accuracy than nnc's from the same spec.
 */
import type { JsonValue, TfjsLayer } from "../../ir/index.js";
import type { Config } from "./layer-parts.js";
import { py, pyTuple } from "./python.js";
import type { WeightLink } from "./types.js";

/**
 * One tfjs weight's initializer: the config's value (a tfjs identifier or a nested call) and, for an LSTM's bias,
 * whether its forget gate's part is ones.
 */
interface Initial {
  readonly init: JsonValue | TfjsLayer;
  readonly unitForgetBias?: boolean;
}

/** The initializer under `key` in `config`, tfjs's `fallback` when the config leaves it out. */
function from(config: Config, key: string, fallback: string): Initial {
  return { init: config[key] ?? fallback };
}

const useBias = (config: Config) => config["useBias"] !== false;
const bias = (config: Config): Initial[] => (useBias(config) ? [from(config, "biasInitializer", "zeros")] : []);
const kernelAndBias = (config: Config): Initial[] => [
  from(config, "kernelInitializer", "glorotUniform"),
  ...bias(config),
];

/** A recurrent layer's kernel, recurrent kernel and bias (an LSTM's with Keras's `unit_forget_bias`). */
function recurrent(config: Config, lstm: boolean): Initial[] {
  const kernels = [
    from(config, "kernelInitializer", "glorotUniform"),
    from(config, "recurrentInitializer", "orthogonal"),
  ];
  const unitForgetBias = lstm && config["unitForgetBias"] !== false;
  return [...kernels, ...bias(config).map((b) => (unitForgetBias ? { ...b, unitForgetBias } : b))];
}

/** A normalization's gamma (with `scale`) and beta (with `center`). */
const gammaBeta = (config: Config): Initial[] => [
  ...(config["scale"] !== false ? [from(config, "gammaInitializer", "ones")] : []),
  ...(config["center"] !== false ? [from(config, "betaInitializer", "zeros")] : []),
];

/** The initializers of a tfjs layer's weights in `getWeights()` order, by tfjs factory (nnc's layers' too). */
const initials: Readonly<Record<string, (config: Config) => Initial[]>> = {
  dense: kernelAndBias,
  conv1d: kernelAndBias,
  conv2d: kernelAndBias,
  conv2dTranspose: kernelAndBias,
  depthwiseConv2d: (c) => [from(c, "depthwiseInitializer", "glorotUniform"), ...bias(c)],
  separableConv2d: (c) => [
    from(c, "depthwiseInitializer", "glorotUniform"),
    from(c, "pointwiseInitializer", "glorotUniform"),
    ...bias(c),
  ],
  batchNormalization: (c) => [
    ...gammaBeta(c),
    from(c, "movingMeanInitializer", "zeros"),
    from(c, "movingVarianceInitializer", "ones"),
  ],
  layerNormalization: gammaBeta,
  embedding: (c) => [from(c, "embeddingsInitializer", "randomUniform")],
  prelu: (c) => [from(c, "alphaInitializer", "zeros")],
  simpleRNN: (c) => recurrent(c, false),
  gru: (c) => recurrent(c, false),
  lstm: (c) => recurrent(c, true),
  // tfjs's Bidirectional: the forward layer's weights, then the backward copy's (the same config).
  bidirectional: (c) =>
    Array(2)
      .fill(initialsOf(c["layer"] as TfjsLayer))
      .flat(),
  timeDistributed: (c) => initialsOf(c["layer"] as TfjsLayer),
  multiHeadAttention: (c) => Array(4).fill(kernelAndBias(c)).flat(),
  attention: (c) => [
    ...(c["useScale"] === true ? [{ init: "ones" }] : []),
    ...(c["scoreMode"] === "concat" ? [{ init: "ones" }] : []),
  ],
  additiveAttention: (c) => (c["useScale"] !== false ? [{ init: "glorotUniform" }] : []),
  positionEmbedding: (c) => [from(c, "initializer", "glorotUniform")],
  tokenAndPositionEmbedding: (c) => Array(2).fill(from(c, "embeddingsInitializer", "randomUniform")),
};

function initialsOf(tfjs: TfjsLayer): Initial[] {
  return initials[tfjs.factory]?.(tfjs.config) ?? [];
}

/** The initializers `keras_initial` draws, with the arguments each takes (tfjs's config keys). */
const drawn: Readonly<Record<string, readonly string[]>> = {
  zeros: [],
  ones: [],
  constant: ["value"],
  randomUniform: ["minval", "maxval"],
  randomNormal: ["mean", "stddev"],
  truncatedNormal: ["mean", "stddev"],
  glorotUniform: [],
  glorotNormal: [],
  heUniform: [],
  heNormal: [],
  leCunUniform: [],
  leCunNormal: [],
  varianceScaling: ["scale", "mode", "distribution"],
  orthogonal: ["gain"],
  identity: ["gain"],
};

/** An initializer as `keras_init_`'s arguments (`"heNormal"`, `"randomNormal", stddev=0.1`), or why it has none. */
function initArguments({ init }: Initial, shape: readonly number[]): { args: string[] } | { refuse: string } {
  const nested = typeof init === "object" && init !== null && !Array.isArray(init) ? (init as TfjsLayer) : undefined;
  const name = nested ? nested.factory : String(init);
  const keys = drawn[name];
  if (!keys) return { refuse: `its initializer ${name} has no PyTorch form here` };
  if (name === "identity" && (shape.length !== 2 || shape[0] !== shape[1]))
    return { refuse: "its identity initializer is for square 2-D weights only" };
  // tfjs's seeds draw tfjs's numbers, which PyTorch cannot repeat; the script's own seed stands for them.
  const config = (nested?.config ?? {}) as Record<string, JsonValue>;
  const given = keys.filter((key) => config[key] !== undefined && config[key] !== null);
  return { args: [py(name), ...given.map((key) => `${key}=${py(config[key]!)}`)] };
}

/**
 * The statements that set a layer's weights (`self.<attribute>.<link>`) as tfjs initializes them, or why a weight
 * cannot be (NN6001). A tfjs weight held by several PyTorch weights (a recurrent layer's second bias) is drawn into
 * the first and the others are zero, as the weight bridge exports it.
 */
export function initStatements(
  tfjs: TfjsLayer,
  attribute: string,
  links: readonly WeightLink[],
): { lines: string[] } | { refuse: string } {
  const initial = initialsOf(tfjs);
  const lines: string[] = [];
  const done = new Set<number>();
  for (const link of links) {
    const weight = `self.${attribute}.${link.torch}`;
    if (done.has(link.tfjs)) {
      lines.push(`nn.init.zeros_(${weight})`);
      continue;
    }
    done.add(link.tfjs);
    const given = initial[link.tfjs];
    if (!given) return { refuse: `nnc does not know how tfjs initializes its weight ${link.tfjs}` };
    const made = initArguments(given, link.tfjsShape);
    if ("refuse" in made) return made;
    const options = [
      ...(link.permute ? [`permute=${pyTuple(link.permute)}`] : []),
      ...(given.unitForgetBias ? ["unit_forget_bias=True"] : []),
    ];
    const [name, ...args] = made.args;
    lines.push(`keras_init_(${[weight, name, pyTuple(link.tfjsShape), ...options, ...args].join(", ")})`);
  }
  return { lines };
}

/** The helpers the initialization statements call, in the order they are defined. */
export const initHelperNames = ["tfjs_fans", "keras_initial", "keras_init_"] as const;

/** The Python of `keras_init_` and what it uses: tfjs-layers 4.22's initializers.ts, in PyTorch. */
export const initHelpers: Readonly<Record<(typeof initHelperNames)[number], string>> = {
  tfjs_fans: `
def tfjs_fans(shape):
    """tfjs's fan in and fan out of a weight of this (tfjs, channels-last) shape: a kernel's input
    and output channels times its receptive field."""
    if len(shape) == 2:
        return shape[0], shape[1]
    if 3 <= len(shape) <= 5:
        receptive_field = math.prod(shape[:-2])
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    return math.sqrt(math.prod(shape)), math.sqrt(math.prod(shape))
`,
  keras_initial: `
# scale, mode and distribution of tfjs's variance-scaling initializers
VARIANCE_SCALING = {
    "glorotUniform": (1.0, "fanAvg", "uniform"),
    "glorotNormal": (1.0, "fanAvg", "normal"),
    "heUniform": (2.0, "fanIn", "uniform"),
    "heNormal": (2.0, "fanIn", "normal"),
    "leCunUniform": (1.0, "fanIn", "uniform"),
    "leCunNormal": (1.0, "fanIn", "normal"),
}


def keras_initial(name, shape, **args):
    """A tensor of tfjs's shape as tfjs's initializer draws it (name: tfjs's identifier)."""
    value = torch.empty(shape)
    if name in ("zeros", "ones", "constant"):
        return value.fill_({"zeros": 0.0, "ones": 1.0}.get(name, args.get("value", 0.0)))
    if name == "randomUniform":
        return value.uniform_(args.get("minval", -0.05), args.get("maxval", 0.05))
    if name in ("randomNormal", "truncatedNormal"):
        mean, std = args.get("mean", 0.0), args.get("stddev", 0.05)
        if name == "randomNormal":
            return value.normal_(mean, std)
        return nn.init.trunc_normal_(value, mean, std, mean - 2 * std, mean + 2 * std)
    if name == "identity":
        return torch.eye(*shape) * args.get("gain", 1.0)
    if name == "orthogonal":
        # Q of a normal matrix's QR, signs made uniform, of the shape flattened to 2-D as in tfjs.
        rows, columns = math.prod(shape[:-1]), shape[-1]
        q, r = torch.linalg.qr(torch.randn(max(rows, columns), min(rows, columns)))
        q = q * torch.sign(torch.diagonal(r))
        return args.get("gain", 1.0) * (q.t() if rows < columns else q).reshape(shape)
    scale, mode, distribution = VARIANCE_SCALING.get(name) or (
        args.get("scale", 1.0), args.get("mode", "fanIn"), args.get("distribution", "normal")
    )
    fan_in, fan_out = tfjs_fans(shape)
    fan = {"fanIn": fan_in, "fanOut": fan_out, "fanAvg": (fan_in + fan_out) / 2}[mode]
    variance = scale / max(1.0, fan)
    # tfjs draws "normal" as a normal truncated at two deviations, without Keras's correction of the
    # deviation (so its spread is 0.88 of sqrt(variance)), and any other distribution as a uniform.
    if distribution == "normal":
        std = math.sqrt(variance)
        return nn.init.trunc_normal_(value, 0.0, std, -2 * std, 2 * std)
    limit = math.sqrt(3 * variance)
    return value.uniform_(-limit, limit)
`,
  keras_init_: `
def keras_init_(weight, name, shape, permute=None, unit_forget_bias=False, **args):
    """Sets a PyTorch weight as tfjs initializes the tfjs weight of this shape: drawn in tfjs's
    layout (for its fans), then permuted into PyTorch's (permute: tfjs's axes in PyTorch's order).
    unit_forget_bias: an LSTM's bias, ones for the forget gate (Keras's unit_forget_bias)."""
    if unit_forget_bias:
        units = shape[0] // 4
        value = torch.cat(
            [keras_initial(name, [units], **args), torch.ones(units),
             keras_initial(name, [2 * units], **args)]
        )
    else:
        value = keras_initial(name, list(shape), **args)
    with torch.no_grad():
        weight.copy_((value.permute(*permute) if permute else value).reshape(weight.shape))
`,
};
