/**
 * A model's parameters (`model Net(units = 128, depth = 2)`): each has a default, the value the model is
 * built with. `nnc train --set units=64` and a sweep change a default by editing it in the text (see
 * compiler/overrides), so here a parameter always has exactly the value written after its `=`.
 */
import type * as ast from "../syntax/ast.js";
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import type { JsonValue } from "../ir/index.js";
import { emptyScope, evaluate, type Scope } from "./argument-values.js";

/** The value of each parameter of a model, from its default; a parameter without one is NN2031. */
export function modelParamValues(decl: ast.ModelDecl, file: string): Result<Record<string, JsonValue>> {
  const diagnostics: Diagnostic[] = [];
  const values: Record<string, JsonValue> = {};
  for (const param of decl.params) {
    if (param.name.recovered) continue;
    if (!param.defaultValue) {
      diagnostics.push(
        diagnostic(
          "NN2031",
          { file, span: param.name.span },
          { model: decl.name.text, name: param.name.text },
          {
            hint: `give it a default: ${param.name.text} = ...; --set ${param.name.text}=VALUE changes it for one run`,
          },
        ),
      );
      continue;
    }
    if (param.defaultValue.recovered) continue;
    const evaluated = evaluate(param.defaultValue, emptyScope, file, new Map());
    append(diagnostics, evaluated.diagnostics);
    if (evaluated.value !== undefined && !(param.name.text in values)) values[param.name.text] = evaluated.value;
  }
  return { value: values, diagnostics };
}

/** The scope of a model body: its parameters' values. */
export function modelScope(values: Record<string, JsonValue>): Scope {
  return { lookup: (name) => (Object.hasOwn(values, name) ? values[name] : undefined) };
}
