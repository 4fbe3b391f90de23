/**
 * How many layers a model becomes once every `repeat` and block call is expanded, counted before anything is
 * expanded: `repeat 1000000000 { dense(4) }` or forty blocks each calling the previous one twice would
 * otherwise take minutes and gigabytes to check (docs/security.md). A repeat multiplies its body's count; a
 * block's count is worked out once per block and argument values and then reused, so 2^40 layers are found
 * by arithmetic, not by walking them.
 *
 * What is counted is calls: every layer call and every block call, valid or not, as the model checker checks
 * each of them once per expansion (a block call that fails still costs its argument check). A block call
 * counts one and its body's count besides; a call the checker does not expand (a recursive one, arguments
 * that do not check) counts one.
 */
import type * as ast from "../syntax/ast.js";
import { checkArguments } from "./args.js";
import { blockCallable } from "./blocks.js";
import { diagnostic, type Diagnostic, type Related } from "../diagnostics/index.js";
import { emptyScope, evaluate, type Scope } from "./argument-values.js";
import { bodyBinding, type BlockDef, type BodyBinding, type Namespace } from "../bind/index.js";
import type { JsonValue } from "../ir/index.js";
import { limits } from "../base/limits.js";
import { groupThousands } from "../base/numbers.js";

/** Where statements are counted: a model body or a block body with its argument values. */
interface Context {
  readonly file: string;
  /** What the body's names mean: a step that names a tensor is not a call. */
  readonly binding: BodyBinding;
  readonly scope: Scope;
  /** The blocks being counted, innermost last, with their call sites (for recursion and `related`). */
  readonly stack: readonly { readonly decl: ast.BlockDecl; readonly site: Related }[];
}

/** Counts past this are all "too many"; keeping them finite keeps the arithmetic exact. */
const ceiling = Number.MAX_SAFE_INTEGER;
const capped = (n: number) => Math.min(n, ceiling);

/**
 * The error for a model that expands to more than `maxLayers` layers, at the repeat count or the call that
 * crosses the limit; undefined when the model fits.
 */
export function expansionError(
  decl: ast.ModelDecl,
  file: string,
  namespace: Namespace,
  maxLayers: number,
  scope: Scope = emptyScope,
): Diagnostic | undefined {
  const counter = new ExpansionCounter(maxLayers);
  const context = (): Context => ({
    file,
    binding: bodyBinding(decl, file, namespace),
    scope,
    stack: [],
  });
  if (counter.body(decl.body, context()) <= maxLayers) return undefined;
  const found = counter.locate(decl.body, context(), 0);
  return typeof found === "number" ? undefined : found;
}

class ExpansionCounter {
  /** A block's count by its argument values, computed once. */
  private readonly known = new Map<ast.BlockDecl, Map<string, number>>();

  constructor(private readonly limit: number) {}

  body(statements: readonly ast.Statement[], context: Context): number {
    let total = 0;
    for (const stmt of statements) total = capped(total + this.statement(stmt, context));
    return total;
  }

  private statement(stmt: ast.Statement, context: Context): number {
    if (stmt.recovered) return 0;
    switch (stmt.kind) {
      case "assign":
      case "chainStmt":
        return this.chain(stmt.chain, context);
      case "layer":
        // The declaration's arguments are checked where it runs.
        return 1;
      case "return":
        // Only a block's return runs; one in a model is out of place, and the checker skips it.
        return context.stack.length > 0 ? this.chain(stmt.value, context) : 0;
      case "repeat": {
        const times = repeatCount(stmt, context);
        return times === 0 ? 0 : capped(times * this.body(stmt.body, context));
      }
      default:
        return 0;
    }
  }

  private chain(chain: ast.Chain, context: Context): number {
    if (chain.recovered) return 0;
    let total = 0;
    for (const step of chain.steps) total = capped(total + this.step(step, context));
    return total;
  }

  /** A call counts one, and a block call its body's count besides. */
  private step(call: ast.Call, context: Context): number {
    const callee = this.callee(call, context);
    if (callee === null) return 0;
    if (callee === "call") return 1;
    return capped(1 + this.block(callee.block, callee.values, context));
  }

