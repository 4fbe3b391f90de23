/**
 * The configurations a sweep rejected, grouped by what rejects them: one problem (a code at a place) usually
 * rejects many configurations, and a reader wants it once, with the configurations it rejects:
 * `rejected 5 of 24 configurations:` then `NN3007 at net.nn:7:5: message (3 configurations: units=64 depth=3; ...)`.
 */
import { LineMap } from "../base/line-map.js";
import { displayPath } from "../diagnostics/render.js";
import type { Diagnostic } from "../diagnostics/index.js";
import type { SweepConfiguration } from "../ir/sweep.js";
import { valueText } from "../overrides/value-text.js";

/**
 * A rejected configuration with its check's diagnostics and, best, the texts they point into (ConfigurationCheck's
 * `sources`: the spec as written and the configuration's `--set` arguments); without them, the place is found in
 * the texts `formatRejections` is given.
 */
export interface Rejected {
  readonly config: SweepConfiguration;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources?: ReadonlyMap<string, string>;
}

/** One problem and the configurations it rejects, in the order they were checked. */
export interface RejectionGroup {
  readonly code: string;
  readonly file: string;
  /** 1-based line and column of the diagnostic (0 and 0 without `Rejected.sources`). */
  readonly line: number;
  readonly column: number;
  /** The first configuration's diagnostic, whose message stands for the group. */
  readonly example: Diagnostic;
  readonly configurations: readonly SweepConfiguration[];
}

/**
 * Groups rejected configurations by their first error's code, file and span (a configuration's check locates
 * what it finds in the spec as written, whatever the lengths of its values). Most configurations first, then in
 * the order first met; a configuration counts under its first error.
 */
export function groupRejections(rejected: readonly Rejected[]): RejectionGroup[] {
  const groups = new Map<
    string,
    { example: Diagnostic; line: number; column: number; configurations: SweepConfiguration[] }
  >();
  for (const { config, diagnostics, sources } of rejected) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    if (!first) continue;
    const text = sources?.get(first.file);
    const { line, column } = text === undefined ? { line: 0, column: 0 } : new LineMap(text).position(first.span.start);
    const key = `${first.code} ${first.file} ${first.span.start}-${first.span.end}`;
    const group = groups.get(key);
    if (group) group.configurations.push(config);
    else groups.set(key, { example: first, line, column, configurations: [config] });
  }
  return [...groups.values()]
    .map(({ example, line, column, configurations }) => ({
      code: example.code,
      file: example.file,
      line,
      column,
      example,
      configurations,
    }))
    .sort((a, b) => b.configurations.length - a.configurations.length);
}

/**
 * The groups as lines for a terminal: a count line, then per group its code, place (`net.nn:7:5`, relative to
 * `cwd`), message and up to `shown` of its configurations. `sources` place the groups made without
 * `Rejected.sources`.
 */
export function formatRejections(
  groups: readonly RejectionGroup[],
  total: number,
  sources: ReadonlyMap<string, string> = new Map(),
  { cwd = process.cwd(), shown = 3 }: { readonly cwd?: string; readonly shown?: number } = {},
): string[] {
  const count = groups.reduce((n, g) => n + g.configurations.length, 0);
  const lines = [`rejected ${count} of ${total} configuration${total === 1 ? "" : "s"}:`];
  for (const group of groups) {
    const n = group.configurations.length;
    const text = sources.get(group.file);
    const at =
      group.line > 0 ? group : text === undefined ? undefined : new LineMap(text).position(group.example.span.start);
    const place = displayPath(group.file, cwd) + (at ? `:${at.line}:${at.column}` : "");
    const listed = group.configurations.slice(0, shown).map(describeConfiguration);
    const more = n > shown ? ", ..." : "";
    lines.push(
      `  ${group.code} at ${place}: ${group.example.message} ` +
        `(${n} configuration${n === 1 ? "" : "s"}: ${listed.join("; ")}${more})`,
    );
  }
  return lines;
}

/** `units=64 depth=3`, as the `--set` arguments that give it. */
export function describeConfiguration(config: SweepConfiguration): string {
  return Object.entries(config)
    .map(([name, value]) => `${name}=${valueText(value)}`)
    .join(" ");
}
