/**
 * Phase 4, lints: warnings (NN5xxx) about models that check but are probably not what was meant: an output
 * activation that does not fit the loss, dense layers that collapse into one, dropout at the end, outputs and
 * inputs nobody uses.
 *
 * In: a checked program (they run only after a program checks clean). Out: warnings, which
 * `applyLintOptions` then drops or turns into errors. Each lint can be switched off: `nnc check --allow
 * NN5003`, or a `// nnc-allow NN5003` comment on the line (or the line above it), or before the first
 * declaration for the whole file. `--deny NN5003` (or `--deny warnings`) makes lints errors, for CI.
 */
import { append } from "../base/arrays.js";
import type { Span } from "../syntax/ast.js";
import { diagnostic, uniqueDiagnostics, type Diagnostic, type Location } from "../diagnostics/index.js";
import { LineMap } from "../base/line-map.js";
import { formatNnShape, type IrLayer, type IrProgram, type Shape, type TfjsLayer } from "../ir/index.js";
import { messages } from "../diagnostics/messages.js";
import { groupThousands } from "../base/numbers.js";
import { hasTrait } from "../registry/index.js";
import { activationOf, Graph } from "./graph.js";
import { lintLoss } from "./loss.js";
import { lateAugmentations } from "./augmentation.js";
import { lintPixelRange } from "./pixel-range.js";

/** Every lint code: the NN5xxx codes of the catalogue. */
export const lintCodes: readonly string[] = Object.keys(messages).filter((code) => code.startsWith("NN5"));

export interface LintOptions {
  /** Lint codes switched off. */
  readonly allow?: readonly string[];
  /** Lint codes that become errors; `warnings` makes every lint an error. */
  readonly deny?: readonly string[];
}

/** A layer's parameters above this after flatten() is a sign that the feature map was not reduced first. */
const largeDenseParams = 10_000_000;

/** Every lint over every model, and the loss lints over every train block. */
export function lintProgram(program: IrProgram): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const model of program.models) append(out, lintModel(new Graph(model)));
  for (const train of program.trains) {
    const model = program.models.find((m) => m.name === train.model);
    if (model) append(out, lintLoss(new Graph(model), train));
    if (model) append(out, lintPixelRange(new Graph(model), train));
  }
  // A layer inside a block called several times is one place in the source: one warning.
  return uniqueDiagnostics(out);
}

function lintModel(graph: Graph): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { model } = graph;
  for (const input of model.inputs) {
    if (graph.consumersOf(input.name).length === 0 && !graph.outputs.has(input.name)) {
      out.push(
        diagnostic("NN5005", input.location, { name: input.name }, { hint: "remove it, or use it in the graph" }),
      );
    }
  }
  for (const layer of model.layers) {
    const consumers = graph.consumersOf(layer.name);
    const at = layer.location;
    if (consumers.length === 0 && !graph.outputs.has(layer.name)) {
      out.push(diagnostic("NN5004", at, { callee: layer.kind }, { hint: "list it in output, or remove it" }));
    }
    if (
      hasTrait(layer.kind, "fully-connected") &&
      activationOf(layer) === "linear" &&
      consumers.length > 0 &&
      consumers.every((c) => hasTrait(c.kind, "fully-connected"))
    ) {
      out.push(diagnostic("NN5002", at, { callee: layer.kind }, { hint: "add an activation, e.g. activation: relu" }));
    }
    const producer = graph.producerOf(layer);
    if (
      hasTrait(layer.kind, "cancels-bias") &&
      producer &&
      hasTrait(producer.kind, "bias") &&
      producer.tfjs.config["useBias"] !== false &&
      graph.consumersOf(producer.name).length === 1
    ) {
      out.push(
        diagnostic("NN5006", at, { callee: producer.kind }, { hint: `pass use_bias: false to ${producer.kind}` }),
      );
    }
    const params = layer.params.trainable + layer.params.nonTrainable;
    if (hasTrait(layer.kind, "fully-connected") && hasTrait(producer?.kind, "flattens") && params > largeDenseParams) {
      out.push(
        diagnostic(
          "NN5007",
          at,
          { params: groupThousands(params) },
          {
            hint: "reduce the feature map first (pooling or strides), or use global_average_pooling2d() instead of flatten()",
          },
        ),
      );
    }
  }
  append(out, misappliedMasks(graph));
  append(out, tensorsGivenTwice(graph));
  append(out, lateAugmentations(graph));
  const last = graph.outputLayer();
  // An augmentation model (images in, augmented images out) ends in an augmentation on purpose.
  if (last && hasTrait(last.kind, "training-only") && !hasTrait(last.kind, "augmentation")) {
    out.push(diagnostic("NN5003", last.location, {}, { hint: "move dropout before the last layer, or remove it" }));
  }
  return out;
}

