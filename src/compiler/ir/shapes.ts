/**
 * Pure shape arithmetic, the same formulas tfjs-layers uses, extended to symbolic and unknown sizes.
 * Nothing here reports or throws: callers decide what an impossible size means.
 *
 * A symbolic size is an affine form over named sizes, `constant + Σ coefficient × symbol` with integer
 * coefficients, kept in the IR as its canonical text: terms sorted by symbol, then the constant
 * (`"seq"`, `"seq - 2"`, `"2 * seq + 1"`, `"len + seq"`). A strided window's floor division that is not exact
 * for every value becomes one opaque term, `floor((seq - 1) / 2)`. Two sizes are provably equal when their
 * canonical texts are; different texts are not proven equal (tfjs does not know either: it has null).
 * Arithmetic that a user writes must stay affine and exact (`seq * len` and `seq / 2` are refused).
 */
import type { Dim, Shape } from "./index.js";
import { limits } from "../base/limits.js";

export type Padding = "valid" | "same" | "causal" | "full";

/** `constant + Σ coefficient × symbol`: symbols sorted by name, floor terms last, no zero coefficients. */
export interface Affine {
  readonly constant: number;
  readonly terms: readonly (readonly [symbol: string, coefficient: number])[];
}

/** One term of a canonical form: `3`, `seq`, `2 * seq`, `floor((seq - 1) / 2)`. */
const termPattern = /^(?:(\d+) \* )?([A-Za-z_][A-Za-z0-9_]*|floor\(.+\))$|^(\d+)$/;

/**
 * The affine form of a size: a number is a constant, a string is read back from its canonical text (any
 * other string is a single opaque symbol). Null for an unknown size.
 */
export function affineOf(d: Dim): Affine | null {
  if (d === null) return null;
  if (typeof d === "number") return { constant: d, terms: [] };
  const terms = new Map<string, number>();
  let constant = 0;
  for (const part of splitTerms(d.trim())) {
    const sign = part.startsWith("-") ? -1 : 1;
    const match = termPattern.exec(part.replace(/^[+-] ?/, ""));
    if (!match) return { constant: 0, terms: [[d, 1]] };
    if (match[3] !== undefined) constant += sign * Number(match[3]);
    else terms.set(match[2]!, (terms.get(match[2]!) ?? 0) + sign * Number(match[1] ?? 1));
  }
  return normalise(constant, terms);
}

/** `"-2 * seq + floor((len - 1) / 2) - 3"` -> `["-2 * seq", "+ floor((len - 1) / 2)", "- 3"]`. */
function splitTerms(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (depth === 0 && i > start && / [+-] /.test(text.slice(i, i + 3))) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return [...parts, text.slice(start)];
}

