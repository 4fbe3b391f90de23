/**
 * Small line charts as SVG text: axes with round-number ticks, one polyline per series, a legend. Used for
 * the learning-rate plot (`nnc schedule --plot`) and the loss and metric plots of a run (`nnc plot`). Plain
 * string building, no dependencies: the output is a few kilobytes and opens in any browser.
 */
import { append, minOf } from "../compiler/base/arrays.js";

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Drawn dashed (validation figures). */
  readonly dashed?: boolean;
  /** Drawn as a dot per point, unjoined (a scatter plot's points). */
  readonly dots?: boolean;
  /** Its own colour (a CSS colour), when the series stands for something with a colour of its own (a state). */
  readonly color?: string;
}

export interface Panel {
  readonly title: string;
  /** A smaller second line under the title. */
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly series: readonly Series[];
  /**
   * The x axis: linear (the default); `log`, ticked at 1, 2 and 5 times powers of ten (points at x <= 0 are
   * left out); or categories, whose names label x = 0, 1, 2, ... (a choice's values).
   */
  readonly xAxis?: "linear" | "log" | { readonly categories: readonly string[] };
  /** Values a linear or log x axis reaches whatever the points (a sweep parameter's bounds: the space drawn from). */
  readonly xSpan?: readonly [number, number];
}

/** An axis as drawn: its ends and ticks in data units, where a value sits along it, and a tick's label. */
interface Axis {
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
  /** The value moved to the axis's linear scale (its logarithm, on a log axis). */
  readonly scale: (value: number) => number;
  readonly label: (value: number) => string;
}

const width = 640;
const panelHeight = 300;
const margin = { left: 72, right: 24, top: 52, bottom: 48 };
const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

/** One SVG with `panels` stacked vertically, each a line chart with its own axes and legend. */
export function renderChart(panels: readonly Panel[]): string {
  const height = panelHeight * panels.length;
  const body = panels.map((panel, i) => renderPanel(panel, i * panelHeight)).join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    body,
    "</svg>",
    "",
  ].join("\n");
}

function renderPanel(panel: Panel, top: number): string {
  const plot = {
    left: margin.left,
    right: width - margin.right,
    top: top + margin.top,
    bottom: top + panelHeight - margin.bottom,
  };
  const drawn = ([x, y]: readonly [number, number]) =>
    Number.isFinite(x) && Number.isFinite(y) && (panel.xAxis !== "log" || x > 0);
  const points = panel.series.flatMap((s) => s.points).filter(drawn);
  const xs = xAxisOf(panel, [...points.map(([x]) => x), ...(panel.xSpan ?? [])], plot.right - plot.left);
  // Dots at the axis's ends are drawn whole, clear of the y axis: the x scale starts and ends a dot's width in.
  const inset = panel.series.some((s) => s.dots) ? 6 : 0;
  const ys = ticks(points.map(([, y]) => y));
  const sx = (x: number) =>
    plot.left +
    inset +
    ((xs.scale(x) - xs.scale(xs.min)) / (xs.scale(xs.max) - xs.scale(xs.min))) * (plot.right - plot.left - 2 * inset);
  const sy = (y: number) => plot.bottom - ((y - ys.min) / (ys.max - ys.min)) * (plot.bottom - plot.top);
  const out: string[] = [`<g>`];
  out.push(text(width / 2, top + 20, escape(panel.title), { anchor: "middle", size: 14, weight: "bold" }));
  if (panel.subtitle) out.push(text(width / 2, top + 37, escape(panel.subtitle), { anchor: "middle", size: 11 }));
  for (const y of ys.values) {
    out.push(`<line x1="${plot.left}" y1="${f(sy(y))}" x2="${plot.right}" y2="${f(sy(y))}" stroke="#e5e5e5"/>`);
    out.push(text(plot.left - 6, sy(y) + 4, label(y, ys.step), { anchor: "end" }));
  }
  for (const x of xs.values) {
    out.push(`<line x1="${f(sx(x))}" y1="${plot.bottom}" x2="${f(sx(x))}" y2="${plot.bottom + 5}" stroke="#333"/>`);
    out.push(text(sx(x), plot.bottom + 18, escape(xs.label(x)), { anchor: "middle" }));
  }
  out.push(
    `<polyline points="${plot.left},${plot.top} ${plot.left},${plot.bottom} ${plot.right},${plot.bottom}" fill="none" stroke="#333"/>`,
  );
  out.push(text((plot.left + plot.right) / 2, plot.bottom + 38, escape(panel.xLabel), { anchor: "middle" }));
  // The legend goes to the corner it hides fewest points in; on a tie, to the lower right when the lines end high
  // (accuracies), else to the upper right.
  const tail = points.slice(Math.floor(points.length * 0.6)).map(([, y]) => y);
  const endsHigh = tail.length > 0 && tail.reduce((a, b) => a + b, 0) / tail.length > (ys.min + ys.max) / 2;
  const legendWidth = 24 + 12 + 7 * panel.series.reduce((longest, s) => Math.max(longest, s.name.length), 0);
  const legendHeight = panel.series.length * 18 + 6;
  const [upper, lower] = [plot.top - 2, plot.bottom - 20 - panel.series.length * 18];
  const [right, left] = [plot.right - legendWidth - 14, plot.left + 6];
  const corners = [
    [right, endsHigh ? lower : upper],
    [right, endsHigh ? upper : lower],
    [left, upper],
    [left, lower],
  ] as const;
  const hidden = ([x, y]: readonly [number, number]) =>
    points.filter(
      ([px, py]) =>
        sx(px) >= x - 4 && sx(px) <= x + legendWidth + 12 && sy(py) >= y - 4 && sy(py) <= y + legendHeight + 4,
    ).length;
  const counts = corners.map(hidden);
  const [legendLeft, legendTop] = corners[counts.indexOf(minOf(counts))]!;
  out.push(
    `<rect x="${legendLeft}" y="${legendTop}" width="${legendWidth + 8}" height="${legendHeight}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
  );
  panel.series.forEach((series, i) => {
    const color = series.color ?? colors[i % colors.length]!;
    const finite = series.points.filter(drawn);
    const path = thinned(finite.map(([x, y]) => [f(sx(x)), f(sy(y))] as const))
      .map(([x, y]) => `${x},${y}`)
      .join(" ");
    const dash = series.dashed ? ` stroke-dasharray="6 4"` : "";
    const dot = (x: number, y: number, opacity: string) =>
      `<circle cx="${f(x)}" cy="${f(y)}" r="3" fill="${color}" fill-opacity="${opacity}"/>`;
    if (series.dots)
      append(
        out,
        finite.map(([x, y]) => dot(sx(x), sy(y), "0.6")),
      );
    else out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (series.points.length === 1 && !series.dots) {
      const [x, y] = series.points[0]!;
      out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${color}"/>`);
    }
    const ly = legendTop + 12 + i * 18;
    const lx = legendLeft + 6;
    if (series.dots) out.push(dot(lx + 12, ly, "1"));
    else out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(text(lx + 30, ly + 4, escape(series.name), {}));
  });
  out.push("</g>");
  return out.join("\n");
}

