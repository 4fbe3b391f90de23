/**
 * `nnc summary`: per model, the layers with their output shapes and parameter counts, as the JSON of
 * docs/language.md and as a table in the manner of Keras's `model.summary()`; beyond Keras, each layer's parameter
 * memory (float32 bytes) and multiply-accumulates per sample (MACs), and their totals.
 */
import { maxOf } from "../base/arrays.js";
import { exactSum, plainWhenSafe } from "../ir/exact.js";
import { formatShape, sharedUses, type IrModel, type Shape, type TensorRef } from "../ir/index.js";
import { groupThousands } from "../base/numbers.js";

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
  /** Extension: multiply-accumulates per sample; null when they depend on a size that is not fixed. */
  readonly macs: number | null;
  /** Extension: the parameters' memory as float32, `params * 4`. */
  readonly bytes: number;
  /**
   * Extension, for a shared layer (`layer NAME = ...` used more than once): the tensors each use reads, the first
   * use's being `inputs`. Its weights count once; `macs` adds up every use. Later uses' outputs are named
   * `NAME:1`, `NAME:2`, ... in other layers' `inputs`.
   */
  readonly calls?: readonly (readonly string[])[];
}

export interface ModelSummary {
  readonly name: string;
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  readonly inputs: readonly { name: string; shape: JsonShape }[];
  readonly outputs: readonly { name: string; shape: JsonShape }[];
  readonly layers: readonly LayerSummary[];
  /**
   * Extension: the layers' MACs per sample summed; null when any is unknown. Each layer's count is exact
   * (NN3012 past 2^53); their sum may pass 2^53 and is then a BigInt, printed exactly by `summaryJson`.
   */
  readonly macs: number | bigint | null;
  /** Extension: `totalParams * 4`, the weights' memory as float32. */
  readonly bytes: number;
}

/** Bytes per parameter: tfjs keeps weights as float32. */
const bytesPerParam = 4;

const jsonShape = (shape: Shape): JsonShape => [null, ...shape];

function refName(ref: TensorRef): string {
  return ref.index === 0 ? ref.node : `${ref.node}[${ref.index}]`;
}

export function summarize(model: IrModel): ModelSummary {
  const shapes = new Map<string, readonly Shape[]>(model.inputs.map((i) => [i.name, [i.shape]]));
  for (const layer of model.layers) shapes.set(layer.name, layer.outputShapes);
  const uses = sharedUses(model);
  const layers = model.layers.flatMap((layer): LayerSummary[] => {
    if (layer.shares) return [];
    const params = layer.params.trainable + layer.params.nonTrainable;
    const again = uses.get(layer.name) ?? [];
    const macs = exactSum([layer, ...again].map((use) => use.macs ?? null));
    return [
      {
        name: layer.name,
        kind: layer.kind,
        outputShape:
          layer.outputShapes.length === 1 ? jsonShape(layer.outputShapes[0]!) : layer.outputShapes.map(jsonShape),
        params,
        trainableParams: layer.params.trainable,
        inputs: layer.inputs.map(refName),
        macs: macs === null ? null : Number(macs),
        bytes: params * bytesPerParam,
        ...(again.length > 0 ? { calls: [layer, ...again].map((use) => use.inputs.map(refName)) } : {}),
      },
    ];
  });
  const macsSum = exactSum(layers.map((l) => l.macs));
  const macs = macsSum === null ? null : plainWhenSafe(macsSum);
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
    macs,
    bytes: (trainable + nonTrainable) * bytesPerParam,
  };
}

/** `136.04 KB`: bytes in binary units, as Keras prints them. */
function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}

/** `34,826 (136.04 KB)`: the count and its size as float32 weights. */
function paramsWithBytes(count: number): string {
  return `${groupThousands(count)} (${formatBytes(count * bytesPerParam)})`;
}

/** `12.3M`: a MAC count in a table cell; `?` when unknown. */
function compactCount(count: number | bigint | null): string {
  if (count === null) return "?";
  const units = ["", "K", "M", "G", "T", "P", "E"];
  // Only the leading digits show: a count past 2^53 may round here.
  let value = Number(count);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? String(count) : `${value.toFixed(value < 10 ? 2 : 1)}${units[unit]}`;
}

/**
 * `{"models": [...]}` as `nnc summary --format json` prints it: JSON.stringify's layout (two spaces), with a
 * BigInt written as the exact integer it is (JSON numbers have no size limit; JSON.stringify refuses them).
 */
export function summaryJson(summaries: readonly ModelSummary[]): string {
  // Only a model's total MACs can be a BigInt; JSON.stringify is much faster for every other summary.
  const exact = summaries.some((s) => typeof s.macs === "bigint");
  return exact ? toJson({ models: summaries }, "") : JSON.stringify({ models: summaries }, null, 2);
}

function toJson(value: unknown, indent: string): string {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => inner + toJson(item, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${toJson(item, inner)}`).join(",\n")}\n${indent}}`;
}

/** The Keras-style table, with a "Connected to" column when the model is not a plain stack. */
export function formatSummary(summary: ModelSummary): string {
  const sequential = summary.layers.every(
    (layer, i) =>
      layer.inputs.length === 1 &&
      layer.inputs[0] === (i === 0 ? summary.inputs[0]?.name : summary.layers[i - 1]!.name),
  );
  const header = ["Layer (type)", "Output Shape", "Param #", "Memory", "MACs", ...(sequential ? [] : ["Connected to"])];
  const rows = [
    ...(sequential ? [] : summary.inputs.map((i) => [`${i.name} (input)`, shapeText(i.shape), "0", "", "", ""])),
    ...summary.layers.map((l) => [
      `${l.name} (${l.kind}${l.calls ? `, shared ×${l.calls.length}` : ""})`,
      Array.isArray(l.outputShape[0])
        ? (l.outputShape as JsonShape[]).map(shapeText).join(", ")
        : shapeText(l.outputShape as JsonShape),
      groupThousands(l.params),
      l.bytes === 0 ? "" : formatBytes(l.bytes),
      compactCount(l.macs),
      ...(sequential ? [] : [(l.calls ?? [l.inputs]).map((inputs) => inputs.join(", ")).join("; ")]),
    ]),
  ];
  const widths = header.map(
    (h, c) =>
      maxOf(
        rows.map((r) => r[c]!.length),
        h.length,
      ) + 2,
  );
  const numeric = (c: number) => c >= 2 && c <= 4;
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
    ` MACs per sample: ${summary.macs === null ? "unknown (a size is not fixed)" : `${groupThousands(summary.macs)} (${compactCount(summary.macs)})`}`,
  ].join("\n");
}

function shapeText(shape: JsonShape): string {
  return formatShape(shape.slice(1));
}
