import type { SchemaObject } from "ajv";

/** Anything with named, schema-checked arguments: a layer kind, a block, an optimizer, a data source. */
export interface Callable {
  readonly name: string;
  readonly positional: readonly string[];
  readonly schema: SchemaObject;
}
