/**
 * The PyTorch target's layers over steps and images: convolutions, pooling, padding, cropping and upsampling.
 * They run channels-first (PyTorch's layout); padding `same` is TensorFlow's, whose odd pixel goes at the end,
 * so it is a constructor's `padding` only when it is the same on both sides and an explicit pad otherwise.
 */
import type { JsonValue } from "../../ir/index.js";
import { tuple } from "../../registry/layers/entry-parts.js";
import { activationOf, expression, type Config, type Factories, type Refusal } from "./layer-parts.js";
import { pyNumber, pyTuple } from "./python.js";
import type { TorchInput, TorchLayer, WeightLink } from "./types.js";

/** `3` for a size the same along every axis, `(3, 5)` otherwise: what a person passes to `nn.Conv2d`. */
function sizes(values: readonly number[]): string {
  return values.every((v) => v === values[0]) ? pyNumber(values[0]!) : pyTuple(values);
}

/** A window over the spatial axes: a kernel or a pool. */
interface Window {
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilation: number[];
  readonly padding: string;
}

function windowOf(config: Config, rank: number, kernelKey: string): Window {
  const kernel = tuple(config[kernelKey] as JsonValue, rank);
  return {
    kernel,
    strides: tuple((config["strides"] ?? kernel) as JsonValue, rank),
    dilation: tuple((config["dilationRate"] ?? 1) as JsonValue, rank),
    padding: String(config["padding"] ?? "valid"),
  };
}

/**
 * The padding before and after each spatial axis, TensorFlow's way (`same`: the output is `ceil(size / stride)`
 * long and an odd pad goes at the end; `causal`: everything before), or null when it depends on a size that is
 * not fixed (then `pad_same` computes it when the model runs).
 */
function pads(window: Window, space: readonly (number | string | null)[]): [number, number][] | null {
  const result: [number, number][] = [];
  for (let i = 0; i < window.kernel.length; i++) {
    const span = window.dilation[i]! * (window.kernel[i]! - 1) + 1;
    const stride = window.strides[i]!;
    const size = space[i];
    if (window.padding === "valid") result.push([0, 0]);
    else if (window.padding === "causal") result.push([span - 1, 0]);
    else if (stride === 1 || typeof size === "number") {
      const n = size as number;
      const total = stride === 1 ? span - 1 : Math.max((Math.ceil(n / stride) - 1) * stride + span - n, 0);
      result.push([Math.floor(total / 2), total - Math.floor(total / 2)]);
    } else return null;
  }
  return result;
}

/** Whether each axis is padded alike on both sides (a constructor's `padding`). */
const symmetric = (padding: readonly [number, number][]) => padding.every(([before, after]) => before === after);

/** `F.pad`'s list for the padding: the last axis first. */
function padList(padding: readonly [number, number][]): string {
  return pyTuple([...padding].reverse().flat());
}

/** The helpers `pad_same` needs. */
const padHelpers = ["same_pads", "pad_same"] as const;

/**
 * The input padded as `padding` says, when the layer's own `padding` argument cannot: an explicit `F.pad` with
 * fixed sizes, or `pad_same` when the sizes are not fixed.
 */
function padded(x: string, window: Window, padding: [number, number][] | null, value?: string): string {
  const fill = value ? `, value=${value}` : "";
  if (padding === null) {
    const dilation = window.dilation.some((d) => d > 1) ? `, ${pyTuple(window.dilation)}` : "";
    return `pad_same(${x}, ${pyTuple(window.kernel)}, ${pyTuple(window.strides)}${dilation}${fill})`;
  }
  return padding.every(([b, a]) => b === 0 && a === 0) ? x : `F.pad(${x}, ${padList(padding)}${fill})`;
}

type ConvMode = "full" | "depthwise" | "separable";

/**
 * conv1d, conv2d, depthwise_conv2d and separable_conv2d: `nn.Conv1d`/`nn.Conv2d` (grouped for depthwise, the
 * `SeparableConv2d` helper for separable), channels-first. tfjs's kernel `[k..., in, out]` is PyTorch's
 * `[out, in, k...]`; a depthwise kernel `[kh, kw, in, multiplier]` is `[in * multiplier, 1, kh, kw]`.
 */
