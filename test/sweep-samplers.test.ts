/**
 * Grid and random search: the grid's order and size, random draws within their bounds and steps, a
 * log-uniform draw's median at the geometric mean, and reproducible streams (same seed, same draws; trial N's
 * draw independent of how many numbers the other trials drew).
 */
import { describe, expect, it } from "vitest";
import type { IrSweepParam, SweepDistribution } from "../src/compiler/ir/sweep.js";
import { trialRng } from "../src/runtime/sweep/rng.js";
import { gridConfigurations, randomConfiguration } from "../src/runtime/sweep/samplers.js";

const param = (name: string, distribution: SweepDistribution): IrSweepParam => ({
  name,
  distribution,
  location: { file: "sweep.nn", span: { start: 0, end: 0 } },
});

const space: IrSweepParam[] = [
  param("units", { kind: "choice", values: ["32", "64", "128"] }),
  param("depth", { kind: "int_range", low: 1, high: 7, step: 3, log: false }),
  param("filters", { kind: "int_range", low: 8, high: 256, step: 1, log: true }),
  param("rate", { kind: "uniform", low: 0, high: 0.5 }),
  param("optimizer.learning_rate", { kind: "log_uniform", low: 1e-4, high: 1e-2 }),
];

function draws(count: number, seed = 1) {
  return Array.from({ length: count }, (_, i) => randomConfiguration(space, trialRng(seed, i + 1)));
}

describe("gridConfigurations", () => {
  it("lists every combination, the first parameter varying slowest, choices in written order", () => {
    const grid = gridConfigurations([
      param("units", { kind: "choice", values: ["64", "32"] }),
      param("depth", { kind: "int_range", low: 1, high: 6, step: 2, log: false }),
    ]);
    expect(grid).toEqual([
      { units: "64", depth: 1 },
      { units: "64", depth: 3 },
      { units: "64", depth: 5 },
      { units: "32", depth: 1 },
      { units: "32", depth: 3 },
      { units: "32", depth: 5 },
    ]);
  });

  it("has the product of the value counts; a log int_range lists every value too", () => {
    expect(gridConfigurations(space.slice(0, 3))).toHaveLength(3 * 3 * 249);
    expect(gridConfigurations([])).toEqual([{}]);
  });

  it("refuses a continuous distribution (the sweep check keeps it out of grids)", () => {
    expect(() => gridConfigurations(space.slice(3))).toThrow(/internal/);
  });
});

describe("randomConfiguration", () => {
  const sample = draws(2000);

  it("draws within the bounds, on the steps, from the written choices", () => {
    const within = (value: unknown, low: number, high: number) =>
      typeof value === "number" && value >= low && value <= high;
    const outside = sample.filter(
      (config) =>
        !["32", "64", "128"].includes(config["units"] as string) ||
        ![1, 4, 7].includes(config["depth"] as number) ||
        !Number.isInteger(config["filters"]) ||
        !within(config["filters"], 8, 256) ||
        !within(config["rate"], 0, 0.5) ||
        !within(config["optimizer.learning_rate"], 1e-4, 1e-2),
    );
    expect(outside).toEqual([]);
  });

  it("rounds continuous values to 4 significant digits", () => {
    for (const config of sample) {
      for (const name of ["rate", "optimizer.learning_rate"]) {
        const value = config[name] as number;
        expect(Number(value.toPrecision(4))).toBe(value);
      }
    }
  });

  it("takes every value of a choice and of an int_range, the ends too", () => {
    expect(new Set(sample.map((config) => config["units"])).size).toBe(3);
    expect(new Set(sample.map((config) => config["depth"])).size).toBe(3);
    const filters = sample.map((config) => config["filters"] as number);
    expect(Math.min(...filters)).toBe(8);
    expect(Math.max(...filters)).toBe(256);
  });

  it("samples log_uniform and a log int_range on the log scale: medians near the geometric means", () => {
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length / 2]!;
    const rates = median(sample.map((config) => config["optimizer.learning_rate"] as number));
    // The geometric mean of 1e-4 and 1e-2 is 1e-3; the arithmetic mean (5e-3) would mean a linear draw.
    expect(rates).toBeGreaterThan(0.8e-3);
    expect(rates).toBeLessThan(1.25e-3);
    const filters = median(sample.map((config) => config["filters"] as number));
    expect(filters).toBeGreaterThan(36);
    expect(filters).toBeLessThan(54);
    const uniform = median(sample.map((config) => config["rate"] as number));
    expect(Math.abs(uniform - 0.25)).toBeLessThan(0.025);
  });

  it("draws the same configurations from the same seed, others from another seed", () => {
    expect(draws(20, 7)).toEqual(draws(20, 7));
    expect(draws(20, 8)).not.toEqual(draws(20, 7));
  });

  it("gives trial N the same draw however many numbers other trials drew", () => {
    const alone = randomConfiguration(space, trialRng(3, 5));
    const busy = trialRng(3, 4);
    for (let i = 0; i < 100; i++) randomConfiguration(space, busy);
    expect(randomConfiguration(space, trialRng(3, 5))).toEqual(alone);
    // A re-draw of a rejected configuration goes on with that trial's stream: another configuration.
    const stream = trialRng(3, 5);
    expect(randomConfiguration(space, stream)).toEqual(alone);
    expect(randomConfiguration(space, stream)).not.toEqual(alone);
  });

  it("gives neighbouring seeds and trials unrelated streams", () => {
    const firsts = [trialRng(0, 1), trialRng(1, 1), trialRng(0, 2), trialRng(-1, 1), trialRng(2 ** 32, 1)].map((rng) =>
      rng.uniform(),
    );
    expect(new Set(firsts).size).toBe(firsts.length);
  });
});

describe("trialRng", () => {
  it("draws ints within both bounds and normals with mean 0 and deviation 1", () => {
    const rng = trialRng(11, 1);
    const ints = Array.from({ length: 3000 }, () => rng.int(-2, 2));
    expect(new Set(ints)).toEqual(new Set([-2, -1, 0, 1, 2]));
    const normals = Array.from({ length: 5000 }, () => rng.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.06);
  });
});
