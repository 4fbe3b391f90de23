/**
 * `nnc import-weights RUN`: the run folder of a script of `nnc compile --target pytorch` (weights.safetensors,
 * run.json, history.json) -> a normal nnc run folder (model.json, weights.bin, history.json, labels.json,
 * preprocessing.json), which `nnc evaluate`, `nnc predict`, `tf.loadLayersModel` and `from_run(...)` take. The
 * spec is the one run.json names (relative to the run folder) unless `--spec` gives it. The new folder follows
 * `nnc train`'s rules: a new folder each time (`runs/<Model>`, `runs/<Model>-2`, ...) unless `--out` names one;
 * an earlier nnc run there is replaced only with `--overwrite`, and a folder of other files never.
 * TensorFlow.js is loaded only when this command runs.
 */
import type { Command } from "commander";
import { existsSync, readFileSync, realpathSync, rmdirSync } from "node:fs";
import * as path from "node:path";
import type { StateDictMap } from "../compiler/emit/pytorch/types.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import type { IrModel, IrProgram } from "../compiler/ir/index.js";
import { markerFile, ownNames } from "../compiler/registry/run-files.js";
import { isInside } from "../compiler/registry/run-weights.js";
import { freshRunFolder, runFolderOverInput } from "../io/output-path.js";
import { backendOption, startBackend, type BackendName } from "./backend-option.js";
import {
  fail,
  inFileAsWritten,
  loadProgram,
  printDiagnostics,
  programInputs,
  setOption,
  type SetFlags,
} from "./common.js";

interface ImportCliOptions extends SetFlags {
  readonly spec?: string;
  readonly out?: string;
  readonly overwrite?: boolean;
  readonly backend: BackendName;
}

/** Registers `nnc import-weights`. */
export function registerImportWeights(program: Command): void {
  program
    .command("import-weights")
    .description("turn the run folder of a PyTorch script (nnc compile --target pytorch) into an nnc run folder")
    .argument("<run>", "the PyTorch script's run folder (weights.safetensors, run.json, history.json)")
    .option("-s, --spec <file>", "the .nn file the script was compiled from (default: the one run.json names)")
    .option(
      "-o, --out <dir>",
      "the nnc run folder to write (default: runs/<model>/, or runs/<model>-2/, ... when taken)",
    )
    .option("--overwrite", "replace an earlier nnc run in the --out folder (never a folder of other files)")
    .addOption(setOption())
    .addOption(backendOption())
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  python3 train.py && nnc import-weights runs/Iris-pytorch",
        "  nnc import-weights runs/Iris-pytorch --out runs/Iris-from-pytorch",
        "  nnc evaluate examples/iris.nn --model runs/Iris-from-pytorch",
      ].join("\n"),
    )
    .action((run: string, options: ImportCliOptions) => runImport(run, options));
}

