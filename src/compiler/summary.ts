/**
 * `nnc summary`: per model, the layers with their output shapes and parameter counts, as the JSON of
 * LANGUAGE.md and as a table in the manner of Keras's `model.summary()`.
 */
import { formatShape, type IrModel, type Shape, type TensorRef } from "./ir.js";

/** A shape in JSON: the batch (`null`) first, symbolic sizes as strings, unknown ones as `null`. */
export type JsonShape = (number | string | null)[];

export interface LayerSummary {
  readonly name: string;
  readonly kind: string;
  readonly outputShape: JsonShape | JsonShape[];
  readonly params: number;
  /** Extension: trainable part of `params`, and the tensors the layer reads. */
  readonly trainableParams: number;
  readonly inputs: readonly string[];
}

export interface ModelSummary {
  readonly name: string;
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  readonly inputs: readonly { name: string; shape: JsonShape }[];
  readonly outputs: readonly { name: string; shape: JsonShape }[];
  readonly layers: readonly LayerSummary[];
}

const jsonShape = (shape: Shape): JsonShape => [null, ...shape];

function refName(ref: TensorRef): string {
  return ref.index === 0 ? ref.node : `${ref.node}[${ref.index}]`;
}

export function summarize(model: IrModel): ModelSummary {
  const shapes = new Map<string, readonly Shape[]>(model.inputs.map((i) => [i.name, [i.shape]]));
  for (const layer of model.layers) shapes.set(layer.name, layer.outputShapes);
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    kind: layer.kind,
    outputShape:
      layer.outputShapes.length === 1 ? jsonShape(layer.outputShapes[0]!) : layer.outputShapes.map(jsonShape),
    params: layer.params.trainable + layer.params.nonTrainable,
    trainableParams: layer.params.trainable,
    inputs: layer.inputs.map(refName),
  }));
  const trainable = model.layers.reduce((sum, l) => sum + l.params.trainable, 0);
  const nonTrainable = model.layers.reduce((sum, l) => sum + l.params.nonTrainable, 0);
  return {
    name: model.name,
    totalParams: trainable + nonTrainable,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    inputs: model.inputs.map((i) => ({ name: i.name, shape: jsonShape(i.shape) })),
    outputs: model.outputs.map((ref) => ({ name: refName(ref), shape: jsonShape(shapes.get(ref.node)![ref.index]!) })),
    layers,
  };
}

const thousands = new Intl.NumberFormat("en-US");

/** `34,826 (136.04 KB)`: the count and its size as float32 weights. */
function paramsWithBytes(count: number): string {
  const bytes = count * 4;
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${thousands.format(count)} (${value.toFixed(2)} ${units[unit]})`;
}

/** The Keras-style table, with a "Connected to" column when the model is not a plain stack. */
export function formatSummary(summary: ModelSummary): string {
  const sequential = summary.layers.every(
    (layer, i) => layer.inputs.length === 1 && layer.inputs[0] === (i === 0 ? summary.inputs[0]?.name : summary.layers[i - 1]!.name),
  );
  const header = ["Layer (type)", "Output Shape", "Param #", ...(sequential ? [] : ["Connected to"])];
  const rows = [
    ...(sequential ? [] : summary.inputs.map((i) => [`${i.name} (input)`, shapeText(i.shape), "0", ""])),
    ...summary.layers.map((l) => [
      `${l.name} (${l.kind})`,
      Array.isArray(l.outputShape[0]) ? (l.outputShape as JsonShape[]).map(shapeText).join(", ") : shapeText(l.outputShape as JsonShape),
      thousands.format(l.params),
      ...(sequential ? [] : [l.inputs.join(", ")]),
    ]),
  ];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)) + 2);
  const numeric = (c: number) => c === 2;
  const cell = (text: string, c: number) =>
    ` ${numeric(c) ? text.padStart(widths[c]! - 2) : text.padEnd(widths[c]! - 2)} `;
  const rule = (l: string, m: string, r: string, fill: string) => l + widths.map((w) => fill.repeat(w)).join(m) + r;
  return [
    `Model: "${summary.name}"`,
    rule("┏", "┳", "┓", "━"),
    "┃" + header.map(cell).join("┃") + "┃",
    rule("┡", "╇", "┩", "━"),
    ...rows.map((r) => "│" + r.map(cell).join("│") + "│"),
    rule("└", "┴", "┘", "─"),
    ` Total params: ${paramsWithBytes(summary.totalParams)}`,
    ` Trainable params: ${paramsWithBytes(summary.trainableParams)}`,
    ` Non-trainable params: ${paramsWithBytes(summary.nonTrainableParams)}`,
  ].join("\n");
}

function shapeText(shape: JsonShape): string {
  return formatShape(shape.slice(1));
}