function normalise(constant: number, terms: ReadonlyMap<string, number>): Affine {
  // Names first, floor terms after them: `seq + floor((seq + 1) / 2)`.
  const key = (term: string) => `${term.startsWith("floor(") ? 1 : 0}${term}`;
  const kept = [...terms]
    .filter(([, c]) => c !== 0)
    .sort(([a], [b]) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { constant, terms: kept };
}

/** An affine form as a size: a number when no symbol is left, else its canonical text. */
export function dimOf(a: Affine): Dim {
  if (a.terms.length === 0) return a.constant;
  const parts = a.terms.map(([symbol, c], i) => {
    const magnitude = Math.abs(c) === 1 ? symbol : `${Math.abs(c)} * ${symbol}`;
    return i === 0 ? `${c < 0 ? "-" : ""}${magnitude}` : `${c < 0 ? "-" : "+"} ${magnitude}`;
  });
  if (a.constant !== 0) parts.push(`${a.constant < 0 ? "-" : "+"} ${Math.abs(a.constant)}`);
  return parts.join(" ");
}

/** `a + k × b` over affine forms. */
function combine(a: Affine, b: Affine, k: number): Affine {
  const terms = new Map(a.terms);
  for (const [symbol, c] of b.terms) terms.set(symbol, (terms.get(symbol) ?? 0) + k * c);
  return normalise(a.constant + k * b.constant, terms);
}

function scale(a: Affine, k: number): Affine {
  return normalise(a.constant * k, new Map(a.terms.map(([s, c]) => [s, c * k])));
}

/**
 * `floor(a / k)` for a positive integer `k`, in canonical form: whole multiples of `k` among the coefficients
 * come out of the floor (`floor((2 * seq + 1) / 2)` is `seq`); the rest, with the whole constant, is reduced
 * by the common divisor and kept as one opaque term, `floor((seq - 1) / 2)`. Floors with the same text are
 * equal; others may be, unproven.
 */
function floorDivide(a: Affine, k: number): Affine {
  const outside = new Map<string, number>();
  const inside = new Map<string, number>();
  for (const [symbol, c] of a.terms) {
    const r = ((c % k) + k) % k;
    outside.set(symbol, (c - r) / k);
    if (r !== 0) inside.set(symbol, r);
  }
  if (inside.size === 0) return normalise(Math.floor(a.constant / k), outside);
  // floor((floor(x / m) + c) / k) = floor((x + c * m) / (m * k))
  const [only] = inside;
  const nested = inside.size === 1 && only![1] === 1 ? floorParts(only![0]) : null;
  if (nested) {
    const x = affineOf(nested.numerator)!;
    const flattened = floorDivide(
      combine(x, { constant: a.constant * nested.divisor, terms: [] }, 1),
      nested.divisor * k,
    );
    return combine(normalise(0, outside), flattened, 1);
  }
  const divisor = [...inside.values(), a.constant].reduce(gcd, k);
  const numerator = dimOf(normalise(a.constant / divisor, new Map([...inside].map(([s, c]) => [s, c / divisor]))));
  const single = /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(numerator));
  const wrapped = single ? numerator : `(${numerator})`;
  outside.set(`floor(${wrapped} / ${k / divisor})`, 1);
  return normalise(0, outside);
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** The value of a size once each symbol has one (`seq - 2` is 3 at `seq` = 5); null for an unknown size. */
export function dimValue(d: Dim, valueOf: (symbol: string) => number): number | null {
  const a = affineOf(d);
  return a && a.terms.reduce((sum, [symbol, c]) => sum + c * termValue(symbol, valueOf), a.constant);
}

function termValue(term: string, valueOf: (symbol: string) => number): number {
  const floor = floorParts(term);
  return floor ? Math.floor(dimValue(floor.numerator, valueOf)! / floor.divisor) : valueOf(term);
}

/** `floor((seq - 1) / 2)` -> `{ numerator: "seq - 1", divisor: 2 }`; null for a name. */
function floorParts(term: string): { numerator: string; divisor: number } | null {
  const floor = /^floor\((.*) \/ (\d+)\)$/.exec(term);
  if (!floor) return null;
  const numerator = floor[1]!.startsWith("(") ? floor[1]!.slice(1, -1) : floor[1]!;
  return { numerator, divisor: Number(floor[2]) };
}

/** `a + b`; unknown when either is. */
export function addDims(a: Dim, b: Dim): Dim {
  const [x, y] = [affineOf(a), affineOf(b)];
  return x && y ? dimOf(combine(x, y, 1)) : null;
}

/** `d × k` for an integer `k`. */
export function scaleDim(d: Dim, k: number): Dim {
  const a = affineOf(d);
  return a && dimOf(scale(a, k));
}

/** `floor((d + offset) / k)` for a positive integer `k`. */
export function floorDivideDim(d: Dim, offset: number, k: number): Dim {
  const a = affineOf(d);
  return a && dimOf(floorDivide(combine(a, { constant: offset, terms: [] }, 1), k));
}

/**
 * True when a size is zero or less for every value of its symbols, each of which is at least 1: its largest
 * value, at symbols of 1 when every coefficient is negative, is not positive.
 */
export function provablyNonPositive(d: Dim): boolean {
  const a = affineOf(d);
  if (!a || a.terms.some(([, c]) => c > 0)) return false;
  return a.constant + a.terms.reduce((sum, [, c]) => sum + c, 0) <= 0;
}

export type DimOperator = "+" | "-" | "*" | "/";

/**
 * Integer arithmetic where a side may be symbolic (`seq - 2`, `2 * d`, `units / 2`): the result, or why
 * there is none (the product of two symbolic sizes, a division that is not exact for every value).
 */
export function dimArithmetic(left: Dim, right: Dim, op: DimOperator): { value: Dim } | { problem: string } {
  const result = affineArithmetic(left, right, op);
  if ("value" in result && typeof result.value === "string") {
    const terms = affineOf(result.value)!.terms.length;
    // Each step reads its operands' text again: a size that kept growing would make a long sum quadratic.
    if (terms > limits.sizeSymbols.value) {
      return { problem: `a symbolic size may hold at most ${limits.sizeSymbols.value} names; this one has ${terms}` };
    }
  }
  return result;
}

function affineArithmetic(left: Dim, right: Dim, op: DimOperator): { value: Dim } | { problem: string } {
  const [a, b] = [affineOf(left), affineOf(right)];
  if (!a || !b) return { problem: "an unknown size (?) cannot take part in arithmetic" };
  if (![a, b].every((x) => Number.isInteger(x.constant) && x.terms.every(([, c]) => Number.isInteger(c))))
    return {
      problem: "arithmetic with a symbolic size takes whole numbers only",
    };
  switch (op) {
    case "+":
      return { value: dimOf(combine(a, b, 1)) };
    case "-":
      return { value: dimOf(combine(a, b, -1)) };
    case "*":
      if (a.terms.length > 0 && b.terms.length > 0)
        return {
          problem: `${left} * ${right} is not linear: a symbolic size can only be multiplied by a number`,
        };
      return {
        value: dimOf(a.terms.length === 0 ? scale(b, a.constant) : scale(a, b.constant)),
      };
    case "/": {
      if (b.terms.length > 0) return { problem: `cannot divide by the symbolic size ${right}` };
      if (b.constant === 0) return { problem: "division by zero" };
      const k = Math.abs(b.constant);
      const quotient = [a.constant, ...a.terms.map(([, c]) => c)].every((c) => c % k === 0) && floorDivide(a, k);
      if (!quotient) {
        const symbols = a.terms.map(([s]) => s).join(" and ");
        return {
          problem: `${left} / ${right} is not a whole number${symbols ? ` for every value of ${symbols}` : ""}`,
        };
      }
      return { value: dimOf(scale(quotient, Math.sign(b.constant))) };
    }
  }
}

/**
 * How two sizes compare: `equal` (the same number or the same canonical form), `different` (two different
 * numbers), `unproven` (different forms, at least one symbolic) or `unknown` (either is unknown).
 */
export function compareDims(a: Dim, b: Dim): "equal" | "different" | "unproven" | "unknown" {
  if (a === null || b === null) return "unknown";
  if (a === b) return "equal";
  return typeof a === "number" && typeof b === "number" ? "different" : "unproven";
}

/**
 * Whether two shapes hold the same number of elements, `inferred` when `b` has one size left for tfjs to
 * infer (its `null`): true or false when provable, null when the symbols or unknown sizes hide it. Each size
 * counts as a number times its symbolic factor (`2 * seq` is 2 × `seq`, `seq - 2` is one factor).
 */
export function sameElementCount(a: Shape, b: Shape, inferred: boolean): boolean | null {
  const quotient = divideCounts(a, b);
  if (!quotient) return null;
  const { rest, constant, divisor } = quotient;
  if (!inferred) return rest.length === 0 ? constant === divisor : null;
  return constant % divisor === 0 ? true : rest.length === 0 ? false : null;
}

/**
 * The size of `b`'s one `null` that gives it as many elements as `a`, when that is a symbolic form:
 * `[seq, 64]` into `[null, 8]` is `8 * seq`. Null otherwise (a number is left to tfjs, which infers it only
 * when the model runs).
 */
export function inferredSize(a: Shape, b: Shape): Dim {
  const quotient = divideCounts(a, b);
  if (!quotient || quotient.rest.length !== 1 || quotient.constant % quotient.divisor !== 0) return null;
  return scaleDim(quotient.rest[0]!, quotient.constant / quotient.divisor);
}

/** `a`'s element count over the known sizes of `b`: the factors of `a` left over, and the two constants. */
function divideCounts(a: Shape, b: Shape): { rest: string[]; constant: number; divisor: number } | null {
  const [x, y] = [factorise(a), factorise(b.filter((d) => d !== null))];
  if (!x || !y) return null;
  const rest = [...x.factors];
  for (const factor of y.factors) {
    const at = rest.indexOf(factor);
    if (at < 0) return null;
    rest.splice(at, 1);
  }
  return { rest, constant: x.constant, divisor: y.constant };
}

function factorise(shape: Shape): { constant: number; factors: string[] } | null {
  let constant = 1;
  const factors: string[] = [];
  for (const d of shape) {
    const a = affineOf(d);
    if (!a) return null;
    if (a.terms.length === 1 && a.constant === 0) {
      constant *= Math.abs(a.terms[0]![1]);
      factors.push(a.terms[0]![0]);
    } else if (a.terms.length === 0) constant *= a.constant;
    else factors.push(String(d));
  }
  return { constant, factors: factors.sort() };
}

/**
 * Length of a convolution or pooling output along one axis (tfjs `convOutputLength`), symbolic for a
 * symbolic length: `seq - 2` after a valid kernel of 3, `seq` with same padding and stride 1,
 * `floor(seq / 2)` after a pooling of 2. tfjs has null for each.
 */
export function convOutputLength(input: Dim, kernel: number, padding: Padding, stride: number, dilation = 1): Dim {
  const effectiveKernel = kernel + (kernel - 1) * (dilation - 1);
  const extra = {
    same: 0,
    causal: 0,
    valid: 1 - effectiveKernel,
    full: effectiveKernel - 1,
  }[padding];
  // ceil(length / stride) = floor((length + stride - 1) / stride)
  return floorDivideDim(input, extra + stride - 1, stride);
}

/** Length of a transposed convolution output along one axis (tfjs `deconvLength`). */
export function deconvLength(input: Dim, stride: number, kernel: number, padding: Padding): Dim {
  const scaled = scaleDim(input, stride);
  switch (padding) {
    case "valid":
      return addDims(scaled, Math.max(kernel - stride, 0));
    case "full":
      return addDims(scaled, -(stride + kernel - 2));
    default:
      return scaled;
  }
}

/** Number of elements, or null when a size is not a fixed number. */
export function elementCount(shape: Shape): number | null {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return null;
    n *= d;
  }
  return n;
}

