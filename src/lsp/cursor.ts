/**
 * What the cursor is in, read from the text rather than the syntax tree: while a line is being typed it is
 * rarely valid, and completion must still know it is inside `conv2d(` after `padding:`.
 */

export interface OpenCall {
  readonly callee: string;
  /** Offset of the `(`. */
  readonly open: number;
  /** Arguments before the cursor's. */
  readonly index: number;
  /** Named arguments already written. */
  readonly named: readonly string[];
  /** The argument name when the cursor is after `name:`. */
  readonly argument?: string;
  /** True when the cursor's argument could still become `name:`. */
  readonly atName: boolean;
}

export interface Cursor {
  /** The identifier characters just before the cursor. */
  readonly prefix: string;
  /** The innermost declaration: `model`, `block`, `train`, `sweep`, or `top` outside any. */
  readonly declaration: "model" | "block" | "train" | "sweep" | "top";
  /**
   * For `train` and `sweep`: the key whose value the cursor is in (`loss` in `loss: cat|`; in a sweep's space,
   * `units` in `units: ch|`).
   */
  readonly trainKey?: string;
  /** Inside braces within the declaration's own (a map: a sweep's `space: { ... }`). */
  readonly inMap: boolean;
  /** The innermost unclosed call, if any. */
  readonly call?: OpenCall;
  /** In a list `[...]` (not in a call). */
  readonly inList: boolean;
  /** Where a statement starts: only blanks between the line's start (or `{`, `;`) and the prefix. */
  readonly statementStart: boolean;
  /** Right after `->` or `=`: a chain step. */
  readonly afterArrow: boolean;
  readonly afterEquals: boolean;
}

interface Open {
  readonly char: "(" | "[" | "{";
  readonly at: number;
}

/** Scans the text up to the cursor once, skipping comments and strings, keeping a stack of open brackets. */
export function cursorAt(text: string, offset: number): Cursor {
  const stack: Open[] = [];
  let i = 0;
  while (i < offset) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end < 0 || end > offset ? offset : end;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 || end + 2 > offset ? offset : end + 2;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < offset && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") stack.push({ char: c, at: i });
    else if (c === ")" || c === "]" || c === "}") {
      const want = c === ")" ? "(" : c === "]" ? "[" : "{";
      // A stray closer closes up to its opener; one with no opener is ignored.
      const at = stack.map((o) => o.char).lastIndexOf(want);
      if (at >= 0) stack.length = at;
    }
    i++;
  }
  let start = offset;
  while (start > 0 && /[A-Za-z0-9_]/.test(text[start - 1]!)) start--;
  const prefix = text.slice(start, offset);
  const before = text.slice(0, start).replace(/[ \t]+$/, "");
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;

  const brace = [...stack].reverse().find((o) => o.char === "{");
  const outerBrace = stack.find((o) => o.char === "{");
  const header = outerBrace ? headerBefore(text, outerBrace.at) : "";
  const declaration = header.startsWith("model")
    ? "model"
    : header.startsWith("block")
      ? "block"
      : header.startsWith("train")
        ? "train"
        : header.startsWith("sweep")
          ? "sweep"
          : "top";
  const top = stack.at(-1);
  const call = top?.char === "(" ? openCall(text, top.at, start) : undefined;
  const lastOpen = Math.max(brace?.at ?? -1, text.lastIndexOf(";", start - 1));
  const statementStart =
    stack.at(-1)?.char === "{" && /^[ \t]*$/.test(text.slice(Math.max(lineStart, lastOpen + 1), start));
  let trainKey: string | undefined;
  if ((declaration === "train" || declaration === "sweep") && outerBrace) {
    const keyMatch = /(?:^|[\n;{])[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*:[^\n;]*$/.exec(text.slice(outerBrace.at, start));
    trainKey = keyMatch?.[1];
  }
  return {
    prefix,
    declaration,
    ...(trainKey ? { trainKey } : {}),
    ...(call ? { call } : {}),
    inList: top?.char === "[",
    inMap: brace !== undefined && brace !== outerBrace,
    statementStart,
    afterArrow: before.endsWith("->"),
    afterEquals: before.endsWith("=") && !before.endsWith("=="),
  };
}

/**
 * The words before a `{`: `model Mnist`, `train Mnist`, `block residual(f)(x)`; those of the line above when
 * the brace starts its line (`sweep Net` then `{`).
 */
function headerBefore(text: string, brace: number): string {
  const lineStart = text.lastIndexOf("\n", brace - 1) + 1;
  const header = text.slice(lineStart, brace).trim();
  if (header !== "" || lineStart === 0) return header;
  return text.slice(text.lastIndexOf("\n", lineStart - 2) + 1, lineStart).trim();
}

function openCall(text: string, open: number, cursor: number): OpenCall | undefined {
  const callee = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text.slice(Math.max(0, open - 100), open))?.[1];
  if (!callee) return undefined;
  // Split the arguments at top-level commas, ignoring nested brackets and strings.
  const parts: string[] = [""];
  let depth = 0;
  let inString = false;
  for (let i = open + 1; i < cursor; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      parts.push("");
      continue;
    }
    parts[parts.length - 1] += c;
  }
  const named = parts.flatMap((p) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(p)?.[1] ?? []);
  const current = parts.at(-1)!;
  const argument = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(current)?.[1];
  return {
    callee,
    open,
    index: parts.length - 1,
    named,
    ...(argument ? { argument } : {}),
    atName: /^\s*[A-Za-z0-9_]*$/.test(current),
  };
}
