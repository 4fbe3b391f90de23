/**
 * Where every tensor, block, block parameter and model is defined and used in one document, from its syntax
 * tree and the blocks in scope. Hover, definition, references and rename read this index.
 *
 * A tensor name may be rebound (`h = h -> relu()`): every binding and use of one name in one body is one
 * symbol (renamed together), and each use also knows the binding it reads, the latest one above it.
 */
import type * as ast from "../compiler/syntax/ast.js";
import type { Location } from "../compiler/diagnostics/index.js";
import type { Namespace } from "../compiler/bind/workspace.js";

export type SymbolKind = "tensor" | "block" | "param" | "model";

export interface SymbolInfo {
  readonly kind: SymbolKind;
  readonly name: string;
  /** Unique per symbol: the body a tensor lives in, the file a block is defined in. */
  readonly key: string;
  /** Where it is defined; null for a name nothing defines (a typo). */
  definition: Location | null;
}

export interface Occurrence {
  readonly span: ast.Span;
  readonly symbol: SymbolInfo;
  readonly isDefinition: boolean;
  /** For a tensor: the binding this occurrence is or reads. */
  readonly binding?: Binding;
}

/** One binding of a tensor name: an input, a block input, or an assignment. */
export interface Binding {
  readonly name: ast.Ident;
  readonly input?: ast.InputStmt;
  readonly chain?: ast.Chain;
  /** The block a block input belongs to. */
  readonly blockInput?: ast.BlockDecl;
}

export class SymbolIndex {
  readonly occurrences: Occurrence[] = [];

  /** The occurrence under an offset; an offset just after a name counts (the cursor after `dense|`). */
  at(offset: number): Occurrence | undefined {
    return this.occurrences.find((o) => o.span.start <= offset && offset <= o.span.end);
  }

  referencesOf(symbol: SymbolInfo): Occurrence[] {
    return this.occurrences.filter((o) => o.symbol.key === symbol.key);
  }

  /** Symbols visible at an offset, for completion: tensors bound above it in the same body. */
  tensorsBefore(offset: number): Binding[] {
    const body = this.bodies.find((b) => b.span.start <= offset && offset <= b.span.end);
    if (!body) return [];
    const latest = new Map<string, Binding>();
    for (const o of this.occurrences) {
      if (o.binding && o.isDefinition && o.symbol.key.startsWith(`${body.key}/`) && o.span.end <= offset) {
        latest.set(o.symbol.name, o.binding);
      }
    }
    return [...latest.values()];
  }

  readonly bodies: { span: ast.Span; key: string }[] = [];
}

interface Scope {
  readonly key: string;
  readonly tensors: Map<string, Binding>;
  readonly symbols: Map<string, SymbolInfo>;
  readonly params: Map<string, SymbolInfo>;
}

