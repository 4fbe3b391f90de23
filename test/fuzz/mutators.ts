/**
 * The fuzzer's mutators: each takes a seed's text and makes it hostile in one way a user (or a bad editor
 * buffer) can. A case is a seed with one or two mutations applied; each mutation describes itself, so a
 * failing case can be written down and replayed by hand.
 */
import fc from "fast-check";
import type { IToken } from "chevrotain";
import { keywords, nnLexer } from "../../grammar/tokens.js";
import { seeds, type Seed } from "./corpus.js";

export interface Mutation {
  /** What it does, with its parameters: `nest 212 × ( around token 7`. */
  readonly label: string;
  readonly apply: (text: string) => string;
}

export interface FuzzCase {
  readonly seed: Seed;
  readonly mutations: readonly string[];
  /** The kind of each mutation (a key of `mutators`). */
  readonly kinds: readonly string[];
  readonly text: string;
}

/** The n-th element, counted around the list (a generated index fits any text); undefined for an empty list. */
const pick = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];

/** Tokens of the text's first 2 MiB (a long text past the spec size limit is refused whole; lexing it all costs GBs). */
const lexedChars = 2 * 1024 * 1024;
const tokensOf = (text: string, kinds?: readonly string[]): IToken[] =>
  nnLexer
    .tokenize(text.length > lexedChars ? text.slice(0, lexedChars) : text)
    .tokens.filter((t) => !kinds || kinds.includes(t.tokenType.name));

/** `text` with one token's characters replaced. */
const replaceToken = (text: string, token: IToken | undefined, by: (image: string) => string): string =>
  token ? text.slice(0, token.startOffset) + by(token.image) + text.slice(token.endOffset! + 1) : text;

const atoms = ["NumberLiteral", "Identifier", "StringLiteral"];

/** Depths: mostly shallow enough to be valid, often past any sane limit (500). */
const depth = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 21, max: 500 }));
/** Lengths of long inputs: from 10^3 to `max`, evenly spread on a log scale (shrinking toward 10^3). */
const lengthUpTo = (max: number) =>
  fc.integer({ min: 0, max: 1000 }).map((u) => Math.round(10 ** (3 + (u / 1000) * (Math.log10(max) - 3))));

const brackets = { "(": ")", "[": "]", "{": "}", "f(": ")", "dense(": ")", "-(": ")" } as const;

/** Wraps an atom (a size, an argument, a name) in N brackets, parentheses or calls, closed or not. */
const nest = fc
  .record({
    at: fc.nat(),
    depth,
    open: fc.constantFrom(...(Object.keys(brackets) as (keyof typeof brackets)[])),
    closed: fc.boolean(),
  })
  .map(({ at, depth, open, closed }): Mutation => ({
    label: `nest ${depth} × ${open}${closed ? "" : " (unclosed)"} around atom ${at}`,
    apply: (text) =>
      replaceToken(
        text,
        pick(tokensOf(text, atoms), at),
        (image) => open.repeat(depth) + image + (closed ? brackets[open].repeat(depth) : ""),
      ),
  }));

/** Puts a line inside N nested `repeat 1` blocks: deep, not big (huge expansions are hugeStatement and blockChain). */
const nestRepeat = fc.record({ at: fc.nat(), depth, closed: fc.boolean() }).map(({ at, depth, closed }): Mutation => ({
  label: `wrap line ${at} in ${depth} repeat blocks${closed ? "" : " (unclosed)"}`,
  apply: (text) => {
    const lines = text.split("\n");
    const i = at % lines.length;
    lines[i] = "repeat 1 { ".repeat(depth) + lines[i] + (closed ? " }".repeat(depth) : "");
    return lines.join("\n");
  },
}));

/** A line repeated N times. */
const longLines = (length: fc.Arbitrary<number>) =>
  fc.record({ at: fc.nat(), count: length }).map(({ at, count }): Mutation => ({
    label: `repeat line ${at} ${count} times`,
    apply: (text) => {
      const lines = text.split("\n");
      const i = at % lines.length;
      return [...lines.slice(0, i), ...Array<string>(count).fill(lines[i]!), ...lines.slice(i + 1)].join("\n");
    },
  }));

/** An atom turned into a sum, product or chain of N terms. */
const longTerm = (length: fc.Arbitrary<number>) =>
  fc
    .record({ at: fc.nat(), count: length, op: fc.constantFrom(" + ", " * ", " - ", " -> ", ", ", "") })
    .map(({ at, count, op }): Mutation => ({
      label: `atom ${at} as ${count} terms joined by "${op}"`,
      apply: (text) =>
        replaceToken(text, pick(tokensOf(text, atoms), at), (image) => Array<string>(count).fill(image).join(op)),
    }));

