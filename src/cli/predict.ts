/**
 * `nnc predict FILE --model runs/X --input rows.csv`: a saved run's predictions for new rows, as CSV or JSON,
 * with class names restored from the training labels. TensorFlow.js is loaded only when this command runs.
 */
import { Option, type Command } from "commander";
import * as path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";
import { backendOption, startBackend, type BackendName } from "./backend-option.js";
import { overwrittenInput } from "../io/output-path.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { fail, loadProgram, programInputs, setOption, type SetFlags } from "./common.js";

interface PredictCliOptions extends SetFlags {
  readonly model: string;
  readonly backend: BackendName;
  readonly input: string[];
  readonly out?: string;
  readonly format?: "csv" | "json";
  readonly output?: string;
}

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("predict with a trained model for the rows of a CSV or JSON file; prints CSV or JSON")
    .argument("<file>", ".nn file with the model")
    .requiredOption("-m, --model <run>", "the run directory nnc train saved (model.json, weights.bin, ...)")
    .requiredOption(
      "-i, --input <paths...>",
      "a .csv, .json or .jsonl file of rows with the training data's feature columns (an IDX images or .npy file for a model trained on idx() or npy(); image files and folders for images(); raw text for text(), a .csv, .json or .jsonl file with the training text column or a .txt file of one text per line; one .npy file per input, in the order training named them, for npy(x: { a: ..., b: ... }))",
    )
    .option(
      "-o, --out <file>",
      "write the predictions to this file (CSV or JSON by its extension) instead of printing them",
    )
    .option(
      "--output <tensor>",
      "print this tensor of the model instead of its outputs: any name its body gives (an encoder's code, for embeddings)",
    )
    .addOption(
      new Option("--format <format>", "output format (default: from --out's extension, else csv)").choices([
        "csv",
        "json",
      ]),
    )
    .addOption(backendOption())
    .addOption(setOption())
    .addHelpText(
      "after",
      "\nExamples:\n  nnc predict examples/iris.nn --model runs/Iris --input flowers.csv\n  nnc predict examples/iris.nn --model runs/Iris --input flowers.jsonl -o predictions.json\n  nnc predict examples/denoising_autoencoder.nn --model runs/Denoiser --input images.idx --output code",
    )
    .action((file: string, options: PredictCliOptions) => runPredict(file, options));
}

async function runPredict(file: string, options: PredictCliOptions): Promise<void> {
  const program = loadProgram(file, "text", { set: options.set });
  if (!program) return;
  const format =
    options.format ?? (options.out && path.extname(options.out).toLowerCase() === ".json" ? "json" : "csv");
  if ((await startBackend(options.backend)) === undefined) return;
  const runtime = await import("../runtime/index.js");
  try {
    const run = await runtime.loadRun(options.model);
    const spec = runtime.specModelFor(run, program.models, displayPath(path.resolve(file)));
    const inputs = [...programInputs(program), ...options.input, ...run.files];
    const overwrites = options.out === undefined ? undefined : overwrittenInput(options.out, inputs, "-o");
    if (overwrites) return fail(overwrites);
    const tensor = options.output === undefined ? undefined : { spec, name: options.output };
    const predictions = runtime.predictRun(run, options.input, tensor);
    const text = format === "json" ? runtime.predictionsJson(predictions) : runtime.predictionsCsv(predictions);
    if (options.out === undefined) {
      process.stdout.write(text);
      return;
    }
    await writeFileAtomic(path.resolve(options.out), text);
    process.stdout.write(`wrote ${predictions.rows.length} predictions to ${displayPath(path.resolve(options.out))}\n`);
  } catch (error) {
    if (!(error instanceof runtime.NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    process.exitCode = 1;
  }
}
