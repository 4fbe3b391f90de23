/**
 * Every argument schema nnc's registries hold: layers, the objects nested in their arguments (regularizers,
 * initializers, constraints) and what a `train` block names. Blocks' schemas are not here: they are made
 * from each spec's parameters.
 */
import type { SchemaObject } from "ajv";
import { layerKinds } from "./layers/index.js";
import { lookupObject, objectNames } from "./layers/objects.js";
import { dataSources } from "./data-sources.js";
import { modelCallSchema } from "./model-call.js";
import { callbacks, optimizers, schedules } from "./train-options.js";
import { distributions, pruners, samplers } from "./sweep-keys.js";

export function registeredSchemas(): SchemaObject[] {
  const objects = (["regularizer", "initializer", "constraint"] as const).flatMap((family) =>
    objectNames(family).map((name) => lookupObject(family, name)!),
  );
  const trainOptions = [optimizers, dataSources, schedules, callbacks, distributions, samplers, pruners].flatMap(
    (table) => Object.values(table),
  );
  return [...[...layerKinds, ...objects, ...trainOptions].map((callable) => callable.schema), modelCallSchema];
}