function convolution(rank: 1 | 2, mode: ConvMode) {
  return (config: Config, [input]: readonly TorchInput[]): TorchLayer | Refusal => {
    const window = windowOf(config, rank, "kernelSize");
    const channels = input!.shape.at(-1) as number;
    const multiplier = Number(config["depthMultiplier"] ?? 1);
    const filters = mode === "depthwise" ? channels * multiplier : Number(config["filters"]);
    const useBias = config["useBias"] !== false;
    const padding = pads(window, input!.shape.slice(0, -1));
    const inConstructor = padding !== null && symmetric(padding);
    const kernelAxes = rank === 1 ? [0] : [0, 1];
    const kernelSizes = window.kernel;
    const args = [
      `${channels}, ${filters}`,
      sizes(kernelSizes),
      ...(window.strides.some((s) => s > 1) ? [`stride=${sizes(window.strides)}`] : []),
      ...(inConstructor && padding.some(([b]) => b > 0) ? [`padding=${sizes(padding.map(([b]) => b))}`] : []),
      ...(window.dilation.some((d) => d > 1) ? [`dilation=${sizes(window.dilation)}`] : []),
      ...(mode === "depthwise" ? [`groups=${channels}`] : []),
      ...(mode === "separable" && multiplier > 1 ? [`depth_multiplier=${multiplier}`] : []),
      ...(useBias ? [] : ["bias=False"]),
    ];
    const spatial = kernelSizes.length;
    const toTorch = [spatial + 1, spatial, ...kernelAxes];
    const weights: WeightLink[] = [];
    const link = (torch: string, tfjsShape: number[], torchShape: number[], permute: number[]) =>
      weights.push({ torch, torchShape, tfjs: weights.length, tfjsShape, permute });
    if (mode === "full")
      link("weight", [...kernelSizes, channels, filters], [filters, channels, ...kernelSizes], toTorch);
    else {
      const prefix = mode === "separable" ? "depthwise." : "";
      const depthwise = [channels * multiplier, 1, ...kernelSizes];
      link(`${prefix}weight`, [...kernelSizes, channels, multiplier], depthwise, [spatial, spatial + 1, ...kernelAxes]);
      if (mode === "separable") {
        const inner = channels * multiplier;
        link("pointwise.weight", [1, 1, inner, filters], [filters, inner, 1, 1], toTorch);
      }
    }
    if (useBias) link(mode === "separable" ? "pointwise.bias" : "bias", [filters], [filters], [0]);
    const className = mode === "separable" ? "SeparableConv2d" : `nn.Conv${rank}d`;
    return {
      module: `${className}(${args.join(", ")})`,
      layout: "channels_first",
      helpers: [...(inConstructor ? [] : padHelpers), ...(mode === "separable" ? ["SeparableConv2d"] : [])],
      forward: (self, [x]) => activationOf(config, `${self}(${inConstructor ? x! : padded(x!, window, padding)})`, 1),
      weights: weights.map((w) => (w.permute!.every((axis, i) => axis === i) ? withoutPermute(w) : w)),
    };
  };
}

/**
 * conv2d_transpose: `nn.ConvTranspose2d`, channels-first; tfjs's kernel `[kh, kw, filters, in]` is PyTorch's
 * `[in, filters, kh, kw]`. TensorFlow's output is the full transposed convolution cut to `size * stride` (`same`,
 * from half the excess, the odd one cut at the end) or padded to it (a kernel shorter than the stride):
 * `padding` and `output_padding`, and a slice for the odd one.
 */
function convTranspose(config: Config, [input]: readonly TorchInput[]): TorchLayer {
  const window = windowOf(config, 2, "kernelSize");
  const channels = input!.shape.at(-1) as number;
  const filters = Number(config["filters"]);
  const useBias = config["useBias"] !== false;
  const excess = window.kernel.map((k, i) => window.dilation[i]! * (k - 1) + 1 - window.strides[i]!);
  const cut = excess.map((e) => (window.padding === "same" ? Math.max(e, 0) : 0));
  const padding = cut.map((c) => Math.floor(c / 2));
  const outputPadding = excess.map((e) => Math.max(-e, 0));
  const args = [
    `${channels}, ${filters}`,
    sizes(window.kernel),
    ...(window.strides.some((s) => s > 1) ? [`stride=${sizes(window.strides)}`] : []),
    ...(padding.some((p) => p > 0) ? [`padding=${sizes(padding)}`] : []),
    ...(outputPadding.some((p) => p > 0) ? [`output_padding=${sizes(outputPadding)}`] : []),
    ...(window.dilation.some((d) => d > 1) ? [`dilation=${sizes(window.dilation)}`] : []),
    ...(useBias ? [] : ["bias=False"]),
  ];
  const odd = cut.some((c) => c % 2 === 1) ? `[:, :, ${cut.map((c) => (c % 2 ? ":-1" : ":")).join(", ")}]` : "";
  return {
    module: `nn.ConvTranspose2d(${args.join(", ")})`,
    layout: "channels_first",
    forward: (self, [x]) => activationOf(config, `${self}(${x})${odd}`, 1),
    weights: [
      {
        torch: "weight",
        torchShape: [channels, filters, ...window.kernel],
        tfjs: 0,
        tfjsShape: [...window.kernel, filters, channels],
        permute: [3, 2, 0, 1],
      },
      ...(useBias ? [{ torch: "bias", torchShape: [filters], tfjs: 1, tfjsShape: [filters] }] : []),
    ],
  };
}

