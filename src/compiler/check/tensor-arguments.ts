/**
 * Named arguments that take tensor names (a registry entry's `tensorArgs`): `initial_state: [h, c]`,
 * `attention_mask: mask`. Their tensors become the layer's inputs after the others; the rules see how many
 * each argument was given.
 */
import type { NamedTensors, TensorBinding } from "../bind/index.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { LayerKind } from "../registry/layers/index.js";
import type * as ast from "../syntax/ast.js";
import type { Tensor } from "./environment.js";

/**
 * The tensors of the call's tensor arguments, in the order of the entry's `tensorArgs`, and how many each was
 * given. Null when one is not a tensor name or a list of them (NN2005, reported) or names a tensor that is not
 * bound (reported by the binder).
 */
export function namedTensorInputs(
  kind: LayerKind,
  call: ast.Call,
  named: readonly NamedTensors[],
  valueOf: (binding: TensorBinding) => Tensor,
  report: (d: Diagnostic) => void,
  file: string,
): { tensors: Tensor[]; counts: Record<string, number> } | null {
  const tensors: Tensor[] = [];
  const counts: Record<string, number> = {};
  let ok = true;
  for (const argName of kind.tensorArgs ?? []) {
    const found = named.find((n) => n.name === argName);
    if (!found) continue;
    if (!found.tensors) {
      const items = found.arg.value.kind === "list" ? found.arg.value.items : [found.arg.value];
      if (!items.every((item) => item.kind === "call" && item.args === null)) {
        const problem = "takes the name of a tensor bound above (or a list of them), not a value";
        const at = { file, span: found.arg.value.span };
        report(diagnostic("NN2005", at, { name: argName, callee: call.callee.text, problem }));
      }
      ok = false;
      continue;
    }
    counts[argName] = found.tensors.length;
    for (const binding of found.tensors) tensors.push(valueOf(binding));
  }
  return ok ? { tensors, counts } : null;
}
