/**
 * A trained model called like a block: `image -> Base(weights: "runs/Base", until: features, trainable: false)`.
 * The called model is checked as a model of its own (its input shapes are its own), and the layers that lead
 * from its inputs to the tensor `until` names (its outputs by default) are copied into the calling model's
 * graph, named `Base/conv2d`, ... (the call's `name:` replaces the prefix), frozen with `trainable: false`.
 * With `weights:`, those layers load the weights of the same layers in that run folder, matched by name; when
 * the run is there, `nnc check` compares them with the layers (NN3019), and when it is not yet, warns (NN4034).
 */
import * as path from "node:path";
import type { CallMeaning } from "../bind/index.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { formatNnShape, type IrLayer, type IrModel, type IrWeightLoad, type TensorRef } from "../ir/index.js";
import { modelCallable } from "../registry/model-call.js";
import { readRunWeights, weightMismatch } from "../registry/run-weights.js";
import type * as ast from "../syntax/ast.js";
import { argumentSpan, type ArgValues } from "./args.js";
import { unknownTensor, type Env, type Tensor } from "./environment.js";
import type { ModelGraph } from "./model-graph.js";

export type ModelMeaning = Extract<CallMeaning, { kind: "model" }>;

export { modelCallable };

/** What applying a called model needs from the checker around it. */
export interface ModelCallSite {
  readonly graph: ModelGraph;
  readonly env: Env;
  readonly call: ast.Call;
  readonly meaning: ModelMeaning;
  readonly inputs: readonly Tensor[];
  /** The call's checked arguments. */
  readonly args: ArgValues;
  /** The called model's IR. */
  readonly called: IrModel;
  /** The weight loads of the calling model, which this call adds to. */
  readonly loads: IrWeightLoad[];
  readonly report: (d: Diagnostic) => void;
}

/** Copies the called model's layers (up to `until`) into the graph; the result is the tensor `until` names. */
export function applyModel(site: ModelCallSite): Tensor {
  const { call, env, called, inputs, args, meaning } = site;
  const modelName = called.name;
  for (const [i, input] of called.inputs.entries()) {
    const given = inputs[i]!;
    if (given.shape === null || given.ref === null) return unknownTensor;
    const expected = shapeText(input.shape, input.dtype);
    const got = shapeText(given.shape, given.dtype);
    if (expected === got) continue;
    const shown = { model: modelName, input: input.name, expected, got };
    site.report(diagnostic("NN3018", { file: env.file, span: call.span }, shown));
    return unknownTensor;
  }
  const results = meaning.until ? [called.tensors?.[meaning.until.name.text]] : called.outputs;
  // No outputs: its last step failed where the reason was reported (an import that failed, in its own file).
  if (results.length === 0 || results.some((ref) => ref === undefined)) return unknownTensor;
  const prefix = typeof args["name"] === "string" ? args["name"] : modelName;
  const frozen = args["trainable"] === false;
  const wanted = ancestors(called, results as TensorRef[]);
  const renamed = new Map<string, TensorRef>(called.inputs.map((input, i) => [input.name, inputs[i]!.ref!]));
  // The called model's inputs are the tensors given; its layers, the copies named with the prefix.
  const refOf = (ref: TensorRef): TensorRef =>
    renamed.get(ref.node) ?? { node: `${prefix}/${ref.node}`, index: ref.index };
  const callSite = env.callStack[0]?.site ?? { file: env.file, span: call.span };
  const loaded: Record<string, string> = {};
  for (const layer of called.layers) {
    if (!wanted.has(layer.name)) continue;
    const name = `${prefix}/${layer.name}`;
    if (!layer.shares && site.graph.names.claim(layer.kind, name) === null) {
      const hint = `name this call: ${call.callee.text}(..., name: "${prefix}_2")`;
      site.report(diagnostic("NN2008", { file: env.file, span: call.span }, { what: "layer", name }, { hint }));
      return unknownTensor;
    }
    const config = { ...layer.tfjs.config, name: layer.shares ? `${prefix}/${layer.shares}` : name };
    const total = layer.params.trainable + layer.params.nonTrainable;
    const copy: IrLayer = {
      ...layer,
      name,
      tfjs: { ...layer.tfjs, config: frozen ? { ...config, trainable: false } : config },
      inputs: layer.inputs.map(refOf),
      params: frozen ? { trainable: 0, nonTrainable: total } : layer.params,
      site: callSite,
      ...(layer.shares ? { shares: `${prefix}/${layer.shares}` } : {}),
    };
    if (!layer.shares) site.graph.parameters.add(copy.params, { file: env.file, span: call.span });
    site.graph.layers.push(copy);
    if (!layer.shares && total > 0) loaded[name] = layer.name;
  }
  // The loads of the called model's own model calls go with their layers (their runs already resolved against
  // its file); the run this call names, loaded after them, has the last word.
  for (const load of called.loads ?? []) {
    const kept = Object.entries(load.layers).filter(([here]) => wanted.has(here));
    const layers = Object.fromEntries(kept.map(([here, there]) => [`${prefix}/${here}`, there]));
    if (kept.length > 0) site.loads.push({ ...load, layers });
  }
  const weights = args["weights"];
  if (typeof weights === "string") {
    const load = { run: path.resolve(path.dirname(env.file), weights), layers: loaded };
    const span = argumentSpan(call, "weights", [], 0) ?? call.span;
    checkRunWeights(site, load, weights, span);
    site.loads.push({ ...load, location: { file: env.file, span } });
  }
  const tensors = (results as TensorRef[]).map((ref): Tensor => {
    const shape = called.layers.find((l) => l.name === ref.node)?.outputShapes[ref.index];
    const input = called.inputs.find((i) => i.name === ref.node);
    return { ref: refOf(ref), shape: shape ?? input!.shape, dtype: input?.dtype ?? "float32" };
  });
  return { ...tensors[0]!, producer: call, ...(tensors.length > 1 ? { outputs: tensors } : {}) };
}

