/**
 * `--set NAME=VALUE`: a model parameter, a block parameter's default or a train setting changed for one run,
 * by editing the spec's text and checking the result like the file itself. `nnc sweep` makes its
 * configurations with the same edits, and writes `best.nn` with them (paths rebased to its folder).
 *
 * In: a spec's text, the model a bare name means, `--set NAME=VALUE` arguments. Out: the edited text (each
 * value replacing or inserted on its own line), or NN2032 and NN2036-NN2039 at the argument; the edited text
 * checked like the file, with the problems inside a value moved onto its argument.
 */
export { parseOverride, overrideSource, overrideSources, normalOverride, type Override } from "./parse-override.js";
export { applyOverrides, type OverrideOptions } from "./apply.js";
export { checkFileWithOverrides, type OverrideCheckOptions, type OverrideCheckResult } from "./check-with-overrides.js";
export {
  resolveOverrideName,
  trainedModel,
  type NameResolution,
  type OverrideEdit,
  type ResolvedName,
} from "./resolve-name.js";
export { valueText } from "./value-text.js";
export { rebasePaths } from "./rebase-paths.js";
