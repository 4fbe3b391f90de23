/**
 * `nnc data FILE`: the train block's data before training, read as `nnc train` reads it (same rows, shuffle
 * and split): rows, classes per output, feature statistics, sequence lengths, and warnings; `--preview` draws
 * image examples (after the augmentation layers with `--augmented`). TensorFlow.js is loaded only when this
 * command runs.
 */
import type { Command } from "commander";
import { statSync } from "node:fs";
import * as path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";
import { overwrittenInput } from "../io/output-path.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { backendOption, startBackend, type BackendName } from "./backend-option.js";
import {
  chooseTrain,
  fail,
  formatOption,
  loadProgram,
  programInputs,
  setOption,
  type Format,
  type SetFlags,
} from "./common.js";
import { summaryText } from "./data-text.js";

interface DataCliOptions extends SetFlags {
  readonly model?: string;
  readonly preview?: string;
  readonly augmented?: boolean;
  readonly format: Format;
  readonly backend: BackendName;
}

export function registerData(program: Command): void {
  program
    .command("data")
    .description("summarise a train block's data as training reads it: rows, classes, features, warnings")
    .argument("<file>", ".nn file with a model and a train block for it")
    .option("-m, --model <name>", "which model's data, when the file trains several")
    .option("--preview <file>", "draw training examples of an image input: a PNG grid (.png), or SVG (.svg)")
    .option("--augmented", "in the preview, each example above three draws through the model's augmentation layers")
    .addOption(formatOption())
    .addOption(backendOption())
    .addOption(setOption())
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  nnc data examples/iris.nn",
        "  nnc data examples/denoising_autoencoder.nn --preview grid.png",
        "  nnc data examples/fashion_augmented.nn --preview grid.png --augmented",
        "  nnc data examples/iris.nn --format json",
        "  nnc data examples/iris.nn --set validation_split=0.3",
        "",
        "The data is read as nnc train reads it: the same rows (missing: drop), the same shuffle and",
        "validation split (with the block's seed), the same scaling; statistics are in the data's own units,",
        "over the training rows. Warnings: a class with more than 3x the rows of another, or under half its",
        "fair share; a class only in the validation rows; a constant feature; repeated rows.",
      ].join("\n"),
    )
    .action((file: string, options: DataCliOptions) => runData(file, options));
}

async function runData(file: string, options: DataCliOptions): Promise<void> {
  const program = loadProgram(file, options.format, { set: options.set, trainedModel: options.model });
  if (!program) return;
  const train = chooseTrain(program, file, options.model);
  if (!train) return;
  if (options.augmented && options.preview === undefined) {
    return fail("--augmented shows the augmentation in the preview: give --preview FILE too");
  }
  const model = program.models.find((m) => m.name === train.model)!;
  const refused = options.preview !== undefined && previewRefused(options.preview, programInputs(program));
  if (refused) return fail(refused);
  if ((await startBackend(options.backend)) === undefined) return;
  // Loaded here, not at the top: importing tfjs takes a while and only this command (of these) needs it.
  const { openAsTrained, summarizeData } = await import("../runtime/data-summary.js");
  const { NncUserError } = await import("../runtime/errors.js");
  try {
    const opened = await openAsTrained(model, train);
    try {
      // What the preview draws is checked before anything is printed.
      const preview = await import("../runtime/data-preview.js");
      const plan =
        options.preview === undefined ? null : preview.previewPlan(model, opened.model, options.augmented === true);
      const summary = summarizeData(opened, train);
      let wrote: string | null = null;
      if (options.preview !== undefined && plan) {
        const svg = preview.previewSvg(model, opened, plan);
        const target = path.resolve(options.preview);
        const { svgToPng } = await import("../runtime/plot.js");
        const png = target.toLowerCase().endsWith(".svg") ? null : await svgToPng(svg);
        await writeFileAtomic(target, png ?? svg);
        wrote = displayPath(target);
      }
      if (options.format === "json") {
        process.stdout.write(`${JSON.stringify(wrote === null ? summary : { ...summary, preview: wrote }, null, 2)}\n`);
      } else {
        process.stdout.write(summaryText(summary));
        if (wrote !== null) process.stdout.write(`\nwrote ${wrote}\n`);
      }
    } finally {
      opened.close();
    }
  } catch (error) {
    if (!(error instanceof NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    process.exitCode = 1;
  }
}

/**
 * Why `--preview FILE` cannot be written, checked before any data is read: a name that is not .png or .svg
 * (the grid is one of these), a folder that does not exist (nnc makes none for it), or an input of the command.
 */
function previewRefused(file: string, inputs: readonly string[]): string | undefined {
  if (file === "") return "--preview needs a file name (grid.png or grid.svg)";
  const overwrites = overwrittenInput(file, inputs, "--preview");
  if (overwrites) return overwrites;
  const extension = path.extname(file).toLowerCase();
  if (extension !== ".png" && extension !== ".svg")
    return `--preview ${file}: nnc draws the grid as PNG or SVG; give a name ending in .png or .svg`;
  try {
    if (!statSync(path.dirname(path.resolve(file))).isDirectory()) throw new Error("not a folder");
  } catch {
    return `cannot write ${file}: its directory does not exist`;
  }
  return undefined;
}
