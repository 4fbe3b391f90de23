/**
 * Symbolic sizes: the affine algebra of shapes.ts against plain numbers (a symbolic result must be the
 * numeric result at every value of its symbols). Whole models with symbolic sizes, checked by nnc and run by
 * tfjs, are in shapes-through-layers.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Dim } from "../src/compiler/ir/index.js";
import {
  affineOf,
  broadcastDim,
  compareDims,
  convOutputLength,
  deconvLength,
  dimArithmetic,
  dimOf,
  dimValue,
  inferredSize,
  provablyNonPositive,
  sameElementCount,
  type Affine,
  type DimOperator,
  type Padding,
} from "../src/compiler/ir/shapes.js";

const symbols = ["d", "len", "seq"] as const;
type Values = Record<string, number>;

const affineArb: fc.Arbitrary<Affine> = fc
  .record({
    constant: fc.integer({ min: -20, max: 20 }),
    coefficients: fc.tuple(...symbols.map(() => fc.integer({ min: -4, max: 4 }))),
  })
  .map(({ constant, coefficients }) => ({
    constant,
    terms: symbols.flatMap((s, i) => (coefficients[i] ? [[s, coefficients[i]] as const] : [])),
  }));
const valuesArb: fc.Arbitrary<Values> = fc.record({
  d: fc.integer({ min: 1, max: 50 }),
  len: fc.integer({ min: 1, max: 50 }),
  seq: fc.integer({ min: 1, max: 50 }),
});
const at = (d: Dim, values: Values) => dimValue(d, (s) => values[s]!);

describe("affine sizes", () => {
  it("prints a canonical form: symbols by name, then the constant", () => {
    const steps: [Dim, Dim, DimOperator][] = [
      ["seq", 2, "-"],
      ["len", "seq", "+"],
      [3, "seq", "*"],
    ];
    expect(steps.map(([a, b, op]) => dimArithmetic(a, b, op))).toEqual([
      { value: "seq - 2" },
      { value: "len + seq" },
      { value: "3 * seq" },
    ]);
    expect(dimArithmetic("seq + 2", "len", "-")).toEqual({ value: "-len + seq + 2" });
    expect(dimArithmetic("2 * seq + 4", 2, "/")).toEqual({ value: "seq + 2" });
    expect(dimArithmetic("seq + 1", "seq", "-")).toEqual({ value: 1 });
    expect(dimArithmetic("seq", -1, "*")).toEqual({ value: "-seq" });
  });

  it("reads back every form it prints", () => {
    fc.assert(
      fc.property(affineArb, (a) => {
        const printed = dimOf(a);
        expect(dimOf(affineOf(printed)!)).toBe(printed);
        expect(affineOf(printed)).toEqual(a);
      }),
    );
  });

  it("computes what integer arithmetic computes, at every value of the symbols", () => {
    const op = fc.constantFrom<DimOperator>("+", "-", "*", "/");
    fc.assert(
      fc.property(affineArb, affineArb, op, valuesArb, (a, b, operator, values) => {
        const [left, right] = [dimOf(a), dimOf(b)];
        const result = dimArithmetic(left, right, operator);
        if (!("value" in result)) return;
        const [x, y] = [at(left, values)!, at(right, values)!];
        const expected = { "+": x + y, "-": x - y, "*": x * y, "/": x / y }[operator];
        expect(at(result.value, values)).toBe(expected);
      }),
    );
  });

  it("refuses what is not affine or not exact for every value", () => {
    const problem = (a: Dim, b: Dim, op: DimOperator) => {
      const result = dimArithmetic(a, b, op);
      return "problem" in result ? result.problem : undefined;
    };
    expect(problem("seq", "seq", "*")).toMatch(/not linear/);
    expect(problem("seq", 2, "/")).toBe("seq / 2 is not a whole number for every value of seq");
    expect(problem("2 * seq + 1", 2, "/")).toMatch(/not a whole number/);
    expect(problem(6, "seq", "/")).toMatch(/cannot divide by the symbolic size seq/);
    expect(problem("seq", 0, "/")).toBe("division by zero");
    expect(problem("seq", null, "+")).toMatch(/unknown size/);
  });

  it("knows a size is never positive only when it is so at every value", () => {
    expect(["1 - seq", "-seq", "-2 * seq + 2", 0].map(provablyNonPositive)).toEqual([true, true, true, true]);
    expect(["2 - seq", "seq - 5", "len - seq", null, 3].map(provablyNonPositive)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    fc.assert(
      fc.property(affineArb, valuesArb, (a, values) => {
        if (provablyNonPositive(dimOf(a))) expect(at(dimOf(a), values)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it("compares forms: equal, provably different numbers, unproven, unknown", () => {
    expect(compareDims("seq - 2", "seq - 2")).toBe("equal");
    expect(compareDims(3, 4)).toBe("different");
    expect(compareDims("seq", "seq - 2")).toBe("unproven");
    expect(compareDims("seq", 4)).toBe("unproven");
    expect(compareDims("seq", null)).toBe("unknown");
    expect([broadcastDim(1, "seq"), broadcastDim("seq", "seq"), broadcastDim("seq", "len")]).toEqual([
      "seq",
      "seq",
      "unproven",
    ]);
  });

  it("compares element counts through symbolic factors", () => {
    expect(sameElementCount(["seq", 64], ["seq", 8, 8], false)).toBe(true);
    expect(sameElementCount(["seq", 64], ["seq", 8, 4], false)).toBe(false);
    expect(sameElementCount(["2 * seq", 3], ["seq", 6], false)).toBe(true);
    expect(sameElementCount(["seq", 64], [null, 32], true)).toBe(true);
    expect(sameElementCount([6, 4], [null, 5], true)).toBe(false);
    expect(sameElementCount(["seq", 3], [null, 2], true)).toBeNull();
    expect(sameElementCount(["seq", 64], ["len", 64], false)).toBeNull();
    expect(sameElementCount([null, 64], [8, 8], false)).toBeNull();
    expect(inferredSize(["seq", 64], [null, 8])).toBe("8 * seq");
    expect(inferredSize(["seq - 2", 4, "len"], ["len", null])).toBe("4 * seq - 8");
    expect(inferredSize([6, 4], [null, 8])).toBeNull();
    expect(inferredSize(["seq", "len"], [null])).toBeNull();
  });
});

describe("window arithmetic over symbolic sizes", () => {
  it("keeps seq - 2 after a valid kernel of 3, and seq with same padding and stride 1", () => {
    expect(convOutputLength("seq", 3, "valid", 1)).toBe("seq - 2");
    expect(convOutputLength("seq", 3, "same", 1)).toBe("seq");
    expect(convOutputLength("seq", 3, "causal", 1)).toBe("seq");
    expect(convOutputLength("seq", 3, "valid", 1, 2)).toBe("seq - 4");
    expect(convOutputLength("seq", 3, "full", 1)).toBe("seq + 2");
    expect(convOutputLength("2 * seq", 3, "same", 2)).toBe("seq");
    expect(convOutputLength("4 * seq + 1", 3, "valid", 2)).toBe("2 * seq");
    // A floor that is not exact stays as one term; tfjs has null for each of these.
    expect(convOutputLength("seq", 2, "valid", 2)).toBe("floor(seq / 2)");
    expect(convOutputLength("seq", 3, "valid", 2)).toBe("floor((seq - 1) / 2)");
    expect(convOutputLength("2 * seq + 1", 2, "valid", 2)).toBe("seq");
    expect(convOutputLength("3 * seq + 4", 2, "valid", 2)).toBe("seq + floor((seq + 4) / 2)");
    expect(convOutputLength("2 * seq + 2", 4, "valid", 4)).toBe("floor((seq + 1) / 2)");
    expect(convOutputLength("floor(seq / 2) - 2", 3, "same", 1)).toBe("floor(seq / 2) - 2");
    expect(convOutputLength(null, 3, "same", 1)).toBeNull();
    // floor(floor(x / m) / k) = floor(x / (m * k)): two poolings of 2 and one of 4 give the same form.
    expect(convOutputLength("floor(seq / 2)", 2, "valid", 2)).toBe("floor(seq / 4)");
    expect(convOutputLength("floor((seq - 1) / 2)", 3, "valid", 3)).toBe("floor((seq - 1) / 6)");
    expect(convOutputLength("seq", 4, "valid", 4)).toBe("floor(seq / 4)");
    expect(deconvLength("seq", 2, 3, "valid")).toBe("2 * seq + 1");
    expect(deconvLength("seq", 2, 2, "same")).toBe("2 * seq");
  });

  it("agrees with the numeric formula at every value of the symbols, through chains of windows", () => {
    const window = fc.record({
      kernel: fc.integer({ min: 1, max: 5 }),
      stride: fc.integer({ min: 1, max: 3 }),
      dilation: fc.integer({ min: 1, max: 3 }),
      padding: fc.constantFrom<Padding>("valid", "same", "causal", "full"),
    });
    fc.assert(
      fc.property(affineArb, window, valuesArb, (a, { kernel, stride, dilation, padding }, values) => {
        const input = dimOf(a);
        const numeric = at(input, values)!;
        const symbolic = convOutputLength(input, kernel, padding, stride, dilation);
        expect(at(symbolic, values)).toBe(convOutputLength(numeric, kernel, padding, stride, dilation));
        expect(dimOf(affineOf(symbolic)!)).toBe(symbolic);
        // A second window over a floor form, and arithmetic on it.
        const twice = convOutputLength(symbolic, kernel, padding, stride + 1);
        expect(at(twice, values)).toBe(convOutputLength(at(symbolic, values), kernel, padding, stride + 1));
        const shifted = dimArithmetic(twice, symbolic, "-");
        if ("value" in shifted) expect(at(shifted.value, values)).toBe(at(twice, values)! - at(symbolic, values)!);
        const transposed = deconvLength(input, stride, kernel, padding);
        expect(at(transposed, values)).toBe(deconvLength(numeric, stride, kernel, padding));
      }),
    );
  });
});
