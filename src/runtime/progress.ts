/**
 * Training progress. On a terminal: one cli-progress bar per epoch (epoch i/N, step/total, loss and metrics,
 * ETA), left on screen when the epoch ends, as Keras does. Anywhere else (a pipe, a CI log): one plain line
 * per epoch, because a redrawn bar is noise in a file.
 */
import cliProgress from "cli-progress";
import type * as tf from "@tensorflow/tfjs";
import type { Figures } from "./figures.js";

export interface ProgressOptions {
  readonly epochs: number;
  /** Batches per epoch. */
  readonly steps: number;
  readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** tfjs logs -> figures under their Keras names (`acc` -> `accuracy`). */
  readonly figures: (logs: tf.Logs | undefined) => Figures;
}

/** The callback that reports progress; pass it to `model.fit`. */
export function progressCallback(options: ProgressOptions): tf.CustomCallbackArgs {
  return options.stream.isTTY ? barCallback(options) : lineCallback(options);
}

/** `loss: 0.1234 - accuracy: 0.9500`. */
export function formatFigures(figures: Figures): string {
  return Object.entries(figures)
    .map(([name, value]) => `${name}: ${value.toFixed(4)}`)
    .join(" - ");
}

function barCallback({ epochs, steps, stream, figures }: ProgressOptions): tf.CustomCallbackArgs {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "epoch {epoch} |{bar}| {value}/{total} | {figures} | ETA {eta_formatted}",
      barsize: 24,
      hideCursor: true,
      etaBuffer: Math.max(10, Math.ceil(steps / 4)),
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    onEpochBegin: async (epoch) => bar.start(steps, 0, { epoch: `${epoch + 1}/${epochs}`, figures: "" }),
    onBatchEnd: async (batch, logs) => bar.update(batch + 1, { figures: formatFigures(figures(logs)) }),
    onEpochEnd: async (_epoch, logs) => {
      bar.update(steps, { figures: formatFigures(figures(logs)) });
      bar.stop();
    },
  };
}

function lineCallback({ epochs, stream, figures }: ProgressOptions): tf.CustomCallbackArgs {
  let started = 0;
  return {
    onEpochBegin: async () => {
      started = performance.now();
    },
    onEpochEnd: async (epoch, logs) => {
      const ms = Math.round(performance.now() - started);
      stream.write(`epoch ${epoch + 1}/${epochs} - ${ms}ms - ${formatFigures(figures(logs))}\n`);
    },
  };
}
