/**
 * The plot of a run: one panel per figure (the loss, then each metric), training as a solid line and
 * validation dashed, over the epochs; written next to the model as `history.svg` and `history.png`. The
 * PNG is rendered from the SVG by @resvg/resvg-js, whose prebuilt binary comes inside its npm package.
 */
import * as path from "node:path";
import type { EpochRecord } from "./save.js";
import { renderChart, type Panel } from "./svg-chart.js";

/** The panels for `history`: `loss`, then each metric, each with its `val_` twin when there is one. */
export function historyPanels(history: readonly EpochRecord[], title: string): Panel[] {
  const keys = [...new Set(history.flatMap((record) => Object.keys(record)))];
  const bases = keys.filter((key) => key !== "epoch" && key !== "lr" && !key.startsWith("val_"));
  return bases.map((base) => ({
    title: `${title}: ${base}`,
    xLabel: "epoch",
    series: [base, `val_${base}`]
      .filter((key) => keys.includes(key))
      .map((key) => ({
        name: key.startsWith("val_") ? "validation" : "training",
        dashed: key.startsWith("val_"),
        points: history.filter((r) => typeof r[key] === "number").map((r): [number, number] => [r.epoch, r[key]!]),
      })),
  }));
}

/** The SVG of a run's history. */
export function historySvg(history: readonly EpochRecord[], title: string): string {
  return renderChart(historyPanels(history, title));
}

/** SVG text -> PNG bytes, or null when the renderer cannot be loaded on this platform. */
export async function svgToPng(svg: string): Promise<Uint8Array | null> {
  let Resvg: typeof import("@resvg/resvg-js").Resvg;
  try {
    ({ Resvg } = await import("@resvg/resvg-js"));
  } catch {
    return null;
  }
  const rendered = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    background: "white",
  });
  return rendered.render().asPng();
}

/** The files a run's plot is written to inside its directory. */
export const plotFiles = { svg: "history.svg", png: "history.png" } as const;

/** Writes `history.svg` (and `history.png` when it can) into `dir` with `write`; returns the names written. */
export async function writePlots(
  dir: string,
  history: readonly EpochRecord[],
  title: string,
  write: (file: string, data: string | Uint8Array) => Promise<void>,
): Promise<string[]> {
  const svg = historySvg(history, title);
  await write(path.join(dir, plotFiles.svg), svg);
  const png = await svgToPng(svg);
  if (!png) return [plotFiles.svg];
  await write(path.join(dir, plotFiles.png), png);
  return [plotFiles.svg, plotFiles.png];
}
