/**
 * Argument validators compiled ahead of time, found by the schema's text (`JSON.stringify`). None in the source
 * tree: `npm run build` replaces this module in dist/ with ajv's standalone code for every schema of
 * `registeredSchemas()` (scripts/build.mjs), so `nnc check` starts without compiling a schema. Run from
 * source (tests), schemas are compiled on first use, as any schema missing here is.
 */
import type { ValidateFunction } from "ajv";

/** The validator compiled ahead of time for the schema whose text this is, if there is one. */
export function precompiledValidator(_text: string): ValidateFunction | undefined {
  return undefined;
}
