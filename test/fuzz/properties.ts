/**
 * What the front end promises on any input, however hostile, checked on one text: shared by the fuzz test
 * in `npm test` (test/fuzz.test.ts) and the longer `npm run fuzz` (scripts/fuzz.ts).
 *
 * - checkSource never throws, and every diagnostic's span (and its related locations') lies inside the text
 *   of the file it names, start <= end;
 * - the formatter never throws; on a file without syntax errors its output parses without errors and formats
 *   to itself;
 * - a clean program's summary renders without throwing and shows no `Infinity` or `NaN` (nor a size that is
 *   not a finite number).
 */
import fc from "fast-check";
import { checkSource } from "../../src/compiler/index.js";
import type { Diagnostic } from "../../src/compiler/diagnostics/index.js";
import { formatSource } from "../../src/compiler/format/index.js";
import { formatSummary, summarize } from "../../src/compiler/emit/summary.js";
import { corpusHost } from "./corpus.js";
import { fuzzCaseArbitrary, type FuzzCase, type FuzzOptions } from "./mutators.js";

export interface Failure {
  readonly property: "check" | "spans" | "format" | "summary";
  readonly message: string;
  readonly stack?: string;
}

const thrown = (property: Failure["property"], what: string, error: unknown): Failure => ({
  property,
  message: `${what} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300),
  ...(error instanceof Error && error.stack ? { stack: error.stack.split("\n").slice(0, 12).join("\n") } : {}),
});

/** What one text did: the properties that failed, and which of them had something to check. */
export interface Outcome {
  readonly failures: Failure[];
  /** The program checked clean, so its summary was rendered. */
  readonly clean: boolean;
  /** The text had no syntax errors, so its formatted output was formatted again. */
  readonly formatted: boolean;
}

/** Every property on one text; no failures when all hold. */
export function frontEndOutcome(text: string, file: string): Outcome {
  const failures: Failure[] = [];
  let checked;
  try {
    checked = checkSource(text, file, corpusHost);
  } catch (error) {
    failures.push(thrown("check", "checkSource", error));
  }
  if (checked) {
    const textOf = (path: string) => (path === file ? text : (checked.sources.get(path) ?? corpusHost.readFile(path)));
    // A diagnostic's own span, its related locations', and its quick fixes' edits' (in its file).
    const places = (d: Diagnostic) => [
      d,
      ...(d.related ?? []),
      ...(d.fixes ?? []).flatMap((f) => f.edits.map((e) => ({ file: d.file, span: e.span, code: `${d.code} fix` }))),
    ];
    for (const place of checked.diagnostics.flatMap(places)) {
      const within = textOf(place.file);
      const { start, end } = place.span;
      const ok =
        within !== undefined &&
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        0 <= start &&
        start <= end &&
        end <= within.length;
      if (!ok) {
        const code = "code" in place ? place.code : "related";
        failures.push({
          property: "spans",
          message: `${code} span ${start}..${end} outside ${place.file} (${within?.length ?? "unread"} characters)`,
        });
        break;
      }
    }
    if (checked.program) failures.push(...summaryFailures(checked.program.models));
  }
  const format = formatFailures(text, file);
  failures.push(...format.failures);
  return { failures, clean: !!checked?.program, formatted: format.formatted };
}

function formatFailures(text: string, file: string): { failures: Failure[]; formatted: boolean } {
  let formatted;
  try {
    formatted = formatSource(text, file).value;
  } catch (error) {
    return { failures: [thrown("format", "formatSource", error)], formatted: false };
  }
  if (formatted === null) return { failures: [], formatted: false };
  let again;
  try {
    // Formatting again parses the output first: a syntax error in it is a null here.
    again = formatSource(formatted, file);
  } catch (error) {
    return { failures: [thrown("format", "formatting the formatted output", error)], formatted: true };
  }
  if (again.value === null) {
    const first = again.diagnostics.find((d) => d.severity === "error");
    const message = `formatted output has a syntax error: ${first?.code} ${first?.message}`;
    return { failures: [{ property: "format", message }], formatted: true };
  }
  if (again.value !== formatted) {
    return {
      failures: [{ property: "format", message: "formatted output does not format to itself" }],
      formatted: true,
    };
  }
  return { failures: [], formatted: true };
}

function summaryFailures(models: readonly Parameters<typeof summarize>[0][]): Failure[] {
  for (const model of models) {
    let table;
    let summary;
    try {
      summary = summarize(model);
      table = formatSummary(summary);
    } catch (error) {
      return [thrown("summary", "summary", error)];
    }
    const bad = /Infinity|NaN/.exec(table);
    if (bad) return [{ property: "summary", message: `summary of ${model.name} shows ${bad[0]}` }];
    const counts = [
      summary.totalParams,
      summary.trainableParams,
      summary.bytes,
      ...summary.layers.flatMap((l) => [l.params, l.bytes]),
    ];
    const odd = counts.find((n) => typeof n === "number" && !Number.isFinite(n));
    if (odd !== undefined) return [{ property: "summary", message: `summary of ${model.name} has a count of ${odd}` }];
  }
  return [];
}

/** A case as a person reads it: the seed, the mutations, and the text's start when it is long. */
export function describeCase(c: FuzzCase): string {
  const text = c.text.length > 600 ? `${c.text.slice(0, 600)}... (${c.text.length} characters)` : c.text;
  return `${c.seed.name} | ${c.mutations.join(" | ")}\n${JSON.stringify(text)}`;
}

export interface RunOptions extends FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  /** A case slower than this is listed (never a failure: machines differ). */
  readonly slowMs: number;
  /** Stop at the first failure and shrink it (the test), or run every case and collect failures (the script). */
  readonly stopAtFirst: boolean;
  readonly onProgress?: (done: number, seconds: number) => void;
  /** Called before each case runs: a case that hangs can be named. */
  readonly onCase?: (description: string) => void;
  /** Called when a case took longer than `slowMs`. */
  readonly onSlow?: (description: string, ms: number) => void;
}

export interface RunReport {
  readonly cases: number;
  readonly seconds: number;
  readonly slow: { readonly description: string; readonly ms: number }[];
  /** Distinct failures (by property and message), each with the first case that showed it (and shrink steps). */
  readonly failures: { readonly failure: Failure; readonly description: string; readonly count: number }[];
  /** The first failure, shrunk, with fast-check's seed and path to replay it (stopAtFirst only). */
  readonly shrunk?: string;
  /** How many cases each kind of mutation was in, and how many had a property beyond "never throws" to check. */
  readonly kinds: ReadonlyMap<string, number>;
  readonly clean: number;
  readonly formatted: number;
}

export function runFrontEndFuzz(options: RunOptions): RunReport {
  const started = performance.now();
  let cases = 0;
  const slow: RunReport["slow"] = [];
  const failures = new Map<string, { failure: Failure; description: string; count: number }>();
  const kinds = new Map<string, number>();
  let clean = 0;
  let formatted = 0;
  const property = fc.property(fuzzCaseArbitrary(options), (c) => {
    options.onCase?.(describeCase(c));
    const t0 = performance.now();
    const outcome = frontEndOutcome(c.text, c.seed.path);
    const found = outcome.failures;
    const ms = performance.now() - t0;
    cases++;
    for (const kind of new Set(c.kinds)) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    if (outcome.clean) clean++;
    if (outcome.formatted) formatted++;
    if (ms > options.slowMs) {
      slow.push({ description: describeCase(c), ms });
      options.onSlow?.(describeCase(c), ms);
    }
    for (const failure of found) {
      const key = `${failure.property}: ${failure.message.replace(/\d+/g, "N")}`;
      const known = failures.get(key);
      if (known) known.count++;
      else failures.set(key, { failure, description: describeCase(c), count: 1 });
    }
    options.onProgress?.(cases, (performance.now() - started) / 1000);
    if (options.stopAtFirst && found.length > 0)
      throw new Error(found.map((f) => `${f.property}: ${f.message}\n${f.stack ?? ""}`).join("\n"));
  });
  const result = fc.check(property, { numRuns: options.runs, seed: options.seed, endOnFailure: !options.stopAtFirst });
  const counterexample = result.counterexample?.[0];
  const shrunk = counterexample
    ? `after ${result.numShrinks} shrinks, seed ${options.seed}, path ${result.counterexamplePath}: ${describeCase(counterexample)}\n${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`
    : undefined;
  return {
    cases: result.numRuns,
    seconds: (performance.now() - started) / 1000,
    slow,
    failures: [...failures.values()],
    ...(shrunk ? { shrunk } : {}),
    kinds,
    clean,
    formatted,
  };
}
