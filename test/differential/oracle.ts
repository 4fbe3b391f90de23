/**
 * The differential oracle: builds a generated model with nnc (from its `.nn` text) and with tfjs (from the
 * description, by hand, as `tf.layers.<factory>({...})`: tfjs-builder.ts), and says where they disagree.
 *
 * Agreement means: both accept and every layer has the same output shapes and parameter counts; or both
 * refuse (nnc reports an error on the line where tfjs throws); or nnc refuses with one of the stricter
 * checks listed in docs/differences.md, and the tfjs model shows the problem that check is about.
 */
import * as tf from "@tensorflow/tfjs";
import { checkSource } from "../../src/compiler/index.js";
import type { IrModel, ParamCount, Shape } from "../../src/compiler/ir/index.js";
import { buildModel } from "../../src/runtime/build.js";
import type { Code } from "../../src/compiler/diagnostics/index.js";
import { layerCalls, type LayerCall, type ModelDesc } from "./generate.js";
import { specByName, type Args, type Value } from "./kinds.js";
import { printModel } from "./print.js";
import { BuildFailure, TfjsBuilder, type Dims, type LayerInfo } from "./tfjs-builder.js";
import { formsOf } from "./forms.js";

export { newForms } from "./forms.js";

/** A disagreement between nnc and tfjs: the message says what differs. */
export class Disagreement extends Error {
  override readonly name = "Disagreement";
}

export interface Outcome {
  readonly text: string;
  /** nnc's error codes, sorted, or [] when it accepts the model. */
  readonly codes: readonly Code[];
  readonly tfjs: "built" | "threw";
  /** The stricter checks that explained a refusal of a model tfjs builds. */
  readonly stricter: readonly string[];
  readonly predicted: boolean;
  readonly kinds: readonly string[];
  /** The language forms the model uses beyond a chain of calls (see `formsOf`). */
  readonly forms: readonly string[];
}

/** Sizes for data: a batch of 2; each symbol and `?` gets a size of its own (the same size per symbol). */
function dataShape(shape: readonly (number | string)[]): number[] {
  const sizes: Record<string, number> = { "?": 24, seq: 20, len: 16 };
  return [2, ...shape.map((d) => (typeof d === "number" ? d : sizes[d]!))];
}

/** Runs the model on a random batch of 2; returns the error message, or null when it runs. */
function predict(model: tf.LayersModel, desc: ModelDesc): { error: string | null; shapes: number[][] } {
  try {
    const shapes = tf.tidy(() => {
      const xs = desc.inputs.map((i) =>
        i.dtype === "int32"
          ? tf.randomUniform(dataShape(i.shape), 0, 2, "int32")
          : tf.randomUniform(dataShape(i.shape)),
      );
      const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(out) ? out : [out]).map((o) => o.shape);
    });
    return { error: null, shapes };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), shapes: [] };
  }
}

/** Every layer call with its arguments, nested calls (`bidirectional(lstm(4))`) too. */
function everyCall(desc: ModelDesc): { kind: string; args: Args; invalid?: boolean }[] {
  const out: { kind: string; args: Args; invalid?: boolean }[] = [];
  const visit = (c: { kind: string; args: Args; invalid?: boolean }) => {
    out.push(c);
    for (const v of Object.values(c.args))
      if (typeof v === "object" && v !== null && "nested" in v) visit({ kind: v.nested, args: v.args });
  };
  for (const [c] of layerCalls(desc)) visit(c);
  return out;
}

const sig = (l: LayerInfo) => `${l.kind} ${JSON.stringify(l.shapes)} ${l.trainable}/${l.nonTrainable}`;

/**
 * The stricter checks (docs/differences.md) that apply to this model as tfjs sees it, each with the codes
 * nnc may report for it.
 */
