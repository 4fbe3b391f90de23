/**
 * `nnc predict` for a model trained on `text(...)`: the texts of one file (.csv, .json, .jsonl, or .txt of one
 * text per line), vectorized with the run's vocabulary `chunk` rows at a time (a `[rows, max_tokens]` matrix
 * of a whole file would not fit in memory), with a first column, `line`, that says which row is which text:
 * its line in the .txt or CSV file (blank lines are skipped), its line in JSON Lines, its position in a JSON
 * array.
 */
import * as path from "node:path";
import type { Table } from "./data/index.js";
import { predictionReader } from "./data/text.js";
import { missingHint } from "./data/values.js";
import { NncUserError } from "./errors.js";
import type { Predictions } from "./predict.js";
import type { SavedRun } from "./saved-run.js";

/** `predict`'s answers for the texts of `files` (one file), a chunk at a time; null for a run not trained on text. */
export function predictText(
  run: SavedRun,
  files: readonly string[],
  predict: (table: Table) => Predictions,
  { chunk = 256 }: { chunk?: number } = {},
): Predictions | null {
  const vocabulary = run.preprocessing?.vocabulary;
  if (!vocabulary) return null;
  if (files.length !== 1)
    throw new NncUserError("NN4005", { path: files.join(" "), reason: "nnc predict reads one file for this run" });
  let reader;
  try {
    reader = predictionReader(path.resolve(files[0]!), vocabulary);
  } catch (error) {
    // Predict answers every row it is given, so `missing: drop` (the readers' advice) does not apply here.
    if (error instanceof NncUserError && error.hint === missingHint)
      throw error.withHint("predict needs every value; fill it in or remove the row");
    throw error;
  }
  const rows: (readonly (string | number)[])[] = [];
  let columns: readonly string[] = [];
  for (let from = 0; from < reader.rows; from += chunk) {
    const indices = Array.from({ length: Math.min(chunk, reader.rows - from) }, (_, i) => from + i);
    const table = reader.read(indices);
    const predictions = predict(table);
    columns = predictions.columns;
    predictions.rows.forEach((row, i) => rows.push([table.lines[i]!, ...row]));
  }
  return { columns: ["line", ...columns], rows };
}
