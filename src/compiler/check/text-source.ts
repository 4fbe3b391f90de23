/**
 * What a `text(...)` source must find in the model it feeds, checked before anything is read (and its text
 * column is not a label column, NN4038; `sequence_length` only with `output_mode: int`, NN2005):
 * - one input (NN4053), shaped for what the text becomes: ids `[sequence_length] int32` (or `[seq] int32`, any
 *   length) for `output_mode: int`, only `[seq]` without `sequence_length` (each batch is padded to its longest
 *   text); one `[max_tokens]` vector for `multi_hot`, `count` and `tf_idf` (float32 for `tf_idf`'s weights);
 * - an embedding reading the ids takes every id of the vocabulary: `input_dim >= max_tokens` (NN4054);
 * - without `sequence_length`, that embedding masks the padding (`mask_zero: true`), or the padding each batch
 *   gets, which depends on the batch's longest text, is read as a word: NN4055, a warning (the model trains,
 *   but its outputs depend on the other texts in the batch).
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { formatNnShape, type IrCall, type IrModel } from "../ir/index.js";

/** The problems of `text(...)` (`call`, written as `value`) feeding `model`. */
export function textSourceProblems(call: IrCall, value: ast.Call, model: IrModel, file: string): Diagnostic[] {
  const at = (name: string) => ({ file, span: (named(value, name) ?? value).span });
  // The text column among the labels: the model would read the answer (NN4038, as for csv's features).
  const labels = [call.args["label"], ...Object.values((call.args["labels"] ?? {}) as Record<string, unknown>)];
  if (labels.includes(call.args["text"])) {
    const hint = "read the text from another column than the label";
    return [diagnostic("NN4038", at("text"), { column: String(call.args["text"]) }, { hint })];
  }
  const maxTokens = Number(call.args["max_tokens"]);
  const length = typeof call.args["sequence_length"] === "number" ? call.args["sequence_length"] : null;
  const mode = typeof call.args["output_mode"] === "string" ? call.args["output_mode"] : "int";
  // Keras raises a ValueError for output_sequence_length with another output_mode than int.
  if (length !== null && mode !== "int") {
    const problem = `applies to output_mode: int only; ${mode} gives one vector of max_tokens values a text`;
    const hint = `leave sequence_length out, or use output_mode: int`;
    return [
      diagnostic("NN2005", at("sequence_length"), { name: "sequence_length", callee: "text", problem }, { hint }),
    ];
  }
  const [input, ...others] = model.inputs;
  if (!input) return [];
  if (others.length > 0) {
    const takes = `${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(", ")})`;
    const hint = "text(...) feeds a model of one input";
    return [
      diagnostic("NN4053", { file, span: value.span }, { needs: "one input", model: model.name, takes }, { hint }),
    ];
  }
  const related = [{ ...input.location, message: `input '${input.name}' is declared here` }];
  const takes = `input '${input.name}' of shape ${formatNnShape(input.shape)} ${input.dtype}`;
  const misfit = (needs: string, hint: string, where = value.span) => [
    diagnostic("NN4053", { file, span: where }, { needs, model: model.name, takes }, { hint, related }),
  ];
  if (mode !== "int") {
    const fits = input.shape.length === 1 && input.shape[0] === maxTokens;
    if (!fits)
      return misfit(
        `one vector of max_tokens ${maxTokens} values a text (${mode})`,
        `declare the input as [${maxTokens}]`,
      );
    if (mode === "tf_idf" && input.dtype !== "float32")
      return misfit("tf_idf weights, which are not whole numbers", `declare the input as [${maxTokens}] (float32)`);
    return [];
  }
  const [steps] = input.shape;
  const fixed = typeof steps === "number";
  const name = input.name;
  if (input.shape.length !== 1 || input.dtype !== "int32" || (fixed && steps !== length)) {
    const needs =
      input.shape.length === 1 && (!fixed || steps === length)
        ? "int32 token ids" // Only the dtype is wrong.
        : length === null
          ? "token ids of any length"
          : `${length} token ids a text (sequence_length)`;
    const hint =
      length === null && fixed
        ? `give the source sequence_length: ${steps}, or declare the input as [seq] int32`
        : `declare the input as ${length === null ? "[seq]" : `[${length}]`} int32: input ${name}: ${length === null ? "[seq]" : `[${length}]`} int32`;
    // Another fixed length than sequence_length's is at sequence_length; anything else at the source.
    const where = length !== null && fixed && steps !== length ? at("sequence_length").span : value.span;
    return misfit(needs, hint, where);
  }
  return embeddingProblems(model, name, maxTokens, length, at("max_tokens"), value.span, file);
}

/** NN4054 and NN4055 for each embedding that reads input `name` directly. */
function embeddingProblems(
  model: IrModel,
  name: string,
  maxTokens: number,
  length: number | null,
  maxTokensAt: { file: string; span: ast.Span },
  callSpan: ast.Span,
  file: string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const layer of model.layers) {
    const config = layer.tfjs.config;
    const inputDim = config["inputDim"] ?? config["vocabularySize"];
    if (typeof inputDim !== "number" || !layer.inputs.some((ref) => ref.node === name)) continue;
    const related = [{ ...layer.location, message: `'${layer.kind}' reads input '${name}' here` }];
    if (inputDim < maxTokens) {
      const hint = `raise its input_dim to ${maxTokens}, or lower max_tokens to ${inputDim}`;
      found.push(
        diagnostic("NN4054", maxTokensAt, { layer: layer.kind, inputDim, maxTokens, input: name }, { hint, related }),
      );
    }
    if (length === null && config["maskZero"] !== true) {
      const hint = `give '${layer.kind}' mask_zero: true, or give the source a sequence_length`;
      found.push(diagnostic("NN4055", { file, span: callSpan }, { layer: layer.kind }, { hint, related }));
    }
  }
  return found;
}

/** The value of the argument `name` written by name in `value`. */
function named(value: ast.Call, name: string): ast.Value | undefined {
  return (value.args ?? []).find((a) => a.name?.text === name)?.value;
}
