/**
 * What a value in a data file may be. Features become 32-bit floats, so a value is usable only when it is
 * finite as a float32: NaN, an infinity or a number past float32's range would train weights that are all
 * NaN while the reported losses still look finite. Text (CSV cells, labels) is a number only when written
 * in decimal, as a person writes one (`1`, `-1.5`, `1e-3`, `.5`): JavaScript's `Number` also takes `0x10`,
 * `0b1`, `Infinity` and empty text, which in a data file are mistakes, not numbers.
 */
import { NncUserError } from "../errors.js";

const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const nonFiniteWord = /^[+-]?(?:nan|inf|infinity)$/i;

/** The value of decimal `text` when it is a finite float32; undefined for anything else. */
export function decimalValue(text: string): number | undefined {
  if (!decimal.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(Math.fround(value)) ? value : undefined;
}

/**
 * The number in the cell `text` at `where` (`data.csv:3`), `what` naming it there (`column 'x'`), `why`
 * saying why it must be one, if it needs saying. Throws NN4006 when the text is not a decimal number,
 * NN4020 when it names or overflows to a value that is not finite.
 */
export function cellNumber(text: string, where: string, what: string, why = ""): number {
  const value = decimalValue(text);
  if (value !== undefined) return value;
  if (text === "")
    throw new NncUserError("NN4006", { where, reason: `${what}: the value is empty${why}` }, missingHint);
  if (nonFiniteWord.test(text) || decimal.test(text)) {
    const reason = nonFiniteWord.test(text)
      ? `'${text}' is not a finite number`
      : `${text} is too large for a 32-bit float`;
    throw new NncUserError("NN4020", { where, reason: `${what}: ${reason}${why}` }, nonFiniteHint);
  }
  // Text that JavaScript reads as a number (0x10, 0b1) deserves a word on why it is not one here.
  const notation = Number.isFinite(Number(text));
  const reason = `${what}: '${preview(text)}' is not a ${notation ? "decimal " : ""}number${why}`;
  throw new NncUserError(
    "NN4006",
    { where, reason },
    notation ? "write numbers in decimal, such as 1, -1.5 or 1e-3" : undefined,
  );
}

/** What to do about a missing value, said with each error about one. */
export const missingHint = "fill it in, or give the data source missing: drop to leave such rows out";

const nonFiniteHint = "fill in or drop the rows with missing or infinite values before training";

/** The index of the first value of `values` that is not finite (NaN, or an infinity), or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * NN4020 for the number `value` that is, or becomes as a float32, not finite: `what` (`x[11, 3]`,
 * `field 'a'`) at `where`. JSON has no NaN or infinity, so a JSON number that is not finite overflowed.
 */
export function nonFiniteError(where: string, what: string, value: number, json = false): NncUserError {
  const reason =
    Number.isFinite(value) || json
      ? `${json ? "the number" : value} is too large for a 32-bit float`
      : `${value} is not a finite number`;
  return new NncUserError("NN4020", { where, reason: `${what}: ${reason}` }, nonFiniteHint);
}

/**
 * A value read from JSON, described for a message in a few words and without recursing into it: a nested
 * value may be thousands of levels deep, and only numbers and short strings help the reader anyway.
 */
export function describeJson(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(shorten(value));
  return String(value);
}

/** Long text cut for a message. */
function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** Text for a one-line message: cut when long, line ends and other control characters escaped. */
function preview(text: string): string {
  return shorten(text).replace(
    /[\u0000-\u001f\u007f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The first top-level field of `record` whose value nests deeper than `limit` levels, counting the record. */
export function tooDeepField(record: Record<string, unknown>, limit: number): string | undefined {
  for (const [name, field] of Object.entries(record)) {
    // Depth-first with explicit stacks (values and their depths): the check must not itself recurse on the
    // depth it bounds, and only objects and arrays are pushed, so a long flat array costs nothing extra.
    const values: unknown[] = [field];
    const depths: number[] = [2];
    while (values.length > 0) {
      const value = values.pop();
      const depth = depths.pop()!;
      if (typeof value !== "object" || value === null) continue;
      if (depth > limit) return name;
      for (const child of Array.isArray(value) ? value : Object.values(value)) {
        if (typeof child !== "object" || child === null) continue;
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}
