/** Hover: a layer call's kind, output shape, parameters, MACs and doc; a tensor's shape; an argument's doc. */
import type { Hover } from "vscode-languageserver/node";
import type * as ast from "../compiler/syntax/ast.js";
import { formatNnShape, type IrLayer, type IrProgram, type Shape } from "../compiler/ir/index.js";
import type { Analysis } from "./analysis.js";
import { argumentNameAt, callsAt } from "./ast-search.js";
import { argumentSchemas, blockSignature, describeArgument, lookupCallable } from "./callables.js";
import { toRange } from "./convert.js";
import { occurrenceAt } from "./model-params.js";
import type { NameSymbol, TensorBinding } from "../compiler/bind/index.js";
import { hasTrait } from "../compiler/registry/layers/index.js";

export function hover(analysis: Analysis, offset: number): Hover | null {
  const { source, namespace, program } = analysis.semantic;
  const markdown = (value: string, span: ast.Span): Hover => ({
    contents: { kind: "markdown", value },
    range: toRange(analysis.text, span),
  });

  const argument = argumentNameAt(source, offset);
  if (argument) {
    const callable = lookupCallable(argument.call.callee.text, namespace);
    const name = argument.arg.name!.text;
    if (!callable || !(name in argumentSchemas(callable))) return null;
    const d = describeArgument(callable, name);
    const doc = argumentSchemas(callable)[name]?.["description"];
    const lines = [
      "```nn\n" + `${name}: ${d.type}${d.default ? ` = ${d.default}` : ""}` + "\n```",
      `Argument of ${callable.what} \`${callable.name}\`${d.required ? " (required)" : ""}.`,
      ...(typeof doc === "string" && doc !== d.type ? [doc] : []),
    ];
    return markdown(lines.join("\n\n"), argument.arg.name!.span);
  }

  const occurrence = occurrenceAt(analysis.semantic.binding, offset);
  if (occurrence?.symbol.kind === "tensor" && occurrence.binding) {
    const shapes = bindingShapes(occurrence.binding, analysis, 0);
    const shown = shapes.length > 0 ? shapes.map((s) => `\`${formatNnShape(s)}\``).join(" or ") : "unknown";
    const where = occurrence.binding.blockInput
      ? ` (input of block \`${occurrence.binding.blockInput.name.text}\`)`
      : "";
    return markdown(`tensor **${occurrence.symbol.name}**${where}: ${shown}`, occurrence.span);
  }
  if (occurrence?.symbol.kind === "model") {
    const model = program.models.find((m) => m.name === occurrence.symbol.name);
    const params = model?.layers.reduce((sum, l) => sum + l.params.trainable + l.params.nonTrainable, 0);
    const detail = model ? `: ${model.layers.length} layers, ${params!.toLocaleString("en-US")} parameters` : "";
    return markdown(`model **${occurrence.symbol.name}**${detail}`, occurrence.span);
  }
  if (occurrence?.symbol.kind === "layer")
    return markdown(
      `shared layer **${occurrence.symbol.name}**: one layer (or block instance), the same weights at every use`,
      occurrence.span,
    );
  if (occurrence?.symbol.kind === "param") return markdown(paramText(analysis, occurrence.symbol), occurrence.span);

  const call = callsAt(source, offset)
    .reverse()
    .find((c) => c.callee.span.start <= offset && offset <= c.callee.span.end);
  if (!call) return null;
  const callable = lookupCallable(call.callee.text, namespace);
  if (!callable) return null;
  const layers = layersOfCall(program, analysis.file, call);
  const lines: string[] = [];
  if (callable.what === "block") {
    const def = namespace.get(call.callee.text)!;
    lines.push("```nn\n" + blockSignature(def.decl) + "\n```");
    const last = layers.at(-1);
    if (last) lines.push(`output: \`${shapesText(last.outputShapes)}\``);
    const params = layers.reduce((sum, l) => sum + l.params.trainable + l.params.nonTrainable, 0);
    if (layers.length > 0) lines.push(`${layers.length} layers, params: ${params.toLocaleString("en-US")}`);
  } else {
    lines.push(`**${callable.name}** (${callable.what})${callable.doc ? ": " + callable.doc : ""}`);
    if (hasTrait(callable.layer, "training-only"))
      lines.push("Active only while training: the identity when the model predicts.");
    for (const layer of layers) lines.push(layerFigures(layer));
  }
  return markdown(lines.join("\n\n"), call.callee.span);
}

