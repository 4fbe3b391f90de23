/**
 * `runs/<sweep>/best.nn`: the spec with the best trial's configuration written into it, a spec to train as it
 * is (`nnc train runs/<sweep>/best.nn`), laid out as `nnc fmt` lays it out. Made with the same text edits as `--set` (compiler/overrides), its
 * relative paths rebased so that data and imports resolve from the sweep's folder, its `sweep` declarations
 * left out (it is the result of one), and a header saying where it came from.
 */
import path from "node:path";
import { groupThousands } from "../../compiler/base/numbers.js";
import type { Diagnostic, Result } from "../../compiler/diagnostics/index.js";
import type { IrSweep, SweepConfiguration } from "../../compiler/ir/sweep.js";
import {
  applyOverrides,
  parseOverride,
  rebasePaths,
  valueText,
  type Override,
} from "../../compiler/overrides/index.js";
import { formatSource } from "../../compiler/format/index.js";
import { parse } from "../../compiler/syntax/index.js";
import { writeFileAtomic } from "../../io/write-atomic.js";
import { formatObjective } from "./report-format.js";
import type { TrialRecord } from "./trial-record.js";
import { append } from "../../compiler/base/arrays.js";

/** The file's name inside the sweep's folder. */
export const bestSpecFile = "best.nn";

export interface BestSpecOptions {
  /** Overrides every trial was trained with besides its configuration (the sweep's `seed`), written in too. */
  readonly fixed?: SweepConfiguration;
  /** The date the header gives; now by default. */
  readonly date?: Date;
}

/**
 * The text of `best.nn` for `record` (the sweep's best trial), to be written at `bestFile`: `specText` (read
 * from `specFile`) with the configuration applied, paths rebased from `specFile`'s folder to `bestFile`'s, and
 * every `sweep` declaration removed. Diagnostics only when an override does not apply, which the check of every
 * configuration before its trial ran rules out.
 */
export function bestSpecText(
  specText: string,
  specFile: string,
  bestFile: string,
  sweep: IrSweep,
  record: TrialRecord,
  options: BestSpecOptions = {},
): Result<string> {
  const values: SweepConfiguration = { ...options.fixed, ...record.config };
  const overrides: Override[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [name, value] of Object.entries(values)) {
    const parsed = parseOverride(`${name}=${valueText(value)}`);
    append(diagnostics, parsed.diagnostics);
    if (parsed.value) overrides.push(parsed.value);
  }
  const applied = applyOverrides(specText, specFile, overrides, { model: sweep.model });
  append(diagnostics, applied.diagnostics);
  const rebased = rebasePaths(withoutSweeps(applied.value, specFile), specFile, bestFile);
  // Laid out as `nnc fmt` would: an override inserted on its neighbour's line (`train Net { seed: 1;`) gets its own.
  const text = formatSource(rebased, bestFile).value ?? rebased;
  return { value: header(specFile, sweep, record, values, options.date ?? new Date()) + text, diagnostics };
}

/**
 * Writes `best.nn` into `folder` (the sweep's own folder, which the runner made) atomically; returns its path.
 * Never the spec itself: the runner's folder holds only what nnc wrote.
 */
export async function writeBestSpec(
  folder: string,
  specText: string,
  specFile: string,
  sweep: IrSweep,
  record: TrialRecord,
  options: BestSpecOptions = {},
): Promise<Result<string>> {
  const file = path.join(folder, bestSpecFile);
  const text = bestSpecText(specText, specFile, file, sweep, record, options);
  await writeFileAtomic(file, text.value);
  return { value: file, diagnostics: text.diagnostics };
}

/** The header comment: which sweep and trial, its objective, the values written in, and when. */
function header(specFile: string, sweep: IrSweep, record: TrialRecord, values: SweepConfiguration, date: Date): string {
  const objective = `${sweep.objective.metric} ${formatObjective(record.objective)}`;
  const lines = [
    `best.nn: the best configuration of the sweep ${sweep.name} over ${sweep.model} in ${specFile},`,
    `written by nnc sweep on ${date.toISOString().slice(0, 10)}: trial ${record.trial} (${record.run}),`,
    `${objective} at epoch ${record.bestEpoch} (${sweep.objective.direction}), ${groupThousands(record.params)} parameters.`,
    `Its values, set below:`,
    ...Object.entries(values).map(([name, value]) => `  ${name} = ${valueText(value)}`),
  ];
  return `${lines.map((line) => `// ${line}`).join("\n")}\n\n`;
}

/**
 * `text` without its `sweep` declarations, each taken out with the lines it stands on when nothing else is on
 * them, the comment lines right above it and after its closing brace, and one blank line after it.
 */
function withoutSweeps(text: string, file: string): string {
  const sweeps = parse(text, file).value.declarations.filter((d) => d.kind === "sweep");
  let result = text;
  for (const decl of [...sweeps].reverse()) {
    const lineStart = result.lastIndexOf("\n", decl.span.start - 1) + 1;
    const whole = result.slice(lineStart, decl.span.start).trim() === "";
    let start = whole ? lineStart : decl.span.start;
    // The comment lines right above it are about it: they go with it.
    while (whole && start > 0) {
      const above = result.lastIndexOf("\n", start - 2) + 1;
      if (!/^[ \t]*\/\/.*\n$/.test(result.slice(above, start))) break;
      start = above;
    }
    const lineEnd = result.indexOf("\n", decl.span.end);
    let end = lineEnd < 0 ? result.length : lineEnd + 1;
    if (!/^\s*(\/\/.*)?$/.test(result.slice(decl.span.end, lineEnd < 0 ? undefined : lineEnd))) end = decl.span.end;
    else if (result[end] === "\n") end++;
    result = result.slice(0, start) + result.slice(end);
  }
  return result.replace(/\n+$/, "\n");
}
