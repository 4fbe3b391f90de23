/**
 * Check: the statements of a model (and of every block it calls) -> a checked graph of layers.
 *
 * Statements run in order against an environment of tensor values, keyed by the symbols the binder resolved
 * every name to (bind/): what a name means was decided there, and its problems reported there; here each
 * body's name diagnostics are passed on, with the call sites of the block instantiation that reached them.
 * A layer call's arguments are checked against its registry entry's schema, and its shape rule gives the
 * output shape. Anything wrong is a diagnostic; the result is then an unknown tensor, which later layers
 * accept silently so that one mistake gives one error.
 */
import { bodyBinding, type ModelDef, type Namespace } from "../bind/index.js";
import { diagnostic, hasErrors, uniqueDiagnostics, type Diagnostic } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import { groupThousands } from "../base/numbers.js";
import type { IrInput, IrModel, Shape } from "../ir/index.js";
import type * as ast from "../syntax/ast.js";
import { evaluate } from "./argument-values.js";
import { checkAssertions, type PendingAssertion } from "./assertions.js";
import { CallChecker, type CalledModel } from "./calls.js";
import { inputTensor } from "./input-statement.js";
import { unknownTensor, type Env, type Tensor } from "./environment.js";
import { modelParamValues, modelScope } from "./model-params.js";
import { expansionError } from "./expansion.js";
import { LayerNames, writtenLayerNames } from "./layer-call.js";
import { ModelGraph } from "./model-graph.js";
import { splitOutputs } from "./outputs.js";
import { outputNameProblems } from "./tensor-names.js";
import { defaultCheckLimits, ParameterBudget, StatementBudget, type CheckLimits } from "./model-limits.js";

/** Models whose check is under way: a model that calls itself is NN2030, not a check without end. */
const beingChecked = new Set<ast.ModelDecl>();
/** Called models' checks, by declaration and namespace. */
const calledModels = new WeakMap<ast.ModelDecl, WeakMap<Namespace, CalledModel>>();

/** Builds one model's graph; each model gets a fresh builder. */
export class ModelChecker extends CallChecker {
  private readonly inputs: IrInput[] = [];
  /** Inputs written, valid or not: an invalid one is still not a missing one. */
  private declaredInputs = 0;
  private readonly assertions: PendingAssertion[] = [];
  /** The checks of called models that came back to a model under way, for this check's calls only. */
  private readonly calledHere = new Map<ast.ModelDecl, WeakMap<Namespace, CalledModel>>();
  /** Models under check that this one's calls came back to (see `calledModel`). */
  private readonly callsBack = new Set<ast.ModelDecl>();
  /** The statements run, against `limits.statementsRun` (NN3014). */
  private readonly budget = new StatementBudget<Env>();

  constructor(
    private readonly decl: ast.ModelDecl,
    private readonly file: string,
    private readonly namespace: Namespace,
    /** Blocks whose bodies ran, shared by the models of a file, so uncalled ones are checked on their own. */
    instantiated: Set<ast.BlockDecl> = new Set(),
    limits: CheckLimits = defaultCheckLimits,
  ) {
    const names = new LayerNames(writtenLayerNames(decl.body, namespace));
    super(new ModelGraph(names, new ParameterBudget(limits.parameters)), instantiated, limits);
  }

  check(): CalledModel & { diagnostics: Diagnostic[] } {
    beingChecked.add(this.decl);
    try {
      const checked = this.checkBody();
      // A call of itself was reported at that call: its callers are not in a cycle with it for that.
      this.callsBack.delete(this.decl);
      return { ...checked, callsBack: this.callsBack };
    } finally {
      beingChecked.delete(this.decl);
    }
  }

