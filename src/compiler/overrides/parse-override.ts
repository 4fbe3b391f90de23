/**
 * One `--set NAME=VALUE` argument, read: NAME is dotted names (`units`, `optimizer.learning_rate`), VALUE any
 * `.nn` value, parsed with the file's own grammar. The argument is a source of its own: a diagnostic about the
 * value points into it (file `--set units=0`, text `--set units=0`), so a terminal shows the argument with
 * carets under the value.
 */
import type { Span } from "../base/span.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import { parse } from "../syntax/index.js";

/** A read `--set` argument. Spans are offsets into `source` (the pseudo-file's text, `--set NAME=VALUE`). */
export interface Override {
  /** The argument as given: `units=64`. */
  readonly argument: string;
  /** The pseudo-file diagnostics about this argument are reported in (overrideSource): `--set units=64`. */
  readonly source: string;
  /** The name as written: `units`, `Net.units`, `optimizer.learning_rate`. */
  readonly name: string;
  readonly nameSpan: Span;
  /** The value's `.nn` text, trimmed: `64`, `sgd(learning_rate: 0.1)`. */
  readonly value: string;
  readonly valueSpan: Span;
}

const flag = "--set ";
/** Where the value sits inside the throwaway file it is parsed in. */
const wrapperStart = "train _ { _: ";

/** Longest argument a pseudo-file's name shows whole: a name is printed before each of its diagnostics. */
const namedLength = 80;

/** The pseudo-file name of an argument: `--set units=64`, a long one cut after 80 characters (`…`). */
export function overrideSource(argument: string): string {
  return argument.length <= namedLength ? `${flag}${argument}` : `${flag}${argument.slice(0, namedLength)}…`;
}

/** The pseudo-files of `--set` arguments: each one's name (overrideSource) and text (`--set units=64`). */
export function overrideSources(arguments_: readonly string[]): Map<string, string> {
  return new Map(arguments_.map((argument) => [overrideSource(argument), `${flag}${argument}`]));
}

/**
 * Reads `NAME=VALUE`. A missing `=`, an empty or malformed name, or a VALUE that is not exactly one `.nn`
 * value on one line is NN2032 (or the parser's own NN1xxx, located inside the argument).
 */
export function parseOverride(argument: string): Result<Override | undefined> {
  const source = overrideSource(argument);
  const file = source;
  const at = (start: number, end: number) => ({ file, span: { start: flag.length + start, end: flag.length + end } });
  const fail = (problem: string, start: number, end: number) => ({
    value: undefined,
    diagnostics: [
      diagnostic("NN2032", at(start, end), { problem }, { hint: "write --set NAME=VALUE, e.g. --set units=64" }),
    ],
  });
  const equals = argument.indexOf("=");
  if (equals < 0) return fail("there is no '=' between a name and a value", 0, argument.length);
  const rawName = argument.slice(0, equals);
  const name = rawName.trim();
  const nameStart = rawName.indexOf(name);
  if (!/^[^.\s]+(?:\.[^.\s]+)*$/.test(name))
    return fail(
      name === "" ? "the name is empty" : `'${name}' is not a name or dotted names`,
      nameStart,
      nameStart + Math.max(name.length, 1),
    );
  const rawValue = argument.slice(equals + 1);
  const value = rawValue.trim();
  const valueStart = equals + 1 + rawValue.indexOf(value);
  if (value === "") return fail("the value is empty", equals, equals + 1);
  if (value.startsWith("="))
    return fail("the value starts with '=': one '=' goes between the name and the value", valueStart, valueStart + 1);
  if (/[\n\r]/.test(value)) return fail("the value must be on one line", valueStart, valueStart + value.length);
  const wrapped = parse(`${wrapperStart}${value}\n}`, file);
  // Spans in the wrapped text, moved onto the argument (and kept inside the value).
  const shift = valueStart + flag.length - wrapperStart.length;
  const clamp = (n: number) => Math.min(Math.max(n + shift, flag.length + valueStart), flag.length + argument.length);
  const valueEnd = wrapperStart.length + value.length;
  // The wrapper's closing brace is the end of the value to the user.
  const moved = (d: Diagnostic): Diagnostic => ({
    ...d,
    message:
      d.span.start >= valueEnd
        ? d.message.replace("found '}'", "found the end of the value").replace("unexpected '}'", "the value ends early")
        : d.message,
    span: { start: clamp(d.span.start), end: clamp(d.span.end) },
  });
  if (wrapped.diagnostics.some((d) => d.severity === "error")) {
    const [first, ...rest] = wrapped.diagnostics.map(moved);
    const hint = first!.hint ?? shellHint(name, value);
    return { value: undefined, diagnostics: [hint === undefined ? first! : { ...first!, hint }, ...rest] };
  }
  const declarations = wrapped.value.declarations;
  const only = declarations.length === 1 && declarations[0]!.kind === "train" ? declarations[0] : undefined;
  const entry = only?.entries.length === 1 ? only.entries[0] : undefined;
  const whole = entry && entry.value.span.start === wrapperStart.length && entry.value.span.end === valueEnd;
  if (!whole || wrapped.value.comments.length > 0)
    return fail(
      "the value is not one .nn value (a number, name, string, list, map or call)",
      valueStart,
      valueStart + value.length,
    );
  return {
    value: {
      argument,
      source,
      name,
      nameSpan: at(nameStart, nameStart + name.length).span,
      value,
      valueSpan: at(valueStart, valueStart + value.length).span,
    },
    diagnostics: wrapped.diagnostics.map(moved),
  };
}

/**
 * What the shell may have done to a value that does not parse: taken a string's quotes (`data.images="a.gz"`
 * arrives as `data.images=a.gz`), or joined two settings in one quoted argument (`'units=64 depth=2'`).
 */
function shellHint(name: string, value: string): string | undefined {
  const joined = /^(.*?)\s+([A-Za-z_][\w.]*\s*=.*)$/.exec(value);
  if (joined) return `one setting per --set: --set ${name}=${joined[1]} --set ${joined[2]}`;
  if (/^[^\s"'()[\]{},:=]+$/.test(value) && /[./]/.test(value))
    return `a string value needs its quotes, kept from the shell: --set '${name}="${value}"'`;
  return undefined;
}

/** An argument in one spelling, `NAME=VALUE` without spaces around the two (a malformed one as it is): what a run records. */
export function normalOverride(argument: string): string {
  const read = parseOverride(argument).value;
  return read ? `${read.name}=${read.value}` : argument;
}
