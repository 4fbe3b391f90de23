/**
 * One layer call, once its arguments are checked and its input shapes known: what its registry entry's rules
 * give (output shapes, parameters, MACs), and the name the layer gets in the graph.
 */
import { append } from "../base/arrays.js";
import { limits } from "../base/limits.js";
import type { BlockDef, Namespace } from "../bind/index.js";
import { diagnostic, type Diagnostic, type Fix } from "../diagnostics/index.js";
import { inexactPart } from "../ir/exact.js";
import type { ParamCount, Shape } from "../ir/index.js";
import { macsOf, type Args, type LayerKind, type ShapeContext } from "../registry/layers/index.js";
import type { InputFix } from "../registry/layers/types.js";
import type * as ast from "../syntax/ast.js";
import { argumentSpan } from "./args.js";

export interface LayerFigures {
  readonly outputShapes: Shape[];
  readonly params: ParamCount;
  readonly macs: number | null;
}

/**
 * Runs the entry's shape, parameter and MAC rules. A problem is reported (at the argument a rule names, or
 * at the call) and gives null; so does a figure too large to count exactly (NN3012). `skip` is the number of
 * leading arguments that are input tensors.
 */
export function layerFigures(
  kind: LayerKind,
  call: ast.Call,
  shapes: readonly Shape[],
  args: Args,
  skip: number,
  report: (d: Diagnostic) => void,
  file: string,
): LayerFigures | null {
  const ctx: ShapeContext = {
    callee: call.callee.text,
    error: (code, messageArgs, at = {}) => {
      const span = (at.property && argumentSpan(call, at.property, kind.positional, skip)) || call.span;
      const fixes = at.fix && [insertBefore(call, at.fix)];
      report(diagnostic(code, { file, span }, messageArgs as never, { hint: at.hint, fixes }));
      return null;
    },
  };
  const result = kind.outputShape(shapes, args, ctx);
  if (result === null) return null;
  const outputShapes: Shape[] = isShapeList(result) ? [...result] : [result as Shape];
  const counted = kind.params?.(shapes, args, outputShapes) ?? { trainable: 0, nonTrainable: 0 };
  const params =
    args["trainable"] === false ? { trainable: 0, nonTrainable: counted.trainable + counted.nonTrainable } : counted;
  const macs = macsOf(kind, shapes, args, outputShapes);
  const inexact = inexactPart(outputShapes, params, macs);
  if (inexact) {
    report(diagnostic("NN3012", { file, span: call.callee.span }, { what: `${inexact} of '${call.callee.text}'` }));
    return null;
  }
  return { outputShapes, params, macs };
}

/**
 * Keras's naming in one model: `dense`, `dense_1`, `dense_2`, ...; a written `name:` must be unique. An automatic
 * name never takes one written anywhere in the model or its blocks (`written`), even further down: a pasted Keras
 * model that names its last activation `relu` must not find it taken by an earlier unnamed `relu()`.
 */
export class LayerNames {
  private readonly used = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();

  constructor(private readonly written: ReadonlySet<string> = new Set()) {}

  /** Takes a name that layers must not get (an input's). */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** The name a layer of `kind` gets: `written` when given, else the next free automatic one; null when `written` is taken. */
  claim(kind: string, written: string | undefined): string | null {
    if (written !== undefined) {
      const free = !this.used.has(written);
      this.used.add(written);
      return free ? written : null;
    }
    // Numbering resumes where this kind's last name was found free, so naming n layers stays linear.
    let i = this.nextSuffix.get(kind) ?? 0;
    let name = i === 0 ? kind : `${kind}_${i}`;
    while (this.used.has(name) || this.written.has(name)) name = `${kind}_${++i}`;
    this.nextSuffix.set(kind, i);
    this.used.add(name);
    return name;
  }
}

/** `flatten()` inserted as a step before the call: `x -> flatten() -> dense(10)`. */
function insertBefore(call: ast.Call, fix: InputFix): Fix {
  const at = { start: call.span.start, end: call.span.start };
  return { title: `Insert ${fix.insertBefore}`, edits: [{ span: at, newText: `${fix.insertBefore} -> ` }] };
}

function isShapeList(result: Shape | readonly Shape[]): result is readonly Shape[] {
  return result.length > 0 && Array.isArray(result[0]);
}

/** A block's written names (see `writtenLayerNames`), worked out once per block definition. */
const namesOfBlocks = new WeakMap<BlockDef, ReadonlySet<string>>();

/**
 * Every name a layer may be given in a body: `name: "..."` in its layer calls (nested calls and repeats
 * included), every string a block call passes (a block may name a layer with a parameter), and the same in each
 * block it calls, looked up in that block's own file.
 */
export function writtenLayerNames(body: readonly ast.Statement[], namespace: Namespace): Set<string> {
  return namesIn(body, namespace, { open: new Set(), cut: false });
}

/**
 * The blocks being read, innermost last; `cut` once a block was left unread because more than
 * `limits.blockDepth` were open (the checker reports that nesting, NN3015): what is read from then on is not
 * kept for other calls, since it may lack names.
 */
interface Reading {
  readonly open: Set<BlockDef>;
  cut: boolean;
}

function namesIn(body: readonly ast.Statement[], namespace: Namespace, reading: Reading): Set<string> {
  const names = new Set<string>();
  const pending: (ast.Statement | ast.Value)[] = [...body];
  while (pending.length > 0) {
    const item = pending.pop()!;
    switch (item.kind) {
      case "repeat":
        append(pending, item.body);
        break;
      case "assign":
      case "chainStmt":
        append(pending, item.chain.steps);
        break;
      case "return":
        append(pending, item.value.steps);
        break;
      case "layer":
        pending.push(item.call);
        break;
      case "call": {
        const block = namespace.get(item.callee.text);
        for (const arg of item.args ?? []) {
          if (arg.value.kind === "string" && (block || arg.name?.text === "name")) names.add(arg.value.value);
          else pending.push(arg.value);
        }
        if (block && !reading.open.has(block)) {
          if (reading.open.size >= limits.blockDepth.value) reading.cut = true;
          else for (const name of namesOfBlock(block, reading)) names.add(name);
        }
        break;
      }
      case "list":
        append(pending, item.items);
        break;
      case "map":
        append(
          pending,
          item.entries.map((entry) => entry.value),
        );
        break;
      default:
        break;
    }
  }
  return names;
}

function namesOfBlock(block: BlockDef, reading: Reading): ReadonlySet<string> {
  const known = namesOfBlocks.get(block);
  if (known) return known;
  reading.open.add(block);
  const names = namesIn(block.decl.body, block.namespace, reading);
  reading.open.delete(block);
  if (!reading.cut) namesOfBlocks.set(block, names);
  return names;
}
