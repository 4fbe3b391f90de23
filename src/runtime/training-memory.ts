/**
 * How much memory a training step takes at its peak, estimated from the IR alone (no tfjs), and NN4083 when that
 * is more than the wasm backend can hold: its memory is a 32-bit WebAssembly memory of at most 4 GiB, and a
 * step past it ends in "memory access out of bounds" minutes into training (or, on the threaded build, never).
 *
 * The estimate, in float32 bytes (4 a number), P the model's parameters and T its trainable ones:
 *
 *     peak = weights + slots + gradients + max(update, step copies + batch_size * activations)
 *
 * - weights `4P`; the optimizer's slots `4T` each (`optimizerMemory`: Adam keeps two moments, SGD none); the
 *   gradients `4T`, all held until the update has run.
 * - update: what the optimizer's step allocates beyond those (`optimizerMemory`). nnc's fused Adam on wasm
 *   (wasm/fused-adam.ts) writes a new weight and two new moments for every variable before the old ones are
 *   freed, `3 * 4T`; tfjs's Adamax makes seven temporaries of every variable in one `tidy`, `7 * 4T`; the others
 *   free their temporaries a variable at a time: 2 (SGD) to 14 (centred RMSProp) of the largest layer's weights.
 * - activations: a sample's inputs and seven times each layer's outputs. tfjs keeps a layer's output and the
 *   tensors its backward pass needs (a dense or convolution layer with an activation makes three: the product,
 *   the bias added, the activation), and its backward pass frees no gradient of an activation until it ends
 *   (tfjs-core's tape, in one `tidy`); measured on wasm with `tf.profile`, the peak of a convolutional step was
 *   6.0 and 6.5 times the outputs a sample. A recurrent layer keeps every step's tensors besides: where tfjs
 *   steps the cell itself, 45 numbers a step per unit and sample and four copies of the layer's weights a step
 *   whatever the batch (tfjs's GRU measured 41 and 3.7); nnc's fused LSTM (layers/fused-lstm.ts), 14 numbers a
 *   step per unit and sample (measured 12) and no copies (the step copies). All of it is freed before the
 *   update runs, hence the `max`.
 *
 * Sizes the data decides (a sequence's length) are unknown: the activations are then left out, and only a
 * model whose weights alone are too large is refused.
 */
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/index.js";
import type { IrModel, IrTrain, Shape, TfjsLayer } from "../compiler/ir/index.js";
import { hasTrait } from "../compiler/registry/layers/index.js";
import { optimizers } from "../compiler/registry/train-options.js";

/** The wasm backend's memory: 65,536 pages of 64 KiB, wasm32's whole address space. */
export const wasmMemoryBytes = 4 * 2 ** 30;

/**
 * The most of it a training step's tensors may take: 3.5 GiB. The rest is the backend's own: its stack and
 * static data, XNNPACK's packed copies of the weights it multiplies and its workspaces, and the allocator's
 * fragmentation (a freed block is not always one the next, larger tensor fits in), and Emscripten's growth, which
 * takes up to 96 MiB more than asked. Measured: an 84M-weight MLP's step with Adam took 164 MiB past its estimate.
 */
export const wasmTrainingCeiling = 3.5 * 2 ** 30;

const bytesPerNumber = 4;

/** The estimate's parts, in bytes. */
export interface TrainingMemory {
  readonly weights: number;
  readonly slots: number;
  readonly gradients: number;
  /** The optimizer's step's own allocations (see the module's comment). */
  readonly update: number;
  /** A sample's forward and backward tensors; null when a size is not fixed. */
  readonly activations: number | null;
  /** The forward and backward tensors that do not grow with the batch (recurrent layers' weights a step). */
  readonly stepCopies: number;
}

/**
 * What tfjs's optimizers keep and make, by tfjs factory (tfjs-core's dist/optimizers/). `slots`: variables per
 * weight: momentum's accumulation; RMSProp's mean square and moments (and mean gradient when centred); Adam's
 * and Adamax's two moments; Adagrad's accumulator; Adadelta's accumulated gradients and updates. `update`: the
 * tensors of a weight's size its step makes beyond them, counted in tfjs's code; `every`: of every weight at
 * once (nnc's fused Adam allocates every result before it assigns them; tfjs's Adamax runs every weight's step
 * in one `tidy`), else of one weight at a time (each in its own `tidy`), so of the largest.
 */
interface OptimizerMemory {
  readonly slots: number;
  readonly update: number;
  readonly every?: true;
}

const optimizerMemory: Readonly<Record<string, (args: readonly unknown[]) => OptimizerMemory>> = {
  sgd: () => ({ slots: 0, update: 2 }),
  momentum: () => ({ slots: 1, update: 4 }),
  rmsprop: (args) => (args[4] === true ? { slots: 3, update: 14 } : { slots: 2, update: 10 }),
  adam: () => ({ slots: 2, update: 3, every: true }),
  adamax: () => ({ slots: 2, update: 7, every: true }),
  adagrad: () => ({ slots: 1, update: 7 }),
  adadelta: () => ({ slots: 2, update: 12 }),
};

/** What the train block's optimizer keeps and makes; an unknown one as the most any does. */
function optimizerOf(train: Pick<IrTrain, "optimizer">): OptimizerMemory {
  const kind = optimizers[train.optimizer.name];
  const tfjs = kind?.tfjs(train.optimizer.args);
  return (tfjs && optimizerMemory[tfjs.factory]?.(tfjs.args)) ?? { slots: 3, update: 14, every: true };
}

