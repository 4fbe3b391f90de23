/**
 * `nnc plot runs/X`: draws a saved run's `history.json` again, as `history.svg` and `history.png` in the
 * run directory (or where `--out` says), the same plot `nnc train` writes. Never loads tfjs.
 */
import type { Command } from "commander";
import { mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { displayPath } from "../compiler/render.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { fail } from "./common.js";

export function registerPlot(program: Command): void {
  program
    .command("plot")
    .description("draw a run's loss and metrics (training and validation) from its history.json as SVG and PNG")
    .argument("<run>", "a run directory written by nnc train (it holds history.json)")
    .option("-o, --out <dir>", "where to write history.svg and history.png (default: the run directory)")
    .addHelpText("after", "\nExample:\n  nnc plot runs/Iris")
    .action((run: string, options: { out?: string }) => runPlot(run, options));
}

async function runPlot(run: string, options: { out?: string }): Promise<void> {
  const file = path.join(run, "history.json");
  let history: unknown;
  try {
    history = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(`${displayPath(path.resolve(file))}: ${code === "ENOENT" ? "no such file (is this a run directory written by nnc train?)" : (error as Error).message}`);
  }
  if (!Array.isArray(history) || !history.every((r) => typeof r === "object" && r !== null && typeof r.epoch === "number")) {
    return fail(`${displayPath(path.resolve(file))}: expected a JSON array of epochs, each with an "epoch" number`);
  }
  const { writePlots } = await import("../runtime/plot.js");
  const out = path.resolve(options.out ?? run);
  mkdirSync(out, { recursive: true });
  const title = path.basename(path.resolve(run));
  const written = await writePlots(out, history, title, writeFileAtomic);
  process.stdout.write(`wrote ${written.map((name) => displayPath(path.join(out, name))).join(", ")}\n`);
}
