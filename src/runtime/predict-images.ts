/**
 * `nnc predict` for a model trained on an images() folder: the image files given, or every image file in a
 * folder given (at any depth, sorted by path), read as training read its images (`preprocessing.json`'s size,
 * colour mode, interpolation and crop), and a `file` column that says which prediction is which image's.
 * Images are decoded `chunk` at a time, so a folder larger than memory is predicted for as it is trained on.
 */
import { displayPath } from "../compiler/diagnostics/render.js";
import { NncUserError } from "./errors.js";
import { imageLimits, listImageInputs, shownPath, type ImageLimits } from "./data/image-folder.js";
import { channelsOf, toExample, type ImageReading } from "./data/image-resize.js";
import { loadImage } from "./data/images.js";
import type { Table } from "./data/index.js";
import type { Predictions } from "./predict.js";
import type { SavedRun } from "./saved-run.js";

/**
 * `predict`'s answers for the images `inputs` name, a chunk of images at a time, with a first column, `file`,
 * naming each row's image; null for a run not trained on images.
 */
export function predictImages(
  run: SavedRun,
  inputs: readonly string[],
  predict: (table: Table) => Predictions,
  { chunk = 256, limits = imageLimits }: { chunk?: number; limits?: ImageLimits } = {},
): Predictions | null {
  const reading = run.preprocessing?.source === "images" ? run.preprocessing.images : undefined;
  if (!reading) return null;
  const files = listImageInputs(inputs, limits);
  const shown = files.map((file) => displayPath(file));
  const rows: (readonly (string | number)[])[] = [];
  let columns: readonly string[] = [];
  for (let from = 0; from < files.length; from += chunk) {
    const to = Math.min(from + chunk, files.length);
    const predictions = predict(imageTable(files.slice(from, to), shown.slice(from, to), reading, limits));
    columns = predictions.columns;
    predictions.rows.forEach((row, i) => rows.push([shown[from + i]!, ...row]));
  }
  return { columns: ["file", ...columns], rows };
}

/** The images `files` (shown as `shown`) decoded as `reading` says, as a table without labels. */
function imageTable(
  files: readonly string[],
  shown: readonly string[],
  reading: ImageReading,
  limits: ImageLimits,
): Table {
  const [height, width] = reading.size;
  const size = height * width * channelsOf[reading.color];
  const features = new Float32Array(files.length * size);
  files.forEach((file, i) => {
    try {
      toExample(loadImage(file, shownPath(file), limits), reading, features, i * size);
    } catch (error) {
      // Predict answers every image it is given: corrupt: skip does not apply.
      if (error instanceof NncUserError && error.code === "NN4049")
        throw error.withHint("predict needs every image to decode; fix or leave out the file");
      throw error;
    }
  });
  return {
    source: shown.join(" "),
    featureNames: [],
    exampleShape: [height, width, channelsOf[reading.color]],
    features,
    labelName: "",
    labels: [],
    lines: files.map((_, i) => i + 1),
  };
}
