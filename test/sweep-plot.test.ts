/**
 * The sweep's picture on 20 made-up trials: a panel for the trials in finishing order (dots by state, the
 * best-so-far line) and one per parameter, a log axis for a log_uniform parameter, categories for a choice,
 * and both files written into the sweep's folder, the PNG decoding at the SVG's size.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { sweepPictureSvg, writeSweepPicture } from "../src/runtime/sweep/sweep-plot.js";
import { madeUpRecords, sweepOf } from "./helpers/sweep-records.js";

const sweep = sweepOf();
const records = madeUpRecords(20);
const svg = sweepPictureSvg(sweep, records);
/** Each panel's SVG group, in order. */
const panels = svg.split("<g>").slice(1);
const texts = (panel: string) => [...panel.matchAll(/<text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)];
/** A panel's tick labels under its x axis, with their x positions. */
const xTicks = (panel: string) => {
  const all = texts(panel);
  const axisY = Math.max(...all.filter(([, , t]) => /^(units|depth|rate|optimizer)/.test(t!)).map(([m]) => y(m)));
  return all.filter(([m]) => y(m) === axisY - 20).map(([, x, t]) => [t, Number(x)] as const);
};
const y = (element: string) => Number(/ y="([\d.]+)"/.exec(element)![1]);

describe("sweep.svg", () => {
  it("has the trials panel, then a panel per parameter", () => {
    expect(panels.map((p) => texts(p)[0]![2])).toEqual([
      "Net-sweep: val_loss of each trial (minimize)",
      "val_loss against units",
      "val_loss against depth",
      "val_loss against rate",
      "val_loss against optimizer.learning_rate",
    ]);
    expect(texts(panels[0]!)[1]![2]).toMatch(
      /^20 trials: 1\d complete, \d pruned, 1 failed; best 0\.\d{4} \(trial \d+\)$/,
    );
  });

  it("draws a dot per trial with an objective in each panel, coloured by state, and the best-so-far line", () => {
    const dots = (panel: string, color: string) => panel.split(`r="3" fill="${color}" fill-opacity="0.6"`).length - 1;
    const complete = records.filter((r) => r.state === "complete").length;
    const pruned = records.filter((r) => r.state === "pruned").length;
    for (const panel of panels) {
      expect(dots(panel, "#1f77b4")).toBe(complete);
      expect(dots(panel, "#ff7f0e")).toBe(pruned);
    }
    expect(panels[0]).toMatch(/<polyline points="[^"]+" fill="none" stroke="#2ca02c"/);
  });

  it("puts a log_uniform parameter on a log axis: 1e-3 halfway between 1e-4 and 1e-2", () => {
    const ticks = new Map(xTicks(panels[4]!));
    expect([...ticks.keys()]).toEqual(["1e-4", "2e-4", "5e-4", "1e-3", "2e-3", "5e-3", "1e-2"]);
    expect(ticks.get("1e-3")).toBeCloseTo((ticks.get("1e-4")! + ticks.get("1e-2")!) / 2, 0);
    expect(texts(panels[4]!).map(([, , t]) => t)).toContain("optimizer.learning_rate (log scale)");
  });

  it("gives a choice and a short int_range a column per value, and a uniform one a linear axis", () => {
    expect(xTicks(panels[1]!).map(([t]) => t)).toEqual(["8", "16", "32"]);
    expect(xTicks(panels[2]!).map(([t]) => t)).toEqual(["1", "2", "3"]);
    const rate = xTicks(panels[3]!);
    expect(rate.map(([t]) => t)).toEqual(["0", "0.1", "0.2", "0.3", "0.4", "0.5"]);
    expect(rate[1]![1] - rate[0]![1]).toBeCloseTo(rate[5]![1] - rate[4]![1], 0);
  });

  it("spans a parameter's whole space, not only the values tried, with the dots at its ends drawn whole", () => {
    // Every rate tried within 0.1 to 0.3 of uniform(0, 0.5): the axis still runs from 0 to 0.5.
    const middle = records.map((r, i) => ({ ...r, config: { ...r.config, rate: 0.1 + (i % 3) * 0.1 } }));
    const rate = sweepPictureSvg(sweep, middle).split("<g>").slice(1)[3]!;
    expect(xTicks(rate).map(([t]) => t)).toEqual(["0", "0.1", "0.2", "0.3", "0.4", "0.5"]);
    // A trial at the bound: its dot's centre is clear of the y axis (x 72), not half over it.
    const edge = records.map((r) => ({ ...r, config: { ...r.config, rate: 0 } }));
    const dots = [
      ...sweepPictureSvg(sweep, edge)
        .split("<g>")
        .slice(1)[3]!
        .matchAll(/<circle cx="([\d.]+)"/g),
    ];
    expect(dots.length).toBeGreaterThan(0);
    for (const [, cx] of dots) expect(Number(cx)).toBeGreaterThanOrEqual(72 + 3);
  });
});

describe("writeSweepPicture", () => {
  const folder = mkdtempSync(join(tmpdir(), "nnc-sweep-plot-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("writes sweep.svg and sweep.png into the sweep's folder, and nothing else", async () => {
    expect(await writeSweepPicture(folder, sweep, records)).toEqual(["sweep.svg", "sweep.png"]);
    expect(readdirSync(folder).sort()).toEqual(["sweep.png", "sweep.svg"]);
    expect(readFileSync(join(folder, "sweep.svg"), "utf8")).toBe(svg);
    const png = PNG.sync.read(readFileSync(join(folder, "sweep.png")));
    const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    expect([png.width, png.height]).toEqual([width, height]);
    expect([png.width, png.height]).toEqual([640, 5 * 300]);
  });
});