/** A long identifier, string or number in place of one. */
const longToken = (length: fc.Arbitrary<number>) =>
  fc
    .record({ at: fc.nat(), count: length, kind: fc.constantFrom("Identifier", "StringLiteral", "NumberLiteral") })
    .map(({ at, count, kind }): Mutation => ({
      label: `${kind} ${at} made ${count} characters long`,
      apply: (text) =>
        replaceToken(text, pick(tokensOf(text, [kind]), at), (image) =>
          kind === "Identifier"
            ? image.padEnd(count, "x")
            : kind === "StringLiteral"
              ? `"${"s".repeat(count)}"`
              : "9".repeat(count),
        ),
    }));

/** Token images a mutation may insert: every keyword and punctuation, and a few of each literal kind. */
const vocabulary = [
  ...keywords,
  ..."-> { } ( ) [ ] , : ; = == <= >= < > ? + - * /".split(" "),
  "x",
  "dense",
  "relu",
  "units",
  "0",
  "1.5",
  "-3",
  "1e3",
  '"s"',
  '"',
  "\n",
  "// c\n",
  "/*",
  "*/",
  "_",
  "1_000",
];

/** Token-level edits: delete, duplicate, swap, insert; or cut the file short. */
const tokenEdit = fc
  .record({
    op: fc.constantFrom("delete", "duplicate", "swap", "insert", "truncate"),
    at: fc.nat(),
    other: fc.nat(),
    word: fc.constantFrom(...vocabulary),
  })
  .map(({ op, at, other, word }): Mutation => ({
    label:
      op === "insert"
        ? `insert ${JSON.stringify(word)} before token ${at}`
        : `${op} token ${at}${op === "swap" ? ` with ${other}` : ""}`,
    apply: (text) => {
      const tokens = tokensOf(text);
      const a = pick(tokens, at);
      if (!a) return op === "insert" ? word + text : text;
      const start = a.startOffset;
      const end = a.endOffset! + 1;
      switch (op) {
        case "delete":
          return text.slice(0, start) + text.slice(end);
        case "duplicate":
          return text.slice(0, end) + " " + a.image + text.slice(end);
        case "insert":
          return `${text.slice(0, start)}${word} ${text.slice(start)}`;
        case "truncate":
          return text.slice(0, start);
        case "swap": {
          const b = pick(tokens, other)!;
          if (b === a) return text;
          const [first, second] = a.startOffset < b.startOffset ? [a, b] : [b, a];
          return (
            text.slice(0, first.startOffset) +
            second.image +
            text.slice(first.endOffset! + 1, second.startOffset) +
            first.image +
            text.slice(second.endOffset! + 1)
          );
        }
      }
    },
  }));

/** Bidi controls, line and paragraph separators, NUL, BOM, lone surrogates, combining marks, odd spaces. */
const specials = [
  "\u202E",
  "\u202D",
  "\u202A",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200F",
  "\u061C",
  "\u200B",
  "\r",
  "\u2028",
  "\u2029",
  "\0",
  "\uFEFF",
  "\uD800",
  "\uDC00",
  "\u00A0",
  "\u0085",
  "\t",
  "\v",
  "\f",
  "é",
  "\u{1D54F}",
  "\u0301",
];

/** Random characters (any code point, or the special ones) inserted anywhere, even inside a pair. */
const randomChars = fc
  .record({
    at: fc.nat(),
    chars: fc.oneof(
      fc.string({ unit: "binary", maxLength: 16 }),
      fc.string({ unit: fc.constantFrom(...specials), minLength: 1, maxLength: 8 }),
    ),
  })
  .map(({ at, chars }): Mutation => ({
    label: `insert ${JSON.stringify(chars)} at character ${at}`,
    apply: (text) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + chars + text.slice(i);
    },
  }));

/** Every line end made another one: lone CR, U+2028, CRLF, LF CR. */
const lineEnds = fc.constantFrom("\r", "\u2028", "\u2029", "\r\n", "\n\r").map((end): Mutation => ({
  label: `line ends as ${JSON.stringify(end)}`,
  apply: (text) => text.split("\n").join(end),
}));

const hugeNumbers = [
  "1000000000",
  "1e9",
  "1152921504606846976",
  "1e308",
  "1e309",
  "9007199254740993",
  `1${"0".repeat(400)}`,
  "0",
  "-1",
  "0.5",
  "1e-400",
  "0x10",
  "4294967296",
];

