/**
 * The calls of a body: layers, blocks, and shared layers and block instances (`layer NAME = CALL` and its
 * uses). check-model.ts runs a model's statements over this; a block's body runs here, statement by statement,
 * through the same `statement` method.
 */
import {
  bodyBinding,
  type BlockDef,
  type CallMeaning,
  type ModelDef,
  type NamedTensors,
  type TensorBinding,
} from "../bind/index.js";
import { modelInputCount } from "../bind/model-calls.js";
import type { IrModel, IrWeightLoad } from "../ir/index.js";
import { diagnostic, type Diagnostic, type DiagnosticExtras } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import type { LayerKind } from "../registry/layers/index.js";
import type * as ast from "../syntax/ast.js";
import { checkArguments, type ArgValues, type Callable } from "./args.js";
import { blockCallable } from "./blocks.js";
import { unknownTensor, withCallSites, type Env, type Tensor } from "./environment.js";
import type { ModelGraph } from "./model-graph.js";
import { namedTensorInputs } from "./tensor-arguments.js";
import { oneTensor } from "./outputs.js";
import type { SharedInstance } from "./shared-layers.js";
import { blockDepthError, type CheckLimits } from "./model-limits.js";
import { applyModel, modelCallable, type ModelMeaning } from "./model-calls.js";

/** What a step that is not a tensor means. */
export type CallMeaningOfCall = Exclude<CallMeaning, { kind: "tensor" }>;

/** Checks calls into one model's graph; `ModelChecker` gives it the statements. */
export abstract class CallChecker {
  protected readonly diagnostics: Diagnostic[] = [];
  /** A chain of block calls went past `limits.blockDepth` (reported once). */
  protected tooDeep = false;
  /** Blocks whose name diagnostics were passed on. */
  protected readonly boundBodies = new Set<ast.BlockDecl>();
  /** Layer and block calls expanded so far: the count checked before expanding bounds it; this makes sure. */
  protected expandedCalls = 0;
  /** Weights the model's layers load from trained runs (model calls with `weights:`). */
  protected readonly weightLoads: IrWeightLoad[] = [];
  /** Argument checks by call and by the values in scope there (see `checkedArguments`). */
  protected readonly argumentChecks = new WeakMap<ast.Call, Map<string, ArgValues | null>>();
  /** Each `env.values` object's key in `argumentChecks`, worked out once. */
  private readonly valuesKeys = new WeakMap<object, string>();

  constructor(
    protected readonly graph: ModelGraph,
    /** Blocks whose bodies ran, shared by the models of a file, so uncalled ones are checked on their own. */
    protected readonly instantiated: Set<ast.BlockDecl>,
    protected readonly limits: CheckLimits,
  ) {}

  /** Runs one statement of a body (a model's or, for a block call, the block's). */
  protected abstract statement(stmt: ast.Statement, env: Env): void;

  /** The value a tensor binding holds now; unknown when the binder found no binding (and said so). */
  protected valueOf(binding: TensorBinding | undefined, env: Env): Tensor {
    return (binding && env.tensors.get(binding.symbol)) ?? unknownTensor;
  }

  /**
   * A call in a chain. Its inputs are the previous step's result (if any) followed by leading positional
   * arguments that name tensors (`add(a, b)`); a call with neither applies to the current tensor.
   */
  protected call(call: ast.Call, meaning: CallMeaningOfCall, previous: Tensor | null, env: Env): Tensor {
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
    if (meaning.kind === "model") return this.applyModel(meaning, call, inputs, source, env);
    if (meaning.kind === "shared") return this.applyShared(env.shared.get(meaning.shared.symbol), call, inputs, env);
    return this.layer(meaning.layer, call, inputs, source, env, named);
  }

  /**
   * The IR of a model called like a block, checked on its own; null when checking it would recurse (it calls
   * itself, directly or through another model).
   */
  protected abstract calledModel(model: ModelDef): CalledModel | null;

  /** `x -> Base(weights: ..., until: ...)`: the called model's layers, copied into this graph (model-calls.ts). */
  private applyModel(
    meaning: ModelMeaning,
    call: ast.Call,
    inputs: Tensor[],
    source: ArgumentSourceOf,
    env: Env,
  ): Tensor {
    const { decl } = meaning.model;
    const count = modelInputCount(meaning.model);
    const arityOk = this.arity(count, count, inputs, call, env);
    const args = this.checkedArguments(modelCallable(decl.name.text), call, source, env);
    if (!arityOk || !args) return unknownTensor;
    const checked = this.calledModel(meaning.model);
    if (!checked) {
      this.report(env, "NN2030", call.callee.span, { name: decl.name.text });
      return unknownTensor;
    }
    // Another file's problems are shown with this call; this file's are reported where its models are checked.
    const errors = checked.diagnostics.filter((d) => d.severity === "error");
    if (meaning.model.file !== env.file) {
      const note = { file: env.file, span: call.span, message: `in this call of model '${decl.name.text}'` };
      this.pushAll(
        env,
        errors.map((d) => ({ ...d, related: [...(d.related ?? []), note] })),
      );
    }
    if (errors.length > 0) return unknownTensor;
    const report = (d: Diagnostic) => this.pushAll(env, [d]);
    const loads = this.weightLoads;
    return applyModel({ graph: this.graph, env, call, meaning, inputs, args, called: checked.model, loads, report });
  }

  /** The result where one tensor is expected (NN3016 for several). */
  protected oneTensor(result: Tensor, env: Env): Tensor {
    const { tensor, problem } = oneTensor(result, env.file);
    if (problem) this.pushAll(env, [problem]);
    return tensor;
  }

  /** `layer NAME = CALL`: checks the call's arguments once; each use then applies the one instance. */
  protected declareShared(stmt: ast.LayerStmt, env: Env): void {
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
   * times with the same arguments, a repeat) is not checked again, and its problems, reported the first time,
   * are not repeated (they would be the same problems at the same place): a call with thousands of bad
   * arguments in a block called thousands of times would otherwise take minutes.
   */
  private checkedArguments(callable: Callable, call: ast.Call, source: ArgumentSourceOf, env: Env): ArgValues | null {
    let byValues = this.argumentChecks.get(call);
    if (!byValues) this.argumentChecks.set(call, (byValues = new Map()));
    let key = this.valuesKeys.get(env.values);
    if (key === undefined) this.valuesKeys.set(env.values, (key = valuesKey(env.values)));
    const known = byValues.get(key);
    if (known !== undefined) return known;
    const checked = checkArguments(callable, source, env.scope, env.file);
    this.pushAll(env, checked.diagnostics);
    byValues.set(key, checked.value);
    return checked.value;
  }

  protected pushAll(env: Env, diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.diagnostics.push(withCallSites(d, env));
  }

  protected report<C extends Parameters<typeof diagnostic>[0]>(
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

/**
 * Values as text, equal for equal values only: JSON, with strings marked apart from the numbers JSON cannot
 * write (-0, infinities, NaN), which it would write as `0` and `null`.
 */
function valuesKey(values: object): string {
  return JSON.stringify(values, (_, value: unknown) =>
    typeof value === "string"
      ? `s${value}`
      : typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))
        ? `n${value === 0 ? "-0" : String(value)}`
        : value,
  );
}

/**
 * A called model's check: its IR, its diagnostics, and the models whose check was under way when it called
 * them (directly or through the models it calls): each of those calls it back, in a cycle.
 */
export interface CalledModel {
  readonly model: IrModel;
  readonly diagnostics: readonly Diagnostic[];
  readonly callsBack: ReadonlySet<ast.ModelDecl>;
}
