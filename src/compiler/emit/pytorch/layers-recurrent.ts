/**
 * The PyTorch target's recurrent layers (and the layers that wrap them): one factory per kind, merged into
 * layers.ts's table. Inputs are `[batch, steps, features]` in both frameworks: channels-last, which these
 * layers ask for, so a convolution's channels-first output is permuted back before them.
 *
 * An lstm with tanh and sigmoid, or a simple_rnn with tanh or relu, and no dropout, becomes PyTorch's fused
 * nn.LSTM / nn.RNN (`NncLSTM`, `NncSimpleRNN`), whose second bias per gate is linked to tfjs's one bias (see
 * `WeightLink`). Every other recurrent layer, and every gru (tfjs's GRU applies the reset gate before the
 * matrix product, which nn.GRU does not), becomes `NncRecurrent`, tfjs's math step by step with tfjs's weights
 * as they are. The Python is in recurrent-python.ts.
 */
import type { IrLayer, JsonValue, TfjsLayer } from "../../ir/index.js";
import { layerKinds } from "../../registry/layers/index.js";
import { specName } from "./layer-parts.js";
import { py } from "./python.js";
import { recurrentHelpers } from "./recurrent-python.js";
import type { TorchInput, TorchLayerFactory, WeightLink } from "./types.js";

export { recurrentHelpers };

type Cell = "simple_rnn" | "lstm" | "gru";

/** tfjs factory -> cell, and the cell's weight blocks (gates). */
const cells: Readonly<Record<string, { readonly cell: Cell; readonly gates: number }>> = {
  simpleRNN: { cell: "simple_rnn", gates: 1 },
  lstm: { cell: "lstm", gates: 4 },
  gru: { cell: "gru", gates: 3 },
};

/** Config keys whose settings the emitted module does not apply (they act on the loss or after each step). */
const unapplied = [
  "kernelRegularizer",
  "recurrentRegularizer",
  "biasRegularizer",
  "activityRegularizer",
  "kernelConstraint",
  "recurrentConstraint",
  "biasConstraint",
];

/** One recurrent module: its constructor, the helpers it needs, its links (tfjs indices from `first`). */
interface RecurrentModule {
  readonly module: string;
  readonly helpers: readonly string[];
  links(prefix: string, first: number): WeightLink[];
  /** PyTorch's extra parameters over tfjs's (the fused layers' second bias). */
  readonly extra: number;
}

const flag = (config: TfjsLayer["config"], key: string): boolean => config[key] === true;
const option = (config: TfjsLayer["config"], key: string, fallback: JsonValue): JsonValue =>
  (config[key] as JsonValue | undefined) ?? fallback;

/** Python keyword arguments, leaving out those at their defaults. */
function keywords(values: readonly [string, JsonValue, JsonValue][]): string[] {
  return values.filter(([, value, fallback]) => value !== fallback).map(([key, value]) => `${key}=${py(value)}`);
}

/** What keeps a recurrent tfjs layer over `inputs` from being expressed, or undefined. */
function problemOf(recurrent: TfjsLayer, inputs: readonly TorchInput[]): string | undefined {
  if (!cells[recurrent.factory]) return `it wraps ${recurrent.factory}`;
  if (featuresOf(inputs) === undefined) return "its feature axis has no fixed size";
  const key = unapplied.find((k) => recurrent.config[k] !== undefined && recurrent.config[k] !== null);
  return key && `its ${specName(key)} is not applied by the PyTorch target (remove it, or train with nnc)`;
}

/** A link to tfjs weight `tfjs`; `transposed`: PyTorch holds the 2-D weight as `[out, in]`. */
function link(torch: string, tfjs: number, tfjsShape: number[], transposed = false): WeightLink {
  if (!transposed) return { torch, torchShape: tfjsShape, tfjs, tfjsShape };
  return { torch, torchShape: [...tfjsShape].reverse(), tfjs, tfjsShape, permute: [1, 0] };
}

