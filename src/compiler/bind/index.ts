/**
 * Phase 2, bind: every name in a file is resolved to its symbol, once, whether the declaration that holds it
 * is ever checked or not. The checker, the lints and every language-server feature read this result; none of
 * them looks a name up again.
 *
 * In: a parsed file and its namespace, the blocks in scope, which the workspace built while loading what the
 * file imports (workspace.ts: NN2008 for a duplicate block, NN2010 and NN2011 for imports). Out: a
 * `FileBinding`: the models (NN2008 for a duplicate), each body's binding (body.ts: what every identifier in
 * it means, and its name diagnostics), and every occurrence of every symbol for the editor.
 */
import { append } from "../base/arrays.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type * as ast from "../syntax/ast.js";
import { bindBody, type BodyBinding, type BodyDecl } from "./body.js";
import { blockSymbol } from "./scope.js";
import { trainOccurrences } from "./train-names.js";
import type { NameSymbol, Occurrence } from "./symbols.js";
import type { Namespace } from "./workspace.js";

export {
  fileSystemHost,
  readSourceFile,
  Workspace,
  type BlockDef,
  type ModelDef,
  type Namespace,
  type SourceHost,
} from "./workspace.js";
export type { BodyBinding } from "./body.js";
export type * from "./symbols.js";

const bodies = new WeakMap<BodyDecl, WeakMap<Namespace, BodyBinding>>();

/**
 * The binding of a model's or a block's body in the namespace of its file, made once per declaration and
 * namespace (a block called from many places is bound once).
 */
export function bodyBinding(decl: BodyDecl, file: string, namespace: Namespace): BodyBinding {
  let byNamespace = bodies.get(decl);
  if (!byNamespace) bodies.set(decl, (byNamespace = new WeakMap()));
  let binding = byNamespace.get(namespace);
  if (!binding) {
    beingBound.add(decl);
    try {
      binding = bindBody(decl, file, namespace);
    } finally {
      beingBound.delete(decl);
    }
    byNamespace.set(namespace, binding);
  }
  return binding;
}

/** Bodies whose binding is under way: a model that calls itself, directly or not, is not bound again inside. */
const beingBound = new Set<BodyDecl>();

/** Whether the body of `decl` is being bound right now (see `bodyBinding`). */
export function isBeingBound(decl: BodyDecl): boolean {
  return beingBound.has(decl);
}

/** What the names of one file mean. Bodies are bound when first asked for. */
export class FileBinding {
  /** The models to check, by name: the first of each name that no block takes. */
  readonly models = new Map<string, ast.ModelDecl>();
  /** Declaration-level name diagnostics: a model whose name is taken. */
  readonly diagnostics: Diagnostic[] = [];
  private readonly modelSymbols = new Map<string, NameSymbol>();
  private occurrenceCache: Occurrence[] | undefined;

  constructor(
    readonly source: ast.SourceFile,
    readonly namespace: Namespace,
  ) {
    const file = source.path;
    for (const decl of source.declarations) {
      if (decl.kind !== "model" || decl.name.recovered) continue;
      const name = decl.name.text;
      if (this.models.has(name) || namespace.has(name)) {
        this.diagnostics.push(diagnostic("NN2008", { file, span: decl.name.span }, { what: "model", name }));
        continue;
      }
      this.models.set(name, decl);
      this.modelSymbols.set(name, {
        kind: "model",
        name,
        key: `model:${name}`,
        definition: { file, span: decl.name.span },
      });
    }
  }

  body(decl: BodyDecl): BodyBinding {
    return bodyBinding(decl, this.source.path, this.namespace);
  }

  /** The model a `train` block names; undefined when there is none of that name (the checker reports it). */
  trainedModel(decl: ast.TrainDecl): ast.ModelDecl | undefined {
    return this.models.get(decl.model.text);
  }

  /** Every occurrence of every symbol in the file, in declaration order. */
  occurrences(): readonly Occurrence[] {
    if (this.occurrenceCache) return this.occurrenceCache;
    const found: Occurrence[] = [];
    const file = this.source.path;
    for (const decl of this.source.declarations) {
      switch (decl.kind) {
        case "model": {
          const symbol = this.modelSymbols.get(decl.name.text);
          if (symbol && this.models.get(decl.name.text) === decl)
            found.push({ span: decl.name.span, symbol, isDefinition: true });
          append(found, this.body(decl).occurrences);
          break;
        }
        case "block": {
          const own = this.namespace.get(decl.name.text);
          if (own?.decl === decl)
            found.push({
              span: decl.name.span,
              symbol: blockSymbol(decl.name.text, file, decl.name.span),
              isDefinition: true,
            });
          append(found, this.body(decl).occurrences);
          break;
        }
        case "sweep":
        case "train": {
          const symbol = this.modelSymbols.get(decl.model.text);
          if (symbol && !decl.model.recovered) found.push({ span: decl.model.span, symbol, isDefinition: false });
          // A sweep names its model the way a train block does; its keys are override names, not tensors.
          const model = decl.kind === "train" ? this.trainedModel(decl) : undefined;
          if (model) append(found, trainOccurrences(decl as ast.TrainDecl, model, this.body(model)));
          break;
        }
        case "import":
          for (const name of decl.names) {
            const def = this.namespace.get(name.text);
            if (def)
              found.push({
                span: name.span,
                symbol: blockSymbol(name.text, def.file, def.decl.name.span),
                isDefinition: false,
              });
          }
          break;
      }
    }
    return (this.occurrenceCache = found);
  }

  /** The occurrence under an offset; an offset just after a name counts (the cursor after `dense|`). */
  occurrenceAt(offset: number): Occurrence | undefined {
    return this.occurrences().find((o) => o.span.start <= offset && offset <= o.span.end);
  }

  /** Every occurrence of a symbol in this file. */
  referencesOf(symbol: NameSymbol): Occurrence[] {
    return this.occurrences().filter((o) => o.symbol.key === symbol.key);
  }

  /** The body whose declaration holds an offset. */
  bodyAt(offset: number): BodyBinding | undefined {
    const decl = this.source.declarations.find((d) => d.span.start <= offset && offset <= d.span.end);
    return decl?.kind === "model" || decl?.kind === "block" ? this.body(decl) : undefined;
  }
}

/** Binds a file: its models and, on demand, every body. */
export function bindFile(source: ast.SourceFile, namespace: Namespace): FileBinding {
  return new FileBinding(source, namespace);
}
