/**
 * What every command shares: reading and checking specs, printing diagnostics as text or JSON, and turning a
 * user's mistake into a message and an exit code rather than a stack trace.
 */
import { writeSync } from "node:fs";
import { InvalidArgumentError, Option } from "commander";
import type { CheckLimits, CheckResult } from "../compiler/index.js";
import { checkFileWithOverrides, overrideSources, parseOverride, type Override } from "../compiler/overrides/index.js";
import { limits } from "../compiler/base/limits.js";
import { dataSources } from "../compiler/registry/data-sources.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics/index.js";
import { countSummary, renderDiagnostics, toJsonDiagnostics } from "../compiler/diagnostics/render.js";

export type Format = "text" | "json";

export const formatOption = () =>
  new Option("--format <format>", "output format").choices(["text", "json"]).default("text");

/** Colour when writing to a terminal, unless NO_COLOR is set; FORCE_COLOR forces it. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env["FORCE_COLOR"] && process.env["FORCE_COLOR"] !== "0") return true;
  return Boolean(stream.isTTY) && !process.env["NO_COLOR"];
}

/** Prints diagnostics for people, followed by a count. */
export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  stream: NodeJS.WriteStream = process.stderr,
): void {
  if (diagnostics.length === 0) return;
  stream.write(renderDiagnostics(diagnostics, sources, { color: useColor(stream) }));
  stream.write(`${countSummary(diagnostics)}\n`);
}

export function printJsonDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  writeStdout(`${JSON.stringify({ diagnostics: toJsonDiagnostics(diagnostics, sources) }, null, 2)}\n`);
}

/**
 * Writes `text` to standard output without making `process.stdout`: its stream loads Node's stream modules, a
 * few percent of `nnc check`'s start, for a line or two. A reader that closed the pipe ends the output, as
 * main.ts's handler does for the stream; anything else goes to the stream as before (which waits for a full
 * pipe that its reader made non-blocking, say).
 */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EPIPE") process.exit(0);
    process.stdout.write(bytes.subarray(written));
  }
}

/** `--max-layers N` and `--max-params N`, as check, summary, compile and train take them. */
export interface LimitFlags {
  readonly maxLayers?: number;
  readonly maxParams?: number;
}

/** `--max-layers N`: raises limits.ts's expandedLayers for one command. */
export const maxLayersOption = () =>
  new Option(
    "--max-layers <n>",
    `most layer and block calls a model may expand to (default ${limits.expandedLayers.value})`,
  ).argParser(wholeNumberUpTo(Number.MAX_SAFE_INTEGER));

/** `--max-params N`: raises limits.ts's parameters; at most 2^53 / 4, so the weights' bytes stay exact too. */
export const maxParamsOption = () =>
  new Option("--max-params <n>", `most parameters a model may have (default ${limits.parameters.value})`).argParser(
    wholeNumberUpTo(Math.floor(Number.MAX_SAFE_INTEGER / 4)),
  );

