/**
 * Checks the `sweep MODEL { ... }` declarations of a file and turns each into an `IrSweep`: every key known
 * (registry/sweep-keys.ts), the required ones present, the model trained by a train block of this file, the
 * space's distributions valid (sweep-space.ts), the objective a figure that train block's history has, the
 * sampler's and pruner's arguments valid and within limits, and the budgets comparisons of the model's figures.
 * Whether each space key is a name `--set` takes, and each configuration's own check, are compiler/sweep/'s.
 */
import type * as ast from "../syntax/ast.js";
import { argumentSpan, checkTableCall, type Callable } from "./args.js";
import { emptyScope, evaluate } from "./argument-values.js";
import { collectEntries } from "./block-entries.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import { closest, didYouMean } from "../diagnostics/suggest.js";
import { limits } from "../base/limits.js";
import { groupThousands } from "../base/numbers.js";
import type { IrTrain } from "../ir/index.js";
import type { IrBudget, IrPruner, IrSampler, IrSweep, IrSweepParam } from "../ir/sweep.js";
import { figureNames } from "../registry/train-options.js";
import { directions, sweepKeys, type SweepKey } from "../registry/sweep-keys.js";
import { expectedNumber, figures, type Figure } from "./assertions.js";
import { checkSpace } from "./sweep-space.js";
import { append } from "../base/arrays.js";

/**
 * Checks every sweep of `source`. `trains` are the checked train blocks (a sweep whose train block had errors
 * is not checked against it: those errors are reported already).
 */
export function checkSweeps(
  source: ast.SourceFile,
  modelNames: ReadonlySet<string>,
  trains: readonly IrTrain[],
): Result<IrSweep[]> {
  const diagnostics: Diagnostic[] = [];
  const sweeps: IrSweep[] = [];
  const swept = new Set<string>();
  const trained = new Set(source.declarations.flatMap((d) => (d.kind === "train" ? [d.model.text] : [])));
  for (const decl of source.declarations) {
    if (decl.kind !== "sweep" || decl.recovered) continue;
    const checker = new SweepChecker(source, decl);
    const model = decl.model.text;
    const at = { file: source.path, span: decl.model.span };
    if (!decl.model.recovered && !modelNames.has(model)) {
      checker.report(diagnostic("NN2009", at, { name: model }, { hint: didYouMean(model, modelNames) }));
    } else if (!decl.model.recovered && !trained.has(model)) {
      const hint = `write a train ${model} { ... } block: the sweep varies its settings`;
      checker.report(diagnostic("NN4073", at, { model }, { hint }));
    } else if (swept.has(model)) {
      const hint = "one sweep per model in a file: put the other one in a copy of the spec";
      checker.report(diagnostic("NN4079", at, { model }, { hint }));
    }
    swept.add(model);
    const sweep = checker.check(trains.find((t) => t.model === model));
    append(diagnostics, checker.diagnostics);
    if (sweep) sweeps.push(sweep);
  }
  return { value: sweeps, diagnostics };
}

/** The figures a train block's history has: its loss and metrics, and each with `val_` when it validates. */
export function historyFigures(train: IrTrain): string[] {
  const names = figureNames(train.outputs, train.metrics);
  const validates = train.validationSplit > 0 || train.validation != null;
  return validates ? [...names, ...names.map((f) => `val_${f}`)] : names;
}

class SweepChecker {
  readonly diagnostics: Diagnostic[] = [];
  private failed = false;
  private readonly file: string;

  constructor(
    private readonly source: ast.SourceFile,
    private readonly decl: ast.SweepDecl,
  ) {
    this.file = source.path;
  }

  report(d: Diagnostic): undefined {
    this.diagnostics.push(d);
    if (d.severity === "error") this.failed = true;
    return undefined;
  }

  private invalid(span: ast.Span, key: string, problem: string, hint?: string): undefined {
    return this.report(diagnostic("NN4072", { file: this.file, span }, { key, problem }, hint ? { hint } : {}));
  }

