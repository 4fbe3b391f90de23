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
import {
  bodyBinding,
  type BlockDef,
  type CallMeaning,
  type NamedTensors,
  type Namespace,
  type TensorBinding,
} from "../bind/index.js";
import { diagnostic, uniqueDiagnostics, type Diagnostic, type DiagnosticExtras } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import { groupThousands } from "../base/numbers.js";
import type { IrInput, IrModel, Shape } from "../ir/index.js";
import type { LayerKind } from "../registry/layers/index.js";
import type * as ast from "../syntax/ast.js";
import { evaluate } from "./argument-values.js";
import { checkArguments, type ArgValues, type Callable } from "./args.js";
import { checkAssertions, type PendingAssertion } from "./assertions.js";
import { blockCallable } from "./blocks.js";
import { inputTensor } from "./input-statement.js";
import { noValues, unknownTensor, withCallSites, type Env, type Tensor } from "./environment.js";
import { expansionError } from "./expansion.js";
import { LayerNames, writtenLayerNames } from "./layer-call.js";
import { ModelGraph } from "./model-graph.js";
import { namedTensorInputs } from "./tensor-arguments.js";
import { oneTensor, splitOutputs } from "./outputs.js";
import type { SharedInstance } from "./shared-layers.js";
import {
  blockDepthError,
  defaultCheckLimits,
  ParameterBudget,
  StatementBudget,
  type CheckLimits,
} from "./model-limits.js";

/** What a step that is not a tensor means. */
type CallMeaningOfCall = Exclude<CallMeaning, { kind: "tensor" }>;

/** Builds one model's graph; each model gets a fresh builder. */
export class ModelChecker {
  private readonly inputs: IrInput[] = [];
  /** Inputs written, valid or not: an invalid one is still not a missing one. */
  private declaredInputs = 0;
  private readonly graph: ModelGraph;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly assertions: PendingAssertion[] = [];
  /** The statements run, against `limits.statementsRun` (NN3014). */
  private readonly budget = new StatementBudget<Env>();
  /** A chain of block calls went past `limits.blockDepth` (reported once). */
  private tooDeep = false;
  /** Blocks whose name diagnostics were passed on. */
  private readonly boundBodies = new Set<ast.BlockDecl>();
  /** Layer and block calls expanded so far: the count checked before expanding bounds it; this makes sure. */
  private expandedCalls = 0;
  /** Argument checks by call and by the values in scope there (see `checkedArguments`). */
  private readonly argumentChecks = new WeakMap<ast.Call, WeakMap<object, ArgValues | null>>();

  constructor(
    private readonly decl: ast.ModelDecl,
    private readonly file: string,
    private readonly namespace: Namespace,
    /** Blocks whose bodies ran, shared by the models of a file, so uncalled ones are checked on their own. */
    private readonly instantiated: Set<ast.BlockDecl> = new Set(),
    private readonly limits: CheckLimits = defaultCheckLimits,
  ) {
    const names = new LayerNames(writtenLayerNames(decl.body, namespace));
    this.graph = new ModelGraph(names, new ParameterBudget(limits.parameters));
  }

  check(): { model: IrModel; diagnostics: Diagnostic[] } {
    // A model too large to expand is not expanded at all: that one error is all it gets.
    const tooLarge = expansionError(this.decl, this.file, this.namespace, this.limits.expandedLayers);
    if (tooLarge) {
      const location = { file: this.file, span: this.decl.name.span };
      return {
        model: { name: this.decl.name.text, inputs: [], layers: [], outputs: [], location },
        diagnostics: [tooLarge],
      };
    }
    const binding = bodyBinding(this.decl, this.file, this.namespace);
    const env: Env = {
      file: this.file,
      binding,
      tensors: new Map(),
      shared: new Map(),
      scope: { lookup: () => undefined },
      values: noValues,
      where: "model",
      callStack: [],
      current: null,
      returned: null,
    };
    this.pushAll(env, binding.diagnostics);
    let outputs: Tensor[] | null = null;
    for (const stmt of this.decl.body) {
      if (stmt.kind === "output") outputs = this.outputs(stmt, env);
      else this.statement(stmt, env);
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
      location: { file: this.file, span: this.decl.name.span },
    };
    const tooManyParameters = this.graph.parameters.check(model);
    if (tooManyParameters) this.diagnostics.push(tooManyParameters);
    const complete = !this.diagnostics.some((d) => d.severity === "error");
    for (const d of checkAssertions(this.assertions, model, this.file, complete)) this.diagnostics.push(d);
    // The same problem in a block called several times is reported once, with its first call site.
    return { model, diagnostics: uniqueDiagnostics(this.diagnostics) };
  }