function xAxisOf(panel: Panel, values: readonly number[], pixels: number): Axis {
  const linear = (value: number) => value;
  if (panel.xAxis === undefined || panel.xAxis === "linear") {
    const xs = ticks(values);
    return { ...xs, scale: linear, label: (value) => label(value, xs.step) };
  }
  if (panel.xAxis === "log") return logAxis(values);
  const names = panel.xAxis.categories;
  // A name longer than its share of the axis (about 7 pixels a character) is cut.
  const room = Math.max(3, Math.floor(pixels / Math.max(1, names.length) / 7));
  return {
    min: -0.5,
    max: names.length - 0.5,
    values: names.map((_, i) => i),
    scale: linear,
    label: (i) => {
      const name = names[i] ?? "";
      return name.length <= room ? name : `${name.slice(0, room - 1)}…`;
    },
  };
}

/** A log axis over positive `values`: ticks at powers of ten, and at 2 and 5 times them over a range of few decades. */
function logAxis(values: readonly number[]): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of values) [lo, hi] = [Math.min(lo, value), Math.max(hi, value)];
  if (!(lo <= hi)) [lo, hi] = [1, 10];
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const multiples = last - first <= 2 ? [1, 2, 5] : [1];
  const candidates: number[] = [];
  for (let power = first; power <= last; power++) {
    for (const m of multiples) candidates.push(Number((m * 10 ** power).toPrecision(12)));
  }
  const min = candidates.filter((t) => t <= lo).at(-1) ?? candidates[0]!;
  const max = candidates.find((t) => t >= hi) ?? candidates.at(-1)!;
  const shown = candidates.filter((t) => t >= min && t <= max);
  // One notation for every tick: 1e-4 ... 1e-2, not 1e-4 ... 0.01.
  const exponents = min < 1e-3 || max >= 1e4;
  return {
    min,
    max: max > min ? max : min * 10,
    values: shown,
    scale: Math.log10,
    label: (value) => (exponents ? value.toExponential(0).replace("e+", "e") : String(value)),
  };
}

/** Round-number ticks covering `values` (Heckbert's "nice numbers"). */
export function ticks(values: readonly number[]): { min: number; max: number; step: number; values: number[] } {
  // A loop, not Math.min(...values): spread arguments overflow the stack past ~130,000 values (a long history).
  let lo = values.length ? Infinity : 0;
  let hi = values.length ? -Infinity : 1;
  for (const value of values) {
    lo = Math.min(lo, value);
    hi = Math.max(hi, value);
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / 5);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const out: number[] = [];
  for (let v = min; v <= max + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return { min, max, step, values: out };
}

/**
 * The points of a polyline as drawn, with every run of points that fall on the same pixel column reduced to its
 * first, lowest, highest and last: the line looks the same at the chart's resolution, and a history of 200,000
 * epochs stays a few kilobytes of SVG that renders at once.
 */
function thinned(points: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  let column: (readonly [string, string])[] = [];
  const flush = () => {
    if (column.length === 0) return;
    const byY = (a: readonly [string, string], b: readonly [string, string]) => Number(a[1]) - Number(b[1]);
    const low = column.reduce((m, p) => (byY(p, m) < 0 ? p : m));
    const high = column.reduce((m, p) => (byY(p, m) > 0 ? p : m));
    const kept = [column[0]!, ...[low, high].sort((a, b) => column.indexOf(a) - column.indexOf(b)), column.at(-1)!];
    for (const point of kept) if (out.at(-1) !== point) out.push(point);
    column = [];
  };
  for (const point of points) {
    if (column.length > 0 && Math.round(Number(column[0]![0])) !== Math.round(Number(point[0]))) flush();
    column.push(point);
  }
  flush();
  return out;
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function label(value: number, step: number): string {
  if (value === 0) return "0";
  if (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6)
    return value.toExponential(step < Math.abs(value) / 100 ? 2 : 1);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return value.toFixed(decimals);
}

function text(x: number, y: number, content: string, o: { anchor?: string; size?: number; weight?: string }): string {
  const anchor = o.anchor ? ` text-anchor="${o.anchor}"` : "";
  const size = o.size ? ` font-size="${o.size}"` : "";
  const weight = o.weight ? ` font-weight="${o.weight}"` : "";
  return `<text x="${f(x)}" y="${f(y)}"${anchor}${size}${weight} fill="#222">${content}</text>`;
}

function f(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
