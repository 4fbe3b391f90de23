/**
 * NN5015: a random augmentation layer (the registry's `augmentation` trait) that reads the output of a
 * trainable layer. Keras's advice is to augment the input: an augmentation after a trainable layer turns,
 * shifts or crops learned feature maps rather than images, which is rarely what was meant (and costs a
 * resampling with a gradient at every step). Every use of a shared augmentation is checked, and a shared
 * trainable layer's later use counts as trainable (its weights are counted once, at its first use).
 */
import type { Diagnostic } from "../diagnostics/index.js";
import { diagnostic } from "../diagnostics/index.js";
import type { IrLayer } from "../ir/index.js";
import { hasTrait } from "../registry/index.js";
import type { Graph } from "./graph.js";

/** NN5015 for each augmentation layer with a trainable layer before it, related to the nearest one. */
export function lateAugmentations(graph: Graph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const layer of graph.model.layers) {
    if (!hasTrait(layer.kind, "augmentation")) continue;
    const trainable = trainableBefore(graph, layer);
    if (!trainable) continue;
    const related = [{ ...trainable.location, message: `the trainable ${trainable.kind} before it` }];
    const hint = `move ${layer.kind} to the start of the model, right after the input`;
    out.push(
      diagnostic("NN5015", layer.location, { callee: layer.kind, trainable: trainable.kind }, { hint, related }),
    );
  }
  return out;
}

/** The nearest layer with trainable weights among those whose outputs reach `layer`, breadth first. */
function trainableBefore(graph: Graph, layer: IrLayer): IrLayer | undefined {
  const seen = new Set<string>();
  let frontier = [layer];
  while (frontier.length > 0) {
    const next: IrLayer[] = [];
    for (const current of frontier) {
      for (const ref of current.inputs) {
        const producer = graph.layer(ref.node);
        if (!producer || seen.has(producer.name)) continue;
        seen.add(producer.name);
        if (trainableWeights(graph, producer) > 0) return producer;
        next.push(producer);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** A node's trainable weights: for a shared layer's later use, those of the layer it applies. */
function trainableWeights(graph: Graph, layer: IrLayer): number {
  const owner = layer.shares === undefined ? layer : graph.layer(layer.shares);
  return owner?.params.trainable ?? 0;
}