function withoutPermute({ permute: _same, ...link }: WeightLink): WeightLink {
  return link;
}

/**
 * max and average pooling, 1D and 2D, channels-first. TensorFlow's `same` pads a max pool with -inf and leaves
 * the padding out of an average's count (`avg_pool_same`); `valid` is PyTorch's default.
 */
function pooling(rank: 1 | 2, mode: "max" | "avg") {
  return (config: Config, [input]: readonly TorchInput[]): TorchLayer => {
    const window = windowOf(config, rank, "poolSize");
    const padding = pads(window, input!.shape.slice(0, -1));
    const same = padding === null || padding.some(([b, a]) => b > 0 || a > 0);
    const size = `${sizes(window.kernel)}, ${sizes(window.strides)}`;
    const pool = `F.${mode}_pool${rank}d`;
    const helpers = same ? [...padHelpers, ...(mode === "avg" ? ["avg_pool_same"] : [])] : [];
    return expression(
      "channels_first",
      ([x]) => {
        if (!same) return `${pool}(${x}, ${size})`;
        if (mode === "avg") return `avg_pool_same(${x}, ${pyTuple(window.kernel)}, ${pyTuple(window.strides)})`;
        return `${pool}(${padded(x!, window, padding, "-math.inf")}, ${size})`;
      },
      helpers,
    );
  };
}

/**
 * global pooling: the mean or maximum over the spatial axes: channels-first over images (after convolutions),
 * channels-last over sequences (after embeddings, attention or recurrent layers, which are channels-last).
 */
function globalPooling(rank: 1 | 2, mode: "mean" | "amax"): (config: Config) => TorchLayer {
  const [layout, dims] = rank === 1 ? (["channels_last", "1"] as const) : (["channels_first", "(2, 3)"] as const);
  return () => expression(layout, ([x]) => `${x}.${mode}(dim=${dims})`);
}

/** Keras's `1`, `[rows, cols]` or `[[top, bottom], [left, right]]`. */
function sides(value: JsonValue | undefined): [[number, number], [number, number]] {
  if (typeof value === "number")
    return [
      [value, value],
      [value, value],
    ];
  const [rows, cols] = (value ?? 0) as (number | [number, number])[];
  return typeof rows === "number"
    ? [
        [rows, rows],
        [cols as number, cols as number],
      ]
    : [rows!, cols as [number, number]];
}

/** zero_padding2d: `F.pad`, channels-first (its list starts with the last axis: left, right, top, bottom). */
function zeroPadding2d(config: Config): TorchLayer {
  const padding = sides(config["padding"] as JsonValue);
  return expression("channels_first", ([x]) => `F.pad(${x}, ${padList(padding)})`);
}

/** cropping2d: a slice of the spatial axes, channels-first. */
function cropping2d(config: Config): TorchLayer {
  const slice = ([before, after]: [number, number]) => `${before || ""}:${after ? -after : ""}`;
  const [rows, cols] = sides(config["cropping"] as JsonValue);
  return expression("channels_first", ([x]) => `${x}[:, :, ${slice(rows)}, ${slice(cols)}]`);
}

/**
 * up_sampling2d, channels-first: `nearest` repeats each row and column; `bilinear` is tfjs's resizeBilinear,
 * which samples output pixel `i` at `i * in / out` (no half-pixel centres, unlike every F.interpolate mode).
 */
function upSampling2d(config: Config): TorchLayer {
  const [rows, cols] = tuple(config["size"] as JsonValue, 2);
  if (config["interpolation"] === "bilinear") {
    const scale = pyTuple([rows!, cols!]);
    return expression("channels_first", ([x]) => `resize_bilinear(${x}, ${scale})`, ["resize_bilinear"]);
  }
  const repeat = (x: string, times: number, dim: number) =>
    times === 1 ? x : `${x}.repeat_interleave(${times}, dim=${dim})`;
  return expression("channels_first", ([x]) => repeat(repeat(x!, rows!, 2), cols!, 3));
}

/**
 * resizing: `F.interpolate` with half-pixel centres and no antialiasing, as nnc's layer resizes (TensorFlow's
 * `resize`): `bilinear`, or `nearest-exact` for nearest. Keeping the aspect ratio (a crop or pad first) is not
 * translated.
 */
