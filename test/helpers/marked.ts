import type { Span } from "../../src/compiler/syntax/ast.js";

/**
 * Source text with spans marked as `<|...|>`: returns the text without the markers and each marked span,
 * in order, as offsets into that text.
 */
export function marked(source: string): { text: string; spans: Span[] } {
  const spans: Span[] = [];
  let text = "";
  let rest = source;
  for (;;) {
    const open = rest.indexOf("<|");
    if (open < 0) break;
    const close = rest.indexOf("|>", open);
    if (close < 0) throw new Error("unclosed <| marker");
    text += rest.slice(0, open);
    const start = text.length;
    text += rest.slice(open + 2, close);
    spans.push({ start, end: text.length });
    rest = rest.slice(close + 2);
  }
  return { text: text + rest, spans };
}