/**
 * NN5010. tfjs 4.22's graph executor counts the layers that read a tensor once each, but when it predicts it
 * counts down once per input: a layer given one tensor twice (`add(h, h)`) counts it down twice, and the tensor
 * is freed while another layer still needs it ("Cannot read properties of undefined"). Training is not affected;
 * whether predicting fails depends on the order tfjs runs the layers in, so this warns whenever another layer
 * reads the tensor too. nnc's own layers of several inputs (attention) take each tensor once and are not affected.
 */
function tensorsGivenTwice(graph: Graph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const layer of graph.model.layers) {
    const seen = new Set<string>();
    for (const ref of layer.inputs) {
      const key = `${ref.node}[${ref.index}]`;
      if (!seen.has(key)) {
        seen.add(key);
        continue;
      }
      if (layer.tfjs.namespace === "nnc") break;
      const readsIt = (other: IrLayer) => other.inputs.some((r) => r.node === ref.node && r.index === ref.index);
      if (!graph.consumersOf(ref.node).some((other) => other !== layer && readsIt(other))) continue;
      const tensor = ref.index === 0 ? ref.node : `${ref.node}[${ref.index}]`;
      const hint = `pass a copy the second time: h2 = h -> activation(linear), then ${layer.kind}(h, h2)`;
      out.push(diagnostic("NN5010", layer.location, { callee: layer.kind, tensor }, { hint }));
      break;
    }
  }
  return out;
}

/**
 * NN5009. tfjs 4.22's graph executor keeps one `kwargs` object for the whole run: once a layer is handed a
 * mask (from an `embedding(mask_zero: true)`), every later layer whose own inputs carry no mask is handed
 * that stale one, and softmax and the recurrent layers apply it. tfjs's softmax also adds the mask without
 * broadcasting it over the features, so even its own mask fails on `[steps, features]`. This follows the
 * masks as tfjs propagates them, in the order of the layers.
 */
function misappliedMasks(graph: Graph): Diagnostic[] {
  const out: Diagnostic[] = [];
  /** Tensor (layer name) -> the embedding whose mask it carries. */
  const origin = new Map<string, IrLayer>();
  /** The embedding whose mask tfjs hands to the next layer. */
  let handed: IrLayer | undefined;
  for (const layer of graph.model.layers) {
    const masks = layer.inputs.map((ref) => (ref.index === 0 ? origin.get(ref.node) : undefined));
    const own = masks.find((m) => m !== undefined);
    if (own) handed = masks[0];
    const problem = handed && maskProblem(graph, layer, handed, own !== undefined);
    if (handed && problem) {
      const hint = kerasAveragesUnmasked.has(layer.kind)
        ? "summarise the sequence with a layer that skips masked steps (lstm(...), gru(...)), or leave mask_zero off"
        : addsMask(layer.kind)
          ? "apply softmax as the previous layer's activation (activation: softmax), or leave mask_zero off"
          : "leave mask_zero off, or keep the sequence masked up to here (return_sequences: true in between)";
      const related = [{ ...handed.location, message: "the mask comes from this embedding" }];
      out.push(diagnostic("NN5009", layer.location, { callee: layer.kind, problem }, { hint, related }));
    }
    const sequences = () => (wrappedLayer(layer) ?? layer.tfjs).config["returnSequences"] === true;
    if (hasTrait(layer.kind, "makes-mask") && layer.tfjs.config["maskZero"] === true) origin.set(layer.name, layer);
    else if (own && (hasTrait(layer.kind, "keeps-mask") || (hasTrait(layer.kind, "recurrent") && sequences()))) {
      origin.set(layer.name, own);
    }
  }
  return out;
}

/** What goes wrong when tfjs hands `layer` the mask of `embedding`, or undefined when nothing does. */
function maskProblem(graph: Graph, layer: IrLayer, embedding: IrLayer, ownMask: boolean): string | undefined {
  if (ownMask && kerasAveragesUnmasked.has(layer.kind)) {
    return "but ignores it: it averages the padding in, where Keras averages only the unmasked steps, so predictions change with the padding";
  }
  if (!hasTrait(layer.kind, "reads-mask")) return undefined;
  if (!ownMask) return "though its input has none: it fails when trained, or masks the wrong steps";
  const [mask, input] = [graph.inputShape(embedding), graph.inputShape(layer)];
  if (!addsMask(layer.kind) || !mask || !input || maskFits(mask, input)) return undefined;
  return (
    `of shape ${formatNnShape(mask)}, which does not fit its input ${formatNnShape(input)}: ` +
    "it fails, or broadcasts it into an output of the wrong shape"
  );
}

