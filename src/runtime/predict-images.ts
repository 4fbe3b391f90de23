/**
 * `nnc predict` for a model trained on an images() folder: the image files given, or every image file in a
 * folder given (at any depth, sorted by path), read as training read its images (`preprocessing.json`'s size,
 * colour mode, interpolation and crop), and a `file` column that says which prediction is which image's.
 */
import { displayPath } from "../compiler/diagnostics/render.js";
import { NncUserError } from "./errors.js";
import { imageLimits, listImageInputs, type ImageLimits } from "./data/image-folder.js";
import { channelsOf, toExample } from "./data/image-resize.js";
import { loadImage } from "./data/images.js";
import type { Table } from "./data/index.js";
import type { Predictions } from "./predict.js";
import type { SavedRun } from "./saved-run.js";

/** The images `inputs` name as a table to predict on, and each row's file as shown; null for a run not on images. */
export function imageInputs(
  run: SavedRun,
  inputs: readonly string[],
  limits: ImageLimits = imageLimits,
): { table: Table; shown: string[] } | null {
  const reading = run.preprocessing?.source === "images" ? run.preprocessing.images : undefined;
  if (!reading) return null;
  const files = listImageInputs(inputs, limits);
  const [height, width] = reading.size;
  const exampleShape = [height, width, channelsOf[reading.color]];
  const size = height * width * channelsOf[reading.color];
  const features = new Float32Array(files.length * size);
  const shown = files.map((file) => displayPath(file));
  files.forEach((file, i) => {
    try {
      toExample(loadImage(file, shown[i]!, limits), reading, features, i * size);
    } catch (error) {
      // Predict answers every image it is given: corrupt: skip does not apply.
      if (error instanceof NncUserError && error.code === "NN4049")
        throw error.withHint("predict needs every image to decode; fix or leave out the file");
      throw error;
    }
  });
  const table: Table = {
    source: inputs.join(" "),
    featureNames: [],
    exampleShape,
    features,
    labelName: "",
    labels: [],
    lines: files.map((_, i) => i + 1),
  };
  return { table, shown };
}

/** `predictions` with a first column, `file`, naming each row's image. */
export function withFiles(predictions: Predictions, files: readonly string[]): Predictions {
  return {
    columns: ["file", ...predictions.columns],
    rows: predictions.rows.map((row, i) => [files[i]!, ...row]),
  };
}
