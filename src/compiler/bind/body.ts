/**
 * Binds one body, a model's or a block's, whether any model calls it or not: statements are read in order,
 * and each name is resolved against the tensors bound above it, the block's parameters, the blocks in scope
 * and the layer registry. The name diagnostics are reported here, once per body: an unknown layer or tensor
 * (NN2001, NN2002), an unknown argument name of a layer or block call (NN2003), a duplicate input (NN2008),
 * a call with no tensor to apply to (NN2017), a tensor used as a layer (NN2018), a block without `return`
 * (NN2020), a statement out of place (NN2021) and a name whose meaning a repeat changes (NN2026). One problem per call: a chain stops at its first step that
 * went wrong, and a call with no input or a misspelled input tensor gets nothing else said about it.
 */
import { append } from "../base/arrays.js";
import type { Diagnostic } from "../diagnostics/index.js";
import { suggestion } from "../diagnostics/suggest.js";
import { layerNames, lookupLayer, type LayerKind } from "../registry/index.js";
import type * as ast from "../syntax/ast.js";
import type {
  CallMeaning,
  NameSymbol,
  Occurrence,
  SharedLayerBinding,
  SubjectMeaning,
  TensorBinding,
} from "./symbols.js";
import { modelCall, modelCallArguments, modelInputCount, modelParameterHint } from "./model-calls.js";
import { NameBinder, unresolved } from "./names.js";
import { modelSymbol } from "./scope.js";
import type { RepeatFrame } from "./scope.js";
import type { Namespace } from "./workspace.js";
import { foreignLayers } from "../registry/foreign-names.js";
import { argumentSymbols, boundNames, namesInArguments } from "./param-clashes.js";

export type BodyDecl = ast.ModelDecl | ast.BlockDecl;

/** The hint for reading `_`. */
const dropped = "`_` drops the output bound to it: bind that output to a name to read it";

/** What one body's names mean. Lookups take the very syntax nodes of the body. */
export interface BodyBinding {
  readonly decl: BodyDecl;
  readonly file: string;
  /** Unique in its file: the prefix of its tensors' and parameters' symbol keys. */
  readonly key: string;
  /** The name diagnostics of the body, in the order found. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every tensor, parameter and block name written in the body, in text order. */
  readonly occurrences: readonly Occurrence[];
  /** The parameters of a block, in order (none for a model). */
  readonly params: readonly NameSymbol[];
  /** A block's inputs, in order (none for a model). */
  readonly blockInputs: readonly TensorBinding[];
  /** What a chain step means; `unresolved` for a step the binder did not reach (after one that went wrong). */
  step(call: ast.Call): CallMeaning;
  /** The binding an input declares; undefined for one that is out of place or a duplicate (reported). */
  input(stmt: ast.InputStmt): TensorBinding | undefined;
  /** The binding an assignment makes for each of its names; undefined for `_` and a name that cannot be bound. */
  assignment(stmt: ast.Assignment): readonly (TensorBinding | undefined)[];
  /** The shared layer a `layer NAME = CALL` statement declares; undefined for a recovered one. */
  layerStmt(stmt: ast.LayerStmt): SharedLayerBinding | undefined;
  /** The tensor an `output` name means; undefined when none is bound above (reported). */
  output(name: ast.Ident): TensorBinding | undefined;
  /** What the subject of an `assert` or `expect` means. */
  subject(stmt: ast.AssertStmt): SubjectMeaning;
  /** The latest binding of each tensor name bound above an offset, for completion. */
  tensorsBefore(offset: number): TensorBinding[];
}

/** Binds a body. `namespace` is the blocks in scope in `file`. */
export function bindBody(decl: BodyDecl, file: string, namespace: Namespace): BodyBinding {
  return new BodyBinder(decl, file, namespace).bind();
}

