/**
 * The keys of a sweep's `space:` are names `--set` takes for the swept model (compiler/overrides): a typo is a
 * located error at the key, with the names that exist, before any configuration is made. Two keys that name
 * the same thing (`units` and `Net.units`) would set it twice, and so would a `--set` of `nnc sweep` that sets
 * what a key varies.
 */
import type { Span } from "../base/span.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { Override } from "../overrides/parse-override.js";
import { resolveOverrideName } from "../overrides/resolve-name.js";

/** NN2036-NN2039 at each `space:` key that is no settable name of its sweep's model; NN4072 for one set twice. */
export function checkSweepNames(source: ast.SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const decl of source.declarations) {
    if (decl.kind !== "sweep" || decl.recovered || decl.model.recovered) continue;
    // Without a model and its train block there is nothing to resolve against (the checker says so).
    const model = source.declarations.find((d) => d.kind === "model" && d.name.text === decl.model.text);
    const trained = source.declarations.some((d) => d.kind === "train" && d.model.text === decl.model.text);
    const space = decl.entries.find((e) => e.key.text === "space" && !e.recovered)?.value;
    if (!model || !trained || space?.kind !== "map") continue;
    const seen = new Map<string, string>();
    for (const entry of space.entries) {
      if (entry.recovered || entry.key.recovered) continue;
      const at = { file: source.path, span: entry.key.span };
      const resolved = resolveOverrideName(source, decl.model.text, entry.key.text, at, "a space key");
      if ("diagnostic" in resolved) {
        out.push(resolved.diagnostic);
        continue;
      }
      const first = seen.get(resolved.found.canonical);
      // The same spelling twice is the checker's NN4072 already (check/sweep-space.ts).
      if (first !== undefined && first !== entry.key.text) {
        const problem = `sets ${resolved.found.canonical} twice: as '${first}' and as '${entry.key.text}'`;
        out.push(diagnostic("NN4072", at, { key: "space", problem }));
      }
      seen.set(resolved.found.canonical, entry.key.text);
    }
  }
  return out;
}

/**
 * NN2040 at each `--set` argument of `nnc sweep` that sets what `model`'s sweep varies: a space key's own setting
 * (`units` or `Net.units` for the key `units`), or a part of one (`optimizer.learning_rate` for the key
 * `optimizer`, whose every value would replace it). Setting a whole value whose part a key varies is fine: the
 * configurations edit inside it. Names are resolved in `source`, the file as written.
 */
export function overridesVaried(source: ast.SourceFile, model: string, overrides: readonly Override[]): Diagnostic[] {
  const sweep = source.declarations.find((d): d is ast.SweepDecl => d.kind === "sweep" && d.model.text === model);
  const space = sweep?.entries.find((e) => e.key.text === "space")?.value;
  if (space?.kind !== "map") return [];
  const varied = space.entries.flatMap((entry) => {
    const key = canonicalName(source, model, entry.key.text, entry.key.span);
    return key === undefined ? [] : [{ key, entry }];
  });
  return overrides.flatMap((override) => {
    const name = canonicalName(source, model, override.name, override.nameSpan);
    const clash = varied.find(({ key }) => name === key || name?.startsWith(`${key}.`));
    if (!clash) return [];
    const args = name === clash.key ? { name: override.name } : { name: override.name, within: clash.entry.key.text };
    const related = [{ file: source.path, span: clash.entry.key.span, message: "varied here" }];
    const hint = "drop this --set, or the key from the sweep's space";
    return [diagnostic("NN2040", { file: override.source, span: override.nameSpan }, args, { hint, related })];
  });
}

/** What `name` sets for `model` (`train.optimizer`, `Net.units`); undefined when it sets nothing (reported elsewhere). */
function canonicalName(source: ast.SourceFile, model: string, name: string, span: Span): string | undefined {
  const resolved = resolveOverrideName(source, model, name, { file: source.path, span });
  return "found" in resolved ? resolved.found.canonical : undefined;
}
