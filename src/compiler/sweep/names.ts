/**
 * The keys of a sweep's `space:` are names `--set` takes for the swept model (compiler/overrides): a typo is a
 * located error at the key, with the names that exist, before any configuration is made. Two keys that name
 * the same thing (`units` and `Net.units`) would set it twice.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
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
      const resolved = resolveOverrideName(source, decl.model.text, entry.key.text, at);
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
