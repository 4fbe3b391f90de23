/**
 * `nnc fmt FILE... [--check]`: rewrites specs in the canonical layout, or lists those that are not in it.
 */
import path from "node:path";
import type { Command } from "commander";
import { append } from "../compiler/base/arrays.js";
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/index.js";
import { formatSource } from "../compiler/format/index.js";
import { mebibytes, readSourceFile } from "../compiler/bind/workspace.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { fail, printDiagnostics } from "./common.js";

/** Adds `fmt` to the `nnc` command. */
export function registerFmt(program: Command): void {
  program
    .command("fmt")
    .description("format specs in place: 2-space indent, one statement per line, comments kept")
    .argument("<files...>", ".nn files to format")
    .option("--check", "change nothing; list the files that are not formatted")
    .addHelpText(
      "after",
      [
        "",
        "A file with syntax errors is reported and left as it is. Exit status is 1 when a file has syntax errors",
        "or cannot be read or written, or with --check when a file would change.",
        "",
        "Examples:",
        "  nnc fmt examples/*.nn",
        "  nnc fmt --check examples/*.nn",
        "",
      ].join("\n"),
    )
    .action(async (files: string[], options: { check?: boolean }) => {
      const diagnostics: Diagnostic[] = [];
      const sources = new Map<string, string>();
      for (const name of files) {
        const file = path.resolve(name);
        // Only a regular file within the size limit is read: `nnc fmt /dev/zero` or a FIFO must not hang.
        const read = readSourceFile(file);
        if ("size" in read) {
          const size = { size: mebibytes(read.size), limit: mebibytes(read.limit) };
          diagnostics.push(diagnostic("NN1007", { file, span: { start: 0, end: 0 } }, size));
          continue;
        }
        if ("reason" in read) {
          fail(`cannot read ${name}: ${read.reason}`);
          continue;
        }
        const text = read.text;
        const formatted = formatSource(text, file);
        if (formatted.value === null) {
          append(diagnostics, formatted.diagnostics);
          sources.set(file, text);
          continue;
        }
        if (formatted.value === text) continue;
        if (options.check) {
          process.stdout.write(`${displayPath(file)}\n`);
          process.exitCode = 1;
          continue;
        }
        try {
          await writeFileAtomic(file, formatted.value, { keepMode: true });
          process.stdout.write(`formatted ${displayPath(file)}\n`);
        } catch (error) {
          fail(`cannot write ${name}: ${reason(error)}`);
        }
      }
      if (diagnostics.length > 0) {
        printDiagnostics(diagnostics, sources);
        process.exitCode = 1;
      }
    });
}

function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  return message;
}
