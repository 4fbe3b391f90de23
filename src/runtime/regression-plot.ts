/**
 * `predicted.svg` (and `.png`): a regression run's predictions against the true values over its validation
 * rows (the training rows without validation), one dot per row, with the line where they would be equal. A
 * glance says what the figures do not: where the model is off, and whether it shrinks everything to the mean.
 */
import { renderChart, type Panel } from "./svg-chart.js";

/** The chart's one panel: `actual` across, `predicted` up, and the mean absolute error in the subtitle. */
export function predictedPanel(
  actual: readonly number[],
  predicted: readonly number[],
  what: { readonly model: string; readonly label: string; readonly rows: "validation" | "training" },
): Panel {
  const points = actual.map((a, i): [number, number] => [a, predicted[i]!]);
  let lo = Infinity;
  let hi = -Infinity;
  for (const [a, p] of points) [lo, hi] = [Math.min(lo, a, p), Math.max(hi, a, p)];
  const mae = points.reduce((sum, [a, p]) => sum + Math.abs(a - p), 0) / Math.max(1, points.length);
  return {
    title: `${what.model}: predicted against actual ${what.label}`,
    subtitle: `${points.length} ${what.rows} rows, mean absolute error ${mae.toPrecision(4)}`,
    xLabel: `actual ${what.label}`,
    series: [
      { name: `${what.rows} rows`, points, dots: true },
      ...(points.length > 0
        ? [{ name: "predicted = actual", points: [[lo, lo] as const, [hi, hi] as const], dashed: true }]
        : []),
    ],
  };
}

/** The chart as SVG. */
export function predictedSvg(...args: Parameters<typeof predictedPanel>): string {
  return renderChart([predictedPanel(...args)]);
}