/** The module of a recurrent tfjs layer (`lstm`, `gru`, `simpleRNN`) over `features`, as `goBackwards` says. */
function recurrentModule(tfjs: TfjsLayer, features: number, goBackwards: boolean): RecurrentModule {
  const { config } = tfjs;
  const { cell, gates } = cells[tfjs.factory]!;
  const units = config["units"] as number;
  const width = gates * units;
  const useBias = config["useBias"] !== false;
  const activation = option(config, "activation", "tanh");
  const recurrentActivation = option(config, "recurrentActivation", "sigmoid");
  const dropout = option(config, "dropout", 0);
  const recurrentDropout = option(config, "recurrentDropout", 0);
  const common = keywords([
    ["return_sequences", flag(config, "returnSequences"), false],
    ["return_state", flag(config, "returnState"), false],
    ["go_backwards", goBackwards, false],
  ]);
  const plain = dropout === 0 && recurrentDropout === 0;
  const fused =
    plain &&
    ((cell === "lstm" && activation === "tanh" && recurrentActivation === "sigmoid") ||
      (cell === "simple_rnn" && (activation === "tanh" || activation === "relu")));
  if (fused) {
    const name = cell === "lstm" ? "NncLSTM" : "NncSimpleRNN";
    const args = [
      features,
      units,
      ...(cell === "simple_rnn" ? keywords([["activation", activation, "tanh"]]) : []),
      ...keywords([["use_bias", useBias, true]]),
      ...common,
    ];
    return {
      module: `${name}(${args.join(", ")})`,
      helpers: ["NNC_ACTIVATIONS", "nnc_recurrent_steps", "NncFastRecurrent"],
      links: (prefix, first) => [
        link(`${prefix}weight_ih_l0`, first, [features, width], true),
        link(`${prefix}weight_hh_l0`, first + 1, [units, width], true),
        ...(useBias ? ["bias_ih_l0", "bias_hh_l0"].map((b) => link(`${prefix}${b}`, first + 2, [width])) : []),
      ],
      extra: useBias ? width : 0,
    };
  }
  const args = [
    py(cell),
    features,
    units,
    ...keywords([
      ["activation", activation, "tanh"],
      ["recurrent_activation", cell === "simple_rnn" ? "sigmoid" : recurrentActivation, "sigmoid"],
      ["use_bias", useBias, true],
      ["dropout", dropout, 0],
      ["recurrent_dropout", recurrentDropout, 0],
    ]),
    ...common,
  ];
  return {
    module: `NncRecurrent(${args.join(", ")})`,
    helpers: ["NNC_ACTIVATIONS", "nnc_recurrent_steps", "NncRecurrent"],
    links: (prefix, first) => [
      link(`${prefix}kernel`, first, [features, width]),
      link(`${prefix}recurrent_kernel`, first + 1, [units, width]),
      ...(useBias ? [link(`${prefix}bias`, first + 2, [width])] : []),
    ],
    extra: 0,
  };
}

/**
 * `.requires_grad_(False)` for a wrapped layer frozen by its own `trainable: false` (tfjs 4.22's wrappers
 * freeze by that flag alone); module.ts freezes a layer whose own config says so, the wrapper included.
 */
function frozenInside(wrapper: TfjsLayer, nested: TfjsLayer): string {
  return nested.config["trainable"] === false && wrapper.config["trainable"] !== false ? ".requires_grad_(False)" : "";
}

/** The feature count of a recurrent layer's input, or why it has none. */
function featuresOf(inputs: readonly TorchInput[]): number | undefined {
  const last = inputs[0]?.shape.at(-1);
  return typeof last === "number" ? last : undefined;
}

const call = (self: string, inputs: readonly string[]) => `${self}(${inputs.join(", ")})`;

/** The note on a fused layer's extra bias, for `paramNote`. */
function extraNote(made: RecurrentModule, copies = 1): string | undefined {
  if (made.extra === 0) return undefined;
  const fused = made.module.startsWith("NncLSTM") ? "nn.LSTM" : "nn.RNN";
  return `${fused} has a second bias per gate (bias_hh_l0: zeros from tfjs, summed back): +${copies * made.extra}`;
}