class BodyBinder extends NameBinder {
  private readonly where: "model" | "block";
  private readonly steps = new Map<ast.Call, CallMeaning>();
  private readonly inputs = new Map<ast.InputStmt, TensorBinding>();
  private readonly assignments = new Map<ast.Assignment, (TensorBinding | undefined)[]>();
  private readonly outputs = new Map<ast.Ident, TensorBinding>();
  private readonly subjects = new Map<ast.AssertStmt, SubjectMeaning>();
  private readonly blockInputs: TensorBinding[] = [];
  /** Inputs declared so far. */
  private declaredInputs = 0;
  private returned = false;
  /** The model's first `output` statement. */
  private listedOutputs: ast.OutputStmt | undefined;
  /** Names reported with NN2026, once each. */
  private readonly changesMeaning = new Set<ast.Ident>();
  /** Parameters reported with NN2043: the steps that mention them are not checked. */
  private readonly clashing = new Set<string>();

  constructor(
    private readonly decl: BodyDecl,
    file: string,
    namespace: Namespace,
  ) {
    super(file, namespace, `${decl.kind}:${decl.span.start}`);
    this.where = decl.kind;
    this.hasCurrent = decl.kind === "block" && decl.inputs.length === 1;
  }

  bind(): BodyBinding {
    const { decl } = this;
    for (const param of decl.params) {
      if (this.params.has(param.name.text)) {
        this.report("NN2008", param.name.span, { what: "parameter", name: param.name.text });
        continue;
      }
      // A model's default may use the parameters before it (check/model-params.ts): each such name is a use.
      if (decl.kind === "model" && param.defaultValue) this.value(param.defaultValue);
      const symbol: NameSymbol = {
        kind: "param",
        name: param.name.text,
        key: `${this.key}:param:${param.name.text}`,
        definition: { file: this.file, span: param.name.span },
      };
      this.params.set(param.name.text, symbol);
      this.occurrences.push({ span: param.name.span, symbol, isDefinition: true });
    }
    const tensors = boundNames(decl);
    for (const param of this.params.values()) {
      const tensor = tensors.get(param.name);
      const hint = `rename the parameter or the tensor: in the ${decl.kind}, '${param.name}' cannot mean both`;
      if (tensor) this.clash(param, `a tensor of the ${decl.kind}`, tensor.span, "the tensor", hint);
    }
    if (decl.kind === "block") {
      for (const input of decl.inputs) {
        if (this.scope.has(input.text)) this.report("NN2008", input.span, { what: "tensor", name: input.text });
        this.blockInputs.push(this.bindTensor(input, { blockInput: decl }));
      }
    }
    this.statements(decl.body, true);
    if (decl.kind === "block" && !this.returned && !decl.recovered) {
      this.report("NN2020", decl.name.span, { name: decl.name.text });
    }
    return this.result();
  }

  /** `[q, v]`, Keras's list of a merge's inputs, when every item names a tensor bound above: their names. */
  private listedTensors(arg: ast.Arg | undefined): string[] | undefined {
    if (!arg || arg.name || arg.value.kind !== "list" || arg.value.items.length === 0) return undefined;
    const names = arg.value.items.map((item) => (item.kind === "call" && item.args === null ? item.callee.text : ""));
    return names.every((n) => this.scope.has(n)) ? names : undefined;
  }

  private result(): BodyBinding {
    const { steps, inputs, assignments, layerStmts, outputs, subjects, bindings } = this;
    return {
      decl: this.decl,
      file: this.file,
      key: this.key,
      diagnostics: this.diagnostics,
      occurrences: this.occurrences,
      params: [...this.params.values()],
      blockInputs: this.blockInputs,
      step: (call) => steps.get(call) ?? unresolved,
      input: (stmt) => inputs.get(stmt),
      assignment: (stmt) => assignments.get(stmt) ?? [],
      layerStmt: (stmt) => layerStmts.get(stmt),
      output: (name) => outputs.get(name),
      subject: (stmt) => subjects.get(stmt) ?? { tensor: undefined, inScope: () => [] },
      tensorsBefore: (offset) => {
        const latest = new Map<string, TensorBinding>();
        for (const b of bindings) if (b.name.span.end <= offset) latest.set(b.name.text, b);
        return [...latest.values()];
      },
    };
  }