async function runImport(dir: string, options: ImportCliOptions): Promise<void> {
  const { readPytorchRun, pytorchRunInputs, pytorchRunModel, importPytorchRun } =
    await import("../runtime/pytorch/pytorch-run.js");
  const { NncUserError } = await import("../runtime/errors.js");
  try {
    const run = readPytorchRun(dir);
    const spec = options.spec ?? path.join(run.folder.dir, run.run.spec);
    // run.json may have been edited: only a .nn file is read, so no other file's text reaches a message.
    if (options.spec === undefined && path.extname(run.run.spec) !== ".nn") {
      return fail(
        `${run.folder.shownAs}/run.json names the spec ${JSON.stringify(run.run.spec)}, which is not a .nn file; ` +
          "give it with --spec FILE",
      );
    }
    if (options.spec === undefined && !existsSync(spec)) {
      return fail(
        `${run.folder.shownAs}/run.json names the spec '${run.run.spec}', which is not at ${displayPath(spec)}; ` +
          "give it with --spec FILE",
      );
    }
    const program = loadProgram(spec, "text", { set: options.set });
    if (!program) return;
    const model = pytorchRunModel(run, program.models, displayPath(path.resolve(spec)));
    const map = await stateDictMap(program, model);
    if (!map) return;
    const fallback = path.resolve("runs", model.name);
    const claims = options.out === undefined && !options.overwrite;
    const parentIsNew = !existsSync(path.dirname(fallback));
    const out =
      options.out !== undefined ? path.resolve(options.out) : options.overwrite ? fallback : freshRunFolder(fallback);
    try {
      // The script counts every folder inside its run folder as its own: nnc writes none there.
      const real = realPathOf(out);
      if (real === run.folder.real || isInside(run.folder.real, real)) {
        return fail(
          `cannot write ${displayPath(out)}/: it is inside the PyTorch run folder ${run.folder.shownAs}/, which ` +
            "import-weights only reads; choose a folder outside it with --out",
        );
      }
      const overwrites = runFolderOverInput(out, ownNames, [...programInputs(program), ...pytorchRunInputs(run)]);
      if (overwrites) return fail(overwrites);
      if ((await startBackend(options.backend)) === undefined) return;
      // --overwrite replaces an nnc run only: a folder without nnc's marker is refused as nnc train refuses it.
      const ours = existsSync(path.join(out, markerFile));
      const folderOptions = {
        ...(options.overwrite && ours ? { overwrite: true } : {}),
        ...(claims ? { fresh: true } : {}),
      };
      const train = program.trains.find((t) => t.model === model.name);
      const warnings = await importPytorchRun(run, model, map, out, folderOptions, train);
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    } catch (error) {
      if (error instanceof NncUserError && error.code === "NN4012")
        throw error.withHint("choose a new or empty folder with --out; import-weights writes only into nnc's own");
      if (error instanceof NncUserError && error.code === "NN4043")
        throw error.withHint("choose another folder with --out, or pass --overwrite to replace it");
      throw error;
    } finally {
      // The folders a fresh run folder made (runs/Iris, and runs/ when new) go again unless the run was saved there.
      if (claims) removeIfEmpty(out);
      if (claims && parentIsNew) removeIfEmpty(path.dirname(out));
    }
    const { torch, world_size: world, completed_epochs: epochs, final } = run.run;
    const processes = world === undefined ? "" : `, ${world} process${world === 1 ? "" : "es"}`;
    const from = `${run.folder.shownAs}/ (PyTorch${torch ? ` ${torch}` : ""}${processes}, ${epochs} epochs)`;
    process.stdout.write(`imported ${model.name} from ${from}\n`);
    const restored = run.run.restored_epoch;
    if (final) process.stdout.write(`final: ${shownFigures(final)}\n`);
    // As nnc train's summary marks it: the weights are the restored epoch's, not the last one's.
    if (restored != null) {
      const figures = shownFigures(run.history[restored - 1]!);
      process.stdout.write(`weights of epoch ${restored} (restore_best_weights kept them): ${figures}\n`);
    }
    const { files } = JSON.parse(readFileSync(path.join(out, markerFile), "utf8")) as { files: string[] };
    process.stdout.write(`saved ${displayPath(out)}/ (${files.join(", ")})\n`);
  } catch (error) {
    if (!(error instanceof NncUserError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    process.exitCode = 1;
  }
}

/**
 * The state dict map of the module the PyTorch target emits for `model`; null, after printing its NN6001
 * diagnostics, when the target cannot express the model.
 */
export async function stateDictMap(program: IrProgram, model: IrModel): Promise<StateDictMap | null> {
  // Loaded here, not at start: the PyTorch emitter is a tenth of the bundle that `nnc check` reads.
  const { torchStateDict } = await import("../compiler/emit/pytorch/module.js");
  const map = torchStateDict(model);
  if (!Array.isArray(map)) return map;
  const shown = map.map((d) => inFileAsWritten(program, d));
  const sources = new Map(
    [...new Set(shown.map((d) => d.file))].map((file) => [file, existsSync(file) ? readFileSync(file, "utf8") : ""]),
  );
  printDiagnostics(shown, sources);
  process.exitCode = 1;
  return null;
}

/** An epoch's figures as nnc train prints them (`loss: 0.0728 - accuracy: 0.9800`), without `epoch` and `lr`. */
function shownFigures(figures: Readonly<Record<string, number | null>>): string {
  const shown = Object.entries(figures).filter(
    (entry): entry is [string, number] => entry[1] !== null && entry[0] !== "epoch" && entry[0] !== "lr",
  );
  return shown.map(([name, value]) => `${name}: ${value.toFixed(4)}`).join(" - ");
}

/** The real path `file` would have: its nearest existing folder's real path (links followed) and the rest. */
function realPathOf(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(realPathOf(parent), path.basename(absolute));
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (the run was saved there) or gone: nothing to do.
  }
}
