/**
 * Names that users bring from Keras, tf.data and PyTorch for things nnc spells otherwise, or does in another
 * place, each with the hint that says where: an unknown data source (NN4004) or layer (NN2001) of this list
 * gets it when no nnc name is close enough for a did-you-mean. Keyed by the name as written, in the spellings
 * people use (Keras's snake_case function, its class name, PyTorch's class).
 */

const imageFolder = "a folder of images with one sub-folder per class is `images(path, size: [h, w])`";
const rawText = "raw text is read and vectorized by `text(path, text: column, label: column, max_tokens: ...)`";
const table = "a CSV file is `csv(path, label: column)`, JSON Lines `json(path, label: field)`";
const arrays = "NumPy arrays are `npy(x: path, y: path)`";

/** Data sources (`data:`, `validation:`) by their Keras, tf.data and PyTorch names. */
export const foreignDataSources: Readonly<Record<string, string>> = {
  image_dataset_from_directory: imageFolder,
  ImageFolder: imageFolder,
  image_folder: imageFolder,
  text_dataset_from_directory: `${rawText}, from a CSV or JSON Lines file`,
  TextVectorization: rawText,
  text_vectorization: rawText,
  read_csv: table,
  make_csv_dataset: table,
  CsvDataset: table,
  from_tensor_slices: arrays,
  TensorDataset: arrays,
  load: arrays,
};

/** Layers nnc has no layer for, because the work is the data source's. */
export const foreignLayers: Readonly<Record<string, string>> = {
  text_vectorization: `${rawText}: the model's input is then the token ids`,
  TextVectorization: `${rawText}: the model's input is then the token ids`,
  string_lookup: "class names are looked up by the data source: a label column of names becomes class ids",
  StringLookup: "class names are looked up by the data source: a label column of names becomes class ids",
};