  /** `top`: the body's own statements, where a model's `output` is read (inside a repeat it is out of place). */
  private statements(body: readonly ast.Statement[], top: boolean): void {
    for (const stmt of body) {
      // The checker reads a model's top-level `output` even when recovery cut it short.
      if (top && stmt.kind === "output" && this.where === "model") {
        for (const name of stmt.names) this.output(name);
        // A second `output` would silently replace the first.
        if (this.listedOutputs && !stmt.recovered) {
          const span = { start: stmt.span.start, end: stmt.span.start + "output".length };
          const related = [{ file: this.file, span: this.listedOutputs.span, message: "the outputs listed first" }];
          const names = [...this.listedOutputs.names, ...stmt.names].map((n) => n.text).join(", ");
          this.report("NN2028", span, {}, { related, hint: `list them all in one: output ${names}` });
        }
        this.listedOutputs ??= stmt;
        continue;
      }
      if (stmt.recovered) {
        this.recoveredStatement(stmt);
        continue;
      }
      switch (stmt.kind) {
        case "input":
          this.input(stmt);
          break;
        case "chainStmt":
          this.chain(stmt.chain);
          this.hasCurrent = true;
          break;
        case "assign": {
          this.chain(stmt.chain);
          this.assignments.set(
            stmt,
            stmt.targets.map((target, i) => {
              // `a, a = ...` would keep the last output silently: a slip, not a wish.
              const again = stmt.targets.slice(0, i).some((earlier) => earlier.text === target.text);
              if (!again || target.text === "_") return this.bindTarget(target, stmt.chain);
              this.report("NN2008", target.span, { what: "tensor", name: target.text });
              return undefined;
            }),
          );
          this.hasCurrent = true;
          break;
        }
        case "layer":
          this.layerStmt(stmt);
          break;
        case "repeat":
          this.value(stmt.count);
          this.repeatBody(stmt.body);
          break;
        case "return":
          if (this.where !== "block") this.misplaced(stmt, "return");
          else {
            this.returned = true;
            this.chain(stmt.value);
          }
          break;
        case "output":
          this.misplaced(stmt, "output");
          break;
        case "assert":
          if (this.where !== "model") this.misplaced(stmt, stmt.word);
          else this.assertion(stmt);
          break;
      }
    }
  }

  /**
   * A repeat runs its body as if written out again, so a name read above its binding in the body means one
   * thing the first time round and the tensor every time after: NN2026, rather than a model that silently
   * reads each name as it did the first time.
   */
  private repeatBody(body: readonly ast.Statement[]): void {
    const frame: RepeatFrame = { bound: new Set<string>(), read: [] };
    this.repeats.push(frame);
    this.statements(body, false);
    this.repeats.pop();
    for (const { name, first } of frame.read) {
      if (!frame.bound.has(name.text) || this.changesMeaning.has(name)) continue;
      this.changesMeaning.add(name);
      const hint = `bind the tensor under another name, or bind '${name.text}' before the repeat`;
      this.report("NN2026", name.span, { name: name.text, first }, { hint });
    }
  }

  /** Read in every repeat around it: a binding of the name later in one of them changes what it means. */
  private readInRepeats(name: ast.Ident, first: string): void {
    for (const frame of this.repeats) frame.read.push({ name, first });
  }

  private misplaced(stmt: ast.Statement, statement: string): void {
    const span = { start: stmt.span.start, end: stmt.span.start + statement.length };
    this.report("NN2021", span, { statement, where: this.where });
  }

