/**
 * The pictures a trained run gets besides its history plot, drawn while its data is still open: an autoencoder
 * on images (`target: input`, an input `[h, w, 1|3]`) gets `reconstructions.png`, a regression (one numeric
 * output) `predicted.svg` and `predicted.png`. Both show validation rows, or the first training rows without
 * validation. The run's save writes them (save.ts) with its other files.
 */
import * as tf from "@tensorflow/tfjs";
import { savedRunFiles } from "../compiler/registry/run-files.js";
import type { TrainingBatches } from "./data/batches.js";
import { svgToPng } from "./plot.js";
import { imageShape, reconstructionPng } from "./reconstructions.js";
import { predictedSvg } from "./regression-plot.js";
import type { TrainSettings } from "./run-training.js";

/** A file of the run folder (a name of `savedRunFiles`) and its bytes. */
export interface RunPicture {
  readonly file: string;
  readonly data: string | Uint8Array;
}

/** Examples in the reconstruction grid; points in the predicted-against-actual chart, at most. */
const gridColumns = 10;
const scatterPoints = 2000;

/** The pictures for a run of `model` trained as `train` says on `data` (see above); none for other runs. */
export async function runPictures(
  model: tf.LayersModel,
  data: TrainingBatches,
  train: TrainSettings,
): Promise<RunPicture[]> {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return [];
  const inputShape = model.inputs[0]!.shape.slice(1);
  const outputShape = model.outputs[0]!.shape.slice(1);
  const image = imageShape(inputShape);
  if (train.target != null) {
    if (image === null || String(outputShape) !== String(inputShape)) return [];
    const rows = sampleRows(model, data, gridColumns);
    const caption = `${model.name}: ${rows.count} ${rows.from} images (top) and the model's reconstructions`;
    return [
      { file: savedRunFiles.reconstructions, data: await reconstructionPng(image, rows.x, rows.predicted, caption) },
    ];
  }
  if (data.labels !== null || outputShape.length !== 1 || outputShape[0] !== 1) return [];
  const rows = sampleRows(model, data, scatterPoints);
  // In the target's own units: `normalize_target` trained on scaled targets.
  const scaling = data.preprocessing.targetScaling?.[0];
  const unscaled = (values: number[][]) => values.map(([v]) => (scaling ? v! * scaling.scale + scaling.shift : v!));
  const svg = predictedSvg(unscaled(rows.y), unscaled(rows.predicted), {
    model: model.name,
    label: data.preprocessing.label,
    rows: rows.from,
  });
  const png = await svgToPng(svg);
  return [
    { file: savedRunFiles.predictedSvg, data: svg },
    ...(png ? [{ file: savedRunFiles.predictedPng, data: png }] : []),
  ];
}

/** Up to `count` rows of validation data (else the first training rows): inputs, targets and predictions. */
function sampleRows(
  model: tf.LayersModel,
  data: TrainingBatches,
  count: number,
): { from: "validation" | "training"; count: number; x: number[][]; y: number[][]; predicted: number[][] } {
  const from = data.validationRows > 0 ? "validation" : "training";
  const rows = Math.min(count, from === "validation" ? data.validationRows : data.trainingRows);
  const positions = [...Array(rows).keys()];
  const [x, y] = from === "validation" ? data.validation(positions) : data.training(positions);
  // One input and one output: the batch's first (and only) tensors.
  const flat = (t: tf.Tensor | tf.Tensor[]) =>
    tf.tidy(() => (Array.isArray(t) ? t[0]! : t).reshape([rows, -1]).arraySync() as number[][]);
  const predicted = model.predict(x, { batchSize: 256 }) as tf.Tensor;
  const result = { from, count: rows, x: flat(x), y: flat(y), predicted: flat(predicted) } as const;
  tf.dispose([x, y, predicted]);
  return result;
}
