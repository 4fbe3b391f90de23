/**
 * A prettier plugin for `.nn` files: `prettier --plugin nnc/prettier-plugin --write model.nn`.
 *
 * It formats exactly as `nnc fmt` does. The parser runs nnc's formatter and hands prettier a root node that
 * holds the formatted text; the printer returns that text. A file with syntax errors is a prettier syntax
 * error at the first one, and prettier leaves the file alone.
 */
import { formatSource } from "./compiler/format/index.js";
import { LineMap } from "./compiler/base/line-map.js";

interface FormattedRoot {
  readonly type: "nn-root";
  readonly text: string;
  readonly length: number;
}

/** What prettier shows for a syntax error: its message and `loc` (1-based line, 1-based column). */
class NnSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number }; end: { line: number; column: number } },
  ) {
    super(message);
  }
}

export const languages = [
  {
    name: "nn",
    parsers: ["nn"],
    extensions: [".nn"],
    vscodeLanguageIds: ["nn"],
  },
];

export const parsers = {
  nn: {
    astFormat: "nn-formatted",
    parse(text: string, options: { filepath?: string }): FormattedRoot {
      const result = formatSource(text, options.filepath ?? "<input>.nn");
      if (result.value === null) {
        const error = result.diagnostics.find((d) => d.severity === "error") ?? result.diagnostics[0]!;
        const lines = new LineMap(text);
        const start = lines.position(error.span.start);
        const end = lines.position(error.span.end);
        throw new NnSyntaxError(`${error.code}: ${error.message}`, { start, end });
      }
      return { type: "nn-root", text: result.value, length: text.length };
    },
    locStart: (): number => 0,
    locEnd: (node: FormattedRoot): number => node.length,
  },
};

export const printers = {
  "nn-formatted": {
    print(path: { node: FormattedRoot }): string {
      return path.node.text;
    },
  },
};

export default { languages, parsers, printers };