  private input(stmt: ast.InputStmt): void {
    if (this.where !== "model") return this.misplaced(stmt, "input");
    const existing = this.scope.get(stmt.name.text);
    if (existing) {
      this.use(stmt.name, existing, true);
      this.report("NN2008", stmt.name.span, { what: "tensor", name: stmt.name.text });
      return;
    }
    this.declaredInputs++;
    this.inputs.set(stmt, this.bindTensor(stmt.name, { input: stmt }));
    this.hasCurrent = this.declaredInputs === 1;
  }

  private output(name: ast.Ident): void {
    const binding = this.scope.get(name.text);
    if (!binding) {
      const hint = name.text === "_" ? { hint: dropped } : suggestion(name.text, this.scope.keys(), name.span);
      this.report("NN2002", name.span, { name: name.text }, hint);
      return;
    }
    this.use(name, binding);
    this.outputs.set(name, binding);
  }

  /** A shape's subject is a tensor when one of that name is bound above; a figure's never is. */
  private assertion(stmt: ast.AssertStmt): void {
    const tensor = this.scope.get(stmt.subject.text);
    if (tensor && stmt.test.kind === "shape") this.use(stmt.subject, tensor);
    if (!tensor && stmt.test.kind === "shape")
      this.readInRepeats(stmt.subject, `the layer named '${stmt.subject.text}'`);
    const names = this.scopeNames;
    const count = names.length;
    this.subjects.set(stmt, { tensor, inScope: () => names.slice(0, count) });
  }

  /** `x -> a() -> b()`: the first step may name a tensor; every step after it is a call. */
  private chain(chain: ast.Chain): void {
    if (chain.recovered) return this.recoveredSteps(chain.steps);
    for (const [i, step] of chain.steps.entries()) {
      if (step.recovered || this.mentionsClash(step)) return this.recoveredSteps(chain.steps.slice(i));
      const bound = step.args === null ? this.scope.get(step.callee.text) : undefined;
      if (bound) {
        this.use(step.callee, bound);
        if (i === 0) {
          this.steps.set(step, { kind: "tensor", binding: bound });
          continue;
        }
        const text = step.callee.text;
        this.report("NN2018", step.span, { text }, { hint: `'${text}' is a tensor` });
        return this.recoveredSteps(chain.steps.slice(i + 1));
      }
      const meaning = this.call(step, i > 0);
      this.steps.set(step, meaning);
      if (step.args === null && (meaning.kind === "layer" || meaning.kind === "block")) {
        this.readInRepeats(step.callee, `the ${meaning.kind} '${step.callee.text}'`);
      }
    }
  }

