/**
 * AST -> Doc: the canonical layout of a `.nn` file.
 *
 * Comments are placed by position. Between the items of a sequence (declarations, statements, train entries)
 * a comment stands on its own line before the next item, or trails the item whose line it is on. Between the
 * steps of a chain it does the same, and the chain stays broken. A comment anywhere else (inside a call, a
 * shape, a header) makes its item print as written: the formatter never drops or moves a comment it cannot
 * place. An item of a kind this printer does not know is printed as written too.
 */
import type * as ast from "../syntax/ast.js";
import { group, hardline, ifBreak, indent, join, line, lineSuffix, mark, softline, type Doc } from "./doc.js";
import type { Comment, SourceText } from "./source.js";

export const WIDTH = 100;
const INDENT = 2;
const CHAIN_INDENT = 4;

type Item = ast.Declaration | ast.Statement | ast.TrainEntry;

/** The nodes whose children the range formatter can choose from, and their children. */
export function childrenOf(node: Item | ast.SourceFile): readonly Item[] {
  if ("declarations" in node) return node.declarations;
  if ("kind" in node) {
    switch (node.kind) {
      case "model":
      case "block":
      case "repeat":
        return node.body;
      case "train":
        return node.entries;
      case "sweep":
        return sweepItems(node);
    }
  }
  return [];
}

/** A sweep's entries and budgets, in the order written. */
function sweepItems(sweep: ast.SweepDecl): (ast.TrainEntry | ast.AssertStmt)[] {
  return [...sweep.entries, ...sweep.asserts].sort((a, b) => a.span.start - b.span.start);
}

export class Printer {
  constructor(private readonly source: SourceText) {}

  file(file: ast.SourceFile): Doc {
    const body = this.sequence(
      file.declarations,
      0,
      file.text.length,
      (d) => this.declaration(d),
      (a, b) => !(a.kind === "import" && b.kind === "import"),
    );
    return body.length === 0 ? "" : [body, hardline];
  }

  private declaration(d: ast.Declaration): Doc {
    const s = this.source;
    if (this.keepsLines(d)) return this.verbatim(d, 0);
    switch (d.kind) {
      case "import":
        if (s.hasCommentsIn(d.span.start, d.span.end)) return this.verbatim(d, 0);
        return ["import { ", d.names.map((n) => n.text).join(", "), " } from ", s.slice(d.from.span)];
      case "model": {
        const params = d.params.length === 0 ? "" : this.params(d.params);
        const headerEnd = d.params.at(-1)?.span.end ?? d.name.span.end;
        return this.container(d, 0, ["model ", d.name.text, params], headerEnd, d.body, (st) => this.statement(st, 1));
      }
      case "block": {
        const header = ["block ", d.name.text, this.params(d.params), "(", d.inputs.map((i) => i.text).join(", "), ")"];
        return this.container(d, 0, header, d.name.span.end, d.body, (st) => this.statement(st, 1));
      }
      case "train":
        return this.container(d, 0, ["train ", d.model.text], d.model.span.end, d.entries, (e) => this.entry(e));
      case "sweep":
        return this.container(d, 0, ["sweep ", d.model.text], d.model.span.end, sweepItems(d), (item) =>
          "key" in item ? this.entry(item) : this.statement(item, 1),
        );
      default:
        return this.verbatim(d, 0);
    }
  }

  /**
   * `(a, b = 2)`, broken between parameters (as calls are) before inside a default; without a trailing comma,
   * which the grammar does not take after a parameter.
   */
  private params(params: readonly ast.Param[]): Doc {
    return this.bracketed(
      "(",
      params.map((p) => (p.defaultValue ? [p.name.text, " = ", this.value(p.defaultValue)] : p.name.text)),
      ")",
      "",
    );
  }

  private entry(e: ast.TrainEntry): Doc {
    if (this.source.hasCommentsIn(e.span.start, e.span.end) || this.keepsLines(e)) return this.verbatim(e, 1);
    return [e.key.text, ": ", this.value(e.value)];
  }