function wholeNumberUpTo(max: number): (text: string) => number {
  return (text) => {
    const n = Number(text.replace(/_/g, ""));
    if (!Number.isSafeInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

/** The checker's limits that the flags raise (none when no flag is given). */
export function checkLimitsOf(flags: LimitFlags): Partial<CheckLimits> {
  return {
    ...(flags.maxLayers === undefined ? {} : { expandedLayers: flags.maxLayers }),
    ...(flags.maxParams === undefined ? {} : { parameters: flags.maxParams }),
  };
}

/** `--set NAME=VALUE` (repeatable), as every command that reads a spec takes it, and the model it is about. */
export interface SetFlags {
  readonly set?: readonly string[];
  /** The model whose parameters and train block bare names mean (the command's `--model NAME`). */
  readonly trainedModel?: string | undefined;
}

/** `--set NAME=VALUE`: a model parameter or train setting changed for this command (compiler/overrides). */
export const setOption = () =>
  new Option(
    "--set <name=value>",
    "change a model parameter or train setting for this command, as if the file said so (repeatable): " +
      "--set units=64, --set optimizer.learning_rate=3e-4, --set epochs=3",
  ).argParser((value: string, previous: string[] = []) => [...previous, value]);

/**
 * The `--set` arguments read; on a malformed one, prints its diagnostics (located in the argument) in the
 * given format (as text on `stream`: `nnc check` prints its findings on stdout), sets exit code 1 and returns null.
 */
export function readOverrides(
  set: readonly string[] = [],
  format: Format = "text",
  to: "stdout" | "stderr" = "stderr",
): Override[] | null {
  const read = set.map(parseOverride);
  const diagnostics = read.flatMap((r) => r.diagnostics);
  if (!hasErrors(diagnostics)) return read.map((r) => r.value!);
  // Each argument is its own source: its diagnostics show it with carets under the problem.
  const sources = overrideSources(set);
  if (format === "json") printJsonDiagnostics(diagnostics, sources);
  else printDiagnostics(diagnostics, sources, process[to]);
  process.exitCode = 1;
  return null;
}

/**
 * Checks one spec for a command that needs its program, with its `--set` overrides applied. On errors, prints
 * them (as `check` would in the given format), sets exit code 1 and returns null.
 */
export function loadProgram(
  file: string,
  format: Format = "text",
  flags: LimitFlags & SetFlags = {},
): CheckResult["program"] {
  const overrides = readOverrides(flags.set, format);
  if (!overrides) return null;
  const result = checkFileWithOverrides(file, overrides, {
    limits: checkLimitsOf(flags),
    model: flags.trainedModel,
  });
  if (!hasErrors(result.diagnostics)) {
    if (format === "text") printDiagnostics(result.diagnostics, result.sources);
    programFiles.set(result.program!, [...result.sources.keys()]);
    relocations.set(result.program!, result.relocate);
    return result.program;
  }
  if (format === "json") printJsonDiagnostics(result.diagnostics, result.sources);
  else printDiagnostics(result.diagnostics, result.sources);
  process.exitCode = 1;
  return null;
}

const programFiles = new WeakMap<object, readonly string[]>();
const relocations = new WeakMap<object, (d: Diagnostic) => Diagnostic>();

/**
 * A diagnostic a command makes at a location of a program of `loadProgram` (in the spec as its `--set`
 * arguments edited it), located where it is shown: in the file as written.
 */
export function inFileAsWritten(program: NonNullable<CheckResult["program"]>, d: Diagnostic): Diagnostic {
  return relocations.get(program)?.(d) ?? d;
}

/**
 * What no output of a command may replace (src/io/output-path.ts): the files a program of `loadProgram` was
 * read from (the spec and its imports) and the data files its train blocks name.
 */
export function programInputs(program: NonNullable<CheckResult["program"]>): readonly string[] {
  const sources = program.trains.flatMap((train) => [
    train.data,
    ...(train.validation ? [train.validation] : []),
    ...(train.test ? [train.test] : []),
  ]);
  // A path argument is one file, or one per model input (npy's x: { a: path, b: path }).
  const data = sources.flatMap((source) =>
    (dataSources[source.name]?.paths ?? []).flatMap((key) => {
      const value = source.args[key];
      return typeof value === "object" && value !== null ? Object.values(value).map(String) : [String(value)];
    }),
  );
  return [...(programFiles.get(program) ?? [program.file]), ...data];
}

/**
 * The one train block a command works on: the file's only one, or `model`'s; undefined (after a one-line
 * error) when the file has none for it, or several and no `--model` to choose.
 */
export function chooseTrain(
  program: NonNullable<CheckResult["program"]>,
  file: string,
  model: string | undefined,
): NonNullable<CheckResult["program"]>["trains"][number] | undefined {
  const trains = program.trains.filter((t) => model === undefined || t.model === model);
  if (trains.length === 1) return trains[0];
  if (trains.length === 0) fail(`${file} has no train block${model === undefined ? "" : ` for model '${model}'`}`);
  else fail(`${file} trains ${trains.map((t) => t.model).join(", ")}; choose one with --model`);
  return undefined;
}

/** A one-line error for a user's mistake, without a stack trace. */
export function fail(message: string): void {
  process.stderr.write(`${useColor(process.stderr) ? "\x1b[1;31merror\x1b[0m" : "error"}: ${message}\n`);
  process.exitCode = 1;
}
