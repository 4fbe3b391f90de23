/**
 * The schemas of the files nnc reads back from a run folder are valid JSON Schema, checked in ajv's strict
 * mode against the meta-schema (nnc compiles them without that check, as it does the registry's).
 */
import { describe, expect, it } from "vitest";
import { createAjv } from "../src/compiler/check/args.js";
import { callbackValueSchemas, savedFileSchemas } from "../src/runtime/saved-file-schemas.js";

describe("saved files' schemas", () => {
  const ajv = createAjv();
  const schemas = [...Object.entries(savedFileSchemas), ...Object.entries(callbackValueSchemas)];

  it.each(schemas)("%s is valid", (_, schema) => {
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });
});
