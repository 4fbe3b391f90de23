/**
 * Fine-tuning as the second phase of one run (`fine_tune: fine_tune(epochs: 5, learning_rate: 1e-5, unfreeze:
 * all)`), Keras's recipe: after the main epochs, the named layers become trainable and training goes on with a
 * new optimizer of the same kind at the new rate, as `model.compile` then `fit` again would in Keras. Here it is
 * one loop of `epochs + fine_tune.epochs` epochs, so history, progress, checkpoints and `--resume` continue
 * across the boundary: a callback switches at the first fine-tuning epoch, or, when a run resumes inside the
 * second phase, before the checkpoint's optimizer state is restored into the new optimizer.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrCall } from "../compiler/ir/index.js";
import { layersNamed } from "../compiler/registry/transfer-options.js";
import { optimizers } from "../compiler/registry/train-options.js";
import { currentRate, LearningRateScheduler } from "./schedule-callbacks.js";
import { fuseAdam } from "./wasm/fused-adam.js";

/** The optimizer a checked `optimizer:` call makes. */
export function makeOptimizer(call: IrCall): tf.Optimizer {
  const { factory, args } = optimizers[call.name]!.tfjs(call.args);
  return fuseAdam((tf.train as unknown as Record<string, (...args: unknown[]) => tf.Optimizer>)[factory]!(...args));
}

/** The epochs of the whole run: the main ones, then the fine-tuning ones. */
export function runEpochs(main: number, fineTune: IrCall | null | undefined): number {
  return main + (fineTune ? Number(fineTune.args["epochs"]) : 0);
}

/** What the switch replaces: the optimizer that checkpoints save and restore. */
export interface OptimizerHolder {
  optimizer: tf.Optimizer;
}

/**
 * The callback that starts fine-tuning at epoch `mainEpochs` (0-based), or at the start of a run resumed at
 * `resumeEpoch` inside the second phase. It goes right after the learning-rate callback, whose `lr` it
 * replaces with the new optimizer's (a schedule applies to the main epochs only).
 */
export class FineTuning extends tf.Callback {
  private started = false;

  constructor(
    private readonly settings: IrCall,
    private readonly optimizerCall: IrCall,
    private readonly mainEpochs: number,
    private readonly parts: OptimizerHolder & { readonly model: tf.LayersModel },
    private readonly stream: NodeJS.WritableStream,
    private readonly resumeEpoch: number | null,
  ) {
    super();
  }

  override async onTrainBegin(): Promise<void> {
    if (this.resumeEpoch !== null && this.resumeEpoch >= this.mainEpochs) this.start(this.resumeEpoch);
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (epoch === this.mainEpochs && !this.started) this.start(null);
  }

  override async onEpochEnd(_epoch: number, logs?: tf.Logs): Promise<void> {
    if (this.started && logs) logs["lr"] = currentRate(this.parts.optimizer);
  }

  /** `resumed`: the epoch a resumed run goes on at, inside the second phase; null at the phase's start. */
  private start(resumed: number | null): void {
    this.started = true;
    const { model } = this.parts;
    const unfreeze = this.settings.args["unfreeze"];
    const names = model.layers.map((layer) => layer.name);
    const chosen = new Set(unfreeze === "all" ? names : (unfreeze as string[]).flatMap((n) => layersNamed(n, names)));
    const frozen = model.layers.filter(
      (layer) => chosen.has(layer.name) && !layer.trainable && layer.weights.length > 0,
    );
    for (const layer of model.layers) if (chosen.has(layer.name)) layer.trainable = true;
    const rate = Number(this.settings.args["learning_rate"]);
    const optimizer = makeOptimizer({
      ...this.optimizerCall,
      args: { ...this.optimizerCall.args, learning_rate: rate },
    });
    // What tfjs's `compile` does with them: the steps read the optimizer and the weights collected here.
    const replaced = this.parts.optimizer;
    model.optimizer = optimizer;
    (model as unknown as { collectedTrainableWeights: tf.LayerVariable[] }).collectedTrainableWeights =
      model.trainableWeights;
    this.parts.optimizer = optimizer;
    // Nothing reads the main phase's optimizer again; its state (adam's moments) would outlive the run.
    replaced.dispose();
    const n = frozen.length;
    const shown = n === 0 ? "no layer was frozen" : `${n} layer${n === 1 ? "" : "s"} unfrozen`;
    const when = resumed === null ? `from epoch ${this.mainEpochs + 1}` : `resumed at epoch ${resumed + 1}`;
    this.stream.write(`fine-tuning ${when}: ${shown}, learning rate ${rate}\n`);
  }
}

/** `callbacks` with `fineTuning` right after the learning-rate callback (first when there is none). */
export function withFineTuning(callbacks: readonly tf.Callback[], fineTuning: FineTuning | null): tf.Callback[] {
  if (!fineTuning) return [...callbacks];
  const at = callbacks.findIndex((c) => c instanceof LearningRateScheduler) + 1;
  return [...callbacks.slice(0, at), fineTuning, ...callbacks.slice(at)];
}
