/**
 * The `space:` of a sweep: each key an override name, each value a distribution of registry/sweep-keys.ts.
 * `choice` keeps its values as source text (any `.nn` value, a call included: each configuration is checked as
 * text later, compiler/sweep/); the numeric distributions have their arguments checked by their schemas, then
 * their bounds. A grid must be able to list every value, so it takes only `choice` and `int_range`, and at most
 * `limits.sweepConfigurations` combinations of them.
 */
import type * as ast from "../syntax/ast.js";
import { checkArguments } from "./args.js";
import { emptyScope, evaluate } from "./argument-values.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { limits } from "../base/limits.js";
import { groupThousands } from "../base/numbers.js";
import { distributions } from "../registry/sweep-keys.js";
import { valueCount, type IrSampler, type IrSweepParam, type SweepDistribution } from "../ir/sweep.js";
import { append } from "../base/arrays.js";

/** The parameters of `space:` (those whose distribution checked) and the problems found. */
export function checkSpace(
  value: ast.Value,
  source: ast.SourceFile,
  sampler: IrSampler["kind"] | undefined,
): { params: IrSweepParam[] | undefined; diagnostics: Diagnostic[] } {
  const file = source.path;
  const diagnostics: Diagnostic[] = [];
  if (value.kind !== "map" || value.entries.length === 0) {
    const problem = "must be a map from a name to a distribution, such as { units: choice([32, 64]) }";
    return {
      params: undefined,
      diagnostics: [diagnostic("NN4072", { file, span: value.span }, { key: "space", problem })],
    };
  }
  const params: IrSweepParam[] = [];
  let failed = false;
  for (const entry of value.entries) {
    if (entry.recovered || entry.key.recovered || entry.value.recovered) {
      failed = true;
      continue;
    }
    const name = entry.key.text;
    // A key written twice is the map's own syntax error (NN1001, value-builder.ts): nothing more to say.
    if (
      value.entries.some((other) => other !== entry && other.key.text === name && other.span.start < entry.span.start)
    ) {
      failed = true;
      continue;
    }
    const distribution = readDistribution(name, entry.value, source, sampler, diagnostics);
    if (distribution === undefined) failed = true;
    else params.push({ name, distribution, location: { file, span: entry.key.span } });
  }
  if (failed) return { params: undefined, diagnostics };
  if (sampler === "grid") {
    const size = params.reduce((n, p) => n * valueCount(p.distribution), 1);
    const limit = limits.sweepConfigurations.value;
    if (size > limit) {
      const counts = params.map((p) => groupThousands(valueCount(p.distribution)));
      const what = `a grid of ${counts.join(" x ")} = ${groupThousands(size)} configurations`;
      const hint = "list fewer values, or draw some with sampler: random(trials: N) or tpe(trials: N)";
      diagnostics.push(
        diagnostic("NN4077", { file, span: value.span }, { what, limit: groupThousands(limit) }, { hint }),
      );
      return { params: undefined, diagnostics };
    }
  }
  return { params, diagnostics };
}

