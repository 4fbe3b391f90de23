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
    // A run stopped in the middle of an epoch (Ctrl-C) leaves the bar where it was, and gives the cursor back.
    onTrainEnd: async () => bar.stop(),
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

/**
 * The end-of-run table: one row per epoch (the first and last ten of a long run), each figure in a column,
 * and a `*` on the epoch with the best validation loss (or the best loss, without validation), or, when
 * `restore_best_weights` kept one epoch's weights (`restored`), on that epoch, with the figure it watched.
 */
export function summaryTable(
  history: readonly { readonly epoch: number; readonly [figure: string]: number }[],
  restored: { readonly epoch: number; readonly figure: string } | null = null,
): string {
  if (history.length === 0) return "";
  const columns = [...new Set(history.flatMap((r) => Object.keys(r)))].filter((k) => k !== "epoch");
  const watched = columns.includes("val_loss") ? "val_loss" : "loss";
  const scores = history.map((r) => r[watched] ?? Infinity);
  // Loops, not Math.min(...scores): spread arguments overflow the stack past ~130,000 epochs.
  const best = restored
    ? history.findIndex((r) => r.epoch === restored.epoch)
    : scores.reduce((at, score, i) => (score < scores[at]! ? i : at), 0);
  const footer = restored ? `* best ${restored.figure}, whose weights were kept` : `* best ${watched}`;
  const cell = (key: string, value: number | undefined) =>
    value === undefined ? "" : key === "lr" ? String(Number(value.toPrecision(4))) : value.toFixed(4);
  const rows = history.map((r, i) => [`${r.epoch}${i === best ? "*" : ""}`, ...columns.map((k) => cell(k, r[k]))]);
  const header = ["epoch", ...columns];
  const widths = header.map((h, c) => rows.reduce((width, row) => Math.max(width, row[c]!.length), h.length));
  const line = (cells: readonly string[]) => cells.map((text, c) => text.padStart(widths[c]!)).join("  ");
  const shown = rows.length > 20 ? [...rows.slice(0, 10), null, ...rows.slice(-10)] : rows;
  const body = shown.map((row) => (row ? line(row) : line(widths.map(() => "..."))));
  return [line(header), ...body, footer].join("\n") + "\n";
}
