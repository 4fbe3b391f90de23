/**
 * The trial mode of `nnc train` (its hidden `--trial SETTINGS` option), which `nnc sweep` starts each trial in:
 * the trial's process reports every epoch's figures to the sweep over IPC (for the live table), stops itself
 * after an epoch whose objective (its best so far, as the pruners compare it) is worse than the threshold the
 * sweep gave it for that epoch, and stops after the current step, saving a checkpoint, when the sweep's
 * process goes away (the IPC channel closes), as Ctrl-C does. Free of tfjs: `nnc train` reads the settings
 * before it loads the runtime.
 */
import { isPruned, type Direction } from "./pruners.js";
import { bestOf } from "./report-format.js";

/** What a trial is told at its start: the objective and, per epoch (index 0 is epoch 1), its pruning threshold. */
export interface TrialSettings {
  readonly metric: string;
  readonly direction: Direction;
  /** null: no threshold at that epoch (warm-up, too few finished trials, or no pruner). */
  readonly thresholds: readonly (number | null)[];
}

/** A message from a trial's process to the sweep: an epoch's figures, then, when it stops for it, that it is pruned. */
export type TrialMessage =
  | { readonly kind: "epoch"; readonly epoch: number; readonly figures: Readonly<Record<string, number>> }
  | { readonly kind: "pruned"; readonly epoch: number };

/** Reads `--trial`'s JSON; throws on anything else (only nnc sweep writes it). */
export function parseTrialSettings(text: string): TrialSettings {
  const value = JSON.parse(text) as TrialSettings;
  const valid =
    typeof value.metric === "string" &&
    (value.direction === "minimize" || value.direction === "maximize") &&
    Array.isArray(value.thresholds) &&
    value.thresholds.every((t) => t === null || typeof t === "number");
  if (!valid) throw new Error(`--trial: not a trial's settings: ${text}`);
  return value;
}

/**
 * The epoch (1-based) after which a trial with these per-epoch objectives stopped for its thresholds, or null:
 * what the trial's process decided as it trained (trialEpochHook, one epoch at a time), read back from a
 * trial's history when its own process was gone when the trial ended. One pass.
 */
export function prunedAt(settings: TrialSettings, objectives: readonly number[]): number | null {
  const pruned = pruneCheck(settings);
  for (const [index, objective] of objectives.entries()) if (pruned(index + 1, objective)) return index + 1;
  return null;
}

/**
 * The hook `trainModel` calls after each epoch (1-based) with its figures under Keras's names: sends them to the
 * sweep and returns true (stop training there) when the trial is pruned at this epoch.
 */
export function trialEpochHook(
  settings: TrialSettings,
): (epoch: number, figures: Readonly<Record<string, number>>) => boolean {
  const pruned = pruneCheck(settings);
  return (epoch, figures) => {
    send({ kind: "epoch", epoch, figures });
    if (!pruned(epoch, figures[settings.metric] ?? NaN)) return false;
    send({ kind: "pruned", epoch });
    return true;
  };
}

/**
 * Whether the trial stops after `epoch`, given that epoch's objective; called for epochs 1, 2, ... in order.
 * Keeps the best objective so far (bestOf the epochs seen), so each epoch costs the same: a trial of
 * thousands of epochs does not re-read its history after each.
 */
function pruneCheck(settings: TrialSettings): (epoch: number, objective: number) => boolean {
  let best: number | null = null;
  return (epoch, objective) => {
    best = bestOf(settings.direction, best === null ? [objective] : [best, objective]);
    return isPruned(settings.thresholds, epoch, best, settings.direction);
  };
}

function send(message: TrialMessage): void {
  if (process.connected) process.send?.(message);
}
