import type { Command } from "commander";
import { formatSummary, summarize, summaryJson } from "../compiler/emit/summary.js";
import {
  fail,
  formatOption,
  loadProgram,
  maxLayersOption,
  maxParamsOption,
  setOption,
  type Format,
  type LimitFlags,
  type SetFlags,
} from "./common.js";

export function registerSummary(program: Command): void {
  program
    .command("summary")
    .description("print each model's layers, output shapes and parameter counts, like Keras's model.summary()")
    .argument("<file>", ".nn file")
    .option("-m, --model <name>", "only this model")
    .addOption(formatOption())
    .addOption(maxLayersOption())
    .addOption(maxParamsOption())
    .addOption(setOption())
    .addHelpText(
      "after",
      "\nExamples:\n  nnc summary examples/iris.nn\n  nnc summary model.nn --set units=64 --set depth=3",
    )
    .action((file: string, options: { format: Format; model?: string } & LimitFlags & SetFlags) => {
      const checked = loadProgram(file, options.format, { ...options, trainedModel: options.model });
      if (!checked) return;
      const models = checked.models.filter((m) => options.model === undefined || m.name === options.model);
      if (models.length === 0) {
        return fail(options.model ? `no model named '${options.model}' in ${file}` : `${file} has no model`);
      }
      const summaries = models.map(summarize);
      if (options.format === "json") process.stdout.write(`${summaryJson(summaries)}\n`);
      else process.stdout.write(`${summaries.map(formatSummary).join("\n\n")}\n`);
    });
}
