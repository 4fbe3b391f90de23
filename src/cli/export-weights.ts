/**
 * `nnc export-weights RUN --spec FILE`: an nnc run's weights as the state dict of the module that
 * `nnc compile FILE --target pytorch` emits, in a `.safetensors` file that the script's `--init FILE` starts from
 * (and `load_safetensors` + `load_state_dict` read). TensorFlow.js is loaded only when this command runs.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { displayPath } from "../compiler/diagnostics/render.js";
import { overwrittenInput } from "../io/output-path.js";
import { readSafetensors, SafetensorsUnusable } from "../io/safetensors.js";
import { backendOption, startBackend, type BackendName } from "./backend-option.js";
import { fail, loadProgram, programInputs, setOption, type SetFlags } from "./common.js";
import { stateDictMap } from "./import-weights.js";

interface ExportCliOptions extends SetFlags {
  readonly spec: string;
  readonly out?: string;
  readonly backend: BackendName;
}

/** Registers `nnc export-weights`. */
export function registerExportWeights(program: Command): void {
  program
    .command("export-weights")
    .description("write an nnc run's weights as the PyTorch state dict of nnc compile --target pytorch's module")
    .argument("<run>", "the run folder nnc train (or nnc import-weights) saved")
    .requiredOption(
      "-s, --spec <file>",
      "the .nn file of the run's model (the one the PyTorch script is compiled from)",
    )
    .option("-o, --out <file>", "the .safetensors file to write (default: <run>.safetensors beside the run folder)")
    .addOption(setOption())
    .addOption(backendOption())
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  nnc export-weights runs/Iris --spec examples/iris.nn -o iris.safetensors",
        "  python3 train.py --init iris.safetensors",
      ].join("\n"),
    )
    .action((run: string, options: ExportCliOptions) => runExport(run, options));
}

/**
 * Why `file` must not be replaced, or undefined: nnc replaces only a `.safetensors` file that it wrote (metadata
 * format "nnc-pytorch") outside a PyTorch run folder (whose weights.safetensors the script's run.json vouches for).
 */
async function foreignFile(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  if (existsSync(path.join(path.dirname(file), ".nnc-pytorch-run.json")))
    return "it is in a PyTorch run folder, whose files the script writes";
  try {
    const { metadata } = await readSafetensors(file);
    if (metadata?.["format"] === "nnc-pytorch") return undefined;
  } catch (error) {
    if (!(error instanceof SafetensorsUnusable) && !(error as NodeJS.ErrnoException).code) throw error;
  }
  return "it exists and is not a .safetensors file nnc wrote";
}

async function runExport(dir: string, options: ExportCliOptions): Promise<void> {
  const program = loadProgram(options.spec, "text", { set: options.set });
  if (!program) return;
  if ((await startBackend(options.backend)) === undefined) return;
  const runtime = await import("../runtime/index.js");
  const { exportTorchWeights } = await import("../runtime/pytorch/pytorch-run.js");
  const { errorReason } = await import("../runtime/run-lock.js");
  try {
    const run = await runtime.loadRun(dir);
    const model = runtime.specModelFor(run, program.models, displayPath(path.resolve(options.spec)));
    const map = await stateDictMap(program, model);
    if (!map) return;
    const out = options.out ?? `${path.resolve(dir)}.safetensors`;
    const overwrites = overwrittenInput(out, [...programInputs(program), ...run.files], "-o");
    if (overwrites) return fail(overwrites);
    const shown = displayPath(path.resolve(out));
    const foreign = await foreignFile(out);
    if (foreign) return fail(`-o ${shown}: ${foreign}; choose another file`);
    try {
      await exportTorchWeights(map, run.model, out);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code !== "string") throw error;
      const why = code === "ENOENT" ? "no such folder" : errorReason(error as NodeJS.ErrnoException);
      return fail(`-o ${shown}: cannot write it (${why})`);
    }
    const keys = map.layers.reduce((n, layer) => n + layer.links.length, 0);
    process.stdout.write(`wrote ${shown} (${keys} tensors of model ${model.name}, for the PyTorch script's --init)\n`);
  } catch (error) {
    if (!(error instanceof runtime.NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    process.exitCode = 1;
  }
}
