/**
 * `target: input` (or `target: NAME`, an input of a model of several): the model learns to reproduce one of
 * its inputs (an autoencoder), so the targets are that input's batch and the data source gives no labels
 * (check/data-source.ts). `input` means the model's single input; a name must be one of its inputs (NN4028,
 * with a did-you-mean); every output must have the input's shape (NN4030, showing both).
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { suggestion } from "../diagnostics/suggest.js";
import { formatNnShape, type IrModel, type Shape } from "../ir/index.js";

/** What the check needs of the train block's checker (check/train-block.ts). */
export interface TargetChecker {
  readonly file: string;
  readonly model: { readonly name: string; readonly ir: IrModel | undefined };
  report(d: Diagnostic): undefined;
  invalid(value: ast.Value, key: string, problem: string): undefined;
}

/** The input `target:` names (`input` resolved to the model's one input when its IR is known); undefined after an error. */
export function targetValue(checker: TargetChecker, value: ast.Value, key: string): string | undefined {
  const name = writtenName(value);
  if (name === undefined)
    return checker.invalid(value, key, "must be `input` or the name of one of the model's inputs");
  const ir = checker.model.ir;
  if (!ir) return name;
  const inputs = ir.inputs.map((input) => input.name);
  const span = value.kind === "call" ? value.callee.span : value.span;
  let input = ir.inputs.find((i) => i.name === name);
  if (!input && name === "input") {
    if (ir.inputs.length !== 1) {
      return checker.invalid(
        value,
        key,
        `input means the model's one input, but model ${ir.name} has ${inputs.length} (${inputs.join(", ")}): name the one to reproduce, target: ${inputs[0]}`,
      );
    }
    input = ir.inputs[0]!;
  }
  if (!input) {
    return checker.report(
      diagnostic(
        "NN4028",
        { file: checker.file, span },
        { argument: "target", name, kind: "input", model: ir.name, names: inputs.join(", ") },
        suggestion(name, inputs.length === 1 ? [...inputs, "input"] : inputs, span),
      ),
    );
  }
  const names = ir.outputNames ?? [];
  for (const [k, ref] of ir.outputs.entries()) {
    const shape = tensorShape(ir, ref.node, ref.index);
    if (!shape || sameShape(shape, input.shape)) continue;
    return checker.report(
      diagnostic(
        "NN4030",
        { file: checker.file, span },
        {
          input: input.name,
          inputShape: formatNnShape(input.shape),
          model: ir.name,
          output: ir.outputs.length > 1 ? ` output '${names[k] ?? k}'` : "",
          outputShape: formatNnShape(shape),
        },
      ),
    );
  }
  return input.name;
}

/** The name `target:` is written with: `input`, `tokens` or `"tokens"`. */
function writtenName(value: ast.Value): string | undefined {
  if (value.kind === "call" && value.args === null) return value.callee.text;
  return value.kind === "string" ? value.value : undefined;
}

/**
 * The input of `ir` that `target:` names, even when its shape does not fit an output (NN4030): the data then
 * still needs no labels, which the data sources' check goes on to say (NN4031) in the same pass.
 */
export function namedTarget(value: ast.Value, ir: IrModel | undefined): string | undefined {
  const name = writtenName(value);
  if (!ir || name === undefined) return undefined;
  if (ir.inputs.some((input) => input.name === name)) return name;
  return name === "input" && ir.inputs.length === 1 ? ir.inputs[0]!.name : undefined;
}

/** The shape of a model's tensor: a layer's output, or an input; undefined when unknown. */
function tensorShape(ir: IrModel, node: string, index: number): Shape | undefined {
  const layer = ir.layers.find((l) => l.name === node);
  return layer ? layer.outputShapes[index] : ir.inputs.find((i) => i.name === node)?.shape;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
