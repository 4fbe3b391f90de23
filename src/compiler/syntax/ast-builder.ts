/**
 * The CST (grammar/parser.ts) -> AST (ast.ts) step of the syntax phase: one method per grammar rule, each
 * returning that rule's node with its span. Declarations and statements are built here, values and calls by
 * the base class (value-builder.ts), which also reports the problems the parser lets through in them.
 */
import type { CstNode } from "chevrotain";
import type * as ast from "./ast.js";
import { tokenSpan } from "./syntax-diagnostics.js";
import { ValueBuilder } from "./value-builder.js";

/** The CST visitor: one method per grammar rule, each returning the AST node of that rule. */
export class AstBuilder extends ValueBuilder {
  declarations(node: CstNode): ast.Declaration[] {
    const c = node.children;
    const decls: ast.Declaration[] = [
      ...this.nodes(c, "importDecl").map((n) => this.importDecl(n)),
      ...this.nodes(c, "modelDecl").map((n) => this.modelDecl(n)),
      ...this.nodes(c, "blockDecl").map((n) => this.blockDecl(n)),
      ...this.nodes(c, "trainDecl").map((n) => this.trainDecl(n)),
      ...this.nodes(c, "sweepDecl").map((n) => this.sweepDecl(n)),
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
      params: this.nodes(c, "param").map((p) => this.param(p)),
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
      entries: this.nodes(c, "trainEntry").map((e) => this.trainEntry(e, "train")),
      ...this.base(node),
    };
  }

  sweepDecl(node: CstNode): ast.SweepDecl {
    const c = node.children;
    const [, model] = this.idents(c, node);
    return {
      kind: "sweep",
      model: model ?? this.missingIdent(node),
      entries: this.nodes(c, "trainEntry").map((e) => this.trainEntry(e, "sweep")),
      asserts: this.nodes(c, "assertStmt").map((a) => this.assertStmt(a)),
      ...this.base(node),
    };
  }

  /** A key is a name; a quoted one is NN1001, once, and then read as the name it spells, so nothing else cascades. */
  trainEntry(node: CstNode, where: "train" | "sweep"): ast.TrainEntry {
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
    const quoted = this.tokens(c, "StringLiteral")[0];
    if (!quoted) return { key: this.firstIdent(c, node), value, ...this.base(node) };
    const key: ast.Ident = { kind: "ident", text: this.stringValue(quoted).value, span: tokenSpan(quoted) };
    // Likely quoted like the keys of the map it holds (`"space": { "units": ... }`), which may be.
    const inner = value.kind === "map" ? ` (the keys of the map inside may stay quoted)` : "";
    this.syntaxError(key.span, `the keys of a ${where} block are names, not strings`, `write ${key.text}:${inner}`);
    return { key, value, ...this.base(node) };
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
}
