/**
 * `--set NAME=VALUE`: a model parameter, a block parameter's default or a train setting changed for one run,
 * by editing the spec's text and checking the result like the file itself. `nnc sweep` makes its
 * configurations with the same edits, and writes `best.nn` with them (paths rebased to its folder).
 */
export { parseOverride, overrideSource, normalOverride, type Override } from "./parse-override.js";
export { applyOverrides, type OverrideOptions } from "./apply.js";
export { checkFileWithOverrides, type OverrideCheckOptions } from "./check-with-overrides.js";
export {
  resolveOverrideName,
  trainedModel,
  type NameResolution,
  type OverrideEdit,
  type ResolvedName,
} from "./resolve-name.js";
export { valueText } from "./value-text.js";
export { rebasePaths } from "./rebase-paths.js";