/** The number of values in `shape`; null when a size is not fixed. */
function sizeOf(shape: Shape): number | null {
  let size = 1;
  for (const dim of shape) {
    if (typeof dim !== "number") return null;
    size *= dim;
  }
  return size;
}

/** A training step's memory for `model` trained as `train` says; see the module's comment for the formula. */
export function trainingMemory(model: IrModel, train: Pick<IrTrain, "optimizer">): TrainingMemory {
  let parameters = 0;
  let trainable = 0;
  let largestLayer = 0;
  // What a sample holds (a null for a size the data decides), and what the step holds whatever the batch.
  const sample: (number | null)[] = model.inputs.map((input) => sizeOf(input.shape));
  let copies = 0;
  const shapes = new Map<string, readonly Shape[]>(model.inputs.map((input) => [input.name, [input.shape]]));
  for (const layer of model.layers) {
    shapes.set(layer.name, layer.outputShapes);
    const weights = layer.params.trainable + layer.params.nonTrainable;
    parameters += weights;
    trainable += layer.params.trainable;
    largestLayer = Math.max(largestLayer, layer.params.trainable);
    for (const shape of layer.outputShapes) sample.push(times(7, sizeOf(shape)));
    if (!hasTrait(layer.kind, "recurrent")) continue;
    const from = layer.inputs[0];
    const input = from && shapes.get(from.node)?.[from.index];
    const output = layer.outputShapes[0]!;
    const [steps, units] = [input?.[0], output[output.length - 1]];
    const fused = fusedLstm(layer.tfjs);
    sample.push(typeof steps === "number" && typeof units === "number" ? (fused ? 14 : 45) * steps * units : null);
    if (typeof steps === "number" && !fused) copies += 4 * steps * weights;
  }
  const { slots, update, every } = optimizerOf(train);
  const known = sample.every((size) => size !== null);
  return {
    weights: bytesPerNumber * parameters,
    slots: bytesPerNumber * slots * trainable,
    gradients: bytesPerNumber * trainable,
    update: bytesPerNumber * update * (every ? trainable : largestLayer),
    activations: known ? bytesPerNumber * sample.reduce<number>((sum, size) => sum + size!, 0) : null,
    stepCopies: bytesPerNumber * copies,
  };
}

const times = (factor: number, size: number | null) => (size === null ? null : factor * size);

/**
 * Whether nnc's fused LSTM (layers/fused-lstm.ts) runs the layer on wasm: tfjs's class `LSTM`, alone or in a
 * wrapper, without dropout (which it leaves to tfjs's own steps in training).
 */
function fusedLstm(layer: TfjsLayer): boolean {
  const inner = layer.config["layer"];
  if (inner && typeof inner === "object" && "factory" in inner) return fusedLstm(inner as TfjsLayer);
  const { dropout = 0, recurrentDropout = 0 } = layer.config;
  return layer.factory === "lstm" && dropout === 0 && recurrentDropout === 0;
}

/** The estimated peak of a step of `batchSize` samples, in bytes. */
export function peakBytes(memory: TrainingMemory, batchSize: number): number {
  const held = memory.weights + memory.slots + memory.gradients;
  return held + Math.max(memory.update, memory.stepCopies + batchSize * (memory.activations ?? 0));
}

/** The largest batch whose step stays within `ceiling` bytes; 0 when none does (nor does a batch of one). */
export function largestBatch(memory: TrainingMemory, ceiling: number): number {
  if (peakBytes(memory, 1) > ceiling) return 0;
  if (!memory.activations) return Number.POSITIVE_INFINITY;
  const held = memory.weights + memory.slots + memory.gradients + memory.stepCopies;
  return Math.max(1, Math.floor((ceiling - held) / memory.activations));
}

/** `26.8 GiB`, `4 GiB`; below a GiB, `528 MiB`. */
function gib(bytes: number): string {
  if (bytes < 2 ** 30) return `${Math.ceil(bytes / 2 ** 20)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(1).replace(/\.0$/, "")} GiB`;
}

/**
 * NN4083, at the train block's `batch_size`, when a training step of `train` is estimated to need more memory
 * than the wasm backend can hold (`wasmTrainingCeiling`); undefined when it fits.
 */
export function wasmMemoryDiagnostic(model: IrModel, train: IrTrain): Diagnostic | undefined {
  const memory = trainingMemory(model, train);
  const peak = peakBytes(memory, train.batchSize);
  if (peak <= wasmTrainingCeiling) return undefined;
  const fits = largestBatch(memory, wasmTrainingCeiling);
  const elsewhere = "or train with --backend cpu, which has no such ceiling";
  const hint =
    fits > 0
      ? `lower batch_size to ${fits}, ${elsewhere}`
      : `no batch_size fits: train with --backend cpu, which has no such ceiling, ` +
        `${memory.slots > 0 ? "an optimizer that keeps fewer slots (sgd without momentum keeps none), " : ""}or a smaller model`;
  const activations = memory.stepCopies + train.batchSize * (memory.activations ?? 0);
  const parts = [
    `weights ${gib(memory.weights)}`,
    ...(memory.slots > 0 ? [`${train.optimizer.name}'s slots ${gib(memory.slots)}`] : []),
    `gradients ${gib(memory.gradients)}`,
    activations >= memory.update ? `activations ${gib(activations)}` : `update ${gib(memory.update)}`,
  ];
  return diagnostic(
    "NN4083",
    train.keyLocations?.["batchSize"] ?? train.location,
    {
      model: model.name,
      batchSize: train.batchSize,
      estimate: `${gib(peak)} (${parts.join(", ")})`,
      ceiling: gib(wasmTrainingCeiling),
      memory: gib(wasmMemoryBytes),
    },
    { hint },
  );
}
