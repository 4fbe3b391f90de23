/**
 * Keeping emitted Python lines within 100 characters the way black wraps them: a call that does not fit on its
 * line puts each argument on a line of its own, with a trailing comma.
 */

/** The longest line an emitted script has (black's line length as nnc sets it). */
export const maxLineLength = 100;

/**
 * `${indent}${head}(${args})${tail}` on one line when it fits, else black's exploded form:
 * the head and `(`, one argument a line indented 4 more, then `)` and the tail.
 */
export function pyCallLines(indent: string, head: string, args: readonly string[], tail = ""): string {
  const line = `${indent}${head}(${args.join(", ")})${tail}`;
  if (line.length <= maxLineLength) return line;
  return [`${indent}${head}(`, ...args.map((arg) => `${indent}    ${arg},`), `${indent})${tail}`].join("\n");
}
