/**
 * A block that no model calls is never instantiated, so the model checker never sees its body. This checks
 * what does not depend on argument values or input shapes: where statements stand, that every layer, block,
 * argument and tensor name exists, and that the block returns. Blocks that are called are checked at their
 * call sites instead, so nothing is reported twice.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { BlockDef } from "../bind/workspace.js";
import { layerNames, lookupLayer } from "../registry/layers/index.js";
import { suggestion } from "../diagnostics/suggest.js";

export function checkUncalledBlock(block: BlockDef): Diagnostic[] {
  return new UncalledBlockChecker(block).check();
}

class UncalledBlockChecker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly tensors: Set<string>;
  private readonly params: Set<string>;
  private returned = false;

  constructor(private readonly block: BlockDef) {
    this.tensors = new Set(block.decl.inputs.map((i) => i.text));
    this.params = new Set(block.decl.params.map((p) => p.name.text));
  }

  check(): Diagnostic[] {
    const { decl } = this.block;
    this.statements(decl.body);
    if (!this.returned && !decl.recovered) this.report("NN2020", decl.name.span, { name: decl.name.text });
    return this.diagnostics;
  }

  private statements(body: readonly ast.Statement[]): void {
    for (const stmt of body) {
      if (stmt.recovered) continue;
      switch (stmt.kind) {
        case "input":
        case "output":
        case "assert": {
          const statement = stmt.kind === "assert" ? stmt.word : stmt.kind;
          const span = { start: stmt.span.start, end: stmt.span.start + statement.length };
          this.report("NN2021", span, { statement, where: "block" });
          break;
        }
        case "return":
          this.returned = true;
          this.chain(stmt.value);
          break;
        case "assign":
          this.chain(stmt.chain);
          this.tensors.add(stmt.target.text);
          break;
        case "chainStmt":
          this.chain(stmt.chain);
          break;
        case "repeat":
          this.statements(stmt.body);
          break;
      }
    }
  }

  private chain(chain: ast.Chain): void {
    if (chain.recovered) return;
    chain.steps.forEach((step, i) => {
      if (step.recovered) return;
      const isTensor = step.args === null && this.tensors.has(step.callee.text);
      if (isTensor && i > 0) {
        this.report("NN2018", step.span, { text: step.callee.text }, { hint: `'${step.callee.text}' is a tensor` });
      } else if (!isTensor) {
        this.call(step, i === 0);
      }
    });
  }

  private call(call: ast.Call, atHead: boolean): void {
    const name = call.callee.text;
    const { namespace } = this.block;
    // A name whose import failed was reported at the import.
    if (namespace.has(name) && namespace.get(name) === null) return;
    const block = namespace.get(name);
    const kind = block ? undefined : lookupLayer(name);
    if (!block && !kind) {
      const tensorHint = atHead && call.args === null ? suggestion(name, this.tensors, call.callee.span) : {};
      if (tensorHint.hint) return this.report("NN2002", call.callee.span, { name }, tensorHint);
      const candidates = [...layerNames(), ...namespace.keys()];
      return this.report("NN2001", call.callee.span, { name }, suggestion(name, candidates, call.callee.span));
    }
    const args = call.args ?? [];
    const inputs = block ? block.decl.inputs.length : (kind!.inputs?.min ?? 1);
    // Leading bare names are input tensors when the callee takes several (`add(a, b)`).
    if (inputs > 1) {
      for (const arg of args) {
        if (arg.name || arg.value.kind !== "call" || arg.value.args !== null) break;
        const tensor = arg.value.callee;
        if (this.tensors.has(tensor.text)) continue;
        if (!this.params.has(tensor.text)) {
          this.report("NN2002", tensor.span, { name: tensor.text }, suggestion(tensor.text, this.tensors, tensor.span));
        }
        break;
      }
    }
    const known = block
      ? block.decl.params.map((p) => p.name.text)
      : Object.keys((kind!.schema["properties"] as Record<string, unknown> | undefined) ?? {});
    for (const arg of args) {
      if (!arg.name || arg.recovered || known.includes(arg.name.text)) continue;
      this.report("NN2003", arg.name.span, { name: arg.name.text, callee: name }, suggestion(arg.name.text, known, arg.name.span));
    }
  }

  private report<C extends "NN2001" | "NN2002" | "NN2003" | "NN2018" | "NN2020" | "NN2021">(
    code: C,
    span: ast.Span,
    args: Parameters<typeof diagnostic<C>>[2],
    extras: Parameters<typeof diagnostic>[3] = {},
  ): void {
    this.diagnostics.push(diagnostic(code, { file: this.block.file, span }, args, extras));
  }
}