/** Layers Keras applies a mask in (averaging only the unmasked steps) but tfjs 4.22's ignore. */
const kerasAveragesUnmasked = new Set(["global_average_pooling1d"]);

/** A mask reader that adds the mask to its input as it is (softmax), rather than skipping steps (recurrent). */
function addsMask(kind: string): boolean {
  return hasTrait(kind, "reads-mask") && !hasTrait(kind, "recurrent");
}

/**
 * Whether tfjs's softmax applies a mask of shape `mask` to an input of shape `input` (both without the batch)
 * as meant: it adds them as they are, so the two must have the same rank (or the batch axes would not line
 * up) and sizes that broadcast.
 */
function maskFits(mask: Shape, input: Shape): boolean {
  return mask.length === input.length && mask.every((d, i) => d === input[i] || d === 1 || input[i] === 1);
}

/** The layer a wrapper (`bidirectional(lstm(8))`) wraps, as tfjs builds it. */
function wrappedLayer(layer: IrLayer): TfjsLayer | undefined {
  const nested = layer.tfjs.config["layer"];
  return typeof nested === "object" && nested !== null && "factory" in nested ? (nested as TfjsLayer) : undefined;
}

/** The codes a `// nnc-allow NN5003, NN5004` comment names. */
export function allowedBy(comment: string): string[] {
  const match = /^\/\/\s*nnc-allow\s+(.*)$/.exec(comment.trim());
  return match ? [...match[1]!.matchAll(/NN5\d{3}/g)].map((m) => m[0]) : [];
}

/** What a file's `// nnc-allow` comments switch off: for the whole file, and per line. */
export interface Allowances {
  readonly file: ReadonlySet<string>;
  /** 0-based line -> codes allowed on that line (a comment covers its own line and the next). */
  readonly lines: ReadonlyMap<number, ReadonlySet<string>>;
}

/** Reads the `// nnc-allow` comments of a file; those before the first declaration cover the whole file. */
export function allowancesOf(
  text: string,
  comments: readonly { readonly span: Span; readonly text: string }[],
  firstDeclaration: number,
): Allowances {
  const file = new Set<string>();
  const lines = new Map<number, Set<string>>();
  for (const comment of comments) {
    const codes = allowedBy(comment.text);
    if (codes.length === 0) continue;
    if (comment.span.start < firstDeclaration) codes.forEach((c) => file.add(c));
    const line = lineOf(text, comment.span.start);
    for (const l of [line, line + 1]) {
      const set = lines.get(l) ?? new Set<string>();
      codes.forEach((c) => set.add(c));
      lines.set(l, set);
    }
  }
  return { file, lines };
}

let lastLines: LineMap | undefined;

/** The 0-based line of an offset, with lines ended as everywhere else (`\n`, `\r\n` or a lone `\r`). */
function lineOf(text: string, offset: number): number {
  if (lastLines?.text !== text) lastLines = new LineMap(text);
  return lastLines.position(offset).line - 1;
}

/**
 * Applies `--allow`, `--deny` and `// nnc-allow` to lint diagnostics; other diagnostics pass unchanged.
 * `allowances` gives a file's comments, `textOf` its text (to find the line of a diagnostic).
 */
export function applyLintOptions(
  diagnostics: readonly Diagnostic[],
  options: LintOptions,
  allowances: (file: string) => Allowances | undefined,
  textOf: (file: string) => string | undefined,
): Diagnostic[] {
  const allow = new Set(options.allow ?? []);
  const deny = new Set(options.deny ?? []);
  return diagnostics.flatMap((d) => {
    if (!d.code.startsWith("NN5")) return [d];
    if (allow.has(d.code) || allowedInSource(d, allowances(d.file), textOf(d.file))) return [];
    const denied = deny.has(d.code) || (deny.has("warnings") && d.severity === "warning");
    return denied ? [{ ...d, severity: "error" as const }] : [d];
  });
}

function allowedInSource(d: Location & { code: string }, allowances: Allowances | undefined, text: string | undefined) {
  if (!allowances || text === undefined) return false;
  return allowances.file.has(d.code) || (allowances.lines.get(lineOf(text, d.span.start))?.has(d.code) ?? false);
}
