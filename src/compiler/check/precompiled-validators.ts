/**
 * Argument validators compiled ahead of time, keyed by the schema's text (`JSON.stringify`). Empty in the
 * source tree: `npm run build` replaces this module in dist/ with ajv's standalone code for every schema of
 * `registeredSchemas()` (scripts/build.mjs), so `nnc check` starts without compiling a schema. Run from
 * source (tests), schemas are compiled on first use, as any schema missing here is.
 */
import type { ValidateFunction } from "ajv";

export const precompiledValidators: ReadonlyMap<string, ValidateFunction> = new Map();
