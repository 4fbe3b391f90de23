/**
 * A model's parameters (`model Net(units = 128, depth = 2)`): each has a default, the value the model is
 * built with. `nnc train --set units=64` and a sweep change a default by editing it in the text (see
 * compiler/overrides), so here a parameter always has exactly the value written after its `=`. A default may
 * use the parameters declared before it (`model Net(units = 64, hidden = units * 2)`), evaluated in order, so
 * `--set units=32` changes `hidden` too; a later parameter in a default is NN2044 there.
 */
import type * as ast from "../syntax/ast.js";
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import type { JsonValue } from "../ir/index.js";
import { evaluate, type Scope } from "./argument-values.js";
import { namesInValues } from "../bind/param-clashes.js";

/**
 * The value of each parameter of a model, from its default; undefined when one has none: without a default
 * (NN2031), with one that refers to a parameter not declared before it (NN2044), that recovery cut short (its
 * syntax error) or that is not a value. The body is then not checked: every use of it would be unknown.
 */
export function modelParamValues(decl: ast.ModelDecl, file: string): Result<Record<string, JsonValue> | undefined> {
  const diagnostics: Diagnostic[] = [];
  const values: Record<string, JsonValue> = {};
  let complete = true;
  for (const [index, param] of decl.params.entries()) {
    if (param.name.recovered || param.defaultValue?.recovered) {
      complete = false;
      continue;
    }
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
      complete = false;
      continue;
    }
    const later = laterParameter(decl, index, param.defaultValue);
    if (later) {
      const other = later.text;
      const hint =
        other === param.name.text
          ? "a default is a value, or uses the parameters declared before it"
          : `a default uses the parameters declared before it: declare '${other}' first`;
      diagnostics.push(diagnostic("NN2044", { file, span: later.span }, { name: param.name.text, other }, { hint }));
      complete = false;
      continue;
    }
    const evaluated = evaluate(param.defaultValue, modelScope(values), file, new Map());
    append(diagnostics, evaluated.diagnostics);
    if (evaluated.value === undefined) complete = false;
    else if (!(param.name.text in values)) values[param.name.text] = evaluated.value;
  }
  return { value: complete ? values : undefined, diagnostics };
}

/** The first name in a default that is the parameter itself or one declared after it. */
function laterParameter(decl: ast.ModelDecl, index: number, value: ast.Value): ast.Ident | undefined {
  const later = new Set(decl.params.slice(index).map((p) => p.name.text));
  return namesInValues([value]).find((name) => later.has(name.text));
}

/** The scope of a model body: its parameters' values. */
export function modelScope(values: Record<string, JsonValue>): Scope {
  return { lookup: (name) => (Object.hasOwn(values, name) ? values[name] : undefined) };
}
