/**
 * The graph one model's check builds: its layer nodes in order, their names (Keras's automatic naming), the
 * parameter budget, and which nodes share another's weights (shared-layers.ts).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { IrLayer, TfjsLayer } from "../ir/index.js";
import { tfjsLayerOf, type LayerKind } from "../registry/layers/index.js";
import type * as ast from "../syntax/ast.js";
import { argumentSpan, type ArgValues } from "./args.js";
import { unknownTensor, type Env, type Tensor } from "./environment.js";
import { layerFigures, LayerNames } from "./layer-call.js";
import { ParameterBudget } from "./model-limits.js";
import { LayerSharing } from "./shared-layers.js";

/** One model's nodes as the check adds them, with their names and the weights they share. */
export class ModelGraph {
  readonly layers: IrLayer[] = [];
  readonly sharing = new LayerSharing();

  constructor(
    readonly names: LayerNames,
    readonly parameters: ParameterBudget,
  ) {}

  /**
   * A layer node: a new layer with its own weights, or, when `shareWith` is given or a block instance is applied
   * again, a node that applies the weights of that owner (NN3017 when they do not fit these inputs). Problems go
   * to `report`; the result is then unknown.
   */
  addNode(
    kind: LayerKind,
    call: ast.Call,
    inputs: readonly Tensor[],
    args: ArgValues,
    skip: number,
    env: Env,
    shareWith: string | undefined,
    report: (d: Diagnostic) => void,
  ): { tensor: Tensor; owner?: string } {
    const shapes = inputs.map((t) => t.shape!);
    const figures = layerFigures(kind, call, shapes, args, skip, report, env.file);
    if (!figures) return { tensor: unknownTensor };
    const { outputShapes, params, macs } = figures;
    const location = { file: env.file, span: call.span };
    const site = env.callStack[0] ? { site: env.callStack[0].site } : {};
    const node = { kind: kind.name, inputs: inputs.map((t) => t.ref!), outputShapes, macs, location, ...site };
    const owner = this.sharing.ownerFor(shareWith);
    let name: string;
    if (owner !== undefined) {
      const reused = this.sharing.reapply(owner, kind, params, shapes, node.inputs);
      if (!("name" in reused)) {
        const instance = this.sharing.reapplying();
        const name = instance ? { name: instance, part: call.callee.text } : { name: call.callee.text };
        report(diagnostic("NN3017", location, { ...name, ...reused }));
        return { tensor: unknownTensor };
      }
      name = reused.name;
      const none = { trainable: 0, nonTrainable: 0 };
      this.layers.push(layerNode({ ...node, name }, () => reused.owner.tfjs, { params: none, shares: owner }));
    } else {
      this.parameters.add(params, location);
      const written = args["name"];
      const claimed = this.names.claim(kind.name, typeof written === "string" ? written : undefined);
      if (claimed === null) {
        const at = argumentSpan(call, "name", kind.positional, 0) ?? call.span;
        report(diagnostic("NN2008", { file: env.file, span: at }, { what: "layer", name: written as string }));
      }
      name = claimed ?? (written as string);
      const made: IrLayer = layerNode({ ...node, name }, () => tfjsLayerOf(kind, args, made.name, shapes), { params });
      this.layers.push(made);
      this.sharing.addOwner(made, kind, shapes);
    }
    const outputs = outputShapes.map((shape, index): Tensor => ({
      ref: { node: name, index },
      shape,
      dtype: "float32",
    }));
    const tensor = { ...outputs[0]!, producer: call, ...(outputs.length > 1 ? { outputs } : {}) };
    return { tensor, owner: owner ?? name };
  }
}

/**
 * A layer node: the properties of `first`, then `tfjs`, made on first read and kept, then those of `rest`.
 * `nnc check` reads `tfjs` of few layers (some lints do), where working it out for every layer was a tenth of
 * checking a large model; emitting and building read it of all. It is an enumerable property in its place, so
 * a spread, JSON and a deep comparison see plain data. Every node has the same getter, `tfjsOfNode`, added as a
 * new property: V8 then gives the nodes one shape, where a data property turned into an accessor (or a getter
 * of each node's own) made each node a dictionary, every read of it a hash lookup.
 */
function layerNode(
  first: Omit<IrLayer, "tfjs" | "params" | "shares">,
  make: () => TfjsLayer,
  rest: Pick<IrLayer, "params" | "shares">,
): IrLayer {
  const node = { ...first };
  tfjsMakers.set(node, make);
  Object.defineProperty(node, "tfjs", { enumerable: true, configurable: true, get: tfjsOfNode });
  return Object.assign(node, rest) as IrLayer;
}

/** Each node's maker of its `tfjs`, and what it made. */
const tfjsMakers = new WeakMap<object, () => TfjsLayer>();
const tfjsMade = new WeakMap<object, TfjsLayer>();

function tfjsOfNode(this: object): TfjsLayer {
  let made = tfjsMade.get(this);
  if (made === undefined) {
    made = tfjsMakers.get(this)!();
    tfjsMade.set(this, made);
  }
  return made;
}
