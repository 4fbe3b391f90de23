/**
 * Calls with several outputs (`lstm(8, return_state: true)`, `multi_head_attention(..., return_attention_scores:
 * true)`): an assignment binds one name per output, and anywhere else one tensor is expected, NN3016 at the call
 * that says how many it has. Keras would hand the next layer a list and fail inside it; tfjs silently takes the
 * first tensor.
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type * as ast from "../syntax/ast.js";
import { unknownTensor, type Tensor } from "./environment.js";

/** The result as one tensor; unknown with NN3016 when its call has several outputs. */
export function oneTensor(result: Tensor, file: string): { tensor: Tensor; problem?: Diagnostic } {
  if (!result.outputs || !result.producer) return { tensor: result };
  const count = result.outputs.length;
  const problem = outputCount(result.producer, count, "where one tensor is expected", file);
  return { tensor: unknownTensor, problem };
}

/**
 * `a, b, c = ...`: one tensor per name, when the call has as many outputs as names are written; unknown
 * tensors with NN3016 otherwise. A result already unknown (an earlier error) fills every name silently.
 */
export function splitOutputs(
  result: Tensor,
  targets: readonly ast.Ident[],
  file: string,
): { tensors: readonly Tensor[]; problem?: Diagnostic } {
  const count = result.outputs?.length ?? 1;
  if (count === targets.length) return { tensors: result.outputs ?? [result] };
  const unknown = targets.map(() => unknownTensor);
  if (result.ref === null || !result.producer) return { tensors: unknown };
  const names = `${targets.length} name${targets.length === 1 ? " is" : "s are"} bound`;
  return { tensors: unknown, problem: outputCount(result.producer, count, `but ${names}`, file) };
}

function outputCount(call: ast.Call, count: number, expected: string, file: string): Diagnostic {
  const names = Array.from({ length: count }, (_, i) => (i === 0 ? "y" : `s${i}`)).join(", ");
  const hint =
    count === 1
      ? "bind it to one name"
      : `bind each output to a name (\`_\` drops one): ${names} = ... -> ${call.callee.text}(...)`;
  return diagnostic(
    "NN3016",
    { file, span: call.callee.span },
    { callee: call.callee.text, count, expected },
    { hint },
  );
}