/** `model parameter **units**, default \`128\``: whose parameter it is, and its default as written. */
function paramText(analysis: Analysis, symbol: NameSymbol): string {
  const { source } = analysis.semantic;
  const at = symbol.definition;
  const decl = source.declarations.find(
    (d): d is ast.ModelDecl | ast.BlockDecl =>
      (d.kind === "model" || d.kind === "block") && d.span.start <= at.span.start && at.span.end <= d.span.end,
  );
  const param = decl?.params.find((p) => p.name.span.start === at.span.start);
  const what = `${decl?.kind ?? "block"} parameter **${symbol.name}**`;
  if (at.file !== analysis.file || !decl || !param) return what;
  const owner = ` of ${decl.kind} \`${decl.name.text}\``;
  const value = param.defaultValue;
  return value
    ? `${what}${owner}, default \`${analysis.text.slice(value.span.start, value.span.end)}\``
    : `${what}${owner}, no default`;
}

function layerFigures(layer: IrLayer): string {
  const params = layer.params.trainable + layer.params.nonTrainable;
  const macs = layer.macs;
  return [
    `output: \`${shapesText(layer.outputShapes)}\``,
    `params: ${params.toLocaleString("en-US")}${layer.params.nonTrainable ? ` (${layer.params.nonTrainable.toLocaleString("en-US")} non-trainable)` : ""}`,
    ...(typeof macs === "number" ? [`MACs: ${macs.toLocaleString("en-US")}`] : []),
    `name: \`${layer.name}\``,
  ].join(" · ");
}

function shapesText(shapes: readonly Shape[]): string {
  return shapes.map(formatNnShape).join(", ");
}

/**
 * The IR layers a call became: the layer itself (once per instantiation inside a block), or for a block
 * call in a model, the layers the block made there.
 */
export function layersOfCall(program: IrProgram, file: string, call: ast.Call): IrLayer[] {
  const same = (loc: { file: string; span: ast.Span } | undefined) =>
    loc !== undefined && loc.file === file && loc.span.start === call.span.start && loc.span.end === call.span.end;
  const direct = program.models.flatMap((m) => m.layers.filter((l) => same(l.location)));
  return direct.length > 0 ? direct : program.models.flatMap((m) => m.layers.filter((l) => same(l.site)));
}

/** The shapes a tensor binding has (several inside a block called with different inputs). */
export function bindingShapes(binding: TensorBinding, analysis: Analysis, depth: number): Shape[] {
  const { program } = analysis.semantic;
  if (binding.input) {
    const input = program.models
      .flatMap((m) => m.inputs)
      .find((i) => i.location.file === analysis.file && i.location.span.start === binding.name.span.start);
    return input ? [input.shape] : [];
  }
  const last = binding.chain?.steps.at(-1);
  if (!last || depth > 50) return [];
  // `h = x`: the shapes of the binding it reads.
  const read = analysis.semantic.binding.bodyAt(last.span.start)?.step(last);
  if (read?.kind === "tensor" && read.binding !== binding) return bindingShapes(read.binding, analysis, depth + 1);
  const layers = layersOfCall(program, analysis.file, last);
  // A block call's output is its last layer's.
  const outputs = read?.kind === "block" ? layers.slice(-1) : layers;
  const seen = new Map<string, Shape>();
  for (const layer of outputs) seen.set(formatNnShape(layer.outputShapes[0]!), layer.outputShapes[0]!);
  return [...seen.values()];
}
