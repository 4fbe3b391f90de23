/**
 * What a train block's held-out sources (`validation:`, `test:`) must share with its `data:` source, checked
 * before anything is read:
 * - the kind (NN4056; csv() and json() go together, both read by named columns): a held-out source is read as the
 *   training data is (its columns as features, its images
 *   at the model's size, its texts with the training vocabulary), so `test: csv(...)` beside `data: text(...)`
 *   would fail mid-run, or worse, be read another way;
 * - for `text(...)`, how texts are vectorized (NN4057 at an argument that differs): the vocabulary and its
 *   settings are fitted on the training rows, and a held-out source is read with them, not with its own;
 * - another file (NN4058, a warning): a model validated or tested on the file it trained on is scored on
 *   examples it has seen.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { IrCall } from "../ir/index.js";
import { dataSources } from "../registry/data-sources.js";

/** `text(...)`'s vectorization arguments, with Keras's defaults. */
const vectorization: Readonly<Record<string, unknown>> = {
  max_tokens: undefined,
  sequence_length: null,
  standardize: "lower_and_strip_punctuation",
  split: "whitespace",
  ngrams: 1,
  output_mode: "int",
};

/** The problems of the `validation:` and `test:` sources in `calls` beside the `data:` source. */
export function heldOutSourceProblems(
  calls: { readonly data?: unknown; readonly validation?: unknown; readonly test?: unknown },
  entries: ReadonlyMap<string, ast.TrainEntry>,
  file: string,
): Diagnostic[] {
  const data = calls.data as IrCall | null | undefined;
  const dataValue = entries.get("data")?.value;
  if (!data || dataValue?.kind !== "call") return [];
  const related = [{ file, span: dataValue.span, message: `data: reads ${data.name}(...) here` }];
  const found: Diagnostic[] = [];
  for (const key of ["validation", "test"] as const) {
    const call = calls[key] as IrCall | null | undefined;
    const value = entries.get(key)?.value;
    if (!call || value?.kind !== "call") continue;
    if (family(call.name) !== family(data.name)) {
      const hint = `read the ${key} data as the training data: ${key}: ${data.name}(...) with the same columns`;
      const args = { key, kind: call.name, trained: data.name };
      found.push(diagnostic("NN4056", { file, span: value.callee.span }, args, { hint, related }));
      continue;
    }
    if (call.name === "text") {
      for (const [name, fallback] of Object.entries(vectorization)) {
        const written = argumentValue(value, name);
        const given = call.args[name] ?? fallback;
        const trained = data.args[name] ?? fallback;
        if (!written || given === trained) continue;
        // max_tokens is required: it is written as data: writes it; the others are best left out.
        const hint =
          name === "max_tokens"
            ? `write max_tokens: ${String(trained)}, as data: does`
            : `leave ${name} out of ${key}: text(...): the training data's is used`;
        const args = { key, argument: name, value: String(given), trained: String(trained) };
        found.push(diagnostic("NN4057", { file, span: written.span }, args, { hint, related }));
      }
    }
    const path = sourcePath(call);
    if (path !== undefined && path === sourcePath(data)) {
      const written = value.args?.find((a) => a.value.kind === "string")?.value;
      const shown = written?.kind === "string" ? written.value : path;
      const hint = `${key === "test" ? "test" : "validate"} on data the model does not train on, or use validation_split`;
      found.push(diagnostic("NN4058", { file, span: value.span }, { key, path: shown }, { hint, related }));
    }
  }
  return found;
}

/** A source's family: csv() and json() are both read by named columns (fields), each of its own kind else. */
function family(kind: string): string {
  return kind === "json" ? "csv" : kind;
}

/** The file (folder) a source reads its examples from: its first path argument (npy's `x:` file). */
function sourcePath(call: IrCall): string | undefined {
  const name = dataSources[call.name]?.paths[0];
  const given = name === undefined ? undefined : call.args[name];
  return typeof given === "string" ? given : undefined;
}

/** Where argument `name` was written by name in `value`. */
function argumentValue(value: ast.Call, name: string): ast.Value | undefined {
  return (value.args ?? []).find((a) => a.name?.text === name)?.value;
}
