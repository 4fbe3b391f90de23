/**
 * The configurations a sweep rejected, grouped by what rejects them: one problem (a code at a place) usually
 * rejects many configurations, and a reader wants it once, with the configurations it rejects:
 * `rejected 5 of 24 configurations: NN3007 at net.nn:7:5 (3 configurations: units=64 depth=3, ...)`.
 */
import { LineMap } from "../base/line-map.js";
import { displayPath } from "../diagnostics/render.js";
import type { Diagnostic, Location } from "../diagnostics/index.js";
import type { SweepConfiguration } from "../ir/sweep.js";
import { valueText } from "../overrides/value-text.js";

export interface Rejected {
  readonly config: SweepConfiguration;
  readonly diagnostics: readonly Diagnostic[];
}

/** One problem and the configurations it rejects, in the order they were checked. */
export interface RejectionGroup {
  readonly code: string;
  readonly location: Location;
  /** The first configuration's diagnostic, whose message stands for the group. */
  readonly example: Diagnostic;
  readonly configurations: readonly SweepConfiguration[];
}

/**
 * Groups rejected configurations by their first error (code and location): most configurations first, then in
 * the order first met. A configuration with several errors counts under its first, as its check prints it.
 */
export function groupRejections(rejected: readonly Rejected[]): RejectionGroup[] {
  const groups = new Map<string, { example: Diagnostic; configurations: SweepConfiguration[] }>();
  for (const { config, diagnostics } of rejected) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    if (!first) continue;
    const key = `${first.code} ${first.file} ${first.span.start} ${first.span.end}`;
    const group = groups.get(key);
    if (group) group.configurations.push(config);
    else groups.set(key, { example: first, configurations: [config] });
  }
  return [...groups.values()]
    .map(({ example, configurations }) => ({
      code: example.code,
      location: { file: example.file, span: example.span },
      example,
      configurations,
    }))
    .sort((a, b) => b.configurations.length - a.configurations.length);
}

/**
 * The groups as lines for a terminal: a count line, then per group its code, place (`net.nn:7:5`, relative to
 * `cwd`), message and up to `shown` of its configurations. `sources` are the texts the diagnostics point into.
 */
export function formatRejections(
  groups: readonly RejectionGroup[],
  total: number,
  sources: ReadonlyMap<string, string>,
  { cwd = process.cwd(), shown = 3 }: { readonly cwd?: string; readonly shown?: number } = {},
): string[] {
  const count = groups.reduce((n, g) => n + g.configurations.length, 0);
  const maps = new Map<string, LineMap>();
  const place = ({ file, span }: Location) => {
    const text = sources.get(file);
    if (text === undefined) return displayPath(file, cwd);
    let map = maps.get(file);
    if (!map) maps.set(file, (map = new LineMap(text)));
    const { line, column } = map.position(span.start);
    return `${displayPath(file, cwd)}:${line}:${column}`;
  };
  const lines = [`rejected ${count} of ${total} configuration${total === 1 ? "" : "s"}:`];
  for (const group of groups) {
    const n = group.configurations.length;
    const listed = group.configurations.slice(0, shown).map(describeConfiguration);
    const more = n > shown ? ", ..." : "";
    lines.push(
      `  ${group.code} at ${place(group.location)}: ${group.example.message} ` +
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
