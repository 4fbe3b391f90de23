/**
 * The arguments of a model called like a block (`Base(weights: "runs/Base", until: features, trainable: false)`),
 * as a schema: each is named, none positional.
 */
import type { Callable } from "./callable.js";
import { objectSchema } from "./train-options.js";

/** The call's arguments: a run folder, the tensor to stop at, whether its layers train, their names' prefix. */
export function modelCallable(name: string): Callable {
  return { name, positional: [], schema: modelCallSchema };
}

export const modelCallSchema = objectSchema({
  weights: { type: "string", minLength: 1 },
  until: { type: "string", minLength: 1 },
  trainable: { type: "boolean" },
  name: { type: "string", minLength: 1 },
});