function stricterChecks(desc: ModelDesc, built: TfjsBuilder, ran: string | null): Map<string, Code[]> {
  const found = new Map<string, Code[]>();
  if (desc.inputs.some((i) => i.shape.includes(0))) found.set("zero-size input", ["NN3005"]);
  const calls = everyCall(desc);
  if (calls.some((c) => c.invalid)) found.set("argument outside Keras's range", ["NN2005", "NN2003"]);
  if (built.info.some((l) => l.shapes.some((s) => s.some((d) => d !== null && d <= 0))))
    found.set("empty output", ["NN3003"]);
  const symbols = new Set(desc.inputs.flatMap((i) => i.shape.filter((d) => d === "seq" || d === "len")));
  if (symbols.size > 0) found.set("symbolic sizes nnc cannot prove equal", ["NN3002", "NN3007"]);
  if (ran !== null) found.set("fails when run", ["NN3001", "NN3002", "NN3004", "NN3007", "NN3003"]);
  // tfjs hands the next layer the first of several outputs (`lstm(4, return_state: true) -> dense(2)`); nnc
  // asks for each to be bound by name.
  if (built.info.some((l) => l.shapes.length > 1)) found.set("a call with several outputs used as one", ["NN3016"]);
  // A shared layer applied where a new layer of its config would get weights of other shapes: tfjs checks only
  // what the layer's input spec says (and some layers have none), nnc refuses every such use.
  // time_distributed around a kind on a rank it is not meant for (a block's, or a shared one's, input of another
  // rank than drawn for): tfjs runs some without a word, nnc refuses (as the generator's time_distributed
  // avoids, kinds-sequence.ts).
  const offRank = (l: LayerInfo) => {
    const inner = l.args["layer"];
    const spec = typeof inner === "object" && inner !== null && "nested" in inner && specByName.get(inner.nested);
    return l.kind === "time_distributed" && spec && !spec.ranks.includes(l.inputShapes[0]!.length - 2);
  };
  if (built.info.some(offRank)) found.set("time_distributed around a kind on a rank it is not meant for", ["NN3001"]);
  // An unknown size where the weights need a fixed one is NN3006, as for a layer used once.
  if (built.misfits > 0) found.set("a shared layer whose weights do not fit an input", ["NN3017", "NN3006"]);
  // nnc's runtime layers build on inputs Keras does not take (position_embedding on [20], attention with a value
  // of rank 1, or a key of other features, which fails only when run); the checker refuses them as Keras does.
  if (built.info.some((l) => !kerasTakes(l)))
    found.set("nnc's own layer on inputs Keras does not take", ["NN3001", "NN3002"]);
  // nnc's attention and positions need the feature axis known (their weights and the scores' scale depend on
  // it); its runtime layers build without it.
  const featureKinds = ["attention", "additive_attention", "multi_head_attention", "position_embedding"];
  const unknownFeatures = (l: LayerInfo) =>
    [...featureKinds, "sinusoidal_position_encoding"].includes(l.kind) && l.inputShapes.some((s) => s.at(-1) === null);
  if (built.info.some(unknownFeatures)) found.set("nnc's own layer on an unknown feature axis", ["NN3006"]);
  // tfjs has no SpatialDropout2D; Keras's needs a 4D input (with the batch), and as tfjs's dropout with the
  // noise shape [batch, 1, 1, channels] it fails when trained on any other rank.
  const wrongRank = (l: LayerInfo, kind: string, rank: number) => l.kind === kind && l.inputShapes[0]!.length !== rank;
  const wrapsSpatial = (c: LayerCall) => timeDistributes(c, "spatial_dropout2d");
  if (
    built.info.some((l) => wrongRank(l, "spatial_dropout2d", 4)) ||
    (built.info.some((l) => wrongRank(l, "time_distributed", 5)) &&
      [...layerCalls(desc)].some(([c]) => wrapsSpatial(c)))
  )
    found.set("spatial_dropout2d on an input that is not [height, width, channels]", ["NN3001"]);
  // Keras's noise_shape has an entry per axis, the batch first, each 1 or the input's size: tfjs builds any
  // other and runs it (dropout is the identity then), and fails when it trains. Inside time_distributed the
  // input a wrapped dropout sees is not recorded, so any noise_shape there is allowed its NN3007.
  const fits = (noise: Value | undefined, input: readonly (number | null)[]) =>
    !Array.isArray(noise) ||
    (noise.length === input.length && noise.every((d, i) => d === 1 || (i > 0 && d === input[i])));
  const wrappedNoise =
    calls.some((c) => c.kind === "dropout" && c.args["noise_shape"] !== undefined) &&
    built.info.some((l) => l.kind === "time_distributed");
  if (built.info.some((l) => l.kind === "dropout" && !fits(l.args["noise_shape"], l.inputShapes[0]!)) || wrappedNoise)
    found.set("dropout whose noise_shape does not fit its input", ["NN3007"]);
  // tfjs builds and runs a prelu whose shared axis is past the last one: its alpha gets another rank.
  const sharedAxes = (axes: Value | undefined) =>
    typeof axes === "number" ? [axes] : Array.isArray(axes) ? (axes as number[]) : [];
  if (
    built.info.some(
      (l) => l.kind === "prelu" && sharedAxes(l.args["shared_axes"]).some((axis) => axis >= l.inputShapes[0]!.length),
    )
  )
    found.set("prelu shared_axes past the last axis", ["NN3007"]);
  // tfjs builds and runs a concatenate whose axis is past the last one (within a block, say).
  if (
    built.info.some(
      (l) =>
        l.kind === "concatenate" && typeof l.args["axis"] === "number" && l.args["axis"] >= l.inputShapes[0]!.length,
    )
  )
    found.set("concatenate axis past the last", ["NN3007"]);
  for (const c of calls) {
    const a = c.args;
    const inner = a["layer"];
    if (
      c.kind === "bidirectional" &&
      typeof inner === "object" &&
      inner !== null &&
      "nested" in inner &&
      !["simple_rnn", "lstm", "gru"].includes(inner.nested)
    )
      found.set("bidirectional around a layer that is not recurrent", ["NN3007"]);
    if (c.kind === "concatenate" && typeof a["axis"] === "number" && a["axis"] < -1)
      found.set("concatenate axis below -1", ["NN3007"]);
    // Keras refuses strides and dilation_rate both above 1; nnc's runtime convolutions (causal) build them.
    const above1 = (v: Value | undefined) => [v ?? 1].flat().some((d) => typeof d === "number" && d > 1);
    if (above1(a["strides"]) && above1(a["dilation_rate"]))
      found.set("strides and dilation_rate both above 1", ["NN3007"]);
    if (c.kind === "softmax" && a["axis"] !== undefined && a["axis"] !== -1)
      found.set("softmax not on the last axis", ["NN3007"]);
  }
  return found;
}

