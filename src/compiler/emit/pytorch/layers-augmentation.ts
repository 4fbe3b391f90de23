/**
 * The PyTorch target's image augmentations that draw per image and move no pixel: random_flip, random_contrast
 * and random_brightness, each the helper module of the same draws as nnc's runtime (src/runtime/layers/
 * augmentation.ts) in `train()` mode and the identity in `eval()`. Images are channels-last. The geometric ones
 * (rotation, zoom, translation, crop) resample with tfjs's fill modes and are not translated (NN6001).
 */
import type { JsonValue } from "../../ir/index.js";
import type { Config, Factories } from "./layer-parts.js";
import { py, pyNumber } from "./python.js";
import type { TorchLayer } from "./types.js";

/** Keras's factor: `f` is `[-f, f]`, a pair is its bounds in order. */
function factorRange(factor: JsonValue | undefined): [number, number] {
  if (typeof factor === "number") return [-Math.abs(factor), Math.abs(factor)];
  const [a, b] = factor as [number, number];
  return a <= b ? [a, b] : [b, a];
}

/** The value range a contrast or brightness clips to (Keras's default `[0, 255]`). */
const valueRange = (config: Config) => py((config["valueRange"] ?? [0, 255]) as JsonValue);

/** A helper module without weights that acts in `train()` mode only. */
function augmentation(helper: string, args: readonly string[]): TorchLayer {
  return {
    module: `${helper}(${args.join(", ")})`,
    helpers: [helper],
    layout: "channels_last",
    forward: (self, [x]) => `${self}(${x})`,
    weights: [],
  };
}

/** The factories of this file, by registry kind. */
export const augmentationLayers: Factories = {
  random_flip: (config) => {
    const mode = String(config["mode"] ?? "horizontal_and_vertical");
    const dims = [...(mode.includes("vertical") ? [1] : []), ...(mode.startsWith("horizontal") ? [2] : [])];
    return augmentation("RandomFlip", [py(dims)]);
  },
  random_contrast: (config) => {
    const factor = config["factor"] as JsonValue;
    const [lower, upper] = typeof factor === "number" ? [factor, factor] : factorRange(factor);
    return augmentation("RandomContrast", [pyNumber(1 - lower), pyNumber(1 + upper), valueRange(config)]);
  },
  random_brightness: (config) => {
    const [lower, upper] = factorRange(config["factor"] as JsonValue);
    return augmentation("RandomBrightness", [pyNumber(lower), pyNumber(upper), valueRange(config)]);
  },
};

/** The Python definitions the layers of this file name in `helpers`. */
export const augmentationHelpers: Readonly<Record<string, string>> = {
  RandomFlip: `
class RandomFlip(nn.Module):
    """Keras's RandomFlip in train() mode: each image reversed along dims with probability 1/2."""

    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        if not self.training:
            return x
        flip = torch.rand(x.shape[0], 1, 1, 1, device=x.device) <= 0.5
        return torch.where(flip, x.flip(self.dims), x)
`,
  RandomContrast: `
class RandomContrast(nn.Module):
    """Keras's RandomContrast in train() mode: each image's distance from its mean (per channel) times a
    factor drawn from [lowest, highest], clipped to the value range."""

    def __init__(self, lowest, highest, value_range):
        super().__init__()
        self.lowest, self.highest, self.value_range = lowest, highest, value_range

    def forward(self, x):
        if not self.training:
            return x
        factor = torch.empty(x.shape[0], 1, 1, 1, device=x.device).uniform_(self.lowest, self.highest)
        mean = x.mean(dim=(1, 2), keepdim=True)
        return torch.clamp((x - mean) * factor + mean, *self.value_range)
`,
  RandomBrightness: `
class RandomBrightness(nn.Module):
    """Keras's RandomBrightness in train() mode: each image plus a delta drawn from [lower, upper] times
    the value range's width, clipped to the value range."""

    def __init__(self, lower, upper, value_range):
        super().__init__()
        self.lower, self.upper, self.value_range = lower, upper, value_range

    def forward(self, x):
        if not self.training:
            return x
        low, high = self.value_range
        delta = torch.empty(x.shape[0], 1, 1, 1, device=x.device)
        delta.uniform_(self.lower * (high - low), self.upper * (high - low))
        return torch.clamp(x + delta, low, high)
`,
};