/** True when every size is a fixed number. */
export function isFullyKnown(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === "number");
}

/** Two sizes that are provably equal: the same number or the same canonical symbolic form. */
export function sameDim(a: Dim, b: Dim): boolean {
  return compareDims(a, b) === "equal";
}

/** `n` as a pair: `3` -> `[3, 3]`, `[3, 5]` stays. */
export function pair(value: number | readonly number[]): [number, number] {
  return typeof value === "number" ? [value, value] : [value[0]!, value[1] ?? value[0]!];
}

/**
 * One axis of an elementwise merge (tfjs `computeElementwiseOpOutputShape`): a size of 1 broadcasts, equal
 * sizes stay, and an unknown size makes the result unknown. `"mismatch"` when the sizes provably differ (two
 * different numbers), `"unproven"` when their forms differ and one is symbolic (`seq` and `seq - 2`, `seq`
 * and `64`): nnc cannot prove them equal, so it does not merge them.
 */
export function broadcastDim(a: Dim, b: Dim): Dim | "mismatch" | "unproven" {
  if (a === 1) return b;
  if (b === 1) return a;
  switch (compareDims(a, b)) {
    case "equal":
      return a;
    case "unknown":
      return null;
    case "different":
      return "mismatch";
    case "unproven":
      return "unproven";
  }
}

/** The sum of sizes along a concatenation axis: symbolic sizes add up (`seq + 4`); unknown if any is. */
export function sumDims(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((total, d) => addDims(total, d), 0);
}