/**
 * Whether the inputs of one of nnc's own layers are ones Keras takes: their ranks (with the batch), and for
 * attention a key of the query's features (attention, additive_attention) and of the value's steps.
 */
function kerasTakes(l: LayerInfo): boolean {
  const ranks = l.inputShapes.map((s) => s.length);
  const all = (ok: (rank: number) => boolean) => ranks.every(ok);
  const [query, value, key = value] = l.inputShapes;
  const keySteps = () => JSON.stringify(value!.slice(1, -1)) === JSON.stringify(key!.slice(1, -1));
  if (l.kind === "attention" || l.kind === "additive_attention")
    return all((r) => r === 3) && query!.at(-1) === key!.at(-1) && keySteps();
  if (l.kind === "multi_head_attention") return all((r) => r >= 3 && r === ranks[0]) && keySteps();
  if (l.kind === "position_embedding" || l.kind === "sinusoidal_position_encoding") return all((r) => r >= 3);
  if (l.kind === "token_and_position_embedding") return all((r) => r === 2);
  return true;
}

/**
 * Compares nnc and tfjs on one model; throws a Disagreement when they differ. `run` also runs an accepted
 * model on data (slow: sample it).
 */
export function compare(desc: ModelDesc, run: boolean): Outcome {
  const printed = printModel(desc);
  const text = printed.text;
  const checked = checkSource(text, "fuzz.nn");
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  const codes = [...new Set(errors.map((d) => d.code))].sort();
  const lineOfOffset = (offset: number) => text.slice(0, offset).split("\n").length;
  const errorLines = new Set(errors.map((d) => lineOfOffset(d.span.start)));
  const kinds = [...layerCalls(desc)].map(([c]) => c.kind);
  const fail = (what: string): never => {
    throw new Disagreement(
      `${what}\n--- model ---\n${text}\n--- nnc ---\n${errors.map((d) => `${lineOfOffset(d.span.start)}: ${d.code} ${d.message}`).join("\n") || "(no errors)"}`,
    );
  };

  const builder = new TfjsBuilder(desc, printed.lineOf);
  const about = () => ({ kinds, forms: formsOf(desc, builder) });
  let model: tf.LayersModel | null = null;
  try {
    try {
      model = builder.build();
    } catch (e) {
      if (!(e instanceof BuildFailure)) throw e;
      if (codes.length === 0) fail(`nnc accepts a model that tfjs refuses: ${e.message}`);
      // nnc reports no cascades: after its first error the shapes downstream are unknown, so the error may
      // stand above tfjs's (blocks are above the model), never below it.
      // A stricter check (a zero-size input, say) may stop nnc before it reaches tfjs's line.
      const stricter = stricterChecks(desc, builder, null).size > 0;
      if (e.line > 0 && !stricter && Math.min(...errorLines) > e.line)
        fail(`both refuse, but nnc reports nothing on line ${e.line} or above: ${e.message}`);
      // A kind tfjs lacks is refused with NN3010, unless nnc stopped at another error on its line or above
      // (the shapes after an error are unknown, so the call may never be checked).
      const other = errors.some((d) => d.code !== "NN3010" && lineOfOffset(d.span.start) <= e.line);
      if (e.unavailable && !codes.includes("NN3010") && !other)
        fail(`nnc refuses ${e.unavailable}, which tfjs does not have, without NN3010: ${e.message}`);
      return { text, codes, tfjs: "threw", stricter: [], predicted: false, ...about() };
    }

    // tfjs's Cropping2D computes `null - top - bottom` for an unknown size: 0 or less instead of unknown.
    const wrapsCropping = (l: LayerInfo) => timeDistributes(l, "cropping2d");
    if (
      builder.info.some(
        (l) =>
          (l.kind === "cropping2d" && l.inputShapes[0]!.slice(1, 3).includes(null)) ||
          (wrapsCropping(l) && l.inputShapes[0]!.slice(2, 4).includes(null)),
      )
    )
      return {
        text,
        codes,
        tfjs: "built",
        stricter: ["skipped: tfjs's cropping2d over an unknown size"],
        predicted: false,
        ...about(),
      };

    if (codes.length > 0) {
      // Runs the model only when the checks that need no run leave a code unexplained: a model with an invalid
      // argument may not finish (tfjs's conv2dTranspose with strides 0 never returns).
      const unrun = stricterChecks(desc, builder, null);
      const explained = new Set([...unrun.values()].flat());
      if (codes.every((c) => explained.has(c)))
        return { text, codes, tfjs: "built", stricter: [...unrun.keys()], predicted: false, ...about() };
      const everything = tf.model({ inputs: model.inputs, outputs: builder.everyOutput });
      const ran = predict(everything, desc).error;
      const checks = stricterChecks(desc, builder, ran);
      const allowed = new Set([...checks.values()].flat());
      const unexplained = codes.filter((c) => !allowed.has(c));
      if (unexplained.length > 0)
        fail(
          `nnc refuses (${unexplained.join(", ")}) a model that tfjs builds${ran ? "" : " and runs"}; stricter checks that apply: ${[...checks.keys()].join(", ") || "none"}`,
        );
      return { text, codes, tfjs: "built", stricter: [...checks.keys()], predicted: true, ...about() };
    }

    if (builder.misfits > 0) fail("nnc accepts a shared layer applied to an input its weights do not fit");
    const ir = checked.program!.models[0]!;
    const nncInfo: LayerInfo[] = ir.layers.map((l) => ({
      name: l.name,
      kind: l.kind,
      named: builder.info.some((t) => t.named && t.name === l.name),
      inputShapes: [],
      shapes: l.outputShapes.map((s) => [null, ...s.map((d) => (typeof d === "number" ? d : null))]),
      trainable: l.params.trainable,
      nonTrainable: l.params.nonTrainable,
      args: {},
    }));
    for (const t of builder.info.filter((l) => l.named)) {
      const n = nncInfo.find((l) => l.name === t.name);
      if (!n) fail(`nnc has no layer '${t.name}'`);
      if (sig(n!) !== sig(t)) fail(`layer '${t.name}': nnc says ${sig(n!)}, tfjs says ${sig(t)}`);
    }
    const nncRest = nncInfo
      .filter((l) => !l.named)
      .map(sig)
      .sort();
    const tfjsRest = builder.info
      .filter((l) => !l.named)
      .map(sig)
      .sort();
    if (JSON.stringify(nncRest) !== JSON.stringify(tfjsRest))
      fail(`unnamed layers differ:\n  nnc:  ${nncRest.join("; ")}\n  tfjs: ${tfjsRest.join("; ")}`);
    // Each layer object's weights count once, however often it is applied (tfjs's countParams()).
    const total = (counts: readonly ParamCount[]) => counts.reduce((n, c) => n + c.trainable + c.nonTrainable, 0);
    const tfjsTotal = builder.layers.reduce((n, l) => n + l.countParams(), 0);
    if (total(ir.layers.map((l) => l.params)) !== tfjsTotal)
      fail(`nnc counts ${total(ir.layers.map((l) => l.params))} parameters, tfjs's layers hold ${tfjsTotal}`);
    const built = builtByNnc(ir);
    if (typeof built === "string")
      fail(`the tfjs model nnc builds from its IR (nnc train, nnc compile) fails: ${built}`);
    for (const b of built as LayerInfo[]) {
      const layer = nncInfo.find((l) => l.name === b.name)!;
      if (sig(b) !== sig(layer))
        fail(`layer '${layer.name}': nnc says ${sig(layer)}, the model nnc builds has ${sig(b)}`);
    }
    // A `?` or symbolic size has no one value to run with: only models with fixed sizes run here.
    // Where nnc says a size is unknown (reshape's -1 stays unknown, as in tfjs) it claims nothing about it.
    const fixed = ir.layers.every((l) => l.outputShapes.every((shape) => shape.every((d) => typeof d === "number")));
    if (run && fixed && desc.inputs.every((i) => i.shape.every((d) => typeof d === "number"))) {
      const ran = predict(model, desc);
      // tfjs's executor frees a tensor fed twice to one merge (`maximum(t, t)`) too early ("Tensor is disposed",
      // or a disposed tensor's missing backend): a tfjs defect.
      const repeated = [desc.body, ...desc.blocks.map((b) => b.body)]
        .flat()
        .some((st) => st.merge && new Set(st.merge.tensors).size < st.merge.tensors.length);
      if (ran.error && repeated)
        return {
          text,
          codes,
          tfjs: "built",
          stricter: ["skipped: tfjs frees a tensor merged with itself"],
          predicted: false,
          ...about(),
        };
      // tfjs's executor hands an embedding's mask to later layers, and its softmax misapplies masks: nnc warns
      // (NN5009, docs/differences.md).
      const maskWarned = checked.diagnostics.some((d) => d.code === "NN5009");
      const maskWarning = {
        text,
        codes,
        tfjs: "built" as const,
        stricter: ["warned: tfjs misapplies an embedding's mask (NN5009)"],
        predicted: true,
        ...about(),
      };
      if (ran.error && maskWarned) return maskWarning;
      if (ran.error) fail(`nnc accepts a model that tfjs fails to run: ${ran.error}`);
      const expected = ir.outputs.map((ref) => {
        const layer = ir.layers.find((l) => l.name === ref.node)!;
        return layer.outputShapes[ref.index]!;
      });
      const differs = (shape: Shape, got: Dims) =>
        got.length !== shape.length + 1 || shape.some((d, i) => typeof d === "number" && got[i + 1] !== d);
      const o = expected.findIndex((shape, o) => differs(shape, ran.shapes[o]!));
      // tfjs's softmax broadcasts a mask of another rank over its input: a wrong shape, which nnc warns about.
      if (o !== -1 && maskWarned) return maskWarning;
      if (o !== -1)
        fail(`output ${o}: nnc says ${JSON.stringify(expected[o])}, tfjs computes ${JSON.stringify(ran.shapes[o])}`);
    }
    return { text, codes, tfjs: "built", stricter: [], predicted: run, ...about() };
  } finally {
    model?.dispose();
    builder.dispose();
  }
}