  check(train: IrTrain | undefined): IrSweep | undefined {
    const { decl, file } = this;
    const entries = this.entries();
    const fields: Partial<Record<SweepKey["field"], unknown>> = {};
    for (const key of sweepKeys) {
      const entry = entries.get(key.name);
      const value =
        entry === undefined || entry.value.recovered ? undefined : this.value(entry.value, key, fields, train);
      fields[key.field] = value ?? (entry ? undefined : key.default);
    }
    const budgets = decl.asserts.flatMap((stmt) => this.budget(stmt) ?? []);
    if (this.failed || sweepKeys.some((k) => fields[k.field] === undefined)) return undefined;
    const model = decl.model.text;
    return {
      model,
      name: `${model}-sweep`,
      ...(fields as Pick<IrSweep, SweepKey["field"]>),
      budgets,
      location: { file, span: decl.span },
    };
  }

  /** The entries by key: unknown and repeated keys reported, missing required ones too. */
  private entries(): Map<string, ast.TrainEntry> {
    const { decl, file } = this;
    // `objectve:` is the one error about the objective: its NN4070 says which key it likely is.
    const misspelled = new Set<string>();
    return collectEntries(decl, sweepKeys, {
      unknown: (entry, names) => {
        const key = entry.key.text;
        const likely = closest(key, names);
        if (likely) misspelled.add(likely);
        this.report(diagnostic("NN4070", { file, span: entry.key.span }, { key }, { hint: didYouMean(key, names) }));
      },
      repeated: (entry) => this.invalid(entry.key.span, entry.key.text, "is set more than once"),
      missing: (key) => {
        if (!misspelled.has(key))
          this.report(diagnostic("NN4071", { file, span: decl.model.span }, { key, model: decl.model.text }));
      },
    });
  }

  private value(
    value: ast.Value,
    key: SweepKey,
    before: Partial<Record<SweepKey["field"], unknown>>,
    train: IrTrain | undefined,
  ): unknown {
    switch (key.value.kind) {
      case "space": {
        const sampler = (before.sampler as IrSampler | undefined)?.kind;
        const { params, diagnostics } = checkSpace(value, this.source, sampler);
        diagnostics.forEach((d) => this.report(d));
        return params satisfies IrSweepParam[] | undefined;
      }
      case "objective":
        return this.objective(value, train);
      case "call": {
        const call = this.call(value, key.name, key.value.what, key.value.table);
        return call && (key.field === "sampler" ? this.sampler(call, value as ast.Call) : pruner(call));
      }
      case "integer":
        return this.integer(value, key.name, key.value.minimum);
    }
  }

  /** `minimize(val_loss)`: the figure must be one the train block's history has. */
  private objective(value: ast.Value, train: IrTrain | undefined): IrSweep["objective"] | undefined {
    const problem = "must be minimize(FIGURE) or maximize(FIGURE), such as minimize(val_loss)";
    if (value.kind !== "call" || !(directions as readonly string[]).includes(value.callee.text)) {
      const hint = value.kind === "call" ? didYouMean(value.callee.text, directions) : undefined;
      return this.invalid(value.span, "objective", problem, hint);
    }
    const arg = value.args?.length === 1 && value.args[0]!.name === null ? value.args[0]!.value : undefined;
    const metric =
      arg?.kind === "string" ? arg.value : arg?.kind === "call" && arg.args === null ? arg.callee.text : undefined;
    if (arg === undefined || metric === undefined) return this.invalid(value.span, "objective", problem);
    const direction = value.callee.text as (typeof directions)[number];
    if (train) {
      const available = historyFigures(train);
      if (!available.includes(metric)) {
        const hint =
          metric.startsWith("val_") && available.includes(metric.slice(4))
            ? `set validation_split or validation in train ${train.model} to get val_ figures`
            : didYouMean(metric, available);
        const args = { metric, model: train.model, available: available.join(", ") };
        return this.report(diagnostic("NN4078", { file: this.file, span: arg.span }, args, hint ? { hint } : {}));
      }
    }
    return { metric, direction };
  }