/**
 * The run's weights against the layers that load them: a missing run is a warning (it may be trained later),
 * an unreadable one or a layer whose weights do not fit an error.
 */
function checkRunWeights(
  site: ModelCallSite,
  load: { readonly run: string; readonly layers: Readonly<Record<string, string>> },
  shown: string,
  span: ast.Span,
): void {
  const { env, graph } = site;
  const read = readRunWeights(load.run);
  if (read.kind === "missing") {
    site.report(diagnostic("NN4034", { file: env.file, span }, { path: shown }));
    return;
  }
  if (read.kind === "unusable") {
    site.report(diagnostic("NN4035", { file: env.file, span }, { path: shown, reason: read.reason }));
    return;
  }
  for (const [here, there] of Object.entries(load.layers)) {
    const layer = graph.layers.find((l) => l.name === here)!;
    const detail = weightMismatch(read.weights, there, here, layer.params.trainable + layer.params.nonTrainable);
    if (detail === null) continue;
    site.report(diagnostic("NN3019", { file: env.file, span: site.call.span }, { layer: there, run: shown, detail }));
  }
}

/** The layers that the tensors `results` are computed from, by name. */
function ancestors(model: IrModel, results: readonly TensorRef[]): Set<string> {
  const byName = new Map(model.layers.map((layer) => [layer.name, layer]));
  const found = new Set<string>();
  const pending = results.map((ref) => ref.node);
  while (pending.length > 0) {
    const node = pending.pop()!;
    const layer = byName.get(node);
    if (!layer || found.has(node)) continue;
    found.add(node);
    for (const input of layer.inputs) pending.push(input.node);
    // A later use of a shared layer needs the layer it shares.
    if (layer.shares) pending.push(layer.shares);
  }
  return found;
}

/** `[28, 28, 1]`, or `[40] int32`: how a model's input and a call's tensor are compared and shown. */
function shapeText(shape: IrModel["inputs"][number]["shape"], dtype: string): string {
  return `${formatNnShape(shape)}${dtype === "float32" ? "" : ` ${dtype}`}`;
}
