/**
 * One configuration of a sweep, checked as `nnc train FILE --set NAME=VALUE ...` would check it: its values
 * applied to the spec's text as overrides (compiler/overrides) and the result checked like the file, then the
 * swept model's figures held to the sweep's budgets (`assert params < 1_000_000`), with the same comparison a
 * model body's `assert` makes (check/assertions.ts). `nnc sweep` runs this for every configuration before any
 * trial trains.
 */
import { figureOf, figureProblem } from "../check/assertions.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics/index.js";
import type { IrSweep, SweepConfiguration } from "../ir/sweep.js";
import { checkFileWithOverrides, type OverrideCheckOptions } from "../overrides/check-with-overrides.js";
import { parseOverride, type Override } from "../overrides/parse-override.js";
import { valueText } from "../overrides/value-text.js";

export interface ConfigurationCheck {
  /** Every diagnostic of the configured spec, budgets included. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when any diagnostic is an error: the configuration must not train. */
  readonly rejected: boolean;
  /** The swept model's parameter count and MACs; null when the configuration does not check (or a size is not fixed). */
  readonly params: number | null;
  readonly macs: number | null;
  /**
   * The configured train block's `epochs:` for the swept model (a swept `epochs` and the `--set` applied): what
   * the trial trains and its pruning thresholds count; null when the configuration does not check.
   */
  readonly epochs: number | null;
  /** The texts the diagnostics point into: the spec as written and each `--set` argument. */
  readonly sources: ReadonlyMap<string, string>;
}

/** The configuration as `--set` arguments, in the order of the sweep's parameters. */
export function configurationOverrides(sweep: IrSweep, config: SweepConfiguration): Override[] {
  return sweep.params.flatMap((param) => {
    const value = config[param.name];
    if (value === undefined) return [];
    const parsed = parseOverride(`${param.name}=${valueText(value)}`);
    // A sweep's names and values come from a checked sweep: an argument that does not read back is nnc's bug.
    if (!parsed.value) throw new Error(`configuration ${param.name}=${String(value)} does not read back as --set`);
    return [parsed.value];
  });
}

/**
 * Checks `file` with `config` applied, and the sweep's budgets against the configured model. `options` are
 * `checkFileWithOverrides`'s (a host, limits), and `extra`: overrides applied before the configuration's (the
 * `--set` arguments of `nnc sweep` itself); the model is the sweep's.
 */
export function checkConfiguration(
  file: string,
  sweep: IrSweep,
  config: SweepConfiguration,
  options: OverrideCheckOptions & { readonly extra?: readonly Override[] } = {},
): ConfigurationCheck {
  const { extra = [], ...checkOptions } = options;
  const checked = checkFileWithOverrides(file, [...extra, ...configurationOverrides(sweep, config)], {
    ...checkOptions,
    model: sweep.model,
  });
  const { sources } = checked;
  const model = checked.program?.models.find((m) => m.name === sweep.model);
  if (!model) {
    return { diagnostics: checked.diagnostics, rejected: true, params: null, macs: null, epochs: null, sources };
  }
  // The configured text's own sweep, whose budgets' locations are in that text: moved to the file as written.
  const configured = checked.program?.sweeps?.find((s) => s.model === sweep.model) ?? sweep;
  const budgets = configured.budgets.flatMap((b) => {
    const problem = figureProblem(b.subject, b.op, b.value, model, b.location, b.location);
    return problem ? [checked.relocate(problem)] : [];
  });
  const diagnostics =
    budgets.length === 0 ? checked.diagnostics : sortDiagnostics([...checked.diagnostics, ...budgets]);
  const count = (figure: "params" | "macs") => {
    const n = figureOf(figure, model);
    return n === null ? null : Number(n);
  };
  const epochs = checked.program?.trains.find((t) => t.model === sweep.model)?.epochs ?? null;
  return {
    diagnostics,
    rejected: hasErrors(diagnostics),
    params: count("params"),
    macs: count("macs"),
    epochs,
    sources,
  };
}
