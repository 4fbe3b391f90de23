/**
 * Names of a model's inputs and outputs that check clean elsewhere but that `nnc train` or `nnc predict` could
 * not use: an input name tfjs refuses (`_x`: tfjs's tensor names start with a letter or a digit), a name every
 * JavaScript object already has (`__proto__`, `constructor`), which the maps keyed by input or output name
 * (features, labels, losses, metrics) would misread (NN2034); an output listed twice, which tfjs refuses
 * (NN2033); an output named like a column `nnc predict` gives another output (`kind_predicted`, NN2035).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { Shape } from "../ir/index.js";
import { repeatedColumn } from "../registry/prediction-columns.js";
import type * as ast from "../syntax/ast.js";

/** tfjs's rule for a tensor's name (tfjs-layers `isValidTensorName`). */
const tfjsTensorName = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

/** Why `name` cannot name a model input or output, or undefined when it can. */
function nameProblem(name: string, what: "input" | "output"): string | undefined {
  if (name in Object.prototype) {
    return `every JavaScript object has a property '${name}', so the settings and data keyed by ${what} name would misread it`;
  }
  if (what === "input" && !tfjsTensorName.test(name)) {
    return "tfjs names a model's inputs with a letter or a digit first, then letters, digits, '_', '-', '.' or '/'";
  }
  return undefined;
}

/** NN2034 for an input name tfjs or a name-keyed map cannot take; undefined when the name is fine. */
export function inputNameProblem(name: ast.Ident, file: string): Diagnostic | undefined {
  const problem = nameProblem(name.text, "input");
  if (problem === undefined) return undefined;
  const hint = `rename it, e.g. ${suggestedName(name.text)}`;
  return diagnostic("NN2034", { file, span: name.span }, { what: "input", name: name.text, problem }, { hint });
}

/**
 * The problems of an `output` statement's names: NN2034 (see `nameProblem`), NN2033 at a name listed again,
 * NN2035 at a name that is a column `nnc predict` gives another output; `shapes` are the outputs' shapes, in
 * order (null when unknown).
 */
export function outputNameProblems(
  stmt: ast.OutputStmt,
  shapes: readonly (Shape | null)[],
  file: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = stmt.names.map((name) => name.text);
  for (const [i, name] of stmt.names.entries()) {
    const at = { file, span: name.span };
    const problem = nameProblem(name.text, "output");
    if (problem !== undefined) {
      const hint = `rename the tensor, e.g. ${suggestedName(name.text)}`;
      out.push(diagnostic("NN2034", at, { what: "output", name: name.text, problem }, { hint }));
      continue;
    }
    const first = names.indexOf(name.text);
    if (first < i) {
      const related = [{ file, span: stmt.names[first]!.span, message: "listed first here" }];
      out.push(diagnostic("NN2033", at, { name: name.text }, { related, hint: "list each output once" }));
      continue;
    }
    for (const [k, other] of names.entries()) {
      const column = other === name.text ? undefined : repeatedColumn(name.text, other, width(shapes[k] ?? null));
      if (column === undefined) continue;
      const related = [{ file, span: stmt.names[k]!.span, message: `output '${other}'` }];
      const hint = `rename the tensor '${name.text}' (an output's columns start with its name)`;
      out.push(diagnostic("NN2035", at, { name: name.text, output: other, column }, { related, hint }));
      break;
    }
  }
  return out;
}

/** The number of values of one example, when its shape is known. */
function width(shape: Shape | null): number | undefined {
  if (!shape || !shape.every((d) => typeof d === "number")) return undefined;
  return (shape as readonly number[]).reduce((a, b) => a * b, 1);
}

/** `_x` -> `x`, `__proto__` -> `proto`, `constructor` -> `constructor_1`: a name the checks above accept. */
function suggestedName(name: string): string {
  const trimmed = name.replace(/^[^A-Za-z0-9]+/, "").replace(/_+$/, "");
  return trimmed && !(trimmed in Object.prototype) ? trimmed : `${trimmed || "x"}_1`;
}
