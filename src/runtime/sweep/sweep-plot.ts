/**
 * A sweep's picture, `sweep.svg` and `sweep.png` in its folder: the objective of each trial in the order the
 * trials finished, with the best-so-far line, then one panel per parameter with the objective against the
 * parameter's value (a log axis for a log-scaled one, the values written for a choice). Points are coloured by
 * the trial's state. Drawn by svg-chart.ts, rendered to PNG as a run's history is (plot.ts); no tfjs.
 */
import path from "node:path";
import type { IrSweep, IrSweepParam, SweepConfiguration } from "../../compiler/ir/sweep.js";
import { writeFileAtomic } from "../../io/write-atomic.js";
import { svgToPng } from "../plot.js";
import { renderChart, type Panel, type Series } from "../svg-chart.js";
import { bestTrial, formatObjective, formatValue, isBetter } from "./report-format.js";
import type { TrialRecord, TrialState } from "./trial-record.js";

/** The files of the picture inside the sweep's folder. */
export const sweepPictureFiles = { svg: "sweep.svg", png: "sweep.png" } as const;

const stateColors: Record<TrialState, string> = { complete: "#1f77b4", pruned: "#ff7f0e", failed: "#d62728" };
const bestColor = "#2ca02c";
/** An int_range with at most this many values is drawn as categories, one column per value. */
const fewIntegers = 12;

/** The picture as SVG text. */
export function sweepPictureSvg(sweep: IrSweep, records: readonly TrialRecord[]): string {
  return renderChart([
    historyPanel(sweep, records),
    ...sweep.params.map((param) => parameterPanel(sweep, param, records)),
  ]);
}

/**
 * Writes `sweep.svg` and, where the renderer loads, `sweep.png` into `folder` (the sweep's own folder, which
 * the runner made), each atomically; returns the names written.
 */
export async function writeSweepPicture(
  folder: string,
  sweep: IrSweep,
  records: readonly TrialRecord[],
): Promise<string[]> {
  const svg = sweepPictureSvg(sweep, records);
  await writeFileAtomic(path.join(folder, sweepPictureFiles.svg), svg);
  const png = await svgToPng(svg);
  if (!png) return [sweepPictureFiles.svg];
  await writeFileAtomic(path.join(folder, sweepPictureFiles.png), png);
  return [sweepPictureFiles.svg, sweepPictureFiles.png];
}

/** Panel 1: each trial's objective in finishing order, and the best complete trial so far as a line. */
function historyPanel(sweep: IrSweep, records: readonly TrialRecord[]): Panel {
  const finished = [...records].sort((a, b) => a.finished.localeCompare(b.finished) || a.trial - b.trial);
  const order = new Map(finished.map((r, i) => [r, i + 1]));
  const bestLine: [number, number][] = [];
  let best: number | null = null;
  for (const r of finished) {
    if (r.state !== "complete" || r.objective === null || Number.isNaN(r.objective)) continue;
    if (best !== null && !isBetter(sweep.objective.direction, r.objective, best)) continue;
    // A step: the old best holds until this trial, then drops (or rises) to its objective.
    if (best !== null) bestLine.push([order.get(r)!, best]);
    best = r.objective;
    bestLine.push([order.get(r)!, best]);
  }
  if (best !== null && bestLine.at(-1)![0] < finished.length) bestLine.push([finished.length, best]);
  const counts = (["complete", "pruned", "failed"] as const)
    .map((state) => [state, records.filter((r) => r.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  const top = bestTrial(sweep, records);
  return {
    title: `${sweep.name}: ${sweep.objective.metric} of each trial (${sweep.objective.direction})`,
    subtitle: [
      `${records.length} trials${counts.length ? `: ${counts.join(", ")}` : ""}`,
      ...(top ? [`best ${formatObjective(top.objective)} (trial ${top.trial})`] : []),
    ].join("; "),
    xLabel: "trials in the order they finished",
    series: [
      ...stateSeries(records, (r) => order.get(r)!),
      ...(bestLine.length ? [line("best so far", bestLine)] : []),
    ],
  };
}

/** A parameter's panel: the objective against the parameter's value. */
function parameterPanel(sweep: IrSweep, param: IrSweepParam, records: readonly TrialRecord[]): Panel {
  const d = param.distribution;
  const categories =
    d.kind === "choice"
      ? d.values
      : d.kind === "int_range" && !d.log && (d.high - d.low) / d.step < fewIntegers
        ? integers(d.low, d.high, d.step)
        : null;
  const log = d.kind === "log_uniform" || (d.kind === "int_range" && d.log);
  const x = (r: TrialRecord) => {
    const value = r.config[param.name];
    if (categories === null) return typeof value === "number" ? value : Number(value);
    // Trials that share a value spread a little sideways, so that their dots do not hide each other.
    return categoryIndex(categories, value) + (((r.trial * 0.618034) % 1) - 0.5) * 0.3;
  };
  return {
    title: `${sweep.objective.metric} against ${param.name}`,
    subtitle: distributionText(param),
    xLabel: `${param.name}${log ? " (log scale)" : ""}`,
    series: stateSeries(records, x),
    xAxis: categories ? { categories } : log ? "log" : "linear",
    // The axis spans the space, not only the values tried: where nothing was drawn shows too.
    ...(categories === null && d.kind !== "choice" ? { xSpan: [d.low, d.high] as const } : {}),
  };
}

/** A dot series per state that has trials with an objective, at `x` of each trial. */
function stateSeries(records: readonly TrialRecord[], x: (r: TrialRecord) => number): Series[] {
  return (["complete", "pruned", "failed"] as const).flatMap((state) => {
    const points = records
      .filter((r) => r.state === state && r.objective !== null)
      .map((r): [number, number] => [x(r), r.objective!]);
    return points.length ? [{ name: state, points, dots: true, color: stateColors[state] }] : [];
  });
}

function line(name: string, points: readonly (readonly [number, number])[]): Series {
  return { name, points, color: bestColor };
}

/** Where `value` sits among a choice's values (source texts; a number matches the text that reads as it). */
function categoryIndex(categories: readonly string[], value: SweepConfiguration[string] | undefined): number {
  const text = categories.indexOf(String(value));
  return text >= 0 ? text : categories.findIndex((c) => Number(c) === Number(value));
}

function integers(low: number, high: number, step: number): string[] {
  const out: string[] = [];
  for (let v = low; v <= high; v += step) out.push(String(v));
  return out;
}

/** `log_uniform(1e-4, 1e-2)`, `choice([8, 16, 32])`: the space the panel's parameter was drawn from. */
function distributionText(param: IrSweepParam): string {
  const d = param.distribution;
  // Bounds as a person writes them: 1e-4, not the table's aligned 1.0e-4.
  const n = (v: number) => formatValue(v).replace(/\.0e/, "e");
  switch (d.kind) {
    case "choice": {
      const written = `choice([${d.values.join(", ")}])`;
      return written.length <= 80 ? written : `choice of ${d.values.length} values`;
    }
    case "int_range":
      return `int_range(${d.low}, ${d.high}${d.step !== 1 ? `, step: ${d.step}` : ""}${d.log ? ", log: true" : ""})`;
    case "uniform":
      return `uniform(${n(d.low)}, ${n(d.high)})`;
    case "log_uniform":
      return `log_uniform(${n(d.low)}, ${n(d.high)})`;
  }
}