function resizing(config: Config): TorchLayer | Refusal {
  const keep = ["cropToAspectRatio", "padToAspectRatio"].find((key) => config[key] === true);
  if (keep) return { refuse: `its ${keep} is not translated` };
  const size = pyTuple([Number(config["height"]), Number(config["width"])]);
  const mode = config["interpolation"] === "nearest" ? '"nearest-exact"' : '"bilinear", align_corners=False';
  return expression("channels_first", ([x]) => `F.interpolate(${x}, size=${size}, mode=${mode})`);
}

/**
 * center_crop: the middle `height` by `width` pixels, channels-last; an input smaller than that (which nnc's
 * layer resizes) or of sizes that are not fixed is refused.
 */
function centerCrop(config: Config, [input]: readonly TorchInput[]): TorchLayer | Refusal {
  const size = [Number(config["height"]), Number(config["width"])];
  const space = input!.shape.slice(0, 2);
  if (!space.every((d, i) => typeof d === "number" && d >= size[i]!)) {
    return { refuse: "the input's height and width must be fixed and at least the crop's" };
  }
  const [top, left] = space.map((d, i) => Math.trunc(((d as number) - size[i]!) / 2));
  const slice = (start: number, length: number) => `${start}:${start + length}`;
  return expression("channels_last", ([x]) => `${x}[:, ${slice(top!, size[0]!)}, ${slice(left!, size[1]!)}]`);
}

/** The factories of this file, by registry kind. */
export const spatialLayers: Factories = {
  conv1d: convolution(1, "full"),
  conv2d: convolution(2, "full"),
  depthwise_conv2d: convolution(2, "depthwise"),
  separable_conv2d: convolution(2, "separable"),
  conv2d_transpose: convTranspose,
  max_pooling1d: pooling(1, "max"),
  max_pooling2d: pooling(2, "max"),
  average_pooling1d: pooling(1, "avg"),
  average_pooling2d: pooling(2, "avg"),
  global_max_pooling1d: globalPooling(1, "amax"),
  global_max_pooling2d: globalPooling(2, "amax"),
  global_average_pooling1d: globalPooling(1, "mean"),
  global_average_pooling2d: globalPooling(2, "mean"),
  zero_padding2d: zeroPadding2d,
  cropping2d,
  up_sampling2d: upSampling2d,
  resizing,
  center_crop: centerCrop,
};

/** The Python definitions the layers of this file name in `helpers`. */
export const spatialHelpers: Readonly<Record<string, string>> = {
  same_pads: `
def same_pads(x, kernel, strides, dilation=None):
    """TensorFlow's 'same' padding of x's spatial axes as F.pad's list: an odd pad at the end."""
    pads = []
    for axis in reversed(range(len(kernel))):
        size, stride = x.shape[2 + axis], strides[axis]
        span = (dilation[axis] if dilation else 1) * (kernel[axis] - 1) + 1
        total = max((-(-size // stride) - 1) * stride + span - size, 0)
        pads += [total // 2, total - total // 2]
    return pads
`,
  pad_same: `
def pad_same(x, kernel, strides, dilation=None, value=0.0):
    """x padded as TensorFlow's 'same' pads it for a window of this kernel, strides and dilation."""
    return F.pad(x, same_pads(x, kernel, strides, dilation), value=value)
`,
  avg_pool_same: `
def avg_pool_same(x, kernel, strides):
    """TensorFlow's average pooling with 'same' padding: padding does not count in the averages."""
    pool = F.avg_pool1d if x.dim() == 3 else F.avg_pool2d
    counts = pool(pad_same(torch.ones_like(x[:1, :1]), kernel, strides), kernel, strides)
    return pool(pad_same(x, kernel, strides), kernel, strides) / counts
`,
  resize_bilinear: `
def resize_bilinear(x, scale):
    """tfjs's resizeBilinear by whole factors: output pixel i samples the input at i * in / out."""
    for dim, factor in zip((2, 3), scale):
        size = x.shape[dim]
        at = torch.arange(size * factor, device=x.device, dtype=x.dtype) * (size / (size * factor))
        low = at.floor().long()
        high = (low + 1).clamp(max=size - 1)
        weight = (at - low).view(-1, 1) if dim == 2 else at - low
        x = x.index_select(dim, low) * (1 - weight) + x.index_select(dim, high) * weight
    return x
`,
  SeparableConv2d: `
class SeparableConv2d(nn.Module):
    """Keras's SeparableConv2D: a depthwise convolution, then a 1x1 convolution (which holds the bias)."""

    def __init__(self, channels, filters, kernel_size, stride=1, padding=0, dilation=1, depth_multiplier=1,
                 bias=True):
        super().__init__()
        inner = channels * depth_multiplier
        self.depthwise = nn.Conv2d(channels, inner, kernel_size, stride=stride, padding=padding,
                                   dilation=dilation, groups=channels, bias=False)
        self.pointwise = nn.Conv2d(inner, filters, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))
`,
};