/** lstm, gru, simple_rnn: `[steps, features]` -> `[units]` or `[steps, units]`, then the states. */
const recurrentLayer: TorchLayerFactory = (layer, inputs) => {
  const problem = problemOf(layer.tfjs, inputs);
  if (problem !== undefined) return { unsupported: problem, location: layer.location };
  const made = recurrentModule(layer.tfjs, featuresOf(inputs)!, flag(layer.tfjs.config, "goBackwards"));
  const paramNote = extraNote(made);
  return {
    module: made.module,
    helpers: made.helpers,
    layout: "channels_last",
    forward: call,
    weights: made.links("", 0),
    ...(paramNote ? { paramNote } : {}),
  };
};

/** bidirectional(layer, merge_mode): a forward and a backward copy of a recurrent layer, merged. */
const bidirectionalLayer: TorchLayerFactory = (layer, inputs) => {
  const nested = layer.tfjs.config["layer"] as TfjsLayer;
  const mergeMode = option(layer.tfjs.config, "mergeMode", "concat");
  const problem = problemOf(nested, inputs);
  if (problem !== undefined) return { unsupported: problem, location: layer.location };
  const features = featuresOf(inputs)!;
  const backwards = flag(nested.config, "goBackwards");
  const forward = recurrentModule(nested, features, backwards);
  const backward = recurrentModule(nested, features, !backwards);
  const count = new Set(forward.links("", 0).map((link) => link.tfjs)).size;
  const merge = mergeMode === "concat" ? [] : [py(mergeMode)];
  const frozen = frozenInside(layer.tfjs, nested);
  const paramNote = extraNote(forward, 2);
  return {
    module: `NncBidirectional(${[`${forward.module}${frozen}`, `${backward.module}${frozen}`, ...merge].join(", ")})`,
    helpers: [...forward.helpers, "NncBidirectional"],
    layout: "channels_last",
    forward: call,
    weights: [...forward.links("forward_layer.", 0), ...backward.links("backward_layer.", count)],
    ...(paramNote ? { paramNote } : {}),
  };
};

/** Factories by registry kind; `time_distributed` needs the whole table (see `timeDistributedLayer`). */
export const recurrentLayers: Readonly<Record<string, TorchLayerFactory>> = {
  simple_rnn: recurrentLayer,
  lstm: recurrentLayer,
  gru: recurrentLayer,
  bidirectional: bidirectionalLayer,
};

/**
 * time_distributed(layer): the wrapped layer, built by `factory` (layers.ts's whole table, passed in to keep
 * the modules free of an import cycle), applied to `[batch * steps, ...]`. Its module is the wrapped layer's,
 * so its state dict keys are too. A wrapped layer that wants channels first (a convolution) is NN6001.
 */
export function timeDistributedLayer(factory: TorchLayerFactory): TorchLayerFactory {
  return (layer, inputs) => {
    const nested = layer.tfjs.config["layer"] as TfjsLayer;
    const kind = layerKinds.find((k) => k.factory === nested.factory);
    const input = inputs[0]!;
    const inner: IrLayer = {
      ...layer,
      kind: kind?.name ?? nested.factory,
      tfjs: nested,
      outputShapes: layer.outputShapes.map((shape) => shape.slice(1)),
    };
    const made = factory(inner, [{ expr: "step", shape: input.shape.slice(1) }]);
    if ("unsupported" in made) return made;
    if (made.layout === "channels_first") {
      return { unsupported: `it wraps ${inner.kind}, which needs the ${made.layout} layout`, location: layer.location };
    }
    const frozen = made.module === null ? "" : frozenInside(layer.tfjs, nested);
    return {
      ...made,
      layout: "channels_last",
      ...(made.module === null ? {} : { module: `${made.module}${frozen}` }),
      helpers: [...(made.helpers ?? []), "nnc_time_distributed"],
      forward: (self, [x]) => `nnc_time_distributed(lambda step: ${made.forward(self, ["step"])}, ${x})`,
    };
  };
}
