/**
 * Phase 7, sweep: what `nnc sweep` asks of the compiler before any trial trains. Each key of a sweep's
 * `space:` must be a name `--set` takes (names.ts, run by the pipeline with the check); each configuration is
 * the spec with its values set, checked like the file, and its model's figures held to the sweep's budgets
 * (configuration.ts); the configurations rejected are grouped by the problem that rejects them (rejections.ts).
 *
 * In: a parsed file and its checked sweeps (IrSweep), a configuration (each parameter's value). Out: the
 * diagnostics of the space's names; a configuration's diagnostics with its parameter count and MACs; the
 * rejected configurations grouped by diagnostic.
 */
export { checkSweepNames, overridesVaried } from "./names.js";
export { checkConfiguration, configurationOverrides, type ConfigurationCheck } from "./configuration.js";
export {
  describeConfiguration,
  formatRejections,
  groupRejections,
  type Rejected,
  type RejectionGroup,
} from "./rejections.js";