  /**
   * A model called like a block, checked once per declaration and namespace; null (NN2030 at the call) when it
   * would recurse: its check is under way, or it calls this model back. Whichever model of a cycle is checked
   * first, its call into the cycle is the error (the called model's own report is in a check nobody shows).
   */
  protected calledModel(def: ModelDef): CalledModel | null {
    if (beingChecked.has(def.decl)) {
      this.callsBack.add(def.decl);
      return null;
    }
    let checked = calledModels.get(def.decl)?.get(def.namespace) ?? this.calledHere.get(def.decl)?.get(def.namespace);
    if (!checked) {
      checked = new ModelChecker(def.decl, def.file, def.namespace, new Set(), this.limits).check();
      // A check that came back to a model under way depends on which models those are: it is kept for the
      // calls of this check only (so a model called twice is still checked once), not for every later one.
      const cache = checked.callsBack.size === 0 ? calledModels : this.calledHere;
      let byNamespace = cache.get(def.decl);
      if (!byNamespace) cache.set(def.decl, (byNamespace = new WeakMap()));
      byNamespace.set(def.namespace, checked);
    }
    for (const decl of checked.callsBack) if (decl !== this.decl) this.callsBack.add(decl);
    return checked.callsBack.has(this.decl) ? null : checked;
  }

  private checkBody(): { model: IrModel; diagnostics: Diagnostic[] } {
    // A model too large to expand is not expanded at all: that one error is all it gets.
    // Parameters without a value leave every use of them unknown: their own errors are all the model gets.
    const params = modelParamValues(this.decl, this.file);
    const scope = modelScope(params.value ?? {});
    const tooLarge = !params.value
      ? undefined
      : expansionError(this.decl, this.file, this.namespace, this.limits.expandedLayers, scope);
    if (tooLarge || !params.value) {
      const location = { file: this.file, span: this.decl.name.span };
      return {
        model: { name: this.decl.name.text, inputs: [], layers: [], outputs: [], location },
        diagnostics: tooLarge ? [tooLarge] : [...params.diagnostics],
      };
    }
    const binding = bodyBinding(this.decl, this.file, this.namespace);
    const env: Env = {
      file: this.file,
      binding,
      tensors: new Map(),
      shared: new Map(),
      scope,
      values: params.value,
      where: "model",
      callStack: [],
      current: null,
      returned: null,
    };
    this.pushAll(env, binding.diagnostics);
    let outputs: Tensor[] | null = null;
    let outputNames: string[] | null = null;
    for (const stmt of this.decl.body) {
      if (stmt.kind === "output") {
        outputs = this.outputs(stmt, env);
        outputNames = stmt.names.map((name) => name.text);
        this.diagnostics.push(
          ...outputNameProblems(
            stmt,
            outputs.map((t) => t.shape),
            this.file,
          ),
        );
      } else this.statement(stmt, env);
    }
    if (this.declaredInputs === 0 && !this.decl.recovered) {
      this.report(
        env,
        "NN2016",
        this.decl.name.span,
        { name: this.decl.name.text },
        {
          hint: "declare one first, e.g. input x: [28, 28, 1]",
        },
      );
    }
    const results = outputs ?? (env.current ? [env.current] : []);
    const model: IrModel = {
      name: this.decl.name.text,
      inputs: this.inputs,
      layers: this.graph.layers,
      outputs: results.flatMap((t) => (t.ref ? [t.ref] : [])),
      ...(outputNames ? { outputNames } : {}),
      tensors: Object.fromEntries([...env.tensors].flatMap(([symbol, t]) => (t.ref ? [[symbol.name, t.ref]] : []))),
      ...(this.weightLoads.length > 0 ? { loads: this.weightLoads } : {}),
      location: { file: this.file, span: this.decl.name.span },
    };
    const tooManyParameters = this.graph.parameters.check(model);
    if (tooManyParameters) this.diagnostics.push(tooManyParameters);
    const complete = !this.diagnostics.some((d) => d.severity === "error");
    for (const d of checkAssertions(this.assertions, model, this.file, complete)) this.diagnostics.push(d);
    // The same problem in a block called several times is reported once, with its first call site.
    return { model, diagnostics: uniqueDiagnostics(this.diagnostics) };
  }