function readDistribution(
  name: string,
  value: ast.Value,
  source: ast.SourceFile,
  sampler: IrSampler["kind"] | undefined,
  out: Diagnostic[],
): SweepDistribution | undefined {
  const file = source.path;
  const known = Object.keys(distributions);
  const invalid = (span: ast.Span, problem: string, hint?: string) => {
    out.push(diagnostic("NN4075", { file, span }, { name, problem }, hint === undefined ? {} : { hint }));
    return undefined;
  };
  if (value.kind !== "call" || value.args === null) {
    const callee = value.kind === "call" ? value.callee.text : undefined;
    const hint =
      (callee !== undefined && didYouMean(callee, known)) || `write ${known.map((k) => `${k}(...)`).join(", ")}`;
    return invalid(value.span, "not a distribution", hint);
  }
  const callee = value.callee.text;
  if (!Object.hasOwn(distributions, callee)) {
    return invalid(
      value.callee.span,
      `'${callee}' is not a distribution (known: ${known.join(", ")})`,
      didYouMean(callee, known),
    );
  }
  if (callee === "choice") return readChoice(value, source, invalid, out);
  const checked = checkArguments(
    distributions[callee]!,
    { args: value.args, calleeSpan: value.callee.span, calleeText: callee },
    emptyScope,
    file,
  );
  append(out, checked.diagnostics);
  if (checked.value === null) return undefined;
  const low = checked.value["low"] as number;
  const high = checked.value["high"] as number;
  if (!(low < high)) return invalid(value.span, `low (${low}) must be less than high (${high})`);
  if (callee === "int_range") {
    const step = checked.value["step"] as number;
    const log = checked.value["log"] as boolean;
    if (!Number.isInteger(low) || !Number.isInteger(high)) {
      return invalid(
        value.span,
        `int_range takes whole numbers, got ${low} and ${high}`,
        "use uniform(low, high) for any number between them",
      );
    }
    if (log && low < 1) return invalid(value.span, `int_range(log: true) needs a low of at least 1, got ${low}`);
    if (log && step !== 1) {
      // A log scale gives each whole number its own share; a step would hand the skipped numbers' shares to
      // their neighbours unevenly. Optuna's IntDistribution refuses step != 1 with log as well.
      const written = value.args.find((arg) => arg.name?.text === "step");
      return invalid(
        written?.span ?? value.span,
        `int_range(log: true) takes no step, got step: ${step}`,
        "drop the step for a log scale, or list the values: choice([2, 4, 8, 16, 32, 64])",
      );
    }
    return { kind: "int_range", low, high, step, log };
  }
  if (callee === "log_uniform" && low <= 0) {
    return invalid(
      value.span,
      `log_uniform needs a low above 0, got ${low}`,
      "a logarithm needs positive numbers: start at a small value such as 1e-5",
    );
  }
  // After the bounds, so that a wrong bound is reported too: it stays wrong with any sampler.
  if (sampler === "grid") {
    const hint =
      "use choice([...]) or int_range(low, high) in a grid, or a sampler that draws: random(trials: N) or tpe(trials: N)";
    out.push(diagnostic("NN4076", { file, span: value.callee.span }, { name, distribution: callee }, { hint }));
    return undefined;
  }
  return { kind: callee as "uniform" | "log_uniform", low, high };
}

/** `choice([32, 64])`: one list, each value kept as its source text, each once. */
function readChoice(
  call: ast.Call,
  source: ast.SourceFile,
  invalid: (span: ast.Span, problem: string, hint?: string) => undefined,
  out: Diagnostic[],
): SweepDistribution | undefined {
  const args = call.args ?? [];
  const list =
    args.length === 1 && (args[0]!.name === null || args[0]!.name.text === "values") ? args[0]!.value : undefined;
  if (list?.kind !== "list")
    return invalid(call.span, "choice takes one list of values", "write choice([32, 64, 128])");
  if (list.items.length === 0) return invalid(list.span, "choice needs at least one value");
  const max = limits.sweepChoiceValues.value;
  if (list.items.length > max) {
    const what = `a choice of ${groupThousands(list.items.length)} values`;
    out.push(diagnostic("NN4077", { file: source.path, span: list.span }, { what, limit: groupThousands(max) }));
    return undefined;
  }
  const values: string[] = [];
  // Values are compared as the model gets them: `8` and `8.0`, `1` and `01` are one value.
  const seen = new Map<string, string>();
  for (const item of list.items) {
    if (item.recovered) return undefined;
    const text = source.text.slice(item.span.start, item.span.end);
    // A configuration's value is given to `--set`, which takes one line.
    if (/[\n\r]/.test(text)) return invalid(item.span, "a value of more than one line", "write each value on one line");
    const evaluated = evaluate(item, emptyScope, source.path, new Map()).value;
    const key = evaluated === undefined ? `text:${text}` : JSON.stringify(evaluated);
    const first = seen.get(key);
    if (first !== undefined) {
      const as = first === text ? text : `${text} (as ${first})`;
      return invalid(item.span, `choice lists ${as} twice`);
    }
    seen.set(key, text);
    values.push(text);
  }
  return { kind: "choice", values };
}
