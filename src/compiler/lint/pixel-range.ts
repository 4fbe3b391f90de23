/**
 * The lints of a train block's pixels against the model's image layers. images() and idx() (with `scale`, its
 * default) give pixels in [0, 1], where Keras's image layers assume [0, 255]:
 * - NN5016: random_brightness and random_contrast with a `value_range` past 1 (Keras's default [0, 255]): a
 *   brightness delta of 0.2 * 255 saturates every image, and the contrast clips to the wrong range.
 * - NN5011: a rescaling(1 / 255) of those pixels (every Keras image tutorial starts so): it shrinks them to
 *   [0, 0.004], silently.
 * Both follow the pixels from the model's inputs through the layers that keep their range (the augmentations,
 * resizing, center_crop) and stop at the first other layer: after a rescaling the range is the spec's own.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { IrLayer, IrTrain } from "../ir/index.js";
import { hasTrait } from "../registry/index.js";
import type { Graph } from "./graph.js";

/** A rescaling whose largest output on [0, 1] pixels is at most this shrinks them as if they were [0, 255]. */
const shrinking = 1 / 100;

/** NN5016 and NN5011 for the model `graph` trained by `train`. */
export function lintPixelRange(graph: Graph, train: IrTrain): Diagnostic[] {
  const source = scaledSource(train);
  if (source === undefined) return [];
  const related = [{ ...train.location, message: `the train block reads ${source}` }];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  let frontier: readonly string[] = graph.model.inputs.map((input) => input.name);
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const layer of frontier.flatMap((name) => graph.consumersOf(name))) {
      if (seen.has(layer.name)) continue;
      seen.add(layer.name);
      const found = pixelProblem(layer, source, related);
      if (found) out.push(found);
      if (hasTrait(layer.kind, "augmentation") || hasTrait(layer.kind, "keeps-range")) {
        next.push(layer.name);
      }
    }
    frontier = next;
  }
  return out;
}

/** `images()` or `idx()` when the train block's data gives pixels in [0, 1]; undefined otherwise. */
function scaledSource(train: IrTrain): string | undefined {
  const { name, args } = train.data;
  if (name === "images") return "images()";
  if (name === "idx" && args["scale"] !== false) return "idx()";
  return undefined;
}

function pixelProblem(
  layer: IrLayer,
  source: string,
  related: readonly (IrTrain["location"] & { message: string })[],
): Diagnostic | undefined {
  const config = layer.tfjs.config;
  if (hasTrait(layer.kind, "value-range")) {
    const range = config["valueRange"];
    if (!Array.isArray(range) || range.length !== 2) return undefined;
    const [lo, hi] = range as [number, number];
    if (Math.max(lo, hi) <= 1) return undefined;
    const hint = `pass value_range: [0, 1]: ${source} already scales pixels to [0, 1]`;
    return diagnostic(
      "NN5016",
      layer.location,
      { callee: layer.kind, range: `[${lo}, ${hi}]`, source },
      { hint, related: [...related] },
    );
  }
  if (hasTrait(layer.kind, "rescales")) {
    const scale = config["scale"];
    if (typeof scale !== "number" || scale === 0 || Math.abs(scale) > shrinking) return undefined;
    const hint =
      source === "idx()"
        ? "idx() already scales pixels to [0, 1]: remove the rescaling, or pass scale: false to idx()"
        : "images() already scales pixels to [0, 1]: remove the rescaling";
    return diagnostic(
      "NN5011",
      layer.location,
      { scale: String(Number(scale.toPrecision(4))), source },
      { hint, related: [...related] },
    );
  }
  return undefined;
}
