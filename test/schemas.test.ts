/**
 * Every argument schema is valid JSON Schema. nnc compiles schemas without checking them against the
 * meta-schema (compiling that costs a good part of `nnc check`'s start), so the check is made here, with the
 * same ajv setup and its strict mode. Blocks' schemas are validated without ajv, by a small validator that
 * must do exactly what ajv's would.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAjv, plainObjectValidator } from "../src/compiler/check/args.js";
import { registeredSchemas } from "../src/compiler/registry/registered-schemas.js";

describe("argument schemas", () => {
  const ajv = createAjv();
  const schemas = registeredSchemas();

  it("are many (every layer, nested object and train option)", () => expect(schemas.length).toBeGreaterThan(60));

  it.each(schemas.map((schema, i) => [i, schema] as const))("schema %i is valid", (_, schema) => {
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("a block's schema (parameters with and without defaults) is valid", () => {
    // The shape src/compiler/check/blocks.ts builds for `block b(filters, rate = 0.5)(x)`.
    const schema = {
      type: "object",
      properties: { filters: {}, rate: { default: 0.5 } },
      required: ["filters"],
      additionalProperties: false,
    };
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
  });
});

describe("blocks' schemas without ajv", () => {
  const ajv = createAjv({ validateSchema: false });
  const names = ["filters", "rate", "units", "x"];
  const value = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.array(fc.integer(), { maxLength: 3 }),
  );

  it("fills in the same defaults and reports the same missing parameters as ajv", () => {
    fc.assert(
      fc.property(
        fc.subarray(names),
        fc.dictionary(fc.constantFrom(...names), value),
        fc.dictionary(fc.constantFrom(...names), value),
        (params, defaults, given) => {
          const properties = Object.fromEntries(
            params.map((name) => [name, name in defaults ? { default: defaults[name] } : {}]),
          );
          const required = params.filter((name) => !(name in defaults));
          const schema = {
            type: "object",
            properties,
            required,
            additionalProperties: false,
          };
          const data = Object.fromEntries(Object.entries(given).filter(([name]) => params.includes(name)));
          const ours = plainObjectValidator(schema)!;
          const theirs = ajv.compile(schema);
          const [ourData, theirData] = [structuredClone(data), structuredClone(data)];
          expect(ours(ourData)).toBe(theirs(theirData));
          expect(ourData).toEqual(theirData);
          const errors = (v: typeof ours) =>
            (v.errors ?? []).map(({ instancePath, keyword, params }) => ({
              instancePath,
              keyword,
              params,
            }));
          expect(errors(ours)).toEqual(errors(theirs));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("leaves every other schema to ajv", () => {
    expect(
      plainObjectValidator({
        type: "object",
        properties: { units: { type: "integer" } },
      }),
    ).toBeUndefined();
    expect(
      plainObjectValidator({
        type: "object",
        properties: {},
        additionalProperties: true,
      }),
    ).toBeUndefined();
  });
});
