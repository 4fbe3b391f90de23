/**
 * A sweep's tables: the live one `nnc sweep` redraws while trials run (one row per trial: its values, its epoch,
 * its objective now and at its best, its state) and the ranked one it prints at the end, with the command that
 * trains the best configuration again. Plain text in the runtime's look (report-table.ts); no tfjs.
 */
import type { IrSweep, SweepConfiguration } from "../../compiler/ir/sweep.js";
import { groupThousands } from "../../compiler/base/numbers.js";
import { shellWord } from "../../compiler/base/shell.js";
import { valueText } from "../../compiler/overrides/index.js";
import {
  bestOf,
  bestTrial,
  formatDuration,
  formatObjective,
  formatValue,
  parameterNames,
  rankTrials,
} from "./report-format.js";
import { cut, layoutTable, type TableColumn } from "./report-table.js";
import type { TrialRecord } from "./trial-record.js";

/** A trial that has not finished: waiting for a process, training, or refused by the check before it ran. */
export interface PendingTrial {
  /** The trial's number; null for a rejected configuration that never got one (a re-drawn sample). */
  readonly trial: number | null;
  readonly config: SweepConfiguration;
  readonly state: "queued" | "running" | "rejected";
  /** A running trial's objective after each epoch it finished so far. */
  readonly epochs?: readonly number[];
  /** A rejected configuration's reason, one line (`NN3001 dense: ...`). */
  readonly reason?: string;
}

/** What the live table shows; the runner fills it in and redraws. */
export interface LiveSweepState {
  /** Seconds since the sweep started. */
  readonly elapsed: number;
  /** Trials planned in all: the grid's size, or the sampler's `trials:`. */
  readonly total: number;
  /** The epochs trial N trains: its configured train block's `epochs:` (StartedTrial.epochs). */
  readonly epochs: (trial: number) => number;
  /** The finished trials (trials.jsonl). */
  readonly records: readonly TrialRecord[];
  /** The rest: running, queued and rejected trials. */
  readonly pending: readonly PendingTrial[];
}

/** A trial's state gives up width down to `pruned at epoch 2`; a failure's reason is what a narrow table cuts. */
const stateColumn: TableColumn = { header: "state", align: "left", shrinks: true, narrowest: 17 };

export interface TableOptions {
  /** Characters a line may take (the terminal's columns); no limit by default. */
  readonly width?: number;
}

export interface LiveTableOptions extends TableOptions {
  /** Lines the table may take (the terminal's rows, so that a redraw in place stays on the screen); no limit by default. */
  readonly height?: number;
}

/**
 * The table shown while a sweep runs: a progress line (`Net-sweep: 7 of 20 finished, 2 running, 3m 12s; best
 * val_loss 0.3124 (trial 4)`), then a row per trial in trial order, rejected configurations last; within
 * `height` lines, the rows that matter most now (shownRows).
 */
