/**
 * The language server's model checker, which reuses a model's result while nothing it read changed (`Reuse` in
 * incremental.ts uses it).
 *
 * A model's result (its graph, its diagnostics, the blocks it ran) is kept by the model's text, the
 * texts of the blocks it can reach by name and the names in scope along the way; it is reused, moved to the
 * declarations' new offsets, when all of those are the same. The one piece of state models share (a block's
 * default-value problems are reported at its first call only) makes a model that reaches such a block
 * always checked again, in order, as from scratch. A model's lints are kept with its result.
 */
import type * as ast from "../compiler/syntax/ast.js";
import { checkModel, type ModelCheck } from "../compiler/check/index.js";
import { uniqueDiagnostics, type Diagnostic, type Location } from "../compiler/diagnostics/index.js";
import { emptyScope, evaluate } from "../compiler/check/argument-values.js";
import type { BlockDef, Namespace } from "../compiler/bind/workspace.js";
import type { IrModel, IrProgram } from "../compiler/ir/index.js";
import { lintProgram } from "../compiler/lint/index.js";
import { limits } from "../compiler/base/limits.js";
import type { IncrementalParser } from "./incremental-parser.js";

/** A kept model result. `anchors[i]` is where dependency `i` (0: the model) was when it was made. */
interface Kept {
  readonly anchors: readonly { readonly file: string; readonly span: ast.Span }[];
  readonly model: IrModel;
  readonly diagnostics: readonly Diagnostic[];
  /** Dependencies whose blocks ran. */
  readonly instantiated: readonly number[];
  /** The model's lints, made when first asked for. */
  lints?: readonly Diagnostic[];
}

type Move = (file: string | undefined, span: ast.Span) => ast.Span;

interface Dependencies {
  /** Everything the result depends on, as one string. */
  readonly key: string;
  /** The model, then every block reachable from it by name. */
  readonly decls: readonly { readonly file: string; readonly decl: ast.ModelDecl | ast.BlockDecl }[];
}

/** A result that cannot be moved: one of its spans is outside the declarations it depends on. */
class Unmovable extends Error {}

/** Checks models like `checkModel`, reusing results whose inputs did not change. */
export class ModelCache {
  private readonly kept = new Map<string, Kept>();
  /** Callee names by declaration text: a declaration moved by an edit above it is a new tree, same text. */
  private readonly callees = new Map<string, readonly string[]>();
  private readonly badDefaults = new WeakMap<ast.BlockDecl, boolean>();
  /** The kept result each model graph handed out came from, and how it was moved. */
  private readonly origins = new WeakMap<IrModel, { kept: Kept; move?: Move }>();

  constructor(private readonly parser: IncrementalParser) {}

  check: ModelCheck = (decl, file, namespace, instantiated) => {
    const dependencies = this.dependencies(decl, file, namespace);
    if (!dependencies) return checkModel(decl, file, namespace, instantiated);
    const kept = this.kept.get(dependencies.key);
    if (kept) {
      const reused = this.reuse(kept, dependencies);
      if (reused) {
        this.kept.delete(dependencies.key);
        this.kept.set(dependencies.key, kept);
        for (const k of kept.instantiated) instantiated.add(dependencies.decls[k]!.decl as ast.BlockDecl);
        return reused;
      }
    }
    const ran = new Set<ast.BlockDecl>();
    const result = checkModel(decl, file, namespace, ran);
    for (const block of ran) instantiated.add(block);
    const indices = [...ran].map((block) => dependencies.decls.findIndex((d) => d.decl === block));
    if (!indices.includes(-1)) {
      const kept: Kept = {
        anchors: dependencies.decls.map((d) => ({ file: d.file, span: d.decl.span })),
        model: result.model,
        diagnostics: result.diagnostics,
        instantiated: indices,
      };
      this.kept.set(dependencies.key, kept);
      this.origins.set(result.model, { kept });
      if (this.kept.size > 512) this.kept.delete(this.kept.keys().next().value!);
    }
    return result;
  };

  /** The kept result moved to where its declarations are now, or undefined when it cannot be. */
  private reuse(kept: Kept, now: Dependencies): { model: IrModel; diagnostics: readonly Diagnostic[] } | undefined {
    const deltas = kept.anchors.map((a, k) => now.decls[k]!.decl.span.start - a.span.start);
    if (deltas.every((d) => d === 0)) {
      this.origins.set(kept.model, { kept });
      return kept;
    }
    const move: Move = (file, span) => {
      const k = kept.anchors.findIndex((a) => a.file === file && a.span.start <= span.start && span.end <= a.span.end);
      if (k < 0) throw new Unmovable();
      return { start: span.start + deltas[k]!, end: span.end + deltas[k]! };
    };
    try {
      const model = relocatedModel(kept.model, move);
      this.origins.set(model, { kept, move });
      return { model, diagnostics: relocated(kept.diagnostics, undefined, move) };
    } catch (error) {
      if (error instanceof Unmovable) return undefined;
      throw error;
    }
  }

