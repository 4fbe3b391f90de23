/**
 * `input image: [28, 28, 1] float32`: the tensor an input statement declares, from its dtype and its shape's
 * dimensions (positive integers, symbolic names, `?`), each evaluated in the body's scope.
 */
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { inexactShape } from "../ir/exact.js";
import type { DType, IrInput, Shape } from "../ir/index.js";
import type * as ast from "../syntax/ast.js";
import { evaluateDimension } from "./dimension.js";
import { inputNameProblem } from "./tensor-names.js";
import { unknownTensor, type Env, type Tensor } from "./environment.js";

const dtypes: readonly DType[] = ["float32", "int32"];

/** The input's tensor, and the model input it adds when its shape is valid; problems in `diagnostics`. */
export function inputTensor(
  stmt: ast.InputStmt,
  env: Env,
): { tensor: Tensor; input: IrInput | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (span: ast.Span) => ({ file: env.file, span });
  const name = stmt.name.text;
  const badName = inputNameProblem(stmt.name, env.file);
  if (badName) diagnostics.push(badName);
  let dtype: DType = "float32";
  if (stmt.dtype) {
    if ((dtypes as readonly string[]).includes(stmt.dtype.text)) dtype = stmt.dtype.text as DType;
    else {
      const hint = didYouMean(stmt.dtype.text, dtypes);
      diagnostics.push(diagnostic("NN2013", at(stmt.dtype.span), { name: stmt.dtype.text }, { hint }));
    }
  }
  const shape = stmt.shape.items.map((item) => {
    const { value, diagnostics: found } = evaluateDimension(item, env.scope, env.file);
    append(diagnostics, found);
    return value;
  });
  let valid = shape.every((d) => d !== undefined);
  if (valid && inexactShape(shape as Shape)) {
    diagnostics.push(diagnostic("NN3012", at(stmt.shape.span), { what: `the number of elements in input '${name}'` }));
    valid = false;
  }
  if (!valid) return { tensor: { ...unknownTensor, dtype, declaredBy: stmt }, input: null, diagnostics };
  return {
    tensor: { ref: { node: name, index: 0 }, shape: shape as Shape, dtype, declaredBy: stmt },
    input: { name, shape: shape as Shape, dtype, location: at(stmt.name.span) },
    diagnostics,
  };
}
