/**
 * A plain text table in the runtime's look (the end-of-run table of progress.ts, `nnc data`'s tables): columns
 * two spaces apart, numbers right-aligned, no box characters, fitted to a terminal's width. A sweep's tables
 * (report.ts) lay out through it.
 */
import { maxOf } from "../../compiler/base/arrays.js";

export interface TableColumn {
  readonly header: string;
  readonly align: "left" | "right";
  /**
   * A column that gives up width when the table is too wide (a parameter's): its header keeps its end
   * (`…learning_rate`, the distinctive part of a dotted name), its cells their start. Numbers are never cut.
   */
  readonly shrinks?: boolean;
  /** The width a shrinking column keeps for text cells; 6 by default. */
  readonly narrowest?: number;
  /** A column the table leaves out when it does not fit otherwise; the highest number goes first. */
  readonly drops?: number;
}

const gap = "  ";

/**
 * The lines of a table with `columns` and `rows` (a cell per column), at most `width` characters each: the widest
 * shrinking columns give up width first, down to their floors; then the droppable columns go, the highest `drops`
 * first; then lines still too long are cut with `…`. Trailing spaces are trimmed.
 */
export function layoutTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
  width: number = Infinity,
): string[] {
  const natural = columns.map((c, k) =>
    maxOf(
      rows.map((row) => row[k]!.length),
      c.header.length,
    ),
  );
  const floor = columns.map((c, k) => {
    if (!c.shrinks) return natural[k]!;
    const numbers = rows.map((row) => row[k]!).filter(isNumberText);
    return Math.min(
      natural[k]!,
      maxOf(
        numbers.map((cell) => cell.length),
        c.narrowest ?? 6,
      ),
    );
  });
  const shown = columns.map((_, k) => k);
  const total = (widths: readonly number[]) =>
    shown.reduce((sum, k) => sum + widths[k]!, 0) + gap.length * (shown.length - 1);
  for (;;) {
    const droppable = shown.filter((k) => columns[k]!.drops !== undefined);
    if (total(floor) <= width || droppable.length === 0) break;
    const next = droppable.reduce((a, b) => (columns[b]!.drops! > columns[a]!.drops! ? b : a));
    shown.splice(shown.indexOf(next), 1);
  }
  const widths = [...natural];
  for (let excess = total(widths) - width; excess > 0; excess--) {
    const widest = shown
      .filter((k) => widths[k]! > floor[k]!)
      .reduce((a, b) => (a < 0 || widths[b]! > widths[a]! ? b : a), -1);
    if (widest < 0) break;
    widths[widest]!--;
  }
  const cell = (text: string, k: number, header: boolean) => {
    const w = widths[k]!;
    const fitted =
      text.length <= w ? text : header ? `…${text.slice(text.length - w + 1)}` : `${text.slice(0, w - 1)}…`;
    return columns[k]!.align === "right" ? fitted.padStart(w) : fitted.padEnd(w);
  };
  const line = (cells: readonly string[], header: boolean) =>
    cut(
      shown
        .map((k) => cell(cells[k]!, k, header))
        .join(gap)
        .trimEnd(),
      width,
    );
  return [
    line(
      columns.map((c) => c.header),
      true,
    ),
    ...rows.map((row) => line(row, false)),
  ];
}

/** `line`, at most `width` characters: cut with `…` when longer. */
export function cut(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

function isNumberText(cell: string): boolean {
  return cell !== "" && !Number.isNaN(Number(cell.replace(/,/g, "")));
}