export function renderLiveTable(sweep: IrSweep, state: LiveSweepState, options: LiveTableOptions = {}): string {
  const width = options.width ?? Infinity;
  const names = parameterNames(
    sweep,
    [...state.records, ...state.pending].map((t) => t.config),
  );
  const direction = sweep.objective.direction;
  const all: LiveRow[] = [
    ...state.records.map((r) => ({
      kind: "finished" as const,
      trial: r.trial,
      config: r.config,
      epochs: r.epochs,
      best: r.objective,
      state: recordState(r),
    })),
    ...state.pending.map((p) => ({
      kind: p.state,
      trial: p.trial,
      config: p.config,
      epochs: p.epochs ?? [],
      best: bestOf(direction, p.epochs ?? []),
      state: p.state === "rejected" ? `rejected${p.reason ? `: ${p.reason}` : ""}` : p.state,
    })),
  ];
  const rows = shownRows(sweep, state, all, (options.height ?? Infinity) - 2);
  const columns: TableColumn[] = [
    { header: "trial", align: "right" },
    ...names.map((name): TableColumn => ({ header: name, align: "right", shrinks: true })),
    { header: "epoch", align: "right" },
    { header: sweep.objective.metric, align: "right", drops: 1 },
    { header: "best", align: "right" },
    stateColumn,
  ];
  const cells = rows.map((row) => [
    row.trial === null ? "-" : String(row.trial),
    ...names.map((name) => valueCell(sweep, row.config, name)),
    row.trial === null ? "" : `${row.epochs.length}/${state.epochs(row.trial)}`,
    formatObjective(row.epochs.at(-1)),
    formatObjective(row.best),
    row.state,
  ]);
  const left = all.length - rows.length;
  const more = (["finished", "queued", "rejected"] as const)
    .map((kind) => [kind, all.filter((r) => r.kind === kind && !rows.includes(r)).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  return (
    [
      cut(progressLine(sweep, state), width),
      ...layoutTable(columns, cells, width),
      ...(left > 0 ? [cut(`… ${left} more: ${more.join(", ")}`, width)] : []),
    ].join("\n") + "\n"
  );
}

interface LiveRow {
  readonly kind: "finished" | PendingTrial["state"];
  readonly trial: number | null;
  readonly config: SweepConfiguration;
  readonly epochs: readonly number[];
  readonly best: number | null;
  readonly state: string;
}

/**
 * The rows that fit in `lines`, in trial order (rejected configurations last). When not all do, one line says
 * how many are left out, and the rows kept are, in this order: the running trials, the three best finished ones,
 * the latest finished, the next queued, the rejected.
 */
function shownRows(sweep: IrSweep, state: LiveSweepState, rows: readonly LiveRow[], lines: number): LiveRow[] {
  const order = (a: LiveRow, b: LiveRow) => (a.trial ?? Infinity) - (b.trial ?? Infinity);
  if (rows.length <= lines) return [...rows].sort(order);
  const finished = (trials: readonly TrialRecord[]) =>
    trials.map((r) => rows.find((row) => row.kind === "finished" && row.trial === r.trial)!);
  const latest = [...state.records].sort((a, b) => b.finished.localeCompare(a.finished) || b.trial - a.trial);
  const wanted = [
    ...rows.filter((r) => r.kind === "running"),
    ...finished(rankTrials(state.records, sweep.objective.direction).slice(0, 3)),
    ...finished(latest),
    ...rows.filter((r) => r.kind === "queued").sort(order),
    ...rows.filter((r) => r.kind === "rejected"),
  ];
  return [...new Set(wanted)].slice(0, Math.max(1, lines - 1)).sort(order);
}

function progressLine(sweep: IrSweep, state: LiveSweepState): string {
  const count = (s: PendingTrial["state"]) => state.pending.filter((p) => p.state === s).length;
  const pruned = state.records.filter((r) => r.state === "pruned").length;
  const failed = state.records.filter((r) => r.state === "failed").length;
  const parts = [
    `${state.records.length} of ${state.total} finished`,
    ...(pruned ? [`${pruned} pruned`] : []),
    ...(failed ? [`${failed} failed`] : []),
    `${count("running")} running`,
    ...(count("rejected") ? [`${count("rejected")} rejected`] : []),
    formatDuration(state.elapsed),
  ];
  const best = bestTrial(sweep, state.records);
  const bestText = best
    ? `best ${sweep.objective.metric} ${formatObjective(best.objective)} (trial ${best.trial})`
    : `no trial complete yet`;
  return `${sweep.name}: ${parts.join(", ")}; ${bestText}`;
}

export interface RankedTableOptions extends TableOptions {
  /** The spec file as the user named it, for the command that trains the best configuration again. */
  readonly file: string;
  /** Overrides every trial was trained with besides its configuration (the sweep's `seed`), for that command. */
  readonly fixed?: SweepConfiguration;
}

/**
 * The table printed when a sweep ends: its trials best first (rankTrials: complete ones by objective, then
 * pruned ones, the longest trained first, then failed ones), and under it the best configuration as the `nnc train` command that trains it.
 */
export function renderRankedTable(
  sweep: IrSweep,
  records: readonly TrialRecord[],
  options: RankedTableOptions,
): string {
  const width = options.width ?? Infinity;
  const names = parameterNames(
    sweep,
    records.map((r) => r.config),
  );
  const ranked = rankTrials(records, sweep.objective.direction);
  const columns: TableColumn[] = [
    { header: "rank", align: "right" },
    { header: "trial", align: "right" },
    ...names.map((name): TableColumn => ({ header: name, align: "right", shrinks: true })),
    { header: sweep.objective.metric, align: "right" },
    { header: "epoch", align: "right", drops: 1 },
    { header: "params", align: "right", drops: 2 },
    { header: "time", align: "right", drops: 3 },
    stateColumn,
  ];
  const cells = ranked.map((r, i) => [
    r.objective === null || Number.isNaN(r.objective) ? "-" : String(i + 1),
    String(r.trial),
    ...names.map((name) => valueCell(sweep, r.config, name)),
    formatObjective(r.objective),
    r.bestEpoch === null ? "-" : String(r.bestEpoch),
    groupThousands(r.params),
    formatDuration(r.seconds),
    recordState(r),
  ]);
  const best = bestTrial(sweep, records);
  const footer = best
    ? [
        `best: trial ${best.trial}, ${sweep.objective.metric} ${formatObjective(best.objective)} at epoch ${best.bestEpoch}; train it again with`,
        `  ${reproduceCommand(options.file, { ...options.fixed, ...best.config })}`,
      ]
    : [`no trial completed: there is no best configuration`];
  const title = `${sweep.name}: ${records.length} trials, ${sweep.objective.direction} ${sweep.objective.metric}`;
  return [cut(title, width), ...layoutTable(columns, cells, width), "", ...footer].join("\n") + "\n";
}

/** `nnc train FILE --set a=1 --set b=2`, quoted for a POSIX shell, with each value's exact `.nn` text. */
export function reproduceCommand(file: string, config: SweepConfiguration): string {
  const sets = Object.entries(config).map(([name, value]) => `--set ${shellWord(`${name}=${valueText(value)}`)}`);
  return ["nnc train", shellWord(file), ...sets].join(" ");
}

/** `complete`, `pruned at epoch 2`, `failed: <reason>`. */
function recordState(record: TrialRecord): string {
  if (record.state === "pruned") return `pruned at epoch ${record.epochs.length}`;
  if (record.state === "failed") return record.error ? `failed: ${record.error}` : "failed";
  return record.state;
}

function valueCell(sweep: IrSweep, config: SweepConfiguration, name: string): string {
  const value = config[name];
  return value === undefined ? "" : formatValue(value, sweep.params.find((p) => p.name === name)?.distribution);
}
