/**
 * The layer registry: every kind nnc knows, looked up by name or alias. Adding a kind is adding one entry to
 * a family file and listing the family here once.
 */
import * as attention from "./attention.js";
import * as conv from "./conv.js";
import * as core from "./core.js";
import * as embedding from "./embedding.js";
import * as merge from "./merge.js";
import * as normalization from "./normalization.js";
import * as pooling from "./pooling.js";
import * as preprocessing from "./preprocessing.js";
import * as products from "./products.js";
import * as recurrent from "./recurrent.js";
import * as scaling from "./scaling.js";
import * as wrappers from "./wrappers.js";
import type { JsonValue, Shape, TfjsLayer } from "../../ir/index.js";
import { isFullyKnown } from "../../ir/shapes.js";
import { toTfjsConfig } from "./entry-parts.js";
import type { Args, LayerKind, Trait } from "./types.js";

const families: readonly Record<string, LayerKind>[] = [
  core,
  conv,
  pooling,
  normalization,
  embedding,
  recurrent,
  wrappers,
  merge,
  products,
  scaling,
  attention,
  preprocessing,
];

export const layerKinds: readonly LayerKind[] = families.flatMap((family) => Object.values(family));

const byName = new Map<string, LayerKind>();
for (const kind of layerKinds) {
  for (const name of [kind.name, ...(kind.aliases ?? [])]) {
    if (byName.has(name)) throw new Error(`layer registry: '${name}' is registered twice`);
    byName.set(name, kind);
  }
}

export function lookupLayer(name: string): LayerKind | undefined {
  return byName.get(name);
}

/** Every name a layer can be called by, for did-you-mean and completion. */
export function layerNames(): string[] {
  return [...byName.keys()];
}

/**
 * Whether a kind (an entry, or a name or alias as written or as the IR keeps it) has `trait`; false for a name
 * that is not a layer kind. Passes outside the registry ask this instead of comparing names.
 */
export function hasTrait(kind: LayerKind | string | undefined, trait: Trait): boolean {
  const entry = typeof kind === "string" ? byName.get(kind) : kind;
  return entry?.traits.includes(trait) ?? false;
}

/** Every kind with `trait`, in the registry's order. */
export function kindsWith(trait: Trait): LayerKind[] {
  return layerKinds.filter((kind) => kind.traits.includes(trait));
}

export { traitDocs } from "./types.js";
export type { LayerKind, Args, ShapeContext, Trait } from "./types.js";

/**
 * The tfjs layer a checked call becomes: the entry's config plus the layer's unique name. Tensor arguments
 * (`initial_state`) are the layer's inputs, not its config: only an entry's own `config` sees their counts.
 */
export function tfjsLayerOf(kind: LayerKind, args: Args, name: string, inputs: readonly Shape[] = []): TfjsLayer {
  const inputsOnly = kind.config ? [] : (kind.tensorArgs ?? []);
  // The arguments but the written name and the tensors, in one copy (a large model makes ~100 of these).
  const rest: Record<string, JsonValue> = {};
  for (const key of Object.keys(args)) {
    if (key !== "name" && !inputsOnly.includes(key)) rest[key] = args[key] as JsonValue;
  }
  const config = kind.config ? kind.config(rest, inputs) : toTfjsConfig(rest);
  const { factory, namespace } = kind.runtimeFor?.(rest, inputs) ?? kind;
  return {
    ...(namespace ? { namespace } : {}),
    factory,
    config: { ...config, name },
  };
}

/** The layer's MACs per sample: zero for a kind without products, null when a size they depend on is not fixed. */
export function macsOf(
  kind: LayerKind,
  inputs: readonly Shape[],
  args: Args,
  outputs: readonly Shape[],
): number | null {
  if (!kind.macs) return 0;
  return [...inputs, ...outputs].every(isFullyKnown) ? kind.macs(inputs, args, outputs) : null;
}