export function buildIndex(source: ast.SourceFile, namespace: Namespace): SymbolIndex {
  const index = new SymbolIndex();
  const file = source.path;
  const blocks = new Map<string, SymbolInfo>();
  const models = new Map<string, SymbolInfo>();

  const blockSymbol = (name: string): SymbolInfo | undefined => {
    const def = namespace.get(name);
    if (!def) return undefined;
    const key = `block:${def.file}:${name}`;
    let symbol = blocks.get(key);
    if (!symbol) {
      symbol = { kind: "block", name, key, definition: { file: def.file, span: def.decl.name.span } };
      blocks.set(key, symbol);
    }
    return symbol;
  };
  const add = (span: ast.Span, symbol: SymbolInfo, isDefinition: boolean, binding?: Binding): void => {
    index.occurrences.push({ span, symbol, isDefinition, ...(binding ? { binding } : {}) });
  };

  const tensorSymbol = (scope: Scope, name: ast.Ident): SymbolInfo => {
    let symbol = scope.symbols.get(name.text);
    if (!symbol) {
      symbol = { kind: "tensor", name: name.text, key: `${scope.key}/${name.text}`, definition: null };
      scope.symbols.set(name.text, symbol);
    }
    return symbol;
  };
  const bind = (scope: Scope, binding: Binding) => {
    const symbol = tensorSymbol(scope, binding.name);
    symbol.definition ??= { file, span: binding.name.span };
    scope.tensors.set(binding.name.text, binding);
    add(binding.name.span, symbol, true, binding);
  };
  const useTensor = (scope: Scope, name: ast.Ident): boolean => {
    const binding = scope.tensors.get(name.text);
    if (!binding) return false;
    add(name.span, tensorSymbol(scope, name), false, binding);
    return true;
  };

  const value = (scope: Scope, v: ast.Value): void => {
    switch (v.kind) {
      case "call":
        return call(scope, v, false);
      case "list":
        return v.items.forEach((item) => value(scope, item));
      case "binary":
        value(scope, v.left);
        return value(scope, v.right);
      case "negate":
        return value(scope, v.operand);
      default:
        return;
    }
  };
  const call = (scope: Scope, c: ast.Call, inChain: boolean): void => {
    if (c.args === null) {
      if (useTensor(scope, c.callee)) return;
      const param = scope.params.get(c.callee.text);
      if (param && !inChain) return add(c.callee.span, param, false);
    }
    const block = blockSymbol(c.callee.text);
    if (block) add(c.callee.span, block, false);
    for (const arg of c.args ?? []) value(scope, arg.value);
  };
  const chain = (scope: Scope, ch: ast.Chain) => ch.steps.forEach((step) => call(scope, step, true));
  const statements = (scope: Scope, body: readonly ast.Statement[]): void => {
    for (const stmt of body) {
      switch (stmt.kind) {
        case "input":
          stmt.shape.items.forEach((item) => value(scope, item));
          bind(scope, { name: stmt.name, input: stmt });
          break;
        case "assign":
          chain(scope, stmt.chain);
          bind(scope, { name: stmt.target, chain: stmt.chain });
          break;
        case "chainStmt":
          chain(scope, stmt.chain);
          break;
        case "return":
          chain(scope, stmt.value);
          break;
        case "output":
          for (const name of stmt.names) useTensor(scope, name);
          break;
        case "repeat":
          value(scope, stmt.count);
          statements(scope, stmt.body);
          break;
      }
    }
  };
  const newScope = (key: string, span: ast.Span): Scope => {
    index.bodies.push({ span, key });
    return { key, tensors: new Map(), symbols: new Map(), params: new Map() };
  };

  for (const decl of source.declarations) {
    if (decl.kind === "model") {
      const symbol: SymbolInfo = { kind: "model", name: decl.name.text, key: `model:${decl.name.text}`, definition: { file, span: decl.name.span } };
      models.set(decl.name.text, symbol);
      add(decl.name.span, symbol, true);
    }
  }
  for (const decl of source.declarations) {
    switch (decl.kind) {
      case "model":
        statements(newScope(`model:${decl.span.start}`, decl.span), decl.body);
        break;
      case "block": {
        const scope = newScope(`block:${decl.span.start}`, decl.span);
        const own = blockSymbol(decl.name.text);
        if (own && own.definition?.file === file && own.definition.span.start === decl.name.span.start) add(decl.name.span, own, true);
        for (const param of decl.params) {
          const symbol: SymbolInfo = { kind: "param", name: param.name.text, key: `${scope.key}:param:${param.name.text}`, definition: { file, span: param.name.span } };
          scope.params.set(param.name.text, symbol);
          add(param.name.span, symbol, true);
          if (param.defaultValue) value(scope, param.defaultValue);
        }
        for (const input of decl.inputs) bind(scope, { name: input, blockInput: decl });
        statements(scope, decl.body);
        break;
      }
      case "train": {
        const model = models.get(decl.model.text);
        if (model) add(decl.model.span, model, false);
        break;
      }
      case "import":
        for (const name of decl.names) {
          const block = blockSymbol(name.text);
          if (block) add(name.span, block, false);
        }
        break;
    }
  }
  return index;
}
