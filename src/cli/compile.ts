/**
 * `nnc compile FILE [-o OUT.ts]`: checks a spec and emits the TypeScript module it compiles to.
 */
import path from "node:path";
import type { Command } from "commander";
import { emitTypeScript } from "../compiler/emit/index.js";
import { overwrittenInput } from "../io/output-path.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import {
  fail,
  formatOption,
  loadProgram,
  maxLayersOption,
  maxParamsOption,
  programInputs,
  setOption,
  type Format,
  type LimitFlags,
  type SetFlags,
} from "./common.js";

interface CompileOptions extends LimitFlags, SetFlags {
  readonly out?: string;
  readonly format: Format;
}

/** Adds `compile` to the `nnc` command. */
export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a spec to a TypeScript module for @tensorflow/tfjs")
    .argument("<file>", "the .nn spec")
    .option(
      "-o, --out <file>",
      "write the module to this file, atomically; its data paths are then relative to it " +
        "(default: print the module to standard output, with absolute data paths)",
    )
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
        "Example:",
        "  nnc compile examples/iris.nn -o examples/iris.ts",
        "  nnc compile examples/iris.nn --set epochs=20 -o iris-20.ts",
        "",
      ].join("\n"),
    )
    .action(async (file: string, options: CompileOptions) => {
      const program = loadProgram(file, options.format, options);
      if (!program) return;
      const outFile = options.out === undefined ? undefined : path.resolve(options.out);
      const overwrites =
        options.out === undefined ? undefined : overwrittenInput(options.out, programInputs(program), "-o");
      if (overwrites) return fail(overwrites);
      const code = await emitTypeScript(program, outFile === undefined ? {} : { outFile });
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