  /**
   * What a step expands: a block with its argument values, or one call that the checker checks but does not
   * expand further (a layer, an unknown name, a block call that fails); null for a tensor.
   */
  private callee(call: ast.Call, context: Context): "call" | { block: BlockDef; values: JsonValue } | null {
    if (call.recovered) return null;
    const meaning = context.binding.step(call);
    if (meaning.kind === "tensor") return null;
    // A use of a shared block instance expands the block's body again, with the declaration's arguments.
    const instance = meaning.kind === "shared" && meaning.shared.makes?.kind === "block" ? meaning.shared : undefined;
    if (meaning.kind !== "block" && !instance) return "call";
    const block = meaning.kind === "block" ? meaning.block : (instance!.makes as { block: BlockDef }).block;
    // Recursion and nesting past the limit are not expanded: the checker reports them (NN2012, NN3015).
    if (context.stack.length >= limits.blockDepth.value) return "call";
    if (context.stack.some((frame) => frame.decl === block.decl)) return "call";
    const written = instance ? instance.stmt.call : call;
    const source = {
      args: written.args ?? [],
      skip: meaning.kind === "block" ? meaning.tensorArgs.length : 0,
      calleeSpan: written.callee.span,
      calleeText: written.callee.text,
    };
    const checked = checkArguments(blockCallable(block).value, source, context.scope, context.file);
    return checked.value ? { block, values: checked.value } : "call";
  }

  private block(block: BlockDef, values: JsonValue, context: Context, site?: Related): number {
    const key = JSON.stringify(values);
    let byValues = this.known.get(block.decl);
    if (!byValues) this.known.set(block.decl, (byValues = new Map()));
    const known = byValues.get(key);
    if (known !== undefined) return known;
    const count = this.body(block.decl.body, this.inside(block, values, context, site));
    byValues.set(key, count);
    return count;
  }

  private inside(block: BlockDef, values: JsonValue, context: Context, site?: Related): Context {
    const bound = values as { readonly [name: string]: JsonValue };
    const frame = site ?? { file: context.file, span: block.decl.name.span, message: "" };
    return {
      file: block.file,
      binding: bodyBinding(block.decl, block.file, block.namespace),
      scope: { lookup: (name) => bound[name] },
      stack: [...context.stack, { decl: block.decl, site: frame }],
    };
  }

  /**
   * Finds where the expansion crosses the limit, `before` layers having been expanded already. A repeat or
   * a block call crosses it at itself, unless its content alone is over the limit: the search then goes on
   * inside. Returns the error, or the count after these statements when they stay within the limit.
   */
  locate(statements: readonly ast.Statement[], context: Context, before: number): Diagnostic | number {
    let total = before;
    for (const stmt of statements) {
      if (stmt.recovered) continue;
      const count = this.statement(stmt, context);
      if (total + count <= this.limit) {
        total += count;
        continue;
      }
      if (stmt.kind === "repeat") {
        const once = this.body(stmt.body, context);
        if (once > this.limit) return this.locate(stmt.body, context, total);
        return this.error(context, stmt.count.span, "this repeat", total + count);
      }
      const chain =
        stmt.kind === "return" ? stmt.value : stmt.kind === "assign" || stmt.kind === "chainStmt" ? stmt.chain : null;
      if (chain) return this.locateInChain(chain, context, total);
    }
    return total;
  }

  private locateInChain(chain: ast.Chain, context: Context, before: number): Diagnostic | number {
    let total = before;
    for (const call of chain.steps) {
      const count = this.step(call, context);
      if (total + count <= this.limit) {
        total += count;
        continue;
      }
      const callee = this.callee(call, context);
      if (callee === null || callee === "call")
        return this.error(context, call.callee.span, "this call", total + count);
      if (count - 1 <= this.limit) {
        return this.error(context, call.callee.span, `this call of block '${call.callee.text}'`, total + count);
      }
      const site = { file: context.file, span: call.span, message: `in this call of block '${call.callee.text}'` };
      return this.locate(callee.block.decl.body, this.inside(callee.block, callee.values, context, site), total + 1);
    }
    return total;
  }

  private error(context: Context, span: ast.Span, what: string, layers: number): Diagnostic {
    const related = context.stack.map((frame) => frame.site).reverse();
    const shown = layers >= ceiling ? `more than ${groupThousands(ceiling)}` : groupThousands(layers);
    return diagnostic(
      "NN3011",
      { file: context.file, span },
      { what, layers: shown, limit: groupThousands(this.limit) },
      { related, hint: "make the model smaller, or raise the limit with --max-layers N" },
    );
  }
}

/** A repeat's count when it is a positive whole number; 0 otherwise (the checker reports it). */
function repeatCount(stmt: ast.RepeatStmt, context: Context): number {
  const { value } = evaluate(stmt.count, context.scope, context.file, new Map());
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 ? value : 0;
}