  /**
   * Lints like `lintProgram`, each model's kept with its result: lints read one model at a time, and
   * the loss lints a train block and its model.
   */
  lint = (program: IrProgram): Diagnostic[] => {
    const trained = program.models.filter((m) => program.trains.some((t) => t.model === m.name));
    return uniqueDiagnostics([
      ...program.models.flatMap((model) => this.lintsOf(model)),
      ...lintProgram({ ...program, models: trained }),
    ]);
  };

  private lintsOf(model: IrModel): readonly Diagnostic[] {
    const lintOne = (m: IrModel) => lintProgram({ file: m.location.file, models: [m], trains: [] });
    const origin = this.origins.get(model);
    if (!origin) return lintOne(model);
    const lints = (origin.kept.lints ??= lintOne(origin.kept.model));
    if (!origin.move) return lints;
    try {
      return relocated(lints, undefined, origin.move);
    } catch (error) {
      if (error instanceof Unmovable) return lintOne(model);
      throw error;
    }
  }

  /**
   * What checking `decl` reads: its text, and for every name it calls (over-approximated by every callee in
   * it) what the name means in scope, recursively through the blocks it names. Undefined when the result
   * cannot be kept.
   */
  private dependencies(decl: ast.ModelDecl, file: string, namespace: Namespace): Dependencies | undefined {
    const text = this.parser.stableText.get(decl);
    if (text === undefined) return undefined;
    const parts: string[] = [file, text];
    const decls: { file: string; decl: ast.ModelDecl | ast.BlockDecl }[] = [{ file, decl }];
    const namespaces = new Map<Namespace, number>();
    const visit = (scope: Namespace, names: readonly string[], depth = 0): boolean => {
      // Past the depth the checker follows, the result is not kept (and the stack is spared).
      if (depth > limits.blockDepth.value) return false;
      let id = namespaces.get(scope);
      if (id === undefined) {
        id = namespaces.size;
        namespaces.set(scope, id);
        parts.push(`scope ${id}: ${[...scope.keys()].join(" ")}`);
      }
      for (const name of names) {
        const def = scope.get(name);
        // A model call reads the called model and its run folder on disk: the result is not kept.
        if (def === undefined && scope.models?.has(name)) return false;
        if (def === undefined) continue;
        if (def === null) {
          parts.push(`${id}.${name} = null`);
          continue;
        }
        const known = decls.findIndex((d) => d.decl === def.decl);
        parts.push(`${id}.${name} = ${known >= 0 ? known : decls.length}`);
        if (known >= 0) continue;
        const blockText = this.parser.stableText.get(def.decl);
        if (blockText === undefined || this.hasBadDefaults(def)) return false;
        decls.push({ file: def.file, decl: def.decl });
        parts.push(def.file, blockText);
        if (!visit(def.namespace, this.calleesOf(def.decl, blockText), depth + 1)) return false;
      }
      return true;
    };
    if (!visit(namespace, this.calleesOf(decl, text))) return undefined;
    return { key: parts.join("\n\u0000"), decls };
  }

  /** Every callee name in a declaration, in order, each once. */
  private calleesOf(decl: ast.ModelDecl | ast.BlockDecl, text: string): readonly string[] {
    let names = this.callees.get(text);
    if (!names) {
      const found = new Set<string>();
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value !== null && typeof value === "object") {
          const node = value as { kind?: string; callee?: ast.Ident };
          if (node.kind === "call" && node.callee) found.add(node.callee.text);
          for (const key in node) if (key !== "span") walk((node as Record<string, unknown>)[key]);
        }
      };
      walk(decl.body);
      names = [...found];
      if (this.callees.size >= 4096) this.callees.clear();
      this.callees.set(text, names);
    }
    return names;
  }

  /** A block whose default values have problems: they are reported at its first call in the file only. */
  private hasBadDefaults(def: BlockDef): boolean {
    let bad = this.badDefaults.get(def.decl);
    if (bad === undefined) {
      bad = def.decl.params.some(
        (p) =>
          p.defaultValue !== null && evaluate(p.defaultValue, emptyScope, def.file, new Map()).diagnostics.length > 0,
      );
      this.badDefaults.set(def.decl, bad);
    }
    return bad;
  }
}

/** A model graph with its locations moved (the rest of it does not depend on where the text is). */
function relocatedModel(model: IrModel, move: Move): IrModel {
  const at = (location: Location): Location => ({ file: location.file, span: move(location.file, location.span) });
  return {
    ...model,
    inputs: model.inputs.map((input) => ({ ...input, location: at(input.location) })),
    layers: model.layers.map((layer) => ({
      ...layer,
      location: at(layer.location),
      ...(layer.site ? { site: at(layer.site) } : {}),
    })),
    location: at(model.location),
  };
}

/** A copy with every `span` moved by `move`, given the `file` of the object that holds it. */
function relocated<T>(value: T, file: string | undefined, move: Move): T {
  if (Array.isArray(value)) return value.map((v) => relocated(v, file, move)) as T;
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const here = typeof record["file"] === "string" ? (record["file"] as string) : file;
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const v = record[key];
    if (key === "span") out[key] = move(here, v as ast.Span);
    // A layer's tfjs config holds no source positions.
    else if (key === "tfjs" || typeof v !== "object") out[key] = v;
    else out[key] = relocated(v, here, move);
  }
  return out as T;
}
