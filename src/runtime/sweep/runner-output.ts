/**
 * What `nnc sweep` shows while its trials run. On a terminal, the live table (report.ts's renderLiveTable),
 * redrawn in place after every event; otherwise (a pipe, a log file, CI) one line per event, which a redraw
 * would turn into noise: `trial 2 started: units=16 optimizer.learning_rate=0.05`, `trial 2 epoch 1:
 * val_loss 0.9421`, `trial 2 complete: val_loss 0.5120 at epoch 3 (4.2 s)`.
 */
import type { IrSweep } from "../../compiler/ir/sweep.js";
import { describeConfiguration } from "../../compiler/sweep/rejections.js";
import { renderLiveTable, type PendingTrial } from "./report.js";
import { formatDuration, formatObjective } from "./report-format.js";
import type { RunnerEvent } from "./runner.js";
import type { TrialRecord } from "./trial-record.js";

export interface LiveOutput {
  /** Shows one event. */
  event(event: RunnerEvent): void;
  /** Ends the live display (the table stays on the screen as last drawn). */
  end(): void;
}

/** The live display of `sweep` on `stream`: the table on a terminal, lines otherwise. */
export function liveOutput(
  sweep: IrSweep,
  options: {
    readonly stream: NodeJS.WriteStream;
    readonly total: number;
    readonly epochs: (trial: number) => number;
    readonly records: () => readonly TrialRecord[];
  },
): LiveOutput {
  const { stream } = options;
  const started = performance.now();
  const running = new Map<number, PendingTrial>();
  if (!stream.isTTY) return { event: (event) => stream.write(`${eventLine(sweep, event)}\n`), end: () => {} };
  let drawn = 0;
  const draw = () => {
    const table = renderLiveTable(
      sweep,
      {
        elapsed: (performance.now() - started) / 1000,
        total: options.total,
        epochs: options.epochs,
        records: options.records(),
        pending: [...running.values()],
      },
      { width: stream.columns, height: stream.rows },
    );
    // Up to the table's first line, and clear from there: the new table replaces the old one.
    stream.write(`${drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : ""}${table}`);
    drawn = table.split("\n").length - 1;
  };
  const timer = setInterval(draw, 1000).unref();
  return {
    event: (event) => {
      if (event.kind === "started") {
        running.set(event.trial.trial, { trial: event.trial.trial, config: event.trial.config, state: "running" });
      } else if (event.kind === "epoch") {
        const trial = running.get(event.trial);
        if (trial) running.set(event.trial, { ...trial, epochs: [...(trial.epochs ?? []), event.objective] });
      } else {
        running.delete(event.kind === "finished" ? event.record.trial : event.trial);
      }
      draw();
    },
    end: () => clearInterval(timer),
  };
}

/** One event as one line. */
export function eventLine(sweep: IrSweep, event: RunnerEvent): string {
  const metric = sweep.objective.metric;
  switch (event.kind) {
    case "started":
      return `trial ${event.trial.trial} ${event.resumed ? "resumed" : "started"}: ${describeConfiguration(event.trial.config)}`;
    case "epoch":
      return `trial ${event.trial} epoch ${event.epoch}: ${metric} ${formatObjective(event.objective)}`;
    case "stopped":
      return `trial ${event.trial} stopped: checkpoint saved`;
    case "finished": {
      const r = event.record;
      const best = r.objective === null ? "" : `: ${metric} ${formatObjective(r.objective)} at epoch ${r.bestEpoch}`;
      const why = r.state === "failed" ? `: ${r.error ?? "failed"}` : best;
      const state = r.state === "pruned" ? `pruned at epoch ${r.epochs.length}` : r.state;
      return `trial ${r.trial} ${state}${why} (${formatDuration(r.seconds)})`;
    }
  }
}