  protected statement(stmt: ast.Statement, env: Env): void {
    if (stmt.recovered || this.budget.exhausted) return;
    if (!this.budget.spend()) return this.tooManyStatements(stmt, env);
    switch (stmt.kind) {
      case "input":
        return this.input(stmt, env);
      case "chainStmt":
        env.current = this.oneTensor(this.chain(stmt.chain, env), env);
        return;
      case "assign": {
        const { tensors, problem } = splitOutputs(this.chain(stmt.chain, env), stmt.targets, env.file);
        if (problem) this.pushAll(env, [problem]);
        env.binding.assignment(stmt).forEach((bound, i) => bound && env.tensors.set(bound.symbol, tensors[i]!));
        // After `_, h = ...`, a bare call applies to the first output bound to a name (the first, when none is).
        const named = stmt.targets.findIndex((target) => target.text !== "_");
        env.current = tensors[Math.max(named, 0)]!;
        return;
      }
      case "layer":
        return this.declareShared(stmt, env);
      case "repeat":
        return this.repeat(stmt, env);
      case "return":
        // Out of place in a model: the binder said so.
        if (env.where === "block") env.returned = this.oneTensor(this.chain(stmt.value, env), env);
        return;
      case "output":
        return;
      case "assert":
        if (env.where !== "model") return;
        this.assertions.push({ stmt, shape: this.subjectShape(stmt, env), inScope: env.binding.subject(stmt).inScope });
        return;
    }
  }

  /** The shape of the tensor an assertion's subject names: undefined when it names none, null when unknown. */
  private subjectShape(stmt: ast.AssertStmt, env: Env): Shape | null | undefined {
    const tensor = env.binding.subject(stmt).tensor;
    return tensor ? (env.tensors.get(tensor.symbol)?.shape ?? null) : undefined;
  }

  private input(stmt: ast.InputStmt, env: Env): void {
    // Out of place or a duplicate: the binder reported it.
    const bound = env.binding.input(stmt);
    if (!bound) return;
    const name = stmt.name.text;
    // Declared again by a repeat around it: a duplicate that only running the statements finds.
    if (env.tensors.has(bound.symbol) && env.tensors.get(bound.symbol)!.declaredBy === stmt) {
      this.report(env, "NN2008", stmt.name.span, { what: "tensor", name });
      return;
    }
    this.declaredInputs++;
    const { tensor, input, diagnostics } = inputTensor(stmt, env);
    this.pushAll(env, diagnostics);
    if (input) this.inputs.push(input);
    this.graph.names.reserve(name);
    env.tensors.set(bound.symbol, tensor);
    env.current = this.declaredInputs === 1 ? tensor : null;
  }

  private repeat(stmt: ast.RepeatStmt, env: Env): void {
    const { value, diagnostics } = evaluate(stmt.count, env.scope, env.file, new Map());
    this.pushAll(env, diagnostics);
    if (value === undefined) return;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      this.report(env, "NN2019", stmt.count.span, { problem: "repeat needs a positive whole number of times" });
      return;
    }
    this.budget.repeat(stmt.count.span, value, env, () => {
      for (const inner of stmt.body) this.statement(inner, env);
    });
  }

  /**
   * The statement budget is spent: checking stops, with one error at what multiplied the work (of the repeats
   * running, the one that runs most times, the outermost of equals; else the outermost block call), or at the
   * statement when neither did.
   */
  private tooManyStatements(stmt: ast.Statement, env: Env): void {
    const limit = groupThousands(limits.statementsRun.value);
    const repeat = this.budget.culprit();
    if (repeat) return this.report(repeat.where, "NN3014", repeat.count, { what: "this repeat", limit });
    const call = env.callStack[0];
    const what = call ? `this call of block '${call.block}'` : "this statement";
    this.diagnostics.push(diagnostic("NN3014", call?.site ?? { file: env.file, span: stmt.span }, { what, limit }));
  }

  private outputs(stmt: ast.OutputStmt, env: Env): Tensor[] {
    return stmt.names.map((name) => this.valueOf(env.binding.output(name), env));
  }

  /** `x -> a() -> b()`: the first step may name a tensor; every step after it is applied to the previous one. */
  private chain(chain: ast.Chain, env: Env): Tensor {
    if (chain.recovered || chain.steps.length === 0) return unknownTensor;
    let result: Tensor | null = null;
    for (const step of chain.steps) {
      if (step.recovered) return unknownTensor;
      const meaning = env.binding.step(step);
      if (meaning.kind === "tensor") {
        // A tensor after the first step is not a layer call: the binder reported it.
        if (result !== null) return unknownTensor;
        result = this.valueOf(meaning.binding, env);
        continue;
      }
      if (result !== null) result = this.oneTensor(result, env);
      result = this.call(step, meaning, result, env);
    }
    return result ?? unknownTensor;
  }
}