  private statement(stmt: ast.Statement, env: Env): void {
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

  /** The value a tensor binding holds now; unknown when the binder found no binding (and said so). */
  private valueOf(binding: TensorBinding | undefined, env: Env): Tensor {
    return (binding && env.tensors.get(binding.symbol)) ?? unknownTensor;
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

  /**
   * A call in a chain. Its inputs are the previous step's result (if any) followed by leading positional
   * arguments that name tensors (`add(a, b)`); a call with neither applies to the current tensor.
   */
  private call(call: ast.Call, meaning: CallMeaningOfCall, previous: Tensor | null, env: Env): Tensor {
    // The count before expanding (expansion.ts) bounds the calls, so this is never reached; were that count
    // wrong, a model still could not expand without end.
    if (++this.expandedCalls > this.limits.expandedLayers) return unknownTensor;
    // An unknown name, a call with no input, a failed import: reported by the binder or at the import.
    if (meaning.kind === "unresolved") return unknownTensor;
    const tensorArgs = meaning.tensorArgs.map((b) => this.valueOf(b, env));
    let inputs: Tensor[];
    if (previous) inputs = [previous, ...tensorArgs];
    else if (tensorArgs.length > 0) inputs = tensorArgs;
    else if (env.current) inputs = [env.current];
    // The binder counted on a repeat whose count was wrong, and which therefore did not run, to leave one.
    else return unknownTensor;
    const named = meaning.kind === "layer" ? meaning.namedTensors : [];
    const written = call.args ?? [];
    const source = {
      args: named.length === 0 ? written : written.filter((arg) => !named.some((n) => n.arg === arg)),
      skip: tensorArgs.length,
      calleeSpan: call.callee.span,
      calleeText: call.callee.text,
      unknownNamesReported: true,
    };
    if (meaning.kind === "block") return this.instantiate(meaning.block, call, inputs, source, env);
    if (meaning.kind === "shared") return this.applyShared(env.shared.get(meaning.shared.symbol), call, inputs, env);
    return this.layer(meaning.layer, call, inputs, source, env, named);
  }

  /** The result where one tensor is expected (NN3016 for several). */
  private oneTensor(result: Tensor, env: Env): Tensor {
    const { tensor, problem } = oneTensor(result, env.file);
    if (problem) this.pushAll(env, [problem]);
    return tensor;
  }

  /** `layer NAME = CALL`: checks the call's arguments once; each use then applies the one instance. */
  private declareShared(stmt: ast.LayerStmt, env: Env): void {
    const binding = env.binding.layerStmt(stmt);
    if (!binding?.makes) return;
    const { call } = stmt;
    const source = {
      args: call.args ?? [],
      skip: 0,
      calleeSpan: call.callee.span,
      calleeText: call.callee.text,
      unknownNamesReported: true,
    };
    const { makes } = binding;
    const block = makes.kind === "block" ? blockCallable(makes.block) : undefined;
    if (block) this.pushAll(env, block.diagnostics);
    const callable = makes.kind === "layer" ? makes.layer : block!.value;
    const args = this.checkedArguments(callable, call, source, env);
    env.shared.set(binding.symbol, { binding, args, owners: null });
  }

  /** A use of a shared layer or block instance: its weights are made at the first use and shared after it. */
  private applyShared(instance: SharedInstance | undefined, call: ast.Call, inputs: Tensor[], env: Env): Tensor {
    if (!instance?.args || !instance.binding.makes) return unknownTensor;
    const { makes } = instance.binding;
    if (makes.kind === "block") {
      const { decl } = makes.block;
      if (!this.arity(decl.inputs.length, decl.inputs.length, inputs, call, env)) return unknownTensor;
      if (!this.mayEnter(decl, call, env)) return unknownTensor;
      const args = instance.args;
      return this.graph.sharing.applyBlockInstance(instance, () => this.runBlock(makes.block, call, inputs, args, env));
    }
    const kind = makes.layer;
    if (!this.arity(kind.inputs?.min ?? 1, kind.inputs ? kind.inputs.max : 1, inputs, call, env)) return unknownTensor;
    if (inputs.some((t) => t.shape === null || t.ref === null)) return unknownTensor;
    const report = (d: Diagnostic) => this.pushAll(env, [d]);
    const { tensor, owner } = this.graph.addNode(
      kind,
      call,
      inputs,
      instance.args,
      0,
      env,
      instance.owners?.[0],
      report,
    );
    if (owner !== undefined && instance.owners === null) instance.owners = [owner];
    return tensor;
  }

  private arity(min: number, max: number | undefined, inputs: Tensor[], call: ast.Call, env: Env): boolean {
    if (inputs.length >= min && (max === undefined || inputs.length <= max)) return true;
    const expected = max === undefined ? `at least ${min}` : min === max ? String(min) : `${min} to ${max}`;
    // `x -> multi_head_attention(num_heads: 2, ...)`: Keras's self-attention passes x twice.
    const callee = call.callee.text;
    const hint =
      inputs.length === 1 && min > 1
        ? `pass the other inputs as its first arguments: x -> ${callee}(y, ...), or x -> ${callee}(x, ...) with itself`
        : undefined;
    this.report(env, "NN2015", call.span, { callee, expected, got: inputs.length }, { hint });
    return false;
  }

  private layer(
    kind: LayerKind,
    call: ast.Call,
    given: Tensor[],
    source: ArgumentSourceOf,
    env: Env,
    named: readonly NamedTensors[],
  ): Tensor {
    const arityOk = this.arity(kind.inputs?.min ?? 1, kind.inputs ? kind.inputs.max : 1, given, call, env);
    const checked = this.checkedArguments(kind, call, source, env);
    const report = (d: Diagnostic) => this.pushAll(env, [d]);
    const extra = namedTensorInputs(kind, call, named, (b) => this.valueOf(b, env), report, env.file);
    if (!arityOk || !checked || !extra) return unknownTensor;
    const args = { ...checked, ...extra.counts };
    const inputs = [...given, ...extra.tensors];
    if (inputs.some((t) => t.shape === null || t.ref === null)) return unknownTensor;
    return this.graph.addNode(kind, call, inputs, args, source.skip ?? 0, env, undefined, report).tensor;
  }

  /** Runs a block's body with its parameters bound to the call's arguments and its inputs to the tensors. */
  private instantiate(block: BlockDef, call: ast.Call, inputs: Tensor[], source: ArgumentSourceOf, env: Env): Tensor {
    const { decl } = block;
    const arityOk = this.arity(decl.inputs.length, decl.inputs.length, inputs, call, env);
    if (!this.mayEnter(decl, call, env)) return unknownTensor;
    const callable = blockCallable(block);
    this.pushAll(env, callable.diagnostics);
    const values = this.checkedArguments(callable.value, call, source, env);
    if (!arityOk || !values) return unknownTensor;
    return this.runBlock(block, call, inputs, values, env);
  }

  /** False, with NN3015 or NN2012, when running the block here would nest too deep or recurse. */
  private mayEnter(decl: ast.BlockDecl, call: ast.Call, env: Env): boolean {
    if (env.callStack.length >= limits.blockDepth.value) {
      // Once, at the call in the model that starts the chain: its thousand notes would say nothing more.
      if (!this.tooDeep) this.diagnostics.push(blockDepthError(env.callStack[0]!));
      this.tooDeep = true;
      return false;
    }
    // The very block, not its name: two files may each have a block of one name, one calling the other.
    if (env.callStack.some((frame) => frame.decl === decl)) {
      this.report(env, "NN2012", call.callee.span, { name: decl.name.text });
      return false;
    }
    return true;
  }

  /** Runs a block's body with its parameters bound to checked values and its inputs to the tensors. */
  private runBlock(block: BlockDef, call: ast.Call, inputs: Tensor[], values: ArgValues, env: Env): Tensor {
    const { decl } = block;
    this.instantiated.add(decl);
    const binding = bodyBinding(decl, block.file, block.namespace);
    const inner: Env = {
      file: block.file,
      binding,
      tensors: new Map(binding.blockInputs.map((input, i) => [input.symbol, inputs[i]!])),
      shared: new Map(),
      scope: { lookup: (name) => values[name] },
      values,
      where: "block",
      callStack: [...env.callStack, { block: decl.name.text, decl, site: { file: env.file, span: call.span } }],
      current: inputs.length === 1 ? inputs[0]! : null,
      returned: null,
    };
    // The body's name problems, once, with the call sites of its first instantiation.
    if (!this.boundBodies.has(decl)) {
      this.boundBodies.add(decl);
      this.pushAll(inner, binding.diagnostics);
    }
    for (const stmt of decl.body) this.statement(stmt, inner);
    // No return: the binder reported it. A problem with what it returns is about this call.
    if (inner.returned === null) return unknownTensor;
    return { ...inner.returned, producer: call };
  }

  /**
   * A call's checked arguments. A call met again with the same values in scope (a block instantiated many
   * times, a repeat) is not checked again, and its problems, reported the first time, are not repeated: a call
   * with thousands of bad arguments in a block called thousands of times would otherwise take minutes.
   */
  private checkedArguments(callable: Callable, call: ast.Call, source: ArgumentSourceOf, env: Env): ArgValues | null {
    let byValues = this.argumentChecks.get(call);
    if (!byValues) this.argumentChecks.set(call, (byValues = new WeakMap()));
    const known = byValues.get(env.values);
    if (known !== undefined) return known;
    const checked = checkArguments(callable, source, env.scope, env.file);
    this.pushAll(env, checked.diagnostics);
    byValues.set(env.values, checked.value);
    return checked.value;
  }

  private pushAll(env: Env, diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.diagnostics.push(withCallSites(d, env));
  }

  private report<C extends Parameters<typeof diagnostic>[0]>(
    env: Env,
    code: C,
    span: ast.Span,
    args: Parameters<typeof diagnostic<C>>[2],
    extras: DiagnosticExtras = {},
  ): void {
    this.diagnostics.push(withCallSites(diagnostic(code, { file: env.file, span }, args, extras), env));
  }
}

type ArgumentSourceOf = Parameters<typeof checkArguments>[1];
