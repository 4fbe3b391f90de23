/**
 * Histories longer than a spread argument list (~130,000 values overflowed the stack in `Math.min(...values)`):
 * 200,000 epochs plot, print their summary table and are drawn with a polyline thinned to the chart's pixels.
 * `nnc plot` is run as users run it, on a history.json of that length.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { historySvg } from "../../src/runtime/plot.js";
import { summaryTable } from "../../src/runtime/progress.js";
import { ticks } from "../../src/runtime/svg-chart.js";
import { nnc } from "../helpers/cli.js";

const epochs = 200_000;
const history = Array.from({ length: epochs }, (_, i) => ({
  epoch: i + 1,
  loss: 1 / (1 + i / 1000) + (i === 150_000 ? 5 : 0),
  val_loss: 1.1 / (1 + i / 1000),
}));

describe("a history of 200,000 epochs", () => {
  it("has ticks over all its values", () => {
    const values = history.map((r) => r.loss);
    const range = ticks(values);
    expect(range.min).toBeLessThanOrEqual(Math.min(...values.slice(0, 1000), 0.01));
    expect(range.max).toBeGreaterThanOrEqual(5);
  });

  it("draws as an SVG whose lines keep a spike of one epoch but not one point per epoch", () => {
    const svg = historySvg(history, "Long");
    const lines = [...svg.matchAll(/<polyline points="([^"]*)" fill="none" stroke="#(?!333)/g)].map((m) =>
      m[1]!.split(" "),
    );
    expect(lines).toHaveLength(2);
    for (const points of lines) expect(points.length).toBeLessThan(4 * 640);
    // The spike at epoch 150,001 is the highest point drawn (the smallest y).
    const ys = lines[0]!.map((p) => Number(p.split(",")[1]));
    expect(Math.min(...ys)).toBeLessThan(ys[0]! - 100);
    expect(svg.length).toBeLessThan(200_000);
  });

  it("prints the summary table with the best epoch marked", () => {
    const table = summaryTable(history);
    expect(table).toMatch(/^200000\* /m);
    expect(table.split("\n")).toHaveLength(1 + 21 + 2);
  });

  it("is plotted again by nnc plot", () => {
    const run = mkdtempSync(join(tmpdir(), "nnc-long-history-"));
    writeFileSync(join(run, "history.json"), JSON.stringify(history));
    const result = nnc(["plot", run]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(join(run, "history.svg"), "utf8")).toMatch(/^<svg /);
  });
});
