/**
 * Initializers, regularizers and constraints for nnc's own layers. A config holds one as the registry's
 * description gives it (tfjs's identifier, `"glorotUniform"`, or an object the runtime builder made from a call,
 * `glorot_uniform(seed: 1)`), or as a saved model's JSON holds it (`{ className, config }`): each becomes the
 * tfjs object `addWeight` takes, and is saved as `{ className, config }` so that `tf.loadLayersModel` reads it back.
 */
import * as tf from "@tensorflow/tfjs";

type Family = "initializers" | "regularizers" | "constraints";
type Serializable = tf.serialization.Serializable;
type Factory = (config: object) => Serializable;

/** The tfjs object a config value stands for; undefined when none is given. */
export function weightObject<T extends Serializable>(family: Family, value: unknown): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof tf.serialization.Serializable) return value as T;
  if (typeof value === "string") {
    const factory = (tf[family] as unknown as Record<string, Factory | undefined>)[value];
    if (typeof factory !== "function") throw new Error(`nnc runtime: tf.${family} has no '${value}'`);
    return factory({}) as T;
  }
  const { className, config } = value as { className: string; config: tf.serialization.ConfigDict };
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`nnc runtime: unknown ${family} class '${className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config ?? {}) as T;
}

/** A tfjs object as a saved config holds it: `{ className, config }`, or null. */
export function savedObject(object: Serializable | undefined): tf.serialization.ConfigDict | null {
  return object ? { className: object.getClassName(), config: object.getConfig() } : null;
}

/** The initializer, regularizer and constraint of one group of weights (`kernel`, `bias`, ...). */
export interface WeightSpec {
  readonly initializer: ReturnType<typeof tf.initializers.zeros>;
  readonly regularizer?: ReturnType<typeof tf.regularizers.l2>;
  readonly constraint?: ReturnType<typeof tf.constraints.nonNeg>;
}

/** The weight spec of `prefix` (`kernel`) from a config's `kernelInitializer`, `kernelRegularizer`, ... */
export function weightSpec(config: Record<string, unknown>, prefix: string, initializer: string): WeightSpec {
  return {
    initializer: weightObject("initializers", config[`${prefix}Initializer`] ?? initializer)!,
    regularizer: weightObject("regularizers", config[`${prefix}Regularizer`]),
    constraint: weightObject("constraints", config[`${prefix}Constraint`]),
  };
}

/** A weight spec as a saved config holds it, under `prefix`'s keys. */
export function savedSpec(spec: WeightSpec, prefix: string): tf.serialization.ConfigDict {
  return {
    [`${prefix}Initializer`]: savedObject(spec.initializer),
    [`${prefix}Regularizer`]: savedObject(spec.regularizer),
    [`${prefix}Constraint`]: savedObject(spec.constraint),
  };
}

/** A tfjs layer of nnc's own: it adds its weights from weight specs. */
export abstract class NncLayer extends tf.layers.Layer {
  /** Adds a trainable float32 weight named `name` (Keras's name: `query/kernel`) of `shape`, as `spec` says. */
  protected weight(name: string, shape: number[], spec: WeightSpec): tf.LayerVariable {
    return this.addWeight(name, shape, "float32", spec.initializer, spec.regularizer, true, spec.constraint);
  }
}
