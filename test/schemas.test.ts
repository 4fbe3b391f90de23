/**
 * Every argument schema is valid JSON Schema. nnc compiles schemas without checking them against the
 * meta-schema (compiling that costs a good part of `nnc check`'s start), so the check is made here, with the
 * same ajv setup and its strict mode.
 */
import { describe, expect, it } from "vitest";
import { createAjv } from "../src/compiler/args.js";
import { registeredSchemas } from "../src/compiler/registered-schemas.js";

describe("argument schemas", () => {
  const ajv = createAjv();
  const schemas = registeredSchemas();

  it("are many (every layer, nested object and train option)", () => expect(schemas.length).toBeGreaterThan(60));

  it.each(schemas.map((schema, i) => [i, schema] as const))("schema %i is valid", (_, schema) => {
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("a block's schema (parameters with and without defaults) is valid", () => {
    // The shape src/compiler/blocks.ts builds for `block b(filters, rate = 0.5)(x)`.
    const schema = {
      type: "object",
      properties: { filters: {}, rate: { default: 0.5 } },
      required: ["filters"],
      additionalProperties: false,
    };
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
  });
});
