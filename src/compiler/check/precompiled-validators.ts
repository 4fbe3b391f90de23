/**
 * Argument validators compiled ahead of time, found by the registry's schema object or by a schema's text
 * (`JSON.stringify`). None in the source tree: `npm run build` replaces this module in dist/ with ajv's
 * standalone code for every schema of `registeredSchemas()` (scripts/build.mjs), so `nnc check` starts without
 * compiling a schema. Run from source (tests), schemas are compiled on first use, as any schema missing here is.
 */
import type { SchemaObject, ValidateFunction } from "ajv";

/** The validator compiled ahead of time for the schema whose text this is, if there is one. */
export function precompiledValidator(_text: string): ValidateFunction | undefined {
  return undefined;
}

/** The validator compiled ahead of time for this schema of the registry (`registeredSchemas()`), if there is one. */
export function registeredValidator(_schema: SchemaObject): ValidateFunction | undefined {
  return undefined;
}
