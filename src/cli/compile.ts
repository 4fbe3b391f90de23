/**
 * `nnc compile FILE [-o OUT.ts]`: checks a spec and emits the TypeScript module it compiles to; with
 * `--target pytorch`, a PyTorch training script (src/compiler/emit/pytorch/script.ts) instead, or the located
 * diagnostics (NN6001, NN6002) of what PyTorch cannot express, printed as `nnc check` prints its own.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import type { Diagnostic } from "../compiler/diagnostics/index.js";
import { emitTypeScript } from "../compiler/emit/index.js";
import { overwrittenInput } from "../io/output-path.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import {
  chooseTrain,
  fail,
  formatOption,
  inFileAsWritten,
  loadProgram,
  maxLayersOption,
  maxParamsOption,
  printDiagnostics,
  printJsonDiagnostics,
  programInputs,
  setOption,
  type Format,
  type LimitFlags,
  type SetFlags,
} from "./common.js";

interface CompileOptions extends LimitFlags, SetFlags {
  readonly out?: string;
  readonly format: Format;
  readonly target: "tfjs" | "pytorch";
  readonly model?: string;
}

/** Adds `compile` to the `nnc` command. */
export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a spec to a TypeScript module for @tensorflow/tfjs, or a PyTorch training script")
    .argument("<file>", "the .nn spec")
    .option(
      "-o, --out <file>",
      "write the module (or script) to this file, atomically; its data paths are then relative to it " +
        "(default: print it to standard output, with absolute data paths)",
    )
    .addOption(
      new Option("--target <target>", "what to compile to: a tfjs module, or a PyTorch training script")
        .choices(["tfjs", "pytorch"])
        .default("tfjs"),
    )
    .option("-m, --model <name>", "with --target pytorch: which model's train block, when the file trains several")
    .addOption(formatOption())
    .addOption(maxLayersOption())
    .addOption(maxParamsOption())
    .addOption(setOption())
    .addHelpText(
      "after",
      [
        "",
        "The module exports buildM(): tf.LayersModel for each model M, and trainM(): Promise<tf.History> for each",
        "train block; run directly (npx tsx OUT.ts) it trains and prints the final metrics. --format applies to",
        "diagnostics. Exit status is 1 when the spec has errors or OUT cannot be written.",
        "",
        "--target pytorch writes one Python file that trains the train block's model with PyTorch: run it with",
        "python3 train.py (one process) or torchrun --nproc_per_node=N train.py (DistributedDataParallel; on",
        "Debian's torch 1.13 add --redirects 1 --tee 1). It saves weights.safetensors, history.json and run.json",
        "into runs/<model>-pytorch/, which nnc import-weights turns into an nnc run. A layer or train setting",
        "PyTorch cannot express is an error at its place in the spec (NN6001, NN6002).",
        "",
        "Examples:",
        "  nnc compile examples/iris.nn -o examples/iris.ts",
        "  nnc compile examples/iris.nn --set epochs=20 -o iris-20.ts",
        "  nnc compile examples/iris.nn --target pytorch -o train.py",
        "",
      ].join("\n"),
    )
    .action(async (file: string, options: CompileOptions) => {
      const program = loadProgram(file, options.format, options);
      if (!program) return;
      if (options.model !== undefined) {
        if (options.target !== "pytorch") return fail("--model applies to --target pytorch only");
        // A name that no train block trains is an error, as nnc train's --model is.
        if (!chooseTrain(program, file, options.model)) return;
      }
      const outFile = options.out === undefined ? undefined : path.resolve(options.out);
      const overwrites =
        options.out === undefined ? undefined : overwrittenInput(options.out, programInputs(program), "-o");
      if (overwrites) return fail(overwrites);
      const where = outFile === undefined ? {} : { outFile };
      let code: string;
      if (options.target === "pytorch") {
        // Loaded here: the PyTorch emitter is a tenth of the bundle that every other command reads at start.
        const { emitPytorch } = await import("../compiler/emit/pytorch/script.js");
        const script = emitPytorch(program, { ...where, ...(options.model ? { model: options.model } : {}) });
        if ("diagnostics" in script)
          return printLocated(
            script.diagnostics.map((d) => inFileAsWritten(program, d)),
            options.format,
          );
        code = script.code;
      } else code = await emitTypeScript(program, where);
      if (outFile === undefined) {
        process.stdout.write(code);
        return;
      }
      try {
        await writeFileAtomic(outFile, code);
      } catch (error) {
        const { code: reason, message } = error as NodeJS.ErrnoException;
        fail(`cannot write ${options.out}: ${reason === "ENOENT" ? "its directory does not exist" : message}`);
      }
    });
}

/**
 * Prints a target's diagnostics as `nnc check` prints its own (text on stderr, or `--format json`), each spec
 * file read again for its source lines; sets exit code 1.
 */
function printLocated(diagnostics: readonly Diagnostic[], format: Format): void {
  const files = [...new Set(diagnostics.map((d) => d.file))];
  const sources = new Map(files.map((file) => [file, existsSync(file) ? readFileSync(file, "utf8") : ""]));
  if (format === "json") printJsonDiagnostics(diagnostics, sources);
  else printDiagnostics(diagnostics, sources);
  process.exitCode = 1;
}
