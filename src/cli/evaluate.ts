/**
 * `nnc evaluate FILE --model runs/X`: a saved run's loss and metrics (Keras's names) on labelled data: by
 * default the train block's validation source or its data, or `--data`. TensorFlow.js is loaded only when
 * this command runs.
 */
import type { Command } from "commander";
import * as path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";
import { backendOption, startBackend, type BackendName } from "./backend-option.js";
import { fail, formatOption, loadProgram, setOption, type Format, type SetFlags } from "./common.js";

interface EvaluateCliOptions extends SetFlags {
  readonly model: string;
  readonly backend: BackendName;
  readonly data?: string[];
  readonly format: Format;
}

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description("print a trained model's loss and metrics on labelled data (the train block's, or --data)")
    .argument("<file>", ".nn file with the model and its train block (for the loss, metrics and data options)")
    .requiredOption("-m, --model <run>", "the run directory nnc train saved (model.json, weights.bin, ...)")
    .option(
      "-d, --data <paths...>",
      "labelled data like the training data: a .csv or .json(l) file, or for idx() and npy() sources two files (images labels, x y), for npy() of one file per input or output one per entry (x's, then y's, in the order written), for images() a folder of class folders; default: the train block's validation source, else its data",
    )
    .addOption(formatOption())
    .addOption(backendOption())
    .addOption(setOption())
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  nnc evaluate examples/iris.nn --model runs/Iris",
        "  nnc evaluate examples/iris.nn --model runs/Iris --data test.csv --format json",
        "  nnc evaluate examples/iris.nn --set units=64 --model runs/Iris-units-64   (the --set the run was trained with)",
        "  nnc evaluate examples/fashion_mnist.nn --model runs/FashionMlp --data t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz",
      ].join("\n"),
    )
    .action((file: string, options: EvaluateCliOptions) => runEvaluate(file, options));
}

async function runEvaluate(file: string, options: EvaluateCliOptions): Promise<void> {
  const program = loadProgram(file, options.format, { set: options.set });
  if (!program) return;
  if ((await startBackend(options.backend)) === undefined) return;
  const runtime = await import("../runtime/index.js");
  try {
    const run = await runtime.loadRun(options.model);
    const model = runtime.specModelFor(run, program.models, displayPath(path.resolve(file)));
    const train = program.trains.find((t) => t.model === model.name);
    if (!train) return fail(`${file} has no train block for model '${model.name}'; evaluate uses its loss and metrics`);
    const source = runtime.evaluationSource(train, options.data);
    const result = await runtime.evaluateRun(run, train, source);
    if (options.format === "json") {
      process.stdout.write(`${JSON.stringify(result.figures, null, 2)}\n`);
      return;
    }
    const which = options.data !== undefined ? "" : train.validation ? ", the validation data" : ", the training data";
    if (result.dropped > 0)
      process.stdout.write(`dropped ${result.dropped} rows with a missing value (missing: drop)\n`);
    if (result.skipped) process.stdout.write(`${result.skipped}\n`);
    const rows = `${result.rows} row${result.rows === 1 ? "" : "s"}`;
    process.stdout.write(`evaluated ${model.name} on ${result.source} (${rows}${which})\n`);
    const figures = Object.entries(result.figures).map(([name, value]) => `${name}: ${value.toFixed(4)}`);
    process.stdout.write(`${figures.join(" - ")}\n`);
    if (run.preprocessing?.targetScaling?.some((scaling) => scaling !== null))
      process.stdout.write("(mae, mse and rmse in the targets' units; the loss as trained, on standardised targets)\n");
  } catch (error) {
    if (!(error instanceof runtime.NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    process.exitCode = 1;
  }
}
