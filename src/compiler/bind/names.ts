/**
 * The part of binding a body that is about calls and the names they bind: a shared layer's declaration and uses
 * (`layer embed = dense(64)`, then `x -> embed`), an assignment's names (`seq, h, c = ...`, `_` for none),
 * arguments that take tensor names (`initial_state: [h, c]`), and the argument names a callee does not take.
 * body.ts reads the statements over this.
 */
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { suggestion } from "../diagnostics/suggest.js";
import { layerNames, lookupLayer, type LayerKind } from "../registry/index.js";
import type * as ast from "../syntax/ast.js";
import { BodyScope } from "./scope.js";
import type { CallMeaning, NamedTensors, NameSymbol, SharedLayerBinding, TensorBinding } from "./symbols.js";
import { foreignLayers } from "../registry/foreign-names.js";

/** A call the binder could not resolve (and said so), or did not reach. */
export const unresolved: CallMeaning = { kind: "unresolved" };

export abstract class NameBinder extends BodyScope {
  protected readonly diagnostics: Diagnostic[] = [];
  protected readonly layerStmts = new Map<ast.LayerStmt, SharedLayerBinding>();
  /** Whether a call without input tensors has one to apply to: the last statement's result, or the only input. */
  protected hasCurrent = false;

  /** An assignment's name: a tensor bound from here on; nothing for `_`, and NN2008 for a shared layer's name. */
  protected bindTarget(target: ast.Ident, chain: ast.Chain): TensorBinding | undefined {
    if (target.text === "_") return undefined;
    if (this.sharedLayers.has(target.text)) {
      this.report("NN2008", target.span, { what: "layer", name: target.text });
      return undefined;
    }
    return this.bindTensor(target, { chain });
  }

  /**
   * `layer NAME = CALL`: the call names a layer kind or a block and gives its arguments, but no tensors: it
   * makes the layer without applying it (NN2027 for a tensor among its arguments).
   */
  protected layerStmt(stmt: ast.LayerStmt): void {
    const { name, call } = stmt;
    if (stmt.extra.length > 0) return this.chainedDeclaration(stmt);
    const taken = this.scope.has(name.text) ? "tensor" : this.sharedLayers.has(name.text) ? "layer" : undefined;
    if (taken) this.report("NN2008", name.span, { what: taken, name: name.text });
    // A problem with the declaration is the one thing said about it: its uses are not checked.
    let misused = false;
    const misuse = (at: ast.Ident | ast.Arg, what: string, problem: string): void => {
      this.report("NN2027", at.span, { name: what, problem });
      misused = true;
    };
    if (name.text === "_") misuse(name, "_", "drops a value: a shared layer needs a name its uses can read");
    const aliased = this.sharedLayers.get(call.callee.text);
    if (aliased) {
      this.occurrences.push({ span: call.callee.span, symbol: aliased.symbol, isDefinition: false });
      const problem = `is a shared layer already: use it by its name, \`x -> ${call.callee.text}\`; a declaration makes a new layer from a layer kind or a block`;
      misuse(call.callee, call.callee.text, problem);
    }
    const block = aliased ? undefined : this.namespace.get(call.callee.text);
    const layer = block || aliased ? undefined : lookupLayer(call.callee.text);
    if (block) this.useBlock(call.callee, block);
    for (const arg of call.args ?? []) {
      const value = arg.value;
      const ident = value.kind === "call" && value.args === null ? value.callee : undefined;
      const tensor = ident ? this.scope.get(ident.text) : undefined;
      if (arg.name && layer?.tensorArgs?.includes(arg.name.text)) {
        // Keras passes these when it calls the layer, and a use of a shared layer passes only its inputs.
        const problem = `takes tensors, which a shared layer cannot be given: call ${call.callee.text}(...) where it is used instead of declaring it`;
        misuse(arg, arg.name.text, problem);
        this.namedTensors(arg);
        continue;
      }
      if (!ident || !tensor || arg.name) {
        this.value(value);
        continue;
      }
      this.use(ident, tensor);
      const several = (block ? block.decl.inputs.length : (layer?.inputs?.min ?? 1)) > 1;
      const use = several ? `${name.text}(..., ${ident.text})` : `${ident.text} -> ${name.text}`;
      const problem = `is a tensor: a layer declaration makes the layer without applying it; apply it where it is used, \`y = ${use}\``;
      misuse(ident, ident.text, problem);
    }
    let makes: SharedLayerBinding["makes"] = null;
    if (block) {
      this.argumentNames(
        call,
        block.decl.params.map((p) => p.name.text),
      );
      makes = { kind: "block", block };
    } else if (layer) {
      this.layerArgumentNames(call, layer);
      makes = { kind: "layer", layer };
    } else if (!aliased && this.namespace.models?.has(call.callee.text)) {
      const problem = `is a model: a layer declaration makes a layer kind or a block; call the model where it is used, \`x -> ${call.callee.text}(...)\``;
      misuse(call.callee, call.callee.text, problem);
    } else if (!aliased && !this.namespace.has(call.callee.text)) {
      const candidates = append(layerNames(), [...this.namespace.keys()]);
      const text = call.callee.text;
      this.report(
        "NN2001",
        call.callee.span,
        { name: text },
        suggestion(text, candidates, call.callee.span, foreignLayers),
      );
    }
    this.declare(stmt, misused ? null : makes, !taken);
  }

