/**
 * The values and calls of the CST -> AST step (ast-builder.ts builds declarations and statements on top):
 * numbers, strings, lists, maps, arithmetic, calls and their arguments, each node with its span, and the
 * problems the parser lets through in them, reported precisely: a missing or doubled comma, a key written
 * twice, a malformed number, an expression with too many terms.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as ast from "./ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { limits } from "../base/limits.js";
import { tokenSpan } from "./syntax-diagnostics.js";

/** A number as docs/language.md defines it: digits with `_` between them, a fraction, an exponent. */
const validNumber = /^(?:\d(?:_?\d)*(?:\.\d(?:_?\d)*)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?$/;

export type Children = Record<string, CstElement[] | undefined>;

/** The binary operators' tokens, which an expression's CST node holds side by side. */
const arithmeticTokens = ["Plus", "Minus", "Star", "Slash"] as const;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/** Reading the CST, and one method per value rule (calls among them), each returning its AST node. */
export class ValueBuilder {
  constructor(
    protected readonly file: string,
    protected readonly text: string,
    protected readonly eof: number,
    protected readonly diagnostics: Diagnostic[],
  ) {}

  protected span(node: CstNode): ast.Span {
    const loc = node.location;
    if (!loc || Number.isNaN(loc.startOffset)) return { start: this.eof, end: this.eof };
    const end = loc.endOffset === undefined || Number.isNaN(loc.endOffset) ? loc.startOffset : loc.endOffset + 1;
    return { start: loc.startOffset, end: Math.max(end, loc.startOffset) };
  }

  protected base(node: CstNode): { span: ast.Span; recovered?: true } {
    return node.recoveredNode ? { span: this.span(node), recovered: true } : { span: this.span(node) };
  }

  protected tokens(c: Children, name: string): IToken[] {
    return (c[name] ?? []).filter(isToken).filter((t) => !t.isInsertedInRecovery);
  }

  protected nodes(c: Children, name: string): CstNode[] {
    return (c[name] ?? []).filter((e): e is CstNode => !isToken(e));
  }

  protected ident(token: IToken): ast.Ident {
    return { kind: "ident", text: token.image, span: tokenSpan(token) };
  }

  /** An identifier the parser inserted during recovery: empty, zero-width, and marked. */
  protected missingIdent(node: CstNode): ast.Ident {
    const at = this.span(node).end;
    return { kind: "ident", text: "", span: { start: at, end: at }, recovered: true };
  }

  protected idents(c: Children, node: CstNode): ast.Ident[] {
    return this.tokens(c, "Identifier").map((t) => this.ident(t));
  }

  protected firstIdent(c: Children, node: CstNode): ast.Ident {
    const token = this.tokens(c, "Identifier")[0];
    return token ? this.ident(token) : this.missingIdent(node);
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

  protected valueOrMissing(c: Children, node: CstNode): ast.Value {
    const value = this.nodes(c, "value")[0];
    return value ? this.value(value) : this.missingValue(node);
  }

  /** A value recovery could not parse: an unknown, marked node the checker will not look at. */
  protected missingValue(node: CstNode): ast.Value {
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
    // An arithmetic value's operands and operators are the value node's own children (see the grammar).
    return c["operand"] ? this.expression(node) : this.missingValue(node);
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
  protected checkCommas(items: readonly { span: ast.Span }[], commas: readonly IToken[]): void {
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

  protected syntaxError(span: ast.Span, detail: string, hint?: string): void {
    this.diagnostics.push(diagnostic("NN1001", { file: this.file, span }, { detail }, hint ? { hint } : {}));
  }

  /** Operators seen so far in the outermost expression being built, and whether it went over the limit. */
  private operators = 0;
  private expressionDepth = 0;
  private tooLong = false;

  /**
   * An expression (or a value holding one), whose terms (parenthesized ones and those in call arguments
   * included) count towards one limit: a tree of at most `limits.expressionTerms` leaves can be walked
   * recursively by every later pass.
   */
  expression(node: CstNode): ast.Value {
    if (this.expressionDepth++ === 0) {
      this.operators = 0;
      this.tooLong = false;
    }
    try {
      return this.arithmetic(node);
    } finally {
      this.expressionDepth--;
    }
  }

  /**
   * The grammar reads an expression's operands and operators as one list; precedence is applied here. Each run
   * of operands joined by `*` and `/` is a term, and the terms are joined by `+` and `-`, all left-associative.
   * Operators count towards the limit as each part is built: a term's after its operands, `+` and `-` last.
   */
  private arithmetic(node: CstNode): ast.Value {
    const c = node.children;
    const operands = this.nodes(c, "operand");
    const operators = arithmeticTokens
      .flatMap((name) => this.tokens(c, name))
      .sort((a, b) => a.startOffset - b.startOffset);
    const terms: { operands: CstNode[]; ops: IToken[] }[] = [{ operands: operands.slice(0, 1), ops: [] }];
    const additive: IToken[] = [];
    operators.forEach((op, i) => {
      const right = operands[i + 1];
      if (op.image === "+" || op.image === "-") {
        additive.push(op);
        if (right) terms.push({ operands: [right], ops: [] });
      } else {
        const term = terms.at(-1)!;
        term.ops.push(op);
        if (right) term.operands.push(right);
      }
    });
    const built = terms.map((term) =>
      this.binary(
        node,
        term.operands.map((n) => this.operand(n)),
        term.ops,
      ),
    );
    return this.binary(node, built, additive);
  }

  /** Left-associative operators: `ops[i]` stands between `operands[i]` and `operands[i + 1]`. */
  protected binary(node: CstNode, operands: readonly ast.Value[], ops: readonly IToken[]): ast.Value {
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

  /** A number, `?`, a call or name, or a parenthesized expression, each perhaps after a unary minus. */
  operand(node: CstNode): ast.Value {
    const c = node.children;
    const negated = this.nodes(c, "operand")[0];
    if (negated) {
      const operand = this.operand(negated);
      if (operand.kind === "number") {
        return { ...operand, value: -operand.value, span: this.span(node) };
      }
      return { kind: "negate", operand, ...this.base(node) };
    }
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

  protected numberValue(token: IToken): ast.NumberValue {
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

  protected stringValue(token: IToken): ast.StringValue {
    const value = token.image.slice(1, -1).replace(/\\(.)/g, "$1");
    return { kind: "string", value, span: tokenSpan(token) };
  }
}
