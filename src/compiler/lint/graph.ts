/** The model graph the lints walk: its layers by name and their consumers, looked up both ways. */
import type { IrLayer, IrModel, Shape } from "../ir/index.js";
import { hasTrait } from "../registry/index.js";

/** A model with its edges looked up both ways. */
export class Graph {
  private readonly byName = new Map<string, IrLayer>();
  private readonly consumers = new Map<string, IrLayer[]>();
  readonly outputs: ReadonlySet<string>;

  constructor(readonly model: IrModel) {
    for (const layer of model.layers) {
      this.byName.set(layer.name, layer);
      for (const input of layer.inputs) {
        const consumers = this.consumers.get(input.node);
        if (consumers) consumers.push(layer);
        else this.consumers.set(input.node, [layer]);
      }
    }
    this.outputs = new Set(model.outputs.map((o) => o.node));
  }

  layer(name: string): IrLayer | undefined {
    return this.byName.get(name);
  }

  consumersOf(name: string): readonly IrLayer[] {
    return this.consumers.get(name) ?? [];
  }

  /** The layer whose output feeds `layer`, when it has exactly one input and that input is a layer. */
  producerOf(layer: IrLayer): IrLayer | undefined {
    return layer.inputs.length === 1 ? this.byName.get(layer.inputs[0]!.node) : undefined;
  }

  /** The shape of a layer's first input: a layer's output or a model input. */
  inputShape(layer: IrLayer): Shape | undefined {
    const ref = layer.inputs[0];
    if (!ref) return undefined;
    const producer = this.byName.get(ref.node);
    return producer ? producer.outputShapes[ref.index] : this.model.inputs.find((i) => i.name === ref.node)?.shape;
  }

  /** The single output layer, or undefined for a model with several outputs or an input as its output. */
  outputLayer(): IrLayer | undefined {
    return this.model.outputs.length === 1 ? this.byName.get(this.model.outputs[0]!.node) : undefined;
  }
}

/**
 * The activation a layer applies last: the one named in its `activation:` argument, or an activation layer's
 * own (`softmax()`, `relu()`); undefined for other layers.
 */
export function activationOf(layer: IrLayer): string | undefined {
  const activation = layer.tfjs.config["activation"];
  if (typeof activation === "string") return activation;
  return hasTrait(layer.kind, "activation") ? layer.kind : undefined;
}
