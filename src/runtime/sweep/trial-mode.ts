/**
 * The trial mode of `nnc train` (its hidden `--trial SETTINGS` option), which `nnc sweep` starts each trial in:
 * the trial's process reports every epoch's figures to the sweep over IPC (for the live table), stops itself
 * after an epoch whose objective is worse than the threshold the sweep gave it for that epoch (the pruner),
 * and stops after the current step, saving a checkpoint, when the sweep's process goes away (the IPC channel
 * closes), as Ctrl-C does. Free of tfjs: `nnc train` reads the settings before it loads the runtime.
 */

/** What a trial is told at its start: the objective and, per epoch (1-based index - 1), its pruning threshold. */
export interface TrialSettings {
  readonly metric: string;
  readonly direction: "minimize" | "maximize";
  /** null: no threshold at that epoch (warm-up, too few finished trials, or no pruner). */
  readonly thresholds: readonly (number | null)[];
}

/** A message from a trial's process to the sweep. */
export type TrialMessage =
  | { readonly kind: "epoch"; readonly epoch: number; readonly figures: Readonly<Record<string, number>> }
  | { readonly kind: "pruned"; readonly epoch: number; readonly value: number; readonly threshold: number };

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

/** Whether `value` is worse than `threshold` in the objective's direction (a missing figure is not pruned). */
export function worseThan(value: number | undefined, threshold: number | null, direction: TrialSettings["direction"]) {
  if (value === undefined || threshold === null || !Number.isFinite(threshold)) return false;
  if (Number.isNaN(value)) return true;
  return direction === "minimize" ? value > threshold : value < threshold;
}

/**
 * The hook `trainModel` calls after each epoch (1-based) with its figures under Keras's names: sends them to the
 * sweep and returns true (stop training there) when the objective is worse than that epoch's threshold.
 */
export function trialEpochHook(
  settings: TrialSettings,
): (epoch: number, figures: Readonly<Record<string, number>>) => boolean {
  return (epoch, figures) => {
    send({ kind: "epoch", epoch, figures });
    const value = figures[settings.metric];
    const threshold = settings.thresholds[epoch - 1] ?? null;
    if (!worseThan(value, threshold, settings.direction)) return false;
    send({ kind: "pruned", epoch, value: value!, threshold: threshold! });
    return true;
  };
}

function send(message: TrialMessage): void {
  if (process.connected) process.send?.(message);
}