/** A number replaced by a huge, tiny or odd one. */
const hugeNumber = fc
  .record({ at: fc.nat(), value: fc.constantFrom(...hugeNumbers) })
  .map(({ at, value }): Mutation => ({
    label: `number ${at} as ${value.length > 20 ? `${value.slice(0, 3)}...(${value.length} digits)` : value}`,
    apply: (text) => replaceToken(text, pick(tokensOf(text, ["NumberLiteral"]), at), () => value),
  }));

/** Statements whose expansion or sizes are huge. */
const hugeStatements = [
  "repeat 1000000000 { dense(4) }",
  "repeat 1000 { repeat 1000 { repeat 1000 { dense(4) } } }",
  "repeat 130000 { dense(4) }",
  "dense(1152921504606846976)",
  "dense(1e308)",
  "input big: [1152921504606846976, 1152921504606846976]",
  "reshape([1152921504606846976, 16])",
  "embedding(1000000000, 1000000000)",
  "conv2d(1000000000, kernel_size: [3, 3])",
];

const hugeStatement = fc
  .record({ at: fc.nat(), statement: fc.constantFrom(...hugeStatements) })
  .map(({ at, statement }): Mutation => ({
    label: `insert "${statement}" at line ${at}`,
    apply: (text) => {
      const lines = text.split("\n");
      lines.splice(at % (lines.length + 1), 0, statement);
      return lines.join("\n");
    },
  }));

/**
 * N blocks, each calling the one before twice, and a model calling the last: 2^N calls if expanded. The first
 * block adds a layer (2^N layers), or none (calls that add no layer), or has a syntax error and an unknown layer (an error per call).
 */
const blockChain = fc
  .record({ n: fc.integer({ min: 1, max: 40 }), bottom: fc.constantFrom("x -> dense(4)", "x", "x -> dense4)") })
  .map(({ n, bottom }): Mutation => ({
    label: `${n} blocks each calling the previous twice, the first returning ${bottom}`,
    apply: (text) => {
      const blocks = [`block b0()(x) { return ${bottom} }`];
      for (let i = 1; i < n; i++) blocks.push(`block b${i}()(x) { return x -> b${i - 1}() -> b${i - 1}() }`);
      return `${text}\n${blocks.join("\n")}\nmodel Chain {\n  input x: [4]\n  b${n - 1}()\n}\n`;
    },
  }));

export interface FuzzOptions {
  /** The longest long input (lines, terms, characters), at least 10^3. */
  readonly longMax: number;
  /**
   * How often each slow kind of mutation (the three long inputs; a chain of blocks, which may expand to 65,536
   * layers) is drawn, against 300 for all the others together.
   */
  readonly heavyWeight: number;
}

/** The mutators by kind, with how often each is drawn. */
export function mutators(options: FuzzOptions): Record<string, { arbitrary: fc.Arbitrary<Mutation>; weight: number }> {
  const length = lengthUpTo(options.longMax);
  const heavy = options.heavyWeight;
  return {
    "token edit": { arbitrary: tokenEdit, weight: 90 },
    "random characters": { arbitrary: randomChars, weight: 45 },
    "nested brackets": { arbitrary: nest, weight: 45 },
    "nested repeats": { arbitrary: nestRepeat, weight: 30 },
    "huge number": { arbitrary: hugeNumber, weight: 30 },
    "huge statement": { arbitrary: hugeStatement, weight: 30 },
    "line ends": { arbitrary: lineEnds, weight: 30 },
    "block chain": { arbitrary: blockChain, weight: heavy },
    "long lines": { arbitrary: longLines(length), weight: heavy },
    "long terms": { arbitrary: longTerm(length), weight: heavy },
    "long token": { arbitrary: longToken(length), weight: heavy },
  };
}

/** One mutation of any kind, tagged with its kind. */
export function mutationArbitrary(options: FuzzOptions): fc.Arbitrary<Mutation & { readonly kind: string }> {
  const kinds = Object.entries(mutators(options)).map(([kind, { arbitrary, weight }]) => ({
    arbitrary: arbitrary.map((m) => ({ ...m, kind })),
    weight,
  }));
  return fc.oneof(...kinds);
}

/** A seed with one or two mutations applied in turn. */
export function fuzzCaseArbitrary(options: FuzzOptions): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      mutations: fc.array(mutationArbitrary(options), { minLength: 1, maxLength: 2 }),
    })
    .map(({ seed, mutations }) => ({
      seed,
      mutations: mutations.map((m) => m.label),
      kinds: mutations.map((m) => m.kind),
      text: mutations.reduce((text, m) => m.apply(text), seed.text),
    }));
}
