/**
 * What every command shares: reading and checking specs, printing diagnostics as text or JSON, and turning a
 * user's mistake into a message and an exit code rather than a stack trace.
 */
import { Option } from "commander";
import { checkFile, type CheckResult } from "../compiler/index.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics.js";
import { countSummary, renderDiagnostics, toJsonDiagnostics } from "../compiler/render.js";

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
  process.stdout.write(`${JSON.stringify({ diagnostics: toJsonDiagnostics(diagnostics, sources) }, null, 2)}\n`);
}

/**
 * Checks one spec for a command that needs its program. On errors, prints them (as `check` would in the
 * given format), sets exit code 1 and returns null.
 */
export function loadProgram(file: string, format: Format = "text"): CheckResult["program"] {
  const result = checkFile(file);
  if (!hasErrors(result.diagnostics)) {
    if (format === "text") printDiagnostics(result.diagnostics, result.sources);
    programFiles.set(result.program!, [...result.sources.keys()]);
    return result.program;
  }
  if (format === "json") printJsonDiagnostics(result.diagnostics, result.sources);
  else printDiagnostics(result.diagnostics, result.sources);
  process.exitCode = 1;
  return null;
}

const programFiles = new WeakMap<object, readonly string[]>();

/** The files a program of `loadProgram` was read from (the spec and its imports): inputs no output may replace. */
export function programFilesOf(program: NonNullable<CheckResult["program"]>): readonly string[] {
  return programFiles.get(program) ?? [program.file];
}

/** A one-line error for a user's mistake, without a stack trace. */
export function fail(message: string): void {
  process.stderr.write(`${useColor(process.stderr) ? "\x1b[1;31merror\x1b[0m" : "error"}: ${message}\n`);
  process.exitCode = 1;
}