  /** The shared layer's symbol, in scope below unless its name was taken (NN2008). */
  private declare(stmt: ast.LayerStmt, makes: SharedLayerBinding["makes"], inScope: boolean): void {
    const { name } = stmt;
    const symbol: NameSymbol = {
      kind: "layer",
      name: name.text,
      key: `${this.key}/layer@${name.span.start}`,
      definition: { file: this.file, span: name.span },
    };
    const binding: SharedLayerBinding = { name, symbol, stmt, makes };
    this.layerStmts.set(stmt, binding);
    this.occurrences.push({ span: name.span, symbol, isDefinition: true });
    if (inScope) this.sharedLayers.set(name.text, binding);
  }

  /** `layer d = x -> dense(3)`: one error, with what to write; the names in it stay the editor's. */
  private chainedDeclaration(stmt: ast.LayerStmt): void {
    const steps = [stmt.call, ...stmt.extra];
    this.recoveredSteps(steps);
    const span = { start: stmt.call.span.start, end: stmt.extra.at(-1)!.span.end };
    const last = stmt.extra.at(-1)!.callee.text;
    const problem = `takes one call, not a chain: declare \`layer ${stmt.name.text} = ${last}(...)\` and apply it where it is used, \`y = x -> ${stmt.name.text}\``;
    this.report("NN2027", span, { name: stmt.name.text, problem });
    const taken = this.scope.has(stmt.name.text) || this.sharedLayers.has(stmt.name.text);
    this.declare(stmt, null, !taken);
  }

  /** A use of a shared layer: `x -> embed`, `embed(x)`, `merge(a, b)` for one declared on two inputs. */
  protected sharedCall(
    call: ast.Call,
    shared: SharedLayerBinding,
    tensorArgs: TensorBinding[],
    hasPrevious: boolean,
  ): CallMeaning {
    this.occurrences.push({ span: call.callee.span, symbol: shared.symbol, isDefinition: false });
    const rest = (call.args ?? []).slice(tensorArgs.length);
    for (const arg of rest) this.value(arg.value);
    const name = call.callee.text;
    if (rest.length > 0) {
      const problem = `is a shared layer: its arguments are given where it is declared; pass only tensors here, as in \`${name}(x)\``;
      this.report("NN2027", rest[0]!.span, { name, problem });
      return unresolved;
    }
    if (!hasPrevious && tensorArgs.length === 0 && !this.hasCurrent) {
      this.report("NN2017", call.callee.span, { callee: name }, { hint: `start the chain at a tensor: x -> ${name}` });
      return unresolved;
    }
    return shared.makes ? { kind: "shared", shared, tensorArgs } : unresolved;
  }

  /**
   * `initial_state: [h, c]` or `attention_mask: m`: each name must be a tensor bound above. A value of another
   * kind is left to the checker, which says what the argument takes.
   */
  protected namedTensors(arg: ast.Arg): NamedTensors {
    const name = arg.name!.text;
    const items = arg.value.kind === "list" ? arg.value.items : [arg.value];
    const names = items.flatMap((item) => (item.kind === "call" && item.args === null ? [item.callee] : []));
    if (names.length !== items.length) {
      for (const item of items) this.value(item);
      return { arg, name, tensors: null };
    }
    const tensors: TensorBinding[] = [];
    for (const ident of names) {
      const bound = this.scope.get(ident.text);
      if (!bound) {
        this.report("NN2002", ident.span, { name: ident.text }, suggestion(ident.text, this.scope.keys(), ident.span));
        return { arg, name, tensors: null };
      }
      this.use(ident, bound);
      tensors.push(bound);
    }
    return { arg, name, tensors };
  }

  /**
   * `add(a, c)` where `c` is not defined: when the callee still needs input tensors, a bare name in the next
   * positional slot is a misspelled tensor, not an argument value.
   */
  protected missingTensorArgument(arg: ast.Arg | undefined, stillWanted: number): ast.Ident | undefined {
    if (stillWanted <= 0 || !arg || arg.name || arg.value.kind !== "call" || arg.value.args !== null) return undefined;
    const name = arg.value.callee;
    return this.params.has(name.text) ? undefined : name;
  }

  /** NN2003 for each argument name a layer kind does not take: its schema's and its tensor arguments. */
  protected layerArgumentNames(call: ast.Call, layer: LayerKind): void {
    const known = Object.keys((layer.schema["properties"] as object | undefined) ?? {});
    this.argumentNames(call, append(known, layer.tensorArgs ?? []));
  }

  /** NN2003 for each argument name the callee does not take; `hintFor` may know better than the closest name. */
  protected argumentNames(
    call: ast.Call,
    known: readonly string[],
    hintFor: (name: string) => string | undefined = () => undefined,
  ): void {
    for (const arg of call.args ?? []) {
      if (!arg.name || arg.recovered || known.includes(arg.name.text)) continue;
      const { text, span } = arg.name;
      const hint = hintFor(text);
      this.report(
        "NN2003",
        span,
        { name: text, callee: call.callee.text },
        hint ? { hint } : suggestion(text, known, span),
      );
    }
  }

  protected report<
    C extends
      | "NN2001"
      | "NN2002"
      | "NN2003"
      | "NN2008"
      | "NN2017"
      | "NN2018"
      | "NN2020"
      | "NN2021"
      | "NN2026"
      | "NN2027"
      | "NN2028"
      | "NN2043",
  >(
    code: C,
    span: ast.Span,
    args: Parameters<typeof diagnostic<C>>[2],
    extras: Parameters<typeof diagnostic>[3] = {},
  ): void {
    this.diagnostics.push(diagnostic(code, { file: this.file, span }, args, extras));
  }
}
