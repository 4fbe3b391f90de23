/**
 * What is in scope in a body as its statements are read, and where each name is written: the tensor bindings
 * so far, the block's parameters, the repeats being read, and every occurrence of every symbol. body.ts reads
 * the statements over this and decides what each name means; a part that recovery cut short is only recorded
 * here, for the editor.
 */
import { append } from "../base/arrays.js";
import type * as ast from "../syntax/ast.js";
import type { NameSymbol, Occurrence, SharedLayerBinding, TensorBinding } from "./symbols.js";
import type { BlockDef, ModelDef, Namespace } from "./workspace.js";

/** A repeat being read: the names its body binds, and the names read in it as a layer, a block or a layer's name. */
export interface RepeatFrame {
  readonly bound: Set<string>;
  readonly read: { readonly name: ast.Ident; readonly first: string }[];
}

export abstract class BodyScope {
  protected readonly occurrences: Occurrence[] = [];
  /** The latest binding of each tensor name, as the statements so far leave them. */
  protected readonly scope = new Map<string, TensorBinding>();
  protected readonly symbols = new Map<string, NameSymbol>();
  protected readonly params = new Map<string, NameSymbol>();
  /** The shared layers declared so far (`layer embed = dense(64)`), by name. */
  protected readonly sharedLayers = new Map<string, SharedLayerBinding>();
  /** Every binding made, in text order, for `tensorsBefore`. */
  protected readonly bindings: TensorBinding[] = [];
  /** The names bound in scope, in the order first bound: the first n of them were in scope at any one point. */
  protected readonly scopeNames: string[] = [];
  /** The repeats whose bodies are being read, innermost last. */
  protected readonly repeats: RepeatFrame[] = [];

  constructor(
    protected readonly file: string,
    protected readonly namespace: Namespace,
    /** Unique in the file: the prefix of the body's symbol keys. */
    protected readonly key: string,
  ) {}

  /** Names inside an argument value: a block's parameters, and blocks named in nested calls. */
  protected value(value: ast.Value): void {
    const pending: ast.Value[] = [value];
    while (pending.length > 0) {
      const v = pending.pop()!;
      switch (v.kind) {
        case "call": {
          const param = v.args === null ? this.params.get(v.callee.text) : undefined;
          if (param) {
            this.occurrences.push({ span: v.callee.span, symbol: param, isDefinition: false });
            break;
          }
          // Any other bare name is a symbol (`activation: relu`), even one spelled like a block.
          for (const arg of v.args ?? []) pending.push(arg.value);
          break;
        }
        case "list":
          append(pending, v.items);
          break;
        case "map":
          append(
            pending,
            v.entries.map((entry) => entry.value),
          );
          break;
        case "binary":
          pending.push(v.left, v.right);
          break;
        case "negate":
          pending.push(v.operand);
          break;
        default:
          break;
      }
    }
  }

  /**
   * A statement recovery cut short is not checked (one typo gives one error), but its names stay the editor's:
   * a half-typed line keeps its place in rename, references, hover and completion. Names are linked to what is
   * in scope; a new name it binds is a symbol, not a tensor the lines below can read.
   */
  protected recoveredStatement(stmt: ast.Statement): void {
    switch (stmt.kind) {
      case "input":
      case "assign": {
        const names = stmt.kind === "input" ? [stmt.name] : stmt.targets;
        if (stmt.kind === "assign") this.recoveredSteps(stmt.chain.steps);
        const how = stmt.kind === "input" ? { input: stmt } : { chain: stmt.chain };
        for (const name of names) {
          const existing = this.scope.get(name.text);
          if (existing) this.use(name, existing, true);
          else if (name.text !== "_" && name.text !== "") this.bindTensor(name, how, false);
        }
        return;
      }
      case "layer":
        return this.recoveredSteps([stmt.call, ...stmt.extra]);
      case "chainStmt":
        return this.recoveredSteps(stmt.chain.steps);
      case "return":
        return this.recoveredSteps(stmt.value.steps);
      case "repeat":
        this.value(stmt.count);
        for (const inner of stmt.body) this.recoveredStatement(inner);
        return;
      case "output":
        for (const name of stmt.names) {
          const bound = this.scope.get(name.text);
          if (bound) this.use(name, bound);
        }
        return;
      case "assert": {
        const bound = stmt.test.kind === "shape" ? this.scope.get(stmt.subject.text) : undefined;
        if (bound) this.use(stmt.subject, bound);
        return;
      }
    }
  }

  /** The names in steps that are not checked: tensors in scope, blocks, and parameters in arguments. */
  protected recoveredSteps(steps: readonly ast.Call[]): void {
    for (const step of steps) {
      const bound = step.args === null ? this.scope.get(step.callee.text) : undefined;
      if (bound) {
        this.use(step.callee, bound);
        continue;
      }
      const shared = this.sharedLayers.get(step.callee.text);
      if (shared) this.occurrences.push({ span: step.callee.span, symbol: shared.symbol, isDefinition: false });
      const block = shared ? undefined : this.namespace.get(step.callee.text);
      if (block) this.useBlock(step.callee, block);
      for (const arg of step.args ?? []) {
        const value = arg.value;
        const tensor = !arg.name && value.kind === "call" && value.args === null && this.scope.get(value.callee.text);
        if (tensor) this.use(value.callee, tensor);
        else this.value(value);
      }
    }
  }

  protected bindTensor(name: ast.Ident, how: Omit<TensorBinding, "name" | "symbol">, inScope = true): TensorBinding {
    let symbol = this.symbols.get(name.text);
    if (!symbol) {
      const definition = { file: this.file, span: name.span };
      symbol = { kind: "tensor", name: name.text, key: `${this.key}/${name.text}`, definition };
      this.symbols.set(name.text, symbol);
    }
    const binding: TensorBinding = { name, symbol, ...how };
    if (inScope) {
      if (!this.scope.has(name.text)) this.scopeNames.push(name.text);
      this.scope.set(name.text, binding);
      for (const frame of this.repeats) frame.bound.add(name.text);
    }
    this.bindings.push(binding);
    this.occurrences.push({ span: name.span, symbol, isDefinition: true, binding });
    return binding;
  }

  protected use(name: ast.Ident, binding: TensorBinding, isDefinition = false): void {
    this.occurrences.push({ span: name.span, symbol: binding.symbol, isDefinition, binding });
  }

  protected useBlock(name: ast.Ident, block: BlockDef): void {
    const symbol = blockSymbol(name.text, block.file, block.decl.name.span);
    this.occurrences.push({ span: name.span, symbol, isDefinition: false });
  }
}

/** The symbol of the block `name` defined in `file`: one key wherever it is named from. */
export function blockSymbol(name: string, file: string, span: ast.Span): NameSymbol {
  return { kind: "block", name, key: `block:${file}:${name}`, definition: { file, span } };
}

/** The symbol of a model, as its own file's binding names it (`model:NAME`), wherever it is called from. */
export function modelSymbol(model: ModelDef): NameSymbol {
  const { name } = model.decl;
  return {
    kind: "model",
    name: name.text,
    key: `model:${name.text}`,
    definition: { file: model.file, span: name.span },
  };
}