  private statement(st: ast.Statement, depth: number): Doc {
    const s = this.source;
    const verbatim = () => this.verbatim(st, depth);
    if (this.keepsLines(st)) return verbatim();
    switch (st.kind) {
      case "input":
        if (s.hasCommentsIn(st.span.start, st.span.end)) return verbatim();
        return ["input ", st.name.text, ": ", this.value(st.shape), st.dtype ? [" ", st.dtype.text] : ""];
      case "output":
        if (s.hasCommentsIn(st.span.start, st.span.end)) return verbatim();
        return ["output ", st.names.map((n) => n.text).join(", ")];
      case "return": {
        if (s.hasCommentsIn(st.span.start, st.value.span.start)) return verbatim();
        const chain = this.chain(st.value);
        return chain === null ? verbatim() : ["return ", chain];
      }
      case "assign": {
        if (s.hasCommentsIn(st.span.start, st.chain.span.start)) return verbatim();
        const chain = this.chain(st.chain);
        return chain === null ? verbatim() : [st.targets.map((target) => target.text).join(", "), " = ", chain];
      }
      case "layer": {
        if (s.hasCommentsIn(st.span.start, st.call.span.start)) return verbatim();
        const steps = [st.call, ...st.extra];
        const span = { start: st.call.span.start, end: steps.at(-1)!.span.end };
        const call = this.chain({ kind: "chain", steps, span });
        return call === null ? verbatim() : ["layer ", st.name.text, " = ", call];
      }
      case "chainStmt":
        return this.chain(st.chain) ?? verbatim();
      case "assert": {
        if (s.hasCommentsIn(st.span.start, st.span.end)) return verbatim();
        const head = [st.word, " ", st.subject.text];
        const test = st.test;
        return test.kind === "shape"
          ? [head, ": ", this.value(test.shape)]
          : [head, ` ${test.op} `, this.value(test.value)];
      }
      case "repeat":
        return this.container(st, depth, ["repeat ", this.value(st.count)], st.count.span.end, st.body, (b) =>
          this.statement(b, depth + 1),
        );
      default:
        return verbatim();
    }
  }

  /**
   * True when the item must keep its lines as written, because an `// nnc-allow` comment on the line before it
   * or on one of its lines silences lints by line: joining or breaking the item's lines would change what the
   * comment covers (index.ts checks the result). A container (`model`, `block`, `repeat`, `train`) prints
   * its header on one line and its items one by one, so only a header written over several lines is kept.
   */
  private keepsLines(item: Item): boolean {
    const s = this.source;
    if (!s.hasAllowCommentIn(0, s.text.length)) return false;
    const start = s.lineStart(Math.max(0, s.lineStart(item.span.start) - 1));
    if ("kind" in item && ["model", "block", "repeat", "train", "sweep"].includes(item.kind)) {
      const open = s.openBrace(item.span.start);
      return s.hasNewline(item.span.start, open) && s.hasAllowCommentIn(start, s.lineEnd(open));
    }
    return s.hasAllowCommentIn(start, s.lineEnd(item.span.end));
  }

  /** A node as written, at the indentation of `depth`. */
  private verbatim(node: { readonly span: ast.Span }, depth: number): Doc {
    return this.source.verbatim(node.span, depth * INDENT);
  }

  /**
   * `HEADER { items }`: the header, then the items one per line, indented. `headerEnd` is where the header's
   * last part ends; a comment between it and `{` makes the whole node print as written.
   */
  private container<T extends Item>(
    node: Item,
    depth: number,
    header: Doc,
    headerEnd: number,
    items: readonly T[],
    print: (item: T) => Doc,
  ): Doc {
    const s = this.source;
    const open = s.openBrace(headerEnd);
    const close = node.span.end - 1;
    if (s.hasCommentsIn(node.span.start, open) || s.text[close] !== "}") return this.verbatim(node, depth);
    const opening = this.sameLineComments(open + 1, items[0]?.span.start ?? close);
    const afterOpening = opening.at(-1)?.span.end ?? open + 1;
    const body = this.sequence(items, afterOpening, close, print, () => false);
    return [
      header,
      " {",
      this.trailing(opening, open + 1),
      body.length === 0 ? "" : [indent(INDENT, [hardline, body]), hardline],
      "}",
    ];
  }

  /**
   * Items one per line, with the comments between them. Blank lines are kept (one at most), except at the
   * start and end; `separated(a, b)` forces one between two items.
   */
  private sequence<T extends Item>(
    items: readonly T[],
    start: number,
    end: number,
    print: (item: T) => Doc,
    separated: (a: T, b: T) => boolean,
  ): Doc[] {
    const s = this.source;
    const parts: Doc[] = [];
    let previousEnd = start;
    let forceBlank = false;
    const emit = (at: number, doc: Doc) => {
      if (parts.length > 0) {
        parts.push(hardline);
        if (forceBlank || s.blankLineBetween(previousEnd, at)) parts.push(hardline);
      }
      forceBlank = false;
      parts.push(doc);
    };
    const ownLineComments = (upTo: number) => {
      for (const c of s.commentsIn(previousEnd, upTo)) {
        emit(c.span.start, c.text);
        previousEnd = c.span.end;
      }
    };
    items.forEach((item, i) => {
      const previous = items[i - 1];
      forceBlank = previous !== undefined && separated(previous, item);
      ownLineComments(item.span.start);
      const next = items[i + 1]?.span.start ?? end;
      const trailing = this.sameLineComments(item.span.end, next);
      emit(item.span.start, [
        mark(item, "start"),
        print(item),
        this.trailing(trailing, item.span.end),
        mark(item, "end"),
      ]);
      previousEnd = trailing.at(-1)?.span.end ?? item.span.end;
    });
    ownLineComments(end);
    return parts;
  }