/**
 * What nnc itself builds from the IR (src/runtime/build.ts: the configs `nnc train` and the emitted TypeScript
 * use), for the layers on a path to an output (tfjs leaves the others out of the model), or the error when tfjs
 * refuses those configs.
 */
function builtByNnc(ir: IrModel): LayerInfo[] | string {
  let model: tf.LayersModel;
  try {
    model = buildModel(ir);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  try {
    const size = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
    return ir.layers.flatMap((l) => {
      const layer = model.layers.find((m) => m.name === l.name);
      if (!layer) return [];
      // A shared layer's own node is its first use (tfjs's `output` refuses a layer with several).
      const first = layer.getOutputAt(0) as tf.SymbolicTensor | tf.SymbolicTensor[];
      const outputs = Array.isArray(first) ? first : [first];
      const shapes = outputs.map((o) => [...o.shape]);
      const [trainable, nonTrainable] = [size(layer.trainableWeights), size(layer.nonTrainableWeights)];
      return [{ name: l.name, kind: l.kind, named: false, inputShapes: [], shapes, trainable, nonTrainable, args: {} }];
    });
  } finally {
    model.dispose();
  }
}

/** tfjs on the CPU, without its "use tfjs-node" banner. */
export async function setUpTfjs(): Promise<void> {
  await tf.setBackend("cpu");
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

/** A `time_distributed` call whose nested layer is of `kind`. */
function timeDistributes(call: Pick<LayerCall, "kind" | "args">, kind: string): boolean {
  const inner = call.args["layer"];
  return (
    call.kind === "time_distributed" &&
    typeof inner === "object" &&
    inner !== null &&
    "nested" in inner &&
    inner.nested === kind
  );
}