  /** A call (or bare name) of `table`, with its arguments checked. */
  private call(
    value: ast.Value,
    key: string,
    what: string,
    table: Readonly<Record<string, Callable>>,
  ): { name: string; args: Record<string, unknown> } | undefined {
    const known = Object.keys(table);
    if (value.kind !== "call") return this.invalid(value.span, key, `must be a ${what} such as ${known.at(-1)}`);
    const name = value.callee.text;
    if (!Object.hasOwn(table, name)) {
      const args = { what, name, known: known.join(", ") };
      const hint = didYouMean(name, known);
      return this.report(
        diagnostic("NN4004", { file: this.file, span: value.callee.span }, args, hint ? { hint } : {}),
      );
    }
    const checked = checkTableCall(table[name]!, name, value, this.file);
    checked.diagnostics.forEach((d) => this.report(d));
    return checked.value ?? undefined;
  }

  private sampler(call: { name: string; args: Record<string, unknown> }, value: ast.Call): IrSampler | undefined {
    if (call.name === "grid") return { kind: "grid" };
    const trials = call.args["trials"] as number;
    const max = limits.sweepTrials.value;
    if (trials > max) {
      const span = argumentSpan(value, "trials", ["trials"], 0) ?? value.span;
      const what = `${groupThousands(trials)} trials`;
      return this.report(diagnostic("NN4077", { file: this.file, span }, { what, limit: groupThousands(max) }));
    }
    if (call.name === "random") return { kind: "random", trials };
    return { kind: "tpe", trials, startup: call.args["startup"] as number };
  }

  private integer(value: ast.Value, key: string, minimum: number): number | undefined {
    const evaluated = evaluate(value, emptyScope, this.file, new Map());
    evaluated.diagnostics.forEach((d) => this.report(d));
    const n = evaluated.value;
    if (n === undefined) return undefined;
    if (typeof n !== "number" || !Number.isInteger(n) || n < minimum) {
      const what = minimum === 1 ? "a positive integer" : "a non-negative integer";
      return this.invalid(value.span, key, `must be ${what}, got ${JSON.stringify(n)}`);
    }
    if (key === "parallel" && n > limits.sweepParallel.value) {
      const what = `parallel ${n}`;
      return this.report(
        diagnostic(
          "NN4077",
          { file: this.file, span: value.span },
          { what, limit: String(limits.sweepParallel.value) },
        ),
      );
    }
    return n;
  }

  /** `assert params < 1_000_000`: a comparison of a figure of the model, which every configuration must meet. */
  private budget(stmt: ast.AssertStmt): IrBudget | undefined {
    if (stmt.recovered || stmt.subject.recovered) return undefined;
    const subject = stmt.subject.text;
    const at = { file: this.file, span: stmt.subject.span };
    if (stmt.test.kind === "shape" || !(figures as readonly string[]).includes(subject)) {
      const hint =
        stmt.test.kind === "shape"
          ? "a sweep's budgets compare a figure of the model: params, trainable_params, non_trainable_params or macs"
          : didYouMean(subject, figures);
      return this.report(diagnostic("NN2022", at, { name: subject, word: stmt.word }, hint ? { hint } : {}));
    }
    const value = expectedNumber(stmt.test.value, this.file, this.diagnostics);
    if (value === undefined) {
      this.failed = true;
      return undefined;
    }
    return { subject: subject as Figure, op: stmt.test.op, value, location: { file: this.file, span: stmt.span } };
  }
}

function pruner(call: { name: string; args: Record<string, unknown> }): IrPruner {
  const a = call.args as Record<string, number>;
  if (call.name === "median") return { kind: "median", warmupEpochs: a["warmup"]!, minTrials: a["min_trials"]! };
  if (call.name === "asha") return { kind: "asha", minEpochs: a["min_epochs"]!, reduction: a["reduction"]! };
  return { kind: "none" };
}
