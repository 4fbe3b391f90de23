/**
 * npy's files per model input, `npy(x: inputs(a: "a.npy", b: "b.npy"), y: "y.npy")`: each name an input of the
 * model trained, each input given one file.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { JsonValue } from "../ir/index.js";

/** What checking the files needs from the train block's checker. */
export interface TrainContext {
  readonly file: string;
  /** The model trained, and its input names when known. */
  readonly model: { readonly name: string; readonly inputs: readonly string[] | undefined };
  report(d: Diagnostic): undefined;
  /** A plain value, its problems reported. */
  scalar(value: ast.Value): JsonValue | undefined;
}

/**
 * `x: inputs(a: "a.npy", b: "b.npy")` in an npy call: the grammar has no mapping value, so the files per
 * model input are the named arguments of an `inputs(...)` call in x's place. Returns the call with a string
 * there instead (so its other arguments are checked as any call's) and the files, or null for them after
 * reporting a problem; undefined when x is not such a call.
 */
export function perInputFiles(
  call: ast.Call,
  ctx: TrainContext,
): { call: ast.Call; files: Record<string, string> | null } | undefined {
  const args = call.args ?? [];
  const x = args.find((a) => a.name?.text === "x") ?? (args[0]?.name === null ? args[0] : undefined);
  if (!x || x.recovered || x.value.kind !== "call" || x.value.args === null) return undefined;
  const mapping = x.value;
  const stand: ast.StringValue = { kind: "string", value: mapping.callee.text, span: mapping.span };
  return {
    call: { ...call, args: args.map((a) => (a === x ? { ...a, value: stand } : a)) },
    files: inputFiles(mapping, ctx),
  };
}

/**
 * The files of `inputs(a: "a.npy", ...)`, by input name: every name an input of the model (reported at the
 * name), every input of the model given a file (reported at `inputs`), each once, each a path.
 */
function inputFiles(mapping: ast.Call, ctx: TrainContext): Record<string, string> | null {
  let fine = true;
  const problem = (span: ast.Span, text: string, hint?: string): void => {
    ctx.report(diagnostic("NN2005", { file: ctx.file, span }, { name: "x", callee: "npy", problem: text }, { hint }));
    fine = false;
  };
  const { name: model, inputs } = ctx.model;
  const args = mapping.args ?? [];
  if (mapping.callee.text !== "inputs") {
    const got = `got ${mapping.callee.text}(...)`;
    problem(
      mapping.callee.span,
      `must be a path or inputs(name: "file.npy", ...) with one file per model input, ${got}`,
      didYouMean(mapping.callee.text, ["inputs"]),
    );
    return null;
  }
  const files: Record<string, string> = {};
  for (const arg of args) {
    if (arg.recovered) {
      fine = false;
    } else if (!arg.name) {
      problem(arg.span, 'names the input of each file: inputs(a: "a.npy", b: "b.npy")');
    } else if (Object.hasOwn(files, arg.name.text)) {
      ctx.report(diagnostic("NN2007", { file: ctx.file, span: arg.name.span }, { name: arg.name.text }));
      fine = false;
    } else {
      const name = arg.name.text;
      if (inputs && !inputs.includes(name)) {
        const which = `names '${name}', which is not an input of model ${model} (${inputs.join(", ")})`;
        problem(arg.name.span, which, didYouMean(name, inputs));
      }
      const file = ctx.scalar(arg.value);
      if (typeof file === "string" && file !== "") files[name] = file;
      else if (file === undefined) fine = false;
      else problem(arg.value.span, `gives '${name}' ${JSON.stringify(file)}, not a path`);
    }
  }
  // An input whose argument is there but wrong was reported at the argument.
  for (const input of inputs ?? []) {
    if (!args.some((a) => a.name?.text === input)) {
      problem(mapping.callee.span, `gives no file for input '${input}' of model ${model}`);
    }
  }
  if (args.length === 0 && !inputs) problem(mapping.callee.span, "names no input");
  return fine ? files : null;
}
