/**
 * A value as `.nn` source text, for overrides a program makes (a sweep's sampled configurations): numbers in
 * a form the lexer reads back to the same double, strings passed through as source text.
 */

/**
 * `64` -> `64`, `3e-4` -> `0.0003`, `1e21` -> `1e21` (JavaScript's `1e+21` has a sign the number token takes
 * too, but the plain form is what people write), `-0.5` -> `-0.5` (a unary minus, which `.nn` reads).
 * A string is `.nn` source already (`relu`, `[64, 64]`, `"text"`) and comes back unchanged. Not finite
 * numbers have no `.nn` form: asking for one is a bug of the caller.
 */
export function valueText(value: number | string): string {
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) throw new Error(`valueText: ${value} has no .nn form`);
  return String(value).replace("e+", "e");
}
