import type { Command } from "commander";
import { checkFile } from "../compiler/index.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics.js";
import { displayPath } from "../compiler/render.js";
import { formatOption, printDiagnostics, printJsonDiagnostics, type Format } from "./common.js";

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("check specs for syntax, name, argument and shape errors, without running anything")
    .argument("<files...>", ".nn files to check")
    .addOption(formatOption())
    .addHelpText("after", "\nExit status is 1 when any error is found.\n\nExample:\n  nnc check examples/*.nn")
    .action((files: string[], options: { format: Format }) => {
      const diagnostics: Diagnostic[] = [];
      const sources = new Map<string, string>();
      for (const file of files) {
        const result = checkFile(file);
        diagnostics.push(...result.diagnostics);
        for (const [path, text] of result.sources) sources.set(path, text);
      }
      if (options.format === "json") printJsonDiagnostics(diagnostics, sources);
      else if (diagnostics.length > 0) printDiagnostics(diagnostics, sources, process.stdout);
      else {
        const names = files.map((f) => displayPath(f)).join(", ");
        process.stdout.write(`${names}: no problems found\n`);
      }
      if (hasErrors(diagnostics)) process.exitCode = 1;
    });
}