  /** The comments in [from, to) on the line where `from` is. */
  private sameLineComments(from: number, to: number): Comment[] {
    const s = this.source;
    const result: Comment[] = [];
    for (const c of s.commentsIn(from, to)) {
      if (s.hasNewline(result.at(-1)?.span.end ?? from, c.span.start)) break;
      result.push(c);
    }
    return result;
  }

  /** Comments after code on the same line, with the gap the author left before the first. */
  private trailing(comments: readonly Comment[], codeEnd: number): Doc {
    if (comments.length === 0) return "";
    const gap = comments[0]!.span.start - codeEnd;
    return lineSuffix(comments.map((c) => c.text).join(" "), gap);
  }

  /**
   * `x -> a() -> b()` on one line when it fits, else one step per line, broken before `->`. A comment between
   * steps keeps the chain broken; a comment inside a step gives null (print the statement as written).
   */
  private chain(chain: ast.Chain): Doc | null {
    const s = this.source;
    const steps = chain.steps;
    const between = steps.map((step, i) => (i === 0 ? [] : s.commentsIn(steps[i - 1]!.span.end, step.span.start)));
    const inside = s.commentsIn(chain.span.start, chain.span.end).length;
    if (inside !== between.reduce((n, cs) => n + cs.length, 0)) return null;
    const arrow = (i: number): Doc => {
      const previous = steps[i - 1]!;
      const sameLine = between[i]!.filter((c) => !s.hasNewline(previous.span.end, c.span.start));
      const ownLine = between[i]!.filter((c) => !sameLine.includes(c));
      return [
        this.trailing(sameLine, previous.span.end),
        line,
        ownLine.map((c) => [c.text, hardline]),
        "-> ",
        this.call(steps[i]!),
      ];
    };
    const arrows = steps.slice(1).map((_, k) => arrow(k + 1));
    // A chain that starts at a tensor name keeps its first step beside it when that fits: `h = x -> conv2d(...)`.
    if (steps[0]!.args === null && arrows.length > 0) arrows[0] = group(arrows[0]!);
    return group([this.call(steps[0]!), indent(CHAIN_INDENT, arrows)]);
  }

  private call(call: ast.Call): Doc {
    const callee = call.callee.text;
    const printed =
      call.args === null
        ? callee
        : [
            callee,
            this.bracketed(
              "(",
              call.args.map((a) => this.arg(a)),
              ")",
            ),
          ];
    return this.parenthesized(call) ? ["(", printed, ")"] : printed;
  }

  private arg(arg: ast.Arg): Doc {
    return arg.name ? [arg.name.text, ": ", this.value(arg.value)] : this.value(arg.value);
  }

  /** `(a, b)` or `[a, b]` on one line, else one item per line, the last followed by `trailing`. */
  private bracketed(open: string, items: readonly Doc[], close: string, trailing = ","): Doc {
    if (items.length === 0) return [open, close];
    return group([open, indent(INDENT, [softline, join([",", line], items)]), ifBreak(trailing, ""), softline, close]);
  }

  private value(v: ast.Value): Doc {
    const s = this.source;
    switch (v.kind) {
      case "number":
        // As written (`1e-3`, `5_000_000`), with any unary minus and parentheses it was written with.
        return s.slice(v.span).replace(/\s+/g, "");
      case "string":
        return s.slice(v.span);
      case "bool":
        return v.value ? "true" : "false";
      case "unknown":
        return "?";
      case "list":
        return this.bracketed(
          "[",
          v.items.map((item) => this.value(item)),
          "]",
        );
      case "map": {
        // `{ a: 1, b: 2 }` on one line, else one entry per line with a trailing comma.
        if (v.entries.length === 0) return "{}";
        const entries = v.entries.map((entry) => [s.slice(entry.key.span), ": ", this.value(entry.value)]);
        return group(["{", indent(INDENT, [line, join([",", line], entries)]), ifBreak(",", ""), line, "}"]);
      }
      case "call":
        return this.call(v);
      case "binary":
        return this.binary(v);
      case "negate": {
        const printed = ["-", this.value(v.operand)];
        return this.parenthesized(v) ? ["(", printed, ")"] : printed;
      }
      default:
        return s.slice((v as ast.Value).span);
    }
  }

  /**
   * `a + b - c`: a left-deep tree as deep as the expression is long (up to `limits.expressionTerms`), printed
   * by walking down its left operands rather than recursing into them. A parenthesized operand recurses.
   */
  private binary(v: ast.BinaryValue): Doc {
    const parenthesized = (b: ast.BinaryValue) => b.span.start < b.left.span.start;
    const rest: Doc[] = [];
    let left: ast.Value = v;
    while (left.kind === "binary" && (left === v || !parenthesized(left))) {
      rest.push(this.value(left.right), ` ${left.op} `);
      left = left.left;
    }
    const printed = [this.value(left), ...rest.reverse()];
    return parenthesized(v) ? ["(", printed, ")"] : printed;
  }

  /** The parser folds `(x)` into x with the parentheses' span; the text shows it. */
  private parenthesized(v: ast.Value): boolean {
    return this.source.text[v.span.start] === "(";
  }
}
