/**
 * `nnc plot runs/X`: draws a saved run's `history.json` again, as `history.svg` and `history.png` in the
 * run directory (or where `--out` says), the same plot `nnc train` writes. Never loads tfjs.
 */
import type { Command } from "commander";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";
import { overwrittenInput } from "../io/output-path.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import type { EpochRecord } from "../runtime/save.js";
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
  // Loaded here: validating history.json needs ajv, which `nnc check` never loads.
  const { openSavedFolder, readRunJson, runFile } = await import("../runtime/saved-files.js");
  const { NncUserError } = await import("../runtime/errors.js");
  let history: EpochRecord[];
  let input: string;
  try {
    const folder = openSavedFolder(run);
    input = runFile(folder, "history.json");
    history = readRunJson<EpochRecord[]>(folder, "history.json", "history")!;
  } catch (error) {
    if (!(error instanceof NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    process.exitCode = 1;
    return;
  }
  const { plotFiles, writePlots } = await import("../runtime/plot.js");
  const out = path.resolve(options.out ?? run);
  for (const name of Object.values(plotFiles)) {
    const overwrites = overwrittenInput(path.join(out, name), [input], options.out === undefined ? "the plot" : "-o");
    if (overwrites) return fail(overwrites);
  }
  mkdirSync(out, { recursive: true });
  const title = path.basename(path.resolve(run));
  const written = await writePlots(out, history, title, writeFileAtomic);
  process.stdout.write(`wrote ${written.map((name) => displayPath(path.join(out, name))).join(", ")}\n`);
}