  /**
   * A call in a chain. Its inputs are the previous step's result (if any) followed by leading positional
   * arguments that name tensors (`add(a, b)`); a call with neither applies to the current tensor.
   */
  private call(call: ast.Call, hasPrevious: boolean): CallMeaning {
    const args = call.args ?? [];
    const tensorArgs: TensorBinding[] = [];
    for (const arg of args) {
      if (arg.name || arg.value.kind !== "call" || arg.value.args !== null) break;
      const bound = this.scope.get(arg.value.callee.text);
      if (!bound) break;
      this.use(arg.value.callee, bound);
      tensorArgs.push(bound);
    }
    const name = call.callee.text;
    const shared = this.sharedLayers.get(name);
    if (shared) return this.sharedCall(call, shared, tensorArgs, hasPrevious);
    const block = this.namespace.get(name);
    const model = block || this.namespace.has(name) ? undefined : this.namespace.models?.get(name);
    const layer = block || model ? undefined : lookupLayer(name);
    const wanted = block ? block.decl.inputs.length : model ? modelInputCount(model) : (layer?.inputs?.min ?? 1);
    const given = hasPrevious || (tensorArgs.length === 0 && this.hasCurrent) ? 1 : 0;
    const missing = this.missingTensorArgument(args[tensorArgs.length], wanted - tensorArgs.length - given);
    if (block) this.useBlock(call.callee, block);
    const takesTensors = (arg: ast.Arg): boolean =>
      !block && !!arg.name && !!layer?.tensorArgs?.includes(arg.name.text);
    for (const arg of args.slice(tensorArgs.length)) if (!takesTensors(arg)) this.value(arg.value);
    const namedTensors = args.filter(takesTensors).map((arg) => this.namedTensors(arg));
    if (missing) {
      this.report(
        "NN2002",
        missing.span,
        { name: missing.text },
        suggestion(missing.text, this.scope.keys(), missing.span),
      );
      return unresolved;
    }
    // Nothing to apply the call to: the one thing said about this call.
    if (!hasPrevious && tensorArgs.length === 0 && !this.hasCurrent) {
      const listed = this.listedTensors(args[0]);
      const hint = listed
        ? `pass the tensors without brackets: ${name}(${listed.join(", ")})`
        : `start the chain at a tensor: x -> ${name}(...)`;
      this.report("NN2017", call.callee.span, { callee: name }, { hint });
      return unresolved;
    }
    if (block) {
      this.argumentNames(
        call,
        block.decl.params.map((p) => p.name.text),
      );
      return { kind: "block", block, tensorArgs };
    }
    if (model) {
      // A model of this file is its own symbol here (hover, definition, rename with its declaration); an
      // imported one is not, as rename does not reach across files for models.
      if (model.file === this.file)
        this.occurrences.push({ span: call.callee.span, symbol: modelSymbol(model), isDefinition: false });
      this.argumentNames(call, modelCallArguments, (arg) => modelParameterHint(model, arg, this.file));
      return modelCall(call, model, tensorArgs, this.file, (d) => this.diagnostics.push(d));
    }
    // A name whose import failed was reported at the import.
    if (this.namespace.has(name)) return unresolved;
    if (layer) {
      this.layerArgumentNames(call, layer);
      if (this.shadowsSymbol(call, layer)) return unresolved;
      return { kind: "layer", layer, tensorArgs, namedTensors };
    }
    if (name === "_" && call.args === null) {
      this.report("NN2002", call.callee.span, { name }, { hint: dropped });
      return unresolved;
    }
    // A bare name at the head of a chain (`imag -> flatten()`) was most likely meant as a tensor.
    if (call.args === null && !hasPrevious && this.scope.size > 0) {
      const tensorHint = suggestion(name, this.scope.keys(), call.callee.span);
      if (tensorHint.hint) {
        this.report("NN2002", call.callee.span, { name }, tensorHint);
        return unresolved;
      }
    }
    const candidates = append(layerNames(), [...this.namespace.keys()]);
    this.report("NN2001", call.callee.span, { name }, suggestion(name, candidates, call.callee.span, foreignLayers));
    return unresolved;
  }

  /** NN2043, once per parameter, at the parameter; `where` is the other name's place. */
  private clash(param: NameSymbol, what: string, where: ast.Span, role: string, hint: string): void {
    if (this.clashing.has(param.name)) return;
    this.clashing.add(param.name);
    const related = [{ file: this.file, span: where, message: role }];
    this.report("NN2043", param.definition.span, { name: param.name, what }, { related, hint });
  }

  private mentionsClash(step: ast.Call): boolean {
    return namesInArguments(step).some((name) => this.clashing.has(name.text));
  }

  /** `activation: relu` in a body with a parameter `relu`: the parameter silently replaces the activation. */
  private shadowsSymbol(call: ast.Call, layer: LayerKind): boolean {
    let shadows = false;
    for (const arg of call.args ?? []) {
      const value = arg.value;
      if (!arg.name || value.kind !== "call" || value.args !== null) continue;
      const param = this.params.get(value.callee.text);
      if (!param || !argumentSymbols(layer, arg.name.text).has(param.name)) continue;
      const what = `the ${arg.name.text} '${param.name}' of '${call.callee.text}'`;
      const hint = `rename the parameter: in the ${this.where}, '${param.name}' means the parameter, not the ${arg.name.text}`;
      this.clash(param, what, value.span, `the ${arg.name.text} it replaces`, hint);
      shadows = true;
    }
    return shadows;
  }
}
