import type { SchemaObject } from "ajv";

/** Anything with named, schema-checked arguments: a layer kind, a block, an optimizer, a data source. */
export interface Callable {
  readonly name: string;
  readonly positional: readonly string[];
  readonly schema: SchemaObject;
  /**
   * Arguments that Keras (or tf.data) names otherwise, by Keras's name: `{ image_size: "size" }`. An unknown
   * argument of this list is NN2003 with a hint and a fix that renames it.
   */
  readonly kerasNames?: Readonly<Record<string, string>>;
}
