/**
 * `assert` and `expect` statements: budgets and expectations written in a model body, checked once the
 * model's graph is known. A figure (`params`, `trainable_params`, `non_trainable_params`, `macs`) is compared
 * with a number; a tensor's shape with a written shape. A failed one is an error at the statement, with the
 * actual figure: "params is 34,826, expected < 30,000".
 */
import { append } from "../base/arrays.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic, type Location } from "../diagnostics/index.js";
import { evaluateDimension } from "./dimension.js";
import { emptyScope, evaluate } from "./argument-values.js";
import { exactSum } from "../ir/exact.js";
import { formatNnShape, type Dim, type IrModel, type Shape } from "../ir/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { groupThousands } from "../base/numbers.js";

/** An assertion met in a model body, with what its subject means at its line (bind/). */
export interface PendingAssertion {
  readonly stmt: ast.AssertStmt;
  /** The shape of the tensor the subject names: undefined when it names none, null when an error made it unknown. */
  readonly shape: Shape | null | undefined;
  /** Tensor names bound above the statement, for did-you-mean. */
  readonly inScope: () => readonly string[];
}

/** The figures of a model that `assert` compares (a sweep's budgets too). */
export const figures = ["params", "trainable_params", "non_trainable_params", "macs"] as const;
export type Figure = (typeof figures)[number];

/**
 * Checks every assertion of a model. `complete` is false when the model had errors: its figures are then
 * partial, and comparing them would only add confusing failures.
 */
export function checkAssertions(
  pending: readonly PendingAssertion[],
  model: IrModel,
  file: string,
  complete: boolean,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { stmt, shape: tensorShape, inScope } of pending) {
    const subject = stmt.subject.text;
    const at = { file, span: stmt.subject.span };
    if (stmt.test.kind === "shape") {
      const layer = model.layers.find((l) => l.name === subject);
      const shape = tensorShape !== undefined ? tensorShape : layer ? layer.outputShapes[0]! : undefined;
      // A layer an earlier error kept from being built is not missing: say nothing until the model checks.
      if (shape === undefined && !complete) continue;
      if (shape === undefined) {
        const hint = didYouMean(subject, [...inScope(), ...model.layers.map((l) => l.name)]);
        out.push(diagnostic("NN2002", at, { name: subject }, hint === undefined ? {} : { hint }));
        continue;
      }
      const expected = expectedShape(stmt.test.shape, file, out);
      if (shape === null || expected === undefined || !complete) continue;
      if (formatNnShape(shape) !== formatNnShape(expected)) {
        out.push(
          diagnostic(
            "NN3009",
            { file, span: stmt.test.shape.span },
            {
              name: subject,
              actual: formatNnShape(shape),
              expected: formatNnShape(expected),
            },
          ),
        );
      }
      continue;
    }
    if (!(figures as readonly string[]).includes(subject)) {
      const hint = inScope().includes(subject)
        ? `to check the shape of '${subject}', write ${stmt.word} ${subject}: [...]`
        : didYouMean(subject, figures);
      out.push(diagnostic("NN2022", at, { name: subject, word: stmt.word }, hint === undefined ? {} : { hint }));
      continue;
    }
    const limit = expectedNumber(stmt.test.value, file, out);
    if (limit === undefined || !complete) continue;
    const problem = figureProblem(subject as Figure, stmt.test.op, limit, model, at, { file, span: stmt.span });
    if (problem) out.push(problem);
  }
  return out;
}

/**
 * The problem with `model`'s figure against `OP limit`: NN2023 (at `subject`) when it cannot be counted, NN3008
 * (at `statement`) when it fails; undefined when it holds. A model body's assertions and a sweep's budgets
 * (compiler/sweep/) are both checked by it.
 */
export function figureProblem(
  figure: Figure,
  op: ast.ComparisonOp,
  limit: number,
  model: IrModel,
  subject: Location,
  statement: Location,
): Diagnostic | undefined {
  const actual = figureOf(figure, model);
  if (actual === null) {
    const reason = "a layer's count depends on a size that is not fixed (a name or ?)";
    return diagnostic("NN2023", subject, { name: figure, reason });
  }
  if (compare(actual, op, limit)) return undefined;
  const args = { name: figure, actual: groupThousands(actual), expected: `${op} ${formatCount(limit)}` };
  return diagnostic("NN3008", statement, args);
}

/** A figure, added up exactly (MACs may pass 2^53); null when a layer's count depends on a size not fixed. */
export function figureOf(figure: Figure, model: IrModel): bigint | null {
  switch (figure) {
    case "params":
      return exactSum(model.layers.flatMap((l) => [l.params.trainable, l.params.nonTrainable]));
    case "trainable_params":
      return exactSum(model.layers.map((l) => l.params.trainable));
    case "non_trainable_params":
      return exactSum(model.layers.map((l) => l.params.nonTrainable));
    case "macs":
      return exactSum(model.layers.map((l) => l.macs));
  }
}

/** Compares an exact count with a written number (which may have a fraction: `< 1.5e6`), exactly. */
function compare(actual: bigint, op: ast.ComparisonOp, limit: number): boolean {
  switch (op) {
    case "<":
      return actual < limit;
    case "<=":
      return actual <= limit;
    case ">":
      return actual > limit;
    case ">=":
      return actual >= limit;
    case "==":
      return Number.isInteger(limit) && actual === BigInt(limit);
  }
}

/** `34826` -> `34,826`, as people read budgets. */
function formatCount(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/** A figure's written limit, a number expression; undefined after reporting what else it is. */
export function expectedNumber(value: ast.Value, file: string, out: Diagnostic[]): number | undefined {
  const evaluated = evaluate(value, emptyScope, file, new Map());
  append(out, evaluated.diagnostics);
  if (evaluated.value === undefined) return undefined;
  if (typeof evaluated.value === "number") return evaluated.value;
  out.push(diagnostic("NN2019", { file, span: value.span }, { problem: "a figure is compared with a number" }));
  return undefined;
}

/** A written shape, read as `input` reads one. */
function expectedShape(list: ast.ListValue, file: string, out: Diagnostic[]): Shape | undefined {
  const dims: Dim[] = [];
  for (const item of list.items) {
    const { value, diagnostics } = evaluateDimension(item, emptyScope, file);
    append(out, diagnostics);
    if (value === undefined) return undefined;
    dims.push(value);
  }
  return dims;
}
