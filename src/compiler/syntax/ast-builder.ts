/**
 * The CST (grammar/parser.ts) -> AST (ast.ts) step of the syntax phase: one method per grammar rule, each
 * returning that rule's node with its span. The problems the parser lets through are reported here, precisely:
 * a missing or doubled comma, a malformed number, an expression with too many terms.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import { tokenSpan } from "./syntax-diagnostics.js";

/** A number as docs/language.md defines it: digits with `_` between them, a fraction, an exponent. */
const validNumber = /^(?:\d(?:_?\d)*(?:\.\d(?:_?\d)*)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?$/;

type Children = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/** The CST visitor: one method per grammar rule, each returning the AST node of that rule. */
export class AstBuilder {
  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly eof: number,
    private readonly diagnostics: Diagnostic[],
  ) {}

  private span(node: CstNode): ast.Span {
    const loc = node.location;
    if (!loc || Number.isNaN(loc.startOffset)) return { start: this.eof, end: this.eof };
    const end = loc.endOffset === undefined || Number.isNaN(loc.endOffset) ? loc.startOffset : loc.endOffset + 1;
    return { start: loc.startOffset, end: Math.max(end, loc.startOffset) };
  }

  private base(node: CstNode): { span: ast.Span; recovered?: true } {
    return node.recoveredNode ? { span: this.span(node), recovered: true } : { span: this.span(node) };
  }

  private tokens(c: Children, name: string): IToken[] {
    return (c[name] ?? []).filter(isToken).filter((t) => !t.isInsertedInRecovery);
  }

  private nodes(c: Children, name: string): CstNode[] {
    return (c[name] ?? []).filter((e): e is CstNode => !isToken(e));
  }

  private ident(token: IToken): ast.Ident {
    return { kind: "ident", text: token.image, span: tokenSpan(token) };
  }

  /** An identifier the parser inserted during recovery: empty, zero-width, and marked. */
  private missingIdent(node: CstNode): ast.Ident {
    const at = this.span(node).end;
    return { kind: "ident", text: "", span: { start: at, end: at }, recovered: true };
  }

  private idents(c: Children, node: CstNode): ast.Ident[] {
    return this.tokens(c, "Identifier").map((t) => this.ident(t));
  }

  private firstIdent(c: Children, node: CstNode): ast.Ident {
    const token = this.tokens(c, "Identifier")[0];
    return token ? this.ident(token) : this.missingIdent(node);
  }

  declarations(node: CstNode): ast.Declaration[] {
    const c = node.children;
    const decls: ast.Declaration[] = [
      ...this.nodes(c, "importDecl").map((n) => this.importDecl(n)),
      ...this.nodes(c, "modelDecl").map((n) => this.modelDecl(n)),
      ...this.nodes(c, "blockDecl").map((n) => this.blockDecl(n)),
      ...this.nodes(c, "trainDecl").map((n) => this.trainDecl(n)),
    ];
    return decls.sort((a, b) => a.span.start - b.span.start);
  }

  importDecl(node: CstNode): ast.ImportDecl {
    const c = node.children;
    const str = this.tokens(c, "StringLiteral")[0];
    const from: ast.StringValue = str
      ? this.stringValue(str)
      : { kind: "string", value: "", span: this.span(node), recovered: true };
    return { kind: "import", names: this.idents(c, node), from, ...this.base(node) };
  }

  modelDecl(node: CstNode): ast.ModelDecl {
    const c = node.children;
    return {
      kind: "model",
      name: this.firstIdent(c, node),
      body: this.body(this.nodes(c, "body")[0]),
      ...this.base(node),
    };
  }

  blockDecl(node: CstNode): ast.BlockDecl {
    const c = node.children;
    const [name, ...inputs] = this.idents(c, node);
    return {
      kind: "block",
      name: name ?? this.missingIdent(node),
      params: this.nodes(c, "param").map((p) => this.param(p)),
      inputs,
      body: this.body(this.nodes(c, "body")[0]),
      ...this.base(node),
    };
  }

  param(node: CstNode): ast.Param {
    const c = node.children;
    const value = this.nodes(c, "value")[0];
    return { name: this.firstIdent(c, node), defaultValue: value ? this.value(value) : null, ...this.base(node) };
  }

  trainDecl(node: CstNode): ast.TrainDecl {
    const c = node.children;
    return {
      kind: "train",
      model: this.firstIdent(c, node),
      entries: this.nodes(c, "trainEntry").map((e) => this.trainEntry(e)),
      ...this.base(node),
    };
  }

  trainEntry(node: CstNode): ast.TrainEntry {
    const c = node.children;
    const input = this.tokens(c, "Input")[0];
    const value: ast.Value = input
      ? {
          kind: "call",
          callee: { kind: "ident", text: "input", span: tokenSpan(input) },
          args: null,
          span: tokenSpan(input),
        }
      : this.valueOrMissing(c, node);
    return { key: this.firstIdent(c, node), value, ...this.base(node) };
  }

  body(node: CstNode | undefined): ast.Statement[] {
    if (!node) return [];
    return this.nodes(node.children, "statement").flatMap((s) => {
      const stmt = this.statement(s);
      return stmt ? [stmt] : [];
    });
  }

  statement(node: CstNode): ast.Statement | null {
    const c = node.children;
    const [inner] = [
      ...this.nodes(c, "assertStmt"),
      ...this.nodes(c, "inputStmt"),
      ...this.nodes(c, "outputStmt"),
      ...this.nodes(c, "returnStmt"),
      ...this.nodes(c, "repeatStmt"),
      ...this.nodes(c, "assignment"),
      ...this.nodes(c, "layerStmt"),
      ...this.nodes(c, "chain"),
    ];
    if (!inner) return null;
    const ic = inner.children;
    const base = this.base(inner);
    switch (inner.name) {
      case "inputStmt": {
        const [name, dtype] = this.idents(ic, inner);
        const list = this.nodes(ic, "list")[0];
        return {
          kind: "input",
          name: name ?? this.missingIdent(inner),
          shape: list ? this.list(list) : { kind: "list", items: [], span: base.span, recovered: true },
          dtype: dtype ?? null,
          ...base,
        };
      }
      case "outputStmt":
        return { kind: "output", names: this.idents(ic, inner), ...base };
      case "assertStmt":
        return this.assertStmt(inner);
      case "returnStmt": {
        const chain = this.nodes(ic, "chain")[0];
        const value: ast.Chain = chain
          ? this.chain(chain)
          : { kind: "chain", steps: [], span: base.span, recovered: true };
        return { kind: "return", value, ...base };
      }
      case "repeatStmt": {
        const count = this.nodes(ic, "expression")[0];
        return {
          kind: "repeat",
          count: count ? this.expression(count) : this.missingValue(inner),
          body: this.body(this.nodes(ic, "body")[0]),
          ...base,
        };
      }
      case "assignment": {
        const chain = this.nodes(ic, "chain")[0];
        const targets = this.idents(ic, inner);
        return {
          kind: "assign",
          targets: targets.length > 0 ? targets : [this.missingIdent(inner)],
          chain: chain ? this.chain(chain) : { kind: "chain", steps: [], span: base.span, recovered: true },
          ...base,
        };
      }
      case "layerStmt": {
        const [, name] = this.idents(ic, inner);
        const chain = this.nodes(ic, "chain")[0];
        const [call, ...extra] = chain ? this.chain(chain).steps : [];
        return {
          kind: "layer",
          name: name ?? this.missingIdent(inner),
          call: call ?? {
            kind: "call",
            callee: this.missingIdent(inner),
            args: null,
            span: base.span,
            recovered: true,
          },
          extra,
          ...base,
          ...(call && name ? {} : { recovered: true }),
        };
      }
      default:
        return { kind: "chainStmt", chain: this.chain(inner), ...base };
    }
  }

  assertStmt(node: CstNode): ast.AssertStmt {
    const c = node.children;
    const [word, subject] = this.idents(c, node);
    const list = this.nodes(c, "list")[0];
    const op = ["Less", "LessEqual", "Greater", "GreaterEqual", "EqualEqual"].flatMap((name) =>
      this.tokens(c, name),
    )[0];
    const expression = this.nodes(c, "expression")[0];
    const test: ast.AssertStmt["test"] = list
      ? { kind: "shape", shape: this.list(list) }
      : {
          kind: "compare",
          op: (op?.image ?? "==") as ast.ComparisonOp,
          value: expression ? this.expression(expression) : this.missingValue(node),
        };
    const recovered = node.recoveredNode || !subject || (!list && (!op || !expression));
    return {
      kind: "assert",
      word: word?.text === "expect" ? "expect" : "assert",
      subject: subject ?? this.missingIdent(node),
      test,
      span: this.span(node),
      ...(recovered ? { recovered: true } : {}),
    };
  }

  chain(node: CstNode): ast.Chain {
    return { kind: "chain", steps: this.nodes(node.children, "call").map((n) => this.call(n)), ...this.base(node) };
  }

  call(node: CstNode): ast.Call {
    const c = node.children;
    const hasParens = (c["LParen"] ?? []).length > 0;
    const argList = this.nodes(c, "argList")[0];
    const args = argList ? this.nodes(argList.children, "arg").map((a) => this.arg(a)) : [];
    if (argList) this.checkCommas(args, this.tokens(argList.children, "Comma"));
    return { kind: "call", callee: this.firstIdent(c, node), args: hasParens ? args : null, ...this.base(node) };
  }

  arg(node: CstNode): ast.Arg {
    const c = node.children;
    const name = this.tokens(c, "Identifier")[0];
    return { name: name ? this.ident(name) : null, value: this.valueOrMissing(c, node), ...this.base(node) };
  }

  private valueOrMissing(c: Children, node: CstNode): ast.Value {
    const value = this.nodes(c, "value")[0];
    return value ? this.value(value) : this.missingValue(node);
  }

  /** A value recovery could not parse: an unknown, marked node the checker will not look at. */
  private missingValue(node: CstNode): ast.Value {
    return { kind: "unknown", span: this.span(node), recovered: true };
  }

  value(node: CstNode): ast.Value {
    const c = node.children;
    const list = this.nodes(c, "list")[0];
    if (list) return this.list(list);
    const map = this.nodes(c, "map")[0];
    if (map) return this.map(map);
    const str = this.tokens(c, "StringLiteral")[0];
    if (str) return this.stringValue(str);
    const bool = this.tokens(c, "True")[0] ?? this.tokens(c, "False")[0];
    if (bool) return { kind: "bool", value: bool.image === "true", span: tokenSpan(bool) };
    const expr = this.nodes(c, "expression")[0];
    return expr ? this.expression(expr) : this.missingValue(node);
  }

  list(node: CstNode): ast.ListValue {
    const items = this.nodes(node.children, "value").map((v) => this.value(v));
    this.checkCommas(items, this.tokens(node.children, "Comma"));
    return { kind: "list", items, ...this.base(node) };
  }

  /** A map's entries, commas checked as a list's; a key written twice is an error at its second use. */
  map(node: CstNode): ast.MapValue {
    const entries = this.nodes(node.children, "mapEntry").map((e): ast.MapEntry => {
      const c = e.children;
      const name = this.tokens(c, "Identifier")[0];
      const str = this.tokens(c, "StringLiteral")[0];
      const key = name
        ? this.ident(name)
        : str
          ? { kind: "ident" as const, text: this.stringValue(str).value, span: tokenSpan(str) }
          : this.missingIdent(e);
      return { key, value: this.valueOrMissing(c, e), ...this.base(e) };
    });
    this.checkCommas(entries, this.tokens(node.children, "Comma"));
    const seen = new Set<string>();
    for (const entry of entries) {
      if (entry.key.recovered) continue;
      if (seen.has(entry.key.text)) this.syntaxError(entry.key.span, `key '${entry.key.text}' is written twice`);
      seen.add(entry.key.text);
    }
    return { kind: "map", entries, ...this.base(node) };
  }

  /**
   * The grammar accepts items and commas in any order (see `argList`), so that one missing comma is one
   * precise error. Here they must alternate; a trailing comma is fine.
   */
  private checkCommas(items: readonly { span: ast.Span }[], commas: readonly IToken[]): void {
    const sequence = [
      ...items.map((item) => ({ start: item.span.start, item })),
      ...commas.map((comma) => ({ start: comma.startOffset, comma })),
    ].sort((a, b) => a.start - b.start);
    let expectItem = true;
    for (const entry of sequence) {
      if ("comma" in entry) {
        if (expectItem) this.syntaxError(tokenSpan(entry.comma), "unexpected ','");
        expectItem = true;
      } else {
        if (!expectItem) {
          const start = entry.item.span.start;
          const shown = this.text.slice(start, entry.item.span.end).split(/[\s(,[:]/)[0] || this.text[start]!;
          this.syntaxError({ start, end: start + shown.length }, `expected ',' before '${shown}'`);
        }
        expectItem = false;
      }
    }
  }

  private syntaxError(span: ast.Span, detail: string): void {
    this.diagnostics.push(diagnostic("NN1001", { file: this.file, span }, { detail }));
  }

  /** Operators seen so far in the outermost expression being built, and whether it went over the limit. */
  private operators = 0;
  private expressionDepth = 0;
  private tooLong = false;

  /**
   * An expression, whose terms (parenthesized ones and those in call arguments included) count towards one
   * limit: a tree of at most `limits.expressionTerms` leaves can be walked recursively by every later pass.
   */
  expression(node: CstNode): ast.Value {
    if (this.expressionDepth++ === 0) {
      this.operators = 0;
      this.tooLong = false;
    }
    try {
      return this.binary(node, "term", ["Plus", "Minus"], (n) => this.term(n));
    } finally {
      this.expressionDepth--;
    }
  }

  term(node: CstNode): ast.Value {
    return this.binary(node, "unary", ["Star", "Slash"], (n) => this.unary(n));
  }

  /** Left-associative operators: operands and operator tokens are interleaved by offset. */
  private binary(
    node: CstNode,
    operandRule: string,
    operatorTokens: readonly string[],
    operand: (n: CstNode) => ast.Value,
  ): ast.Value {
    const c = node.children;
    const operands = this.nodes(c, operandRule).map(operand);
    const ops = operatorTokens.flatMap((name) => this.tokens(c, name)).sort((a, b) => a.startOffset - b.startOffset);
    if (!this.tooLong && this.operators + ops.length >= limits.expressionTerms.value) {
      this.tooLong = true;
      const at = ops[Math.max(0, limits.expressionTerms.value - 1 - this.operators)] ?? ops.at(-1)!;
      const span = tokenSpan(at);
      this.diagnostics.push(diagnostic("NN1009", { file: this.file, span }, { limit: limits.expressionTerms.value }));
    }
    this.operators += ops.length;
    // Past the limit, nothing of the expression is built: the checker skips the recovered node.
    if (this.tooLong) return this.missingValue(node);
    let result = operands[0] ?? this.missingValue(node);
    for (let i = 0; i < ops.length; i++) {
      const right = operands[i + 1];
      if (!right) break;
      result = {
        kind: "binary",
        op: ops[i]!.image as ast.BinaryValue["op"],
        left: result,
        right,
        span: { start: result.span.start, end: right.span.end },
      };
    }
    return result;
  }

  unary(node: CstNode): ast.Value {
    const c = node.children;
    const inner = this.nodes(c, "unary")[0];
    if (inner) {
      const operand = this.unary(inner);
      if (operand.kind === "number") {
        return { ...operand, value: -operand.value, span: this.span(node) };
      }
      return { kind: "negate", operand, ...this.base(node) };
    }
    const primary = this.nodes(c, "primary")[0];
    return primary ? this.primary(primary) : this.missingValue(node);
  }

  primary(node: CstNode): ast.Value {
    const c = node.children;
    const num = this.tokens(c, "NumberLiteral")[0];
    if (num) return this.numberValue(num);
    const question = this.tokens(c, "Question")[0];
    if (question) return { kind: "unknown", span: tokenSpan(question) };
    const call = this.nodes(c, "call")[0];
    if (call) return this.call(call);
    const expr = this.nodes(c, "expression")[0];
    if (expr) return { ...this.expression(expr), span: this.span(node) };
    return this.missingValue(node);
  }

  private numberValue(token: IToken): ast.NumberValue {
    const text = token.image.replace(/_/g, "");
    const value = Number(text);
    const span = tokenSpan(token);
    if (!validNumber.test(token.image) || !Number.isFinite(value)) {
      this.diagnostics.push(diagnostic("NN1003", { file: this.file, span }, { text: token.image }));
      // Reported once here; the checker skips recovered nodes instead of calling the value wrong again.
      return { kind: "number", value: 0, isInteger: false, span, recovered: true };
    }
    return { kind: "number", value, isInteger: /^\d+$/.test(text), span };
  }

  private stringValue(token: IToken): ast.StringValue {
    const value = token.image.slice(1, -1).replace(/\\(.)/g, "$1");
    return { kind: "string", value, span: tokenSpan(token) };
  }
}
