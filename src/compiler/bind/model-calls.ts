/**
 * A model called like a block, `image -> Base(weights: "runs/Base", until: features, trainable: false)`: the
 * arguments it takes, and the tensor of that model its `until:` names, resolved here once (NN2029 with a
 * did-you-mean when the model binds no tensor of that name). The checker copies the model's layers up to that
 * tensor (check/model-calls.ts).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { modelCallSchema } from "../registry/model-call.js";
import { suggestion } from "../diagnostics/suggest.js";
import type * as ast from "../syntax/ast.js";
import { bodyBinding, isBeingBound } from "./index.js";
import type { CallMeaning, TensorBinding } from "./symbols.js";
import type { ModelDef } from "./workspace.js";

/** The arguments a model call takes (each by name). */
export const modelCallArguments = Object.keys(modelCallSchema["properties"] as object);

/**
 * The hint for `Inner(units: 32)` where `units` is a parameter of the model `Inner`: a model call builds the
 * model as its file says (its parameters' defaults), so the call cannot take them.
 */
export function modelParameterHint(model: ModelDef, name: string, file: string): string | undefined {
  const inner = model.decl.name.text;
  if (!model.decl.params.some((p) => p.name.text === name)) return undefined;
  const set = model.file === file ? `--set ${inner}.${name}=...` : `--set ${inner}.${name}=... on its own file`;
  return `a model call takes ${modelCallArguments.join(", ")}, not the model's parameters: to give ${name} per call, make ${inner} a block; to change it for a run, ${set}`;
}

/** The number of inputs a model declares (its top-level `input` statements). */
export function modelInputCount(model: ModelDef): number {
  return model.decl.body.filter((stmt) => stmt.kind === "input" && !stmt.recovered).length;
}

/**
 * What a call of `model` means; `until:` must name a tensor the model binds (its latest binding, as
 * `IrModel.tensors` keeps it). A model whose body is being bound (it calls itself) has no tensors yet: the
 * checker reports the recursion.
 */
export function modelCall(
  call: ast.Call,
  model: ModelDef,
  tensorArgs: readonly TensorBinding[],
  file: string,
  report: (d: Diagnostic) => void,
): CallMeaning {
  const arg = (call.args ?? []).find((a) => a.name?.text === "until");
  if (!arg || isBeingBound(model.decl)) return { kind: "model", model, tensorArgs, until: null };
  const value = arg.value;
  const written =
    value.kind === "string"
      ? { text: value.value, span: value.span }
      : value.kind === "call" && value.args === null
        ? { text: value.callee.text, span: value.callee.span }
        : undefined;
  // Anything else is not a name: the checker's argument check says what `until` takes.
  if (!written) return { kind: "model", model, tensorArgs, until: null };
  const tensors = bodyBinding(model.decl, model.file, model.namespace).tensorsBefore(model.decl.span.end);
  const until = tensors.find((binding) => binding.name.text === written.text);
  if (until) return { kind: "model", model, tensorArgs, until };
  const names = tensors.map((binding) => binding.name.text);
  const where = { file, span: written.span };
  report(
    diagnostic(
      "NN2029",
      where,
      { model: model.decl.name.text, name: written.text },
      suggestion(written.text, names, written.span),
    ),
  );
  return { kind: "unresolved" };
}
