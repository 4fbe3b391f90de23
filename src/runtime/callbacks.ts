/**
 * The `callbacks` and `lr_schedule` of a train block as tfjs callbacks. tfjs's EarlyStopping stops training but cannot
 * restore the best weights (it throws "not implemented"), so `restore_best_weights` is a small callback
 * of our own that watches the same figure with the same rule.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrCall, IrTrain } from "../compiler/ir.js";
import { tfjsFigureName } from "./figures.js";
import { LearningRateScheduler } from "./schedules.js";

/** What the callbacks need from a train block. */
export type CallbackSettings = Pick<IrTrain, "metrics" | "callbacks" | "lrSchedule" | "batchSize">;

/**
 * The train block's `callbacks` and `lr_schedule` as tfjs callbacks for `model.fit`. The schedule starts
 * from `optimizer`'s learning rate and counts batches of `batchSize` over the `trainingRows` that fit trains
 * on (`loadTrainingData` says how many).
 */
export function trainingCallbacks(settings: CallbackSettings, optimizer: tf.Optimizer, trainingRows: number): tf.Callback[] {
  const callbacks = settings.callbacks.flatMap((call) => fromCall(call, settings.metrics));
  if (settings.lrSchedule) {
    const steps = Math.ceil(trainingRows / settings.batchSize);
    callbacks.push(new LearningRateScheduler(settings.lrSchedule, optimizer, steps));
  }
  return callbacks;
}

function fromCall(call: IrCall, metrics: readonly string[]): tf.Callback[] {
  switch (call.name) {
    case "early_stopping": {
      const keras = String(call.args["monitor"]);
      const monitor = tfjsFigureName(keras, metrics);
      const mode = higherIsBetter(keras) ? "max" : "min";
      const minDelta = Number(call.args["min_delta"]);
      const stopping = tf.callbacks.earlyStopping({ monitor, mode, minDelta, patience: Number(call.args["patience"]) });
      return call.args["restore_best_weights"] ? [stopping, new RestoreBestWeights(monitor, mode, minDelta)] : [stopping];
    }
    default:
      throw new Error(`trainingCallbacks: no runtime for callback '${call.name}'`);
  }
}

/** Keras's "auto" mode: accuracies and friends grow, losses and errors shrink. */
function higherIsBetter(figure: string): boolean {
  return /acc|precision|recall/.test(figure);
}

/** Keeps a copy of the weights from the best epoch and puts them back when training ends. */
class RestoreBestWeights extends tf.Callback {
  private best = Infinity;
  private weights: tf.Tensor[] | null = null;

  constructor(
    private readonly monitor: string,
    private readonly mode: "min" | "max",
    private readonly minDelta: number,
  ) {
    super();
  }

  override async onEpochEnd(_epoch: number, logs?: tf.Logs): Promise<void> {
    const value = logs?.[this.monitor];
    if (typeof value !== "number") return;
    const score = this.mode === "max" ? -value : value;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.weights?.forEach((w) => w.dispose());
      this.weights = (this.model as tf.LayersModel).getWeights().map((w) => w.clone());
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.weights) return;
    (this.model as tf.LayersModel).setWeights(this.weights);
    this.weights.forEach((w) => w.dispose());
    this.weights = null;
  }
}
