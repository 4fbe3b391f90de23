/**
 * The `nnc` command. Each subcommand lives in its own file and registers itself here. bin/nnc.js calls `main`
 * from the bundle that scripts/build.mjs makes of this file.
 */
import { Command } from "commander";
import { registerCheck } from "./check.js";
import { registerCompile } from "./compile.js";
import { registerData } from "./data.js";
import { registerEvaluate } from "./evaluate.js";
import { registerExplain } from "./explain.js";
import { registerExportWeights } from "./export-weights.js";
import { registerImportWeights } from "./import-weights.js";
import { registerLsp } from "./lsp.js";
import { packageVersion } from "./package-info.js";
import { registerFmt } from "./fmt.js";
import { registerSummary } from "./summary.js";
import { registerPlot } from "./plot.js";
import { registerPredict } from "./predict.js";
import { registerSchedule } from "./schedule.js";
import { registerSweep } from "./sweep.js";
import { registerTrain } from "./train.js";
import { fail } from "./common.js";
import { WriteRefused } from "../io/write-atomic.js";

/** Runs `nnc` with Node's `process.argv` (the program and script first). */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command();
  program
    .name("nnc")
    .description("nnc compiles .nn model specs: checks shapes at compile time, summarises, emits TypeScript, trains.")
    .version(packageVersion())
    .showHelpAfterError("(run nnc --help for usage)");

  registerCheck(program);
  registerSummary(program);
  registerCompile(program);
  registerTrain(program);
  registerSweep(program);
  registerEvaluate(program);
  registerPredict(program);
  registerImportWeights(program);
  registerExportWeights(program);
  registerData(program);
  registerSchedule(program);
  registerPlot(program);
  registerExplain(program);
  registerLsp(program);
  registerFmt(program);

  // `nnc schedule ... | head` closes the pipe early: that ends the output, it is not an error.
  whenStdoutMade((stdout) =>
    stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(0);
    }),
  );
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    // A folder, device or pipe named as an output (`-o /dev/null`): refused before anything was written.
    if (!(error instanceof WriteRefused)) throw error;
    fail(error.message);
  }
}

/**
 * Runs `attach` on process.stdout when something first reads it: Node makes the stream then, loading its stream
 * modules, which a command that prints a line or two does without (common.ts's `writeStdout`).
 */
function whenStdoutMade(attach: (stdout: NodeJS.WriteStream) => void): void {
  const made = Object.getOwnPropertyDescriptor(process, "stdout");
  if (!made?.get || !made.configurable) return attach(process.stdout);
  const get = made.get;
  let attached = false;
  Object.defineProperty(process, "stdout", {
    configurable: true,
    enumerable: made.enumerable,
    get() {
      const stdout = get.call(process) as NodeJS.WriteStream;
      if (!attached) {
        attached = true;
        attach(stdout);
      }
      return stdout;
    },
  });
}
