/**
 * The `callbacks` of a train block as tfjs callbacks. tfjs's EarlyStopping stops training but cannot
 * restore the best weights (it throws "not implemented"), so `restore_best_weights` is a small callback
 * of our own that watches the same figure with the same rule.
 */
import * as tf from "@tensorflow/tfjs";
import type { IrCall } from "../compiler/ir.js";

/**
 * tfjs callbacks for the train block's `callbacks`. `tfjsName` maps a Keras figure name (`val_accuracy`)
 * to the key tfjs logs it under (`val_acc`).
 */
export function trainingCallbacks(calls: readonly IrCall[], tfjsName: (keras: string) => string): tf.Callback[] {
  return calls.flatMap((call) => {
    switch (call.name) {
      case "early_stopping": {
        const keras = String(call.args["monitor"]);
        const monitor = tfjsName(keras);
        const mode = higherIsBetter(keras) ? "max" : "min";
        const minDelta = Number(call.args["min_delta"]);
        const stopping = tf.callbacks.earlyStopping({ monitor, mode, minDelta, patience: Number(call.args["patience"]) });
        return call.args["restore_best_weights"] ? [stopping, new RestoreBestWeights(monitor, mode, minDelta)] : [stopping];
      }
      default:
        throw new Error(`trainingCallbacks: no runtime for callback '${call.name}'`);
    }
  });
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
